"""nianbao against the tools users pick today, on the same pages in one run.

Run by bench/peers.sh, with the bench venv's Python (img2table, rapidocr_onnxruntime,
pypdfium2 from PyPI). Every tool works on one core: nianbao with --jobs 1, Tesseract
in img2table with one thread, onnxruntime with one intra- and inter-op thread.

Times are per document, in process, after each tool has loaded its models once (not
counted): nianbao converts all documents in one `convert` run, so its one start-up is
spread over them. Accuracy is cells exact against each case's truth.json:
  - nianbao: its own JSON, which is the model already.
  - img2table (Tesseract chi_sim): the ruled tables it extracts, mapped by LABELS.
  - RapidOCR (PP-OCR det+rec): its text boxes grouped into lines by their vertical
    overlap, then mapped by LABELS.
The mapper (`map_rows`): a row whose text (its non-numeric cells or boxes) is most like
a known row label (character bigrams, Dice >= 0.5, each row used once) gives that row's
values, its numbers in left-to-right order against the row's columns in printed order;
the 15-number review/litigation row is the row with 15 numbers. Its limits: a value
cell left empty or missed shifts the values after it; a label split over rows or
repeated in merged cells is matched by what is on the row; 2019 and 2021 rows are
told apart only where their labels differ. It is generous where it can be: any row
may match any table's label.
"""
import argparse, json, os, re, shutil, subprocess, sys, tempfile, time
from decimal import Decimal, InvalidOperation

import numpy as np
import pypdfium2

# Enough of each printed row label to tell it from the others (the spec's labels).
LABELS = {
    ("active_disclosure", "rules"): "规章",
    ("active_disclosure", "normative_documents"): "行政规范性文件",
    ("active_disclosure", "administrative_license"): "行政许可",
    ("active_disclosure", "other_management_services"): "其他对外管理服务事项",
    ("active_disclosure", "administrative_penalty"): "行政处罚",
    ("active_disclosure", "administrative_coercion"): "行政强制",
    ("active_disclosure", "administrative_fees"): "行政事业性收费",
    ("active_disclosure", "government_procurement"): "政府集中采购",
    ("applications", "new_received"): "一、本年新收政府信息公开申请数量",
    ("applications", "carried_over"): "二、上年结转政府信息公开申请数量",
    ("applications", "disclosed"): "三、本年度办理结果（一）予以公开",
    ("applications", "partially_disclosed"): "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    ("applications", "withheld_state_secret"): "（三）不予公开1.属于国家秘密",
    ("applications", "withheld_prohibited_by_law"): "2.其他法律行政法规禁止公开",
    ("applications", "withheld_security_stability"): "3.危及“三安全一稳定”",
    ("applications", "withheld_third_party"): "4.保护第三方合法权益",
    ("applications", "withheld_internal_affairs"): "5.属于三类内部事务信息",
    ("applications", "withheld_process_info"): "6.属于四类过程性信息",
    ("applications", "withheld_enforcement_files"): "7.属于行政执法案卷",
    ("applications", "withheld_query_matter"): "8.属于行政查询事项",
    ("applications", "unavailable_not_held"): "（四）无法提供1.本机关不掌握相关政府信息",
    ("applications", "unavailable_needs_creation"): "2.没有现成信息需要另行制作",
    ("applications", "unavailable_unclear"): "3.补正后申请内容仍不明确",
    ("applications", "not_processed_petition"): "（五）不予处理1.信访举报投诉类申请",
    ("applications", "not_processed_repeated"): "2.重复申请",
    ("applications", "not_processed_publication"): "3.要求提供公开出版物",
    ("applications", "not_processed_mass_repeated"): "4.无正当理由大量反复申请",
    ("applications", "not_processed_confirmation"): "5.要求行政机关确认或重新出具已获取信息",
    ("applications", "other_no_correction"): "（六）其他处理1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    ("applications", "other_unpaid_fee"): "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    ("applications", "other_other"): "3.其他",
    ("applications", "other"): "（六）其他处理",
    ("applications", "results_total"): "（七）总计",
    ("applications", "carried_forward"): "四、结转下年度继续办理",
}
NUMBER = re.compile(r"^[-+]?\d[\d,]*(\.\d+)?$")


