"""Renders synthetic scanned annual reports with exact truth, to fit and test calibration.

python3 models/calibration/render_reports.py OUTDIR [COUNT] [SEED]

Writes OUTDIR/<id>/scan.pdf and OUTDIR/<id>/truth.json (the shape of
`shared/spec/report-model.md`, plus `tier` and `printed_inconsistencies`), so
`shared/bench/score.py` scores them like the benchmark. The reports are made here from
the national format alone: values drawn at random but consistent with the format's
sums (about one report in eight prints a wrong total), own prose, own layouts (fonts,
sizes, column widths, page breaks), and degradations drawn per tier. None of it comes
from the benchmark, so a calibration fitted here is measured honestly there.

Fonts come from Debian packages: fonts-noto-cjk, fonts-wqy-zenhei, fonts-arphic-uming,
fonts-arphic-ukai.
"""
import io, json, math, os, random, sys
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONTS = [
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/ukai.ttc", 0),
]
BOLD = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2)
BASE_DPI = 300
PAGE_W, PAGE_H = 2480, 3508  # A4 at 300 dpi

PLACES = ["永宁", "青山", "临江", "白河", "长乐", "新安", "平阳", "东湖", "西林", "安定",
          "金沙", "石门", "清水", "广德", "丰泽", "河口", "凤台", "云岭", "柳城", "北塘"]
LEVELS = ["区", "县", "市", "镇"]
BODIES = ["民政局", "财政局", "教育局", "卫生健康委员会", "自然资源局", "人民政府办公室",
          "市场监督管理局", "交通运输局", "水利局", "司法局", "生态环境局", "人民政府",
          "住房和城乡建设局", "农业农村局", "统计局", "退役军人事务局", "应急管理局"]
PHRASES = [
    "本年度坚持以人民为中心的发展思想", "认真贯彻落实《中华人民共和国政府信息公开条例》",
    "进一步健全政府信息公开工作机制", "及时回应社会关切", "扎实推进决策、执行、管理、服务、结果公开",
    "依法依规做好政府信息公开申请办理工作", "加强政府网站和政务新媒体建设",
    "持续优化政务公开平台功能", "严格落实保密审查制度", "开展政务公开业务培训",
    "主动公开各类政府信息", "按时办结依申请公开事项", "未发生因政府信息公开引起的行政复议和行政诉讼",
    "公开工作仍存在信息更新不够及时的问题", "下一步将进一步提升公开质量",
    "本报告所列数据统计期限自1月1日起至12月31日止", "如对本报告有疑问请与本机关办公室联系",
]

APPLICANT_COLS = ["natural_person", "commercial_enterprise", "research_institution",
                  "social_welfare_org", "legal_service_org", "other_org", "total"]
REVIEW_COLS = ["upheld", "corrected", "other", "pending", "total"]
REVIEW_ROWS = ["administrative_review", "litigation_direct", "litigation_after_review"]


