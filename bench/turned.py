"""The bench's scans with every page fed into the scanner turned: each page's scanned
image, as the PDF holds it (no resampling), turned 90°, 180° or 270° (a fixed seed
chooses), written as one lossless multi-page TIFF per report at the scan's own
resolution. With --gray, each page is taken to gray by its luma (ITU-R 601), as a gray
scanner keeps it: a seal's red becomes gray ink; with --bilevel, that gray is cut at one
fixed level into black and white and kept as Group 4 fax, as a bilevel archive scanner
keeps it (faint print falls below the cut and is lost); with --upright it is not turned;
with --dpi N each page is resampled (Lanczos) to N dpi, as a finer scan of it.
Run by bench/turned.sh, bench/gray.sh and bench/fine.sh, with the bench venv's Python (pypdfium2,
Pillow).

Usage: turned.py --cases DIR --out DIR [--tier TIER ...] [--seed N] [--gray | --bilevel]
                 [--upright] [--dpi N] [--limit N]
Writes OUT/<case>.tif and prints each case's turns.
"""
import argparse, os, random

import pypdfium2
from PIL import Image
import pypdfium2.raw as pdfium_c

# A scanner's fixed cut between ink and paper, a little above the middle gray as bilevel
# scanners' defaults sit so that print is kept whole; the bench's faint print is paler.
BILEVEL_CUT = 150


def scanned_pages(path, mode, to_dpi=None):
    """Each page's largest image, kept as `mode` scans it, and its dots per inch: its
    own, or `to_dpi` resampled to before it is kept (a finer scan is cut to bilevel at
    its own resolution)."""
    pdf = pypdfium2.PdfDocument(path)
    for page in pdf:
        images = list(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]))
        if not images:
            # A page with no scan (born-digital) is rendered at 200 dpi instead.
            image, dpi, kept = page.render(scale=200 / 72).to_pil(), 200, mode or "gray"
        else:
            image = max(images, key=lambda i: i.get_px_size()[0]).get_bitmap().to_pil()
            dpi, kept = round(image.width / (page.get_width() / 72)), mode
        if to_dpi:
            size = (round(image.width * to_dpi / dpi), round(image.height * to_dpi / dpi))
            image, dpi = image.convert("RGB").resize(size, Image.LANCZOS), to_dpi
        yield kept_as(image, kept), dpi


def kept_as(image, mode):
    """The image as a colour (None), gray or bilevel scanner keeps it."""
    # Kept in colour where scanned in colour: a seal's red is told from the print by its
    # colour, which gray would lose.
    if mode is None:
        return image if image.mode in ("L", "RGB") else image.convert("RGB")
    image = image.convert("L")
    if mode == "bilevel":
        image = image.point(lambda v: 255 if v >= BILEVEL_CUT else 0).convert("1")
    return image


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--tier", action="append", default=None)
    ap.add_argument("--seed", type=int, default=8)
    ap.add_argument("--gray", action="store_const", const="gray")
    ap.add_argument("--bilevel", dest="gray", action="store_const", const="bilevel")
    ap.add_argument("--upright", action="store_true")
    ap.add_argument("--dpi", type=int, default=None)
    ap.add_argument("--limit", type=int, default=None, help="the first N cases only")
    args = ap.parse_args()
    tiers = args.tier or ["typical", "hard"]
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    cases = [c for c in sorted(os.listdir(args.cases)) if any(c.endswith("-" + t) for t in tiers)]
    for case in cases[: args.limit]:
        pages, turns = [], []
        scan = os.path.join(args.cases, case, "scan.pdf")
        for image, dpi in scanned_pages(scan, args.gray, args.dpi):
            turn = 0 if args.upright else rng.choice([90, 180, 270])
            # PIL turns counterclockwise; the degrees printed are clockwise.
            pages.append(image.rotate(-turn, expand=True))
            turns.append(turn)
        pages[0].save(
            os.path.join(args.out, case + ".tif"),
            save_all=True,
            append_images=pages[1:],
            compression="group4" if args.gray == "bilevel" else "tiff_deflate",
            dpi=(dpi, dpi),
        )
        print(case, " ".join(f"{t}°" for t in turns))


if __name__ == "__main__":
    main()