def number(text):
    t = (text or "").strip().replace(" ", "").replace("，", ",")
    if not NUMBER.match(t):
        return None
    try:
        return Decimal(t.replace(",", ""))
    except InvalidOperation:
        return None


def same(value, truth):
    if truth is None:
        return value is None or value == ""
    v = number(str(value)) if value is not None else None
    return v is not None and v == Decimal(str(truth))


def bigrams(s):
    s = re.sub(r"\s", "", s)
    return {s[i : i + 2] for i in range(len(s) - 1)} or {s}


def dice(a, b):
    x, y = bigrams(a), bigrams(b)
    return 2 * len(x & y) / (len(x) + len(y))


def map_rows(rows, truth):
    """rows: [(label text, [numbers left to right])] -> {(table,row,col): value}."""
    out = {}
    wanted = {}
    for t in truth["tables"]:
        for c in t["cells"]:
            wanted.setdefault((t["id"], c["row"]), []).append(c["col"])
    review_rows = [k for k in wanted if k[0] == "reviews_litigation"]
    fifteen = next((nums for _, nums in rows if len(nums) == 15), None)
    if fifteen is not None and review_rows:
        keys = [(t, r, c) for (t, r) in review_rows for c in wanted[(t, r)]]
        out.update(zip(keys, fifteen))
    pairs = []
    for i, (label, nums) in enumerate(rows):
        if not nums or len(label) < 2:
            continue
        for key in wanted:
            if key in LABELS:
                pairs.append((dice(label, LABELS[key]), i, key))
    used_rows, used_keys = set(), set()
    for score, i, key in sorted(pairs, reverse=True):
        if score < 0.5 or i in used_rows or key in used_keys:
            continue
        used_rows.add(i)
        used_keys.add(key)
        for col, v in zip(wanted[key], rows[i][1]):
            out[(key[0], key[1], col)] = v
    return out


def accuracy(mapped, truth):
    right = total = 0
    for t in truth["tables"]:
        for c in t["cells"]:
            total += 1
            k = (t["id"], c["row"], c["col"])
            if k in mapped and same(mapped[k], c["value"]):
                right += 1
    return right, total


def split_row(texts):
    label = "".join(t for t in texts if number(t) is None and t)
    nums = [str(number(t)) for t in texts if number(t) is not None]
    return label, nums


def img2table_rows(path, ocr):
    from img2table.document import PDF

    rows = []
    for tables in PDF(src=path).extract_tables(ocr=ocr, min_confidence=50).values():
        for table in tables:
            for cells in table.content.values():
                seen, texts = set(), []
                for cell in cells:  # a merged cell repeats in each place it spans
                    if id(cell) in seen or (texts and cell.value == texts[-1] and number(cell.value) is None):
                        continue
                    seen.add(id(cell))
                    texts.append((cell.value or "").strip())
                rows.append(split_row(texts))
    return rows


def rapidocr_rows(path, engine, dpi):
    rows = []
    pdf = pypdfium2.PdfDocument(path)
    for page in pdf:
        img = page.render(scale=dpi / 72).to_numpy()
        result, _ = engine(np.ascontiguousarray(img[:, :, ::-1]))
        boxes = []
        for box, text, _score in result or []:
            ys = [p[1] for p in box]
            xs = [p[0] for p in box]
            boxes.append((min(ys), max(ys), min(xs), text))
        boxes.sort()
        lines = []
        for y0, y1, x0, text in boxes:
            for line in lines:  # half its height overlapping a line's: on that line
                overlap = min(y1, line["y1"]) - max(y0, line["y0"])
                if overlap > 0.5 * min(y1 - y0, line["y1"] - line["y0"]):
                    line["items"].append((x0, text))
                    line["y0"], line["y1"] = min(y0, line["y0"]), max(y1, line["y1"])
                    break
            else:
                lines.append({"y0": y0, "y1": y1, "items": [(x0, text)]})
        for line in lines:
            rows.append(split_row([t for _, t in sorted(line["items"])]))
    pdf.close()
    return rows