def result_rows(template):
    """Rows of applications between disclosed and results_total, with their labels:
    (row id, group label or None, item label)."""
    rows = [("disclosed", None, "（一）予以公开"),
            ("partially_disclosed", None, "（二）部分公开（区分处理的，只计这一情形，不计其他情形）")]
    withheld = ["属于国家秘密", "其他法律行政法规禁止公开", "危及“三安全一稳定”", "保护第三方合法权益",
                "属于三类内部事务信息", "属于四类过程性信息", "属于行政执法案卷", "属于行政查询事项"]
    ids = ["state_secret", "prohibited_by_law", "security_stability", "third_party",
           "internal_affairs", "process_info", "enforcement_files", "query_matter"]
    rows += [(f"withheld_{i}", "（三）不予公开", f"{n + 1}.{w}") for n, (i, w) in enumerate(zip(ids, withheld))]
    unav = [("not_held", "本机关不掌握相关政府信息"), ("needs_creation", "没有现成信息需要另行制作"),
            ("unclear", "补正后申请内容仍不明确")]
    rows += [(f"unavailable_{i}", "（四）无法提供", f"{n + 1}.{w}") for n, (i, w) in enumerate(unav)]
    notp = [("petition", "信访举报投诉类申请"), ("repeated", "重复申请"), ("publication", "要求提供公开出版物"),
            ("mass_repeated", "无正当理由大量反复申请"), ("confirmation", "要求行政机关确认或重新出具已获取信息")]
    rows += [(f"not_processed_{i}", "（五）不予处理", f"{n + 1}.{w}") for n, (i, w) in enumerate(notp)]
    if template == "2021":
        oth = [("no_correction", "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
               ("unpaid_fee", "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
               ("other", "其他")]
        rows += [(f"other_{i}", "（六）其他处理", f"{n + 1}.{w}") for n, (i, w) in enumerate(oth)]
    else:
        rows.append(("other", None, "（六）其他处理"))
    return rows


def count(rng, scale):
    """A count as reports print them: mostly 0, else small, now and then large."""
    r = rng.random()
    if r < 0.55:
        return 0
    if r < 0.9:
        return rng.randint(1, max(1, scale))
    return rng.randint(scale, scale * rng.choice([10, 50, 200]))


class Cells:
    """Truth cells of one table, in reading order."""

    def __init__(self, tid, template):
        self.tid, self.template, self.cells = tid, template, []

    def put(self, row, col, value, text=None):
        self.cells.append({"row": row, "col": col, "value": value,
                           "text": str(value) if text is None else text})
        return self.cells[-1]["text"]


def active_values(rng, template):
    t = Cells("active_disclosure", template)
    v = {}
    if template == "2021":
        for r in ["rules", "normative_documents"]:
            issued, repealed = count(rng, 8), count(rng, 3)
            v[r] = [t.put(r, "issued", issued), t.put(r, "repealed", repealed),
                    t.put(r, "in_force", issued + count(rng, 40))]
        for r in ["administrative_license", "administrative_penalty", "administrative_coercion"]:
            v[r] = [t.put(r, "decisions", count(rng, 300))]
    else:
        for r in ["rules", "normative_documents"]:
            made = count(rng, 8)
            v[r] = [t.put(r, "new_made", made), t.put(r, "new_published", made),
                    t.put(r, "total_published", made + count(rng, 40))]
        for r in ["administrative_license", "other_management_services",
                  "administrative_penalty", "administrative_coercion"]:
            prev = count(rng, 60)
            change = rng.randint(-min(prev, 5), 5) if rng.random() < 0.4 else 0
            v[r] = [t.put(r, "previous_year", prev), t.put(r, "change", change),
                    t.put(r, "decisions", count(rng, 300))]
    places = rng.choice([0, 1, 2, 2, 4, 6])
    cents = rng.randint(0, 10 ** places - 1) if places else 0
    whole = rng.choice([0, 0, rng.randint(0, 99), rng.randint(100, 99999)])
    fee = f"{whole}.{cents:0{places}d}" if places else str(whole)
    if template == "2021":
        v["administrative_fees"] = [t.put("administrative_fees", "amount", float(fee) if places else whole, fee)]
    else:
        prev = count(rng, 10)
        v["administrative_fees"] = [t.put("administrative_fees", "previous_year", prev),
                                    t.put("administrative_fees", "change", 0)]
        v["government_procurement"] = [t.put("government_procurement", "items", count(rng, 30)),
                                       t.put("government_procurement", "amount", float(fee) if places else whole, fee)]
    return t, v


def application_values(rng, template, wrong):
    """Values consistent with the format's sums; `wrong` prints one total off."""
    rows = [r for r, _, _ in result_rows(template)]
    busy = rng.random()
    grid = {r: [count(rng, 12) if rng.random() < busy else 0 for _ in range(6)] for r in rows}
    grid["disclosed"][0] += rng.randint(0, 60)
    totals = [sum(grid[r][c] for r in rows) for c in range(6)]
    forward = [count(rng, 4) if rng.random() < 0.4 else 0 for _ in range(6)]
    carried = [rng.randint(0, totals[c] + forward[c]) if rng.random() < 0.3 else 0 for c in range(6)]
    new = [totals[c] + forward[c] - carried[c] for c in range(6)]
    table = {"new_received": new, "carried_over": carried, **grid, "results_total": totals,
             "carried_forward": forward}
    table = {r: v + [sum(v)] for r, v in table.items()}
    incons = []
    if wrong:
        r = rng.choice(["results_total", "disclosed", "new_received"])
        c = rng.randrange(7)
        table[r][c] += rng.choice([-1, 1, 2, 10]) if table[r][c] > 1 else rng.choice([1, 2])
        incons.append({"table": "applications", "cells": [[r, APPLICANT_COLS[c]]],
                       "detail": "a total printed off by the body itself; kept as printed"})
    t = Cells("applications", template)
    for r in ["new_received", "carried_over", *rows, "results_total", "carried_forward"]:
        table[r] = [t.put(r, col, n) for col, n in zip(APPLICANT_COLS, table[r])]
    return t, table, incons


def review_values(rng):
    t = Cells("reviews_litigation", "2021")
    flat = []
    for r in REVIEW_ROWS:
        parts = [count(rng, 3) if rng.random() < 0.3 else 0 for _ in range(4)]
        flat += [t.put(r, col, n) for col, n in zip(REVIEW_COLS, parts + [sum(parts)])]
    return t, flat


class Grid:
    """A table as cells spanning a column grid; rows get heights from their text."""

    def __init__(self, widths):
        self.widths, self.cells, self.nrows = widths, [], 0

    def add(self, r0, r1, c0, c1, text, align="center"):
        self.cells.append((r0, r1, c0, c1, text, align))
        self.nrows = max(self.nrows, r1)


def wrap(draw, text, font, width):
    lines, line = [], ""
    for ch in text:
        if line and draw.textlength(line + ch, font=font) > width:
            lines.append(line)
            line = ""
        line += ch
    return lines + [line] if line else lines or [""]


def active_grid(template, v, w):
    lab = [w * 0.32]
    g = Grid(lab + [w * 0.68 / 3] * 3)
    r = 0

    def head(text):
        nonlocal r
        g.add(r, r + 1, 0, 4, text)
        r += 1

    def cols(names):
        nonlocal r
        g.add(r, r + 1, 0, 1, "信息内容")
        spans = split_cols(len(names))
        for (c0, c1), n in zip(spans, names):
            g.add(r, r + 1, c0, c1, n)
        r += 1

    def row(label, vals):
        nonlocal r
        g.add(r, r + 1, 0, 1, label)
        for (c0, c1), n in zip(split_cols(len(vals)), vals):
            g.add(r, r + 1, c0, c1, n)
        r += 1

    def split_cols(k):
        return [(1, 4)] if k == 1 else [(1, 2), (2, 4)] if k == 2 else [(1, 2), (2, 3), (3, 4)]

    if template == "2021":
        head("第二十条第（一）项")
        cols(["本年制发件数", "本年废止件数", "现行有效件数"])
        row("规章", v["rules"])
        row("行政规范性文件", v["normative_documents"])
        head("第二十条第（五）项")
        cols(["本年处理决定数量"])
        row("行政许可", v["administrative_license"])
        head("第二十条第（六）项")
        cols(["本年处理决定数量"])
        row("行政处罚", v["administrative_penalty"])
        row("行政强制", v["administrative_coercion"])
        head("第二十条第（八）项")
        cols(["本年收费金额（单位：万元）"])
        row("行政事业性收费", v["administrative_fees"])
    else:
        head("第二十条第（一）项")
        cols(["本年新制作数量", "本年新公开数量", "对外公开总数量"])
        row("规章", v["rules"])
        row("规范性文件", v["normative_documents"])
        head("第二十条第（五）项")
        cols(["上一年项目数量", "本年增/减", "处理决定数量"])
        row("行政许可", v["administrative_license"])
        row("其他对外管理服务事项", v["other_management_services"])
        head("第二十条第（六）项")
        cols(["上一年项目数量", "本年增/减", "处理决定数量"])
        row("行政处罚", v["administrative_penalty"])
        row("行政强制", v["administrative_coercion"])
        head("第二十条第（八）项")
        cols(["上一年项目数量", "本年增/减"])
        row("行政事业性收费", v["administrative_fees"])
        head("第二十条第（九）项")
        cols(["采购项目数量", "采购总金额"])
        row("政府集中采购", v["government_procurement"])
    return g


def applications_grid(template, table, w, rng):
    a, b, c = w * rng.uniform(0.05, 0.08), w * rng.uniform(0.08, 0.11), w * rng.uniform(0.2, 0.26)
    rest = (w - a - b - c) / 7
    g = Grid([a, b, c] + [rest] * 7)
    g.add(0, 3, 0, 3, "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）")
    g.add(0, 1, 3, 10, "申请人情况")
    g.add(1, 3, 3, 4, "自然人")
    g.add(1, 2, 4, 9, "法人或其他组织")
    g.add(1, 3, 9, 10, "总计")
    for i, n in enumerate(["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]):
        g.add(2, 3, 4 + i, 5 + i, n)
    r = 3

    def values(row):
        for i, n in enumerate(table[row]):
            g.add(r, r + 1, 3 + i, 4 + i, n)

    g.add(r, r + 1, 0, 3, "一、本年新收政府信息公开申请数量", "left")
    values("new_received")
    r += 1
    g.add(r, r + 1, 0, 3, "二、上年结转政府信息公开申请数量", "left")
    values("carried_over")
    r += 1
    rows = result_rows(template)
    first = r
    i = 0
    while i < len(rows):
        row, group, label = rows[i]
        if group is None:
            g.add(r, r + 1, 1, 3, label, "left")
            values(row)
            r += 1
            i += 1
            continue
        n = sum(1 for x in rows if x[1] == group)
        g.add(r, r + n, 1, 2, group)
        for row, _, label in rows[i:i + n]:
            g.add(r, r + 1, 2, 3, label, "left")
            values(row)
            r += 1
        i += n
    g.add(r, r + 1, 1, 3, "（七）总计", "left")
    values("results_total")
    r += 1
    g.add(first, r, 0, 1, "三、本年度办理结果")
    g.add(r, r + 1, 0, 3, "四、结转下年度继续办理", "left")
    values("carried_forward")
    return g


def reviews_grid(flat, w):
    g = Grid([w / 15] * 15)
    g.add(0, 1, 0, 5, "行政复议")
    g.add(0, 1, 5, 15, "行政诉讼")
    names = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    for i, n in enumerate(names):
        g.add(1, 3, i, i + 1, n)
    g.add(1, 2, 5, 10, "未经复议直接起诉")
    g.add(1, 2, 10, 15, "复议后起诉")
    for i, n in enumerate(names * 2):
        g.add(2, 3, 5 + i, 6 + i, n)
    for i, n in enumerate(flat):
        g.add(3, 4, i, i + 1, n)
    return g


class Writer:
    """Lays text and tables onto A4 pages at 300 dpi, top to bottom."""

    def __init__(self, rng, font_path, body_px, table_px, margin):
        self.rng, self.margin = rng, margin
        self.body = ImageFont.truetype(font_path[0], body_px, index=font_path[1])
        self.table = ImageFont.truetype(font_path[0], table_px, index=font_path[1])
        self.bold = ImageFont.truetype(BOLD[0], int(body_px * 1.3), index=BOLD[1])
        self.head = ImageFont.truetype(BOLD[0], body_px, index=BOLD[1])
        self.pages, self.y = [], 0
        self.rule = rng.choice([2, 3, 3, 4])
        self.new_page()

    def new_page(self):
        self.page = Image.new("L", (PAGE_W, PAGE_H), 255)
        self.draw = ImageDraw.Draw(self.page)
        self.pages.append(self.page)
        self.y = self.margin

    @property
    def width(self):
        return PAGE_W - 2 * self.margin

    def paragraph(self, text, font=None, center=False, indent=True):
        font = font or self.body
        size = font.size
        lines = wrap(self.draw, ("　　" if indent and not center else "") + text, font, self.width)
        for line in lines:
            if self.y + size * 1.6 > PAGE_H - self.margin:
                self.new_page()
            x = self.margin
            if center:
                x = (PAGE_W - self.draw.textlength(line, font=font)) / 2
            self.draw.text((x, self.y), line, font=font, fill=0)
            self.y += int(size * self.rng.uniform(1.5, 1.9))

    def grid(self, g):
        font, pad = self.table, self.table.size * 0.3
        xs = [self.margin]
        for w in g.widths:
            xs.append(xs[-1] + w)
        heights = [font.size * 1.9] * g.nrows
        for r0, r1, c0, c1, text, _ in g.cells:
            if r1 - r0 == 1:
                n = len(wrap(self.draw, text, font, xs[c1] - xs[c0] - 2 * pad))
                heights[r0] = max(heights[r0], n * font.size * 1.25 + 2 * pad)
        # Rows are placed page by page; a cell spanning a break is drawn on both sides.
        tops, page_of = [], []
        for h in heights:
            if self.y + h > PAGE_H - self.margin:
                self.new_page()
            tops.append(self.y)
            page_of.append(len(self.pages) - 1)
            self.y += h
        self.y += font.size
        for r0, r1, c0, c1, text, align in g.cells:
            for p in sorted(set(page_of[r0:r1])):
                rs = [r for r in range(r0, r1) if page_of[r] == p]
                box = (xs[c0], tops[rs[0]], xs[c1], tops[rs[-1]] + heights[rs[-1]])
                self.cell(self.pages[p], box, text if p == page_of[r0] else "", align, font, pad)

    def cell(self, page, box, text, align, font, pad):
        draw = ImageDraw.Draw(page)
        x0, y0, x1, y1 = box
        for a, b in [((x0, y0), (x1, y0)), ((x0, y1), (x1, y1)), ((x0, y0), (x0, y1)), ((x1, y0), (x1, y1))]:
            draw.line([a, b], fill=0, width=self.rule)
        lines = wrap(draw, text, font, x1 - x0 - 2 * pad)
        lh = font.size * 1.25
        y = (y0 + y1) / 2 - lh * len(lines) / 2
        for line in lines:
            tw = draw.textlength(line, font=font)
            x = x0 + pad if align == "left" else (x0 + x1 - tw) / 2
            draw.text((x, y), line, font=font, fill=0)
            y += lh


def prose(rng, k):
    return "，".join(rng.sample(PHRASES, k)) + "。"


def degrade(page, rng, tier, dpi):
    """A scan of `page` in `tier` at `dpi`."""
    if tier == "clean":
        return page
    hard = tier == "hard"
    img = page
    if rng.random() < (0.6 if hard else 0.3):  # broken rules and faded strokes
        mask = Image.effect_noise(img.size, 60).point(lambda v: 255 if v > 150 else 0)
        img = Image.composite(img, img.point(lambda v: min(255, v + 120)), mask.filter(ImageFilter.GaussianBlur(3)).point(lambda v: 255 if v < 128 else 0))
    angle = rng.uniform(-2.5, 2.5) if hard else rng.uniform(-0.8, 0.8)
    img = img.rotate(angle, resample=Image.BICUBIC, fillcolor=255)
    img = img.resize((img.width * dpi // BASE_DPI, img.height * dpi // BASE_DPI), Image.LANCZOS)
    img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.3) if hard else rng.uniform(0.2, 0.7)))
    ink = rng.randint(20, 85) if hard else rng.randint(0, 60)
    paper = rng.randint(205, 240) if hard else rng.randint(225, 250)
    img = img.point(lambda v: int(ink + (paper - ink) * v / 255))
    noise = Image.effect_noise(img.size, rng.uniform(12, 28) if hard else rng.uniform(3, 10))
    img = Image.blend(img, noise, 0.2 if hard else 0.08)
    if hard and rng.random() < 0.5:  # photocopy contrast
        img = img.point(lambda v: 0 if v < 90 else 255 if v > 180 else int((v - 90) * 255 / 90))
    if hard and rng.random() < 0.5:  # a hand mark
        d = ImageDraw.Draw(img)
        x, y = rng.randint(100, img.width - 300), rng.randint(100, img.height - 300)
        d.ellipse((x, y, x + rng.randint(80, 250), y + rng.randint(50, 150)), outline=60, width=3)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=rng.randint(25, 45) if hard else rng.randint(50, 85))
    return Image.open(io.BytesIO(buf.getvalue())).convert("L")


def report(rng, case_id, tier):
    template = rng.choice(["2019", "2021", "2021"])
    year = rng.randint(2019, 2020) if template == "2019" else rng.randint(2021, 2025)
    org = rng.choice(PLACES) + rng.choice(LEVELS) + rng.choice(BODIES)
    wrong = rng.random() < 0.125
    body_px = int(rng.uniform(12, 16) / 72 * BASE_DPI)
    table_px = int(rng.uniform(8.5, 11) / 72 * BASE_DPI)
    w = Writer(rng, rng.choice(FONTS), body_px, table_px, int(rng.uniform(1.8, 2.8) / 2.54 * BASE_DPI))
    w.paragraph(f"{org}{year}年政府信息公开工作年度报告", w.bold, center=True)
    w.paragraph(prose(rng, 3))
    heads = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
             "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]
    w.paragraph(heads[0], w.head, indent=False)
    for _ in range(rng.randint(1, 4)):
        w.paragraph(prose(rng, rng.randint(3, 6)))
    active, av = active_values(rng, template)
    apps, at, incons = application_values(rng, template, wrong)
    revs, flat = review_values(rng)
    w.paragraph(heads[1], w.head, indent=False)
    w.grid(active_grid(template, av, w.width * rng.uniform(0.85, 1.0)))
    w.paragraph(heads[2], w.head, indent=False)
    if rng.random() < 0.3:
        w.new_page()
    w.grid(applications_grid(template, at, w.width, rng))
    w.paragraph(heads[3], w.head, indent=False)
    w.grid(reviews_grid(flat, w.width))
    for h in heads[4:]:
        w.paragraph(h, w.head, indent=False)
        w.paragraph(prose(rng, rng.randint(2, 4)))
    w.paragraph(org, center=False, indent=False)
    w.paragraph(f"{year + 1}年1月{rng.randint(1, 31)}日", indent=False)
    dpi = {"clean": 300, "typical": rng.choice([200, 240, 300]), "hard": rng.choice([150, 170, 200])}[tier]
    scans = [degrade(p, rng, tier, dpi) for p in w.pages]
    truth = {
        "case_id": case_id, "tier": tier, "dpi": dpi,
        "report": {"organization": org, "year": year, "template": template},
        "tables": [{"id": t.tid, "template": t.template, "cells": t.cells} for t in (active, apps, revs)],
        "printed_inconsistencies": incons,
    }
    return scans, truth


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    for i in range(n):
        rng = random.Random(seed * 100_000 + i)
        tier = rng.choice(["clean", "typical", "typical", "hard", "hard"])
        case_id = f"syn-{seed}-{i:03d}-{tier}"
        scans, truth = report(rng, case_id, tier)
        os.makedirs(f"{out}/{case_id}", exist_ok=True)
        scans[0].save(f"{out}/{case_id}/scan.pdf", save_all=True, resolution=truth["dpi"],
                      append_images=scans[1:])
        with open(f"{out}/{case_id}/truth.json", "w") as f:
            json.dump(truth, f, ensure_ascii=False, indent=1)
        print(case_id, flush=True)


if __name__ == "__main__":
    main()
