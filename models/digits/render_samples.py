"""Renders degraded images of printed numbers, with their text, to train the digit model.

python3 models/digits/render_samples.py OUTDIR [COUNT] [SEED]

Fonts come from Debian packages (fonts-noto-cjk, fonts-wqy-zenhei, fonts-arphic-uming,
fonts-arphic-ukai, fonts-dejavu-core, fonts-liberation2): the typefaces Chinese reports
are set in, or near them (Ming/Song, Kai, Hei, sans, serif). Degradations follow what
archives hold: low resolution, blur, faded ink, uneven paper, noise, JPEG, slight tilt.
Writes OUTDIR/NNNNN.png and OUTDIR/labels.tsv (file, text, font).
"""
import io, os, random, sys
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONTS = [
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/ukai.ttc", 0),
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 0),
    ("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 0),
    ("/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf", 0),
    ("/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf", 0),
    ("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf", 0),
    ("/usr/share/fonts/truetype/liberation2/LiberationMono-Regular.ttf", 0),
]


def number(rng):
    kind = rng.random()
    if kind < 0.35:
        return str(rng.randint(0, 9))
    if kind < 0.75:
        return str(rng.randint(0, 10 ** rng.randint(2, 6)))
    if kind < 0.85:
        return "-" + str(rng.randint(1, 999))
    places = rng.randint(1, 6)
    return f"{rng.randint(0, 9999)}.{rng.randint(0, 10 ** places - 1):0{places}d}"


def render(rng, text, font_path, index):
    size = rng.randint(22, 64)
    font = ImageFont.truetype(font_path, size, index=index)
    paper = rng.randint(205, 255)
    ink = rng.randint(0, min(150, paper - 60))
    left, top, right, bottom = font.getbbox(text)
    pad = size // 2
    img = Image.new("L", (right - left + 2 * pad, bottom - top + 2 * pad), paper)
    ImageDraw.Draw(img).text((pad - left, pad - top), text, font=font, fill=ink)
    if rng.random() < 0.6:
        img = img.rotate(rng.uniform(-1.5, 1.5), resample=Image.BILINEAR, fillcolor=paper)
    # Low resolution: the glyph ends 10–40 px tall, as at 150–300 dpi for 8–12 pt.
    shrink = rng.uniform(1.0, max(1.0, min(3.2, 0.72 * size / 11)))
    small = img.resize((max(8, int(img.width / shrink)), max(8, int(img.height / shrink))), Image.BILINEAR)
    if rng.random() < 0.7:
        small = small.filter(ImageFilter.GaussianBlur(rng.uniform(0.2, 1.3)))
    if rng.random() < 0.6:
        noise = Image.effect_noise(small.size, rng.uniform(4, 28))
        small = Image.blend(small, noise, rng.uniform(0.05, 0.25))
    if rng.random() < 0.7:
        buf = io.BytesIO()
        small.save(buf, "JPEG", quality=rng.randint(25, 92))
        small = Image.open(io.BytesIO(buf.getvalue())).convert("L")
    return small


def main():
    out = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 12000
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 7)
    os.makedirs(out, exist_ok=True)
    fonts = [f for f in FONTS if os.path.exists(f[0])]
    with open(os.path.join(out, "labels.tsv"), "w", encoding="utf-8") as labels:
        for i in range(count):
            text = number(rng)
            path, index = fonts[i % len(fonts)]
            name = f"{i:05d}.png"
            render(rng, text, path, index).save(os.path.join(out, name))
            labels.write(f"{name}\t{text}\t{os.path.basename(path)}\n")


if __name__ == "__main__":
    main()