def pages_of(path):
    pdf = pypdfium2.PdfDocument(path)
    n = len(pdf)
    pdf.close()
    return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", required=True)
    ap.add_argument("--tier", default="typical")
    ap.add_argument("--limit", type=int, default=10, help="documents of the tier")
    ap.add_argument("--nianbao", required=True)
    ap.add_argument("--tessdata", default=None)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    cases = []
    for cid in sorted(os.listdir(a.cases)):
        tp = os.path.join(a.cases, cid, "truth.json")
        if not os.path.exists(tp):
            continue
        truth = json.load(open(tp, encoding="utf-8"))
        if truth.get("tier") == a.tier:
            cases.append((cid, os.path.join(a.cases, cid, "scan.pdf"), truth))
    cases = cases[: a.limit]
    # Each case's scan under its case's name, so outputs named after inputs differ.
    named = tempfile.mkdtemp()
    for i, (cid, path, truth) in enumerate(cases):
        link = os.path.join(named, cid + ".pdf")
        os.symlink(os.path.abspath(path), link)
        cases[i] = (cid, link, truth)
    pages = sum(pages_of(p) for _, p, _ in cases)
    print(f"{len(cases)} {a.tier} documents, {pages} pages, one core each", file=sys.stderr)
    results = {}

    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        subprocess.run(
            [a.nianbao, "convert", "--tables-only", "--jobs", "1", "-q", "-o", out]
            + [p for _, p, _ in cases],
            check=True,
        )
        secs = time.perf_counter() - t0
        right = total = 0
        for cid, path, truth in cases:
            doc = json.load(open(os.path.join(out, cid + ".json"), encoding="utf-8"))
            mapped = {(t["id"], c["row"], c["col"]): c["value"] for t in doc["tables"] for c in t["cells"]}
            r, n = accuracy(mapped, truth)
            right, total = right + r, total + n
        results["nianbao"] = (secs, right, total)

    from img2table.ocr import TesseractOCR

    ocr = TesseractOCR(n_threads=1, lang="chi_sim", tessdata_dir=a.tessdata)
    secs = right = total = 0
    for cid, path, truth in cases:
        t0 = time.perf_counter()
        rows = img2table_rows(path, ocr)
        secs += time.perf_counter() - t0
        r, n = accuracy(map_rows(rows, truth), truth)
        right, total = right + r, total + n
    results["img2table (Tesseract chi_sim)"] = (secs, right, total)

    from rapidocr_onnxruntime import RapidOCR

    engine = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)
    secs = right = total = 0
    for cid, path, truth in cases:
        t0 = time.perf_counter()
        rows = rapidocr_rows(path, engine, dpi=200)
        secs += time.perf_counter() - t0
        r, n = accuracy(map_rows(rows, truth), truth)
        right, total = right + r, total + n
    results["RapidOCR (PP-OCR, onnxruntime)"] = (secs, right, total)

    ours = results["nianbao"][0] / pages
    faster_peer = min(v[0] for k, v in results.items() if k != "nianbao") / pages
    print(f"\n| tool | s/page | × nianbao's time | cells exact |\n|---|---|---|---|")
    for name, (secs, right, total) in results.items():
        print(f"| {name} | {secs / pages:.2f} | {secs / pages / ours:.1f}× | {100 * right / total:.1f}% ({right}/{total}) |")
    print(f"\nnianbao is {faster_peer / ours:.1f}× faster than the faster peer.")
    shutil.rmtree(named)
    if a.json:
        json.dump({k: {"seconds": s, "pages": pages, "right": r, "cells": n} for k, (s, r, n) in results.items()},
                  open(a.json, "w"), indent=2)


if __name__ == "__main__":
    main()
