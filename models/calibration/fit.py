"""Fits, checks and applies the confidence calibration of `nianbao convert`.

  fit.py fit OUTPUTS CASES [-o calibration.json]
      OUTPUTS: JSON written by `nianbao convert --explain-confidence`; CASES: folders
      with truth.json (made by render_reports.py). Fits, per evidence kind, a monotone
      map from score (read confidence; for a placed
      cell its table's share of sure reads) to the share of cells that are right (isotonic
      regression, pool-adjacent-violators), and writes it as the bundled calibration.
  fit.py evaluate OUTPUTS CASES
      OUTPUTS: ordinary `nianbao convert` JSON. Prints the reliability table (10 bins of
      reported confidence: cells, mean confidence, share right) and the expected
      calibration error, overall and per tier.
  fit.py thresholds OUTPUTS CASES
      OUTPUTS as for fit. For candidate `--review-below` values, the flagged share and
      the wrong cells left unflagged, per tier: what the default is chosen from.

A cell is right when its value equals the truth's (as shared/bench/score.py compares
them); an output cell the truth does not have is wrong. Fit on synthetic reports only,
and evaluate on cases the fit never saw.
"""
import argparse, glob, json, os, sys
from collections import defaultdict
from decimal import Decimal, InvalidOperation

# Fewer cells than this in a pooled block and its share is noise: it joins a neighbour.
MIN_BLOCK = 40


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f, parse_float=Decimal)


def number(v):
    if v is None or (isinstance(v, str) and v.strip() == ""):
        return None
    try:
        return Decimal(str(v).replace(",", ""))
    except InvalidOperation:
        return ("bad", str(v))


def cells(outputs, cases, with_reasons=False):
    """Yields (tier, output cell, right) for every output cell of every case, and with
    `with_reasons` the cell's review reasons too."""
    for truth_path in sorted(glob.glob(os.path.join(cases, "*", "truth.json"))):
        case = os.path.basename(os.path.dirname(truth_path))
        out_path = os.path.join(outputs, case + ".json")
        if not os.path.exists(out_path):
            print(f"warning: no output for {case}", file=sys.stderr)
            continue
        truth = load(truth_path)
        want = {(t["id"], c["row"], c["col"]): number(c["value"])
                for t in truth["tables"] for c in t["cells"]}
        out = load(out_path)
        reasons = defaultdict(list)
        for r in out.get("review", []):
            reasons[(r["table"], r["row"], r["col"])].append(r["reason"])
        for t in out.get("tables", []):
            for c in t["cells"]:
                key = (t["id"], c["row"], c["col"])
                right = key in want and number(c.get("value")) == want[key]
                yield (truth.get("tier", "?"), c, right) + ((reasons[key],) if with_reasons else ())


def pav(points):
    """Isotonic fit of (x, right) points: blocks [x_mean, share, n], x increasing.

    Points at one x form one block first, so knots never share an x."""
    at = defaultdict(lambda: [0, 0])
    for x, y in points:
        at[x][0] += y
        at[x][1] += 1
    blocks = []

    def pool():
        b = blocks.pop()
        a = blocks[-1]
        n = a[2] + b[2]
        blocks[-1] = [(a[0] * a[2] + b[0] * b[2]) / n, (a[1] * a[2] + b[1] * b[2]) / n, n]

    for x in sorted(at):
        right, n = at[x]
        blocks.append([x, right / n, n])
        while len(blocks) > 1 and (blocks[-2][1] >= blocks[-1][1] or blocks[-2][2] < MIN_BLOCK):
            pool()
    # The last block may be small; it joins its neighbour too.
    while len(blocks) > 1 and blocks[-1][2] < MIN_BLOCK:
        pool()
    return blocks


def fit(args):
    by_evidence = defaultdict(list)
    for _, c, right in cells(args.outputs, args.cases):
        if "evidence" not in c:
            sys.exit("fit needs outputs written with --explain-confidence")
        by_evidence[c["evidence"]].append((float(c["score"]), right))
    maps = {}
    for evidence, points in sorted(by_evidence.items()):
        blocks = pav(points)
        # A share from n cells is shrunk towards the middle by one right and one wrong
        # cell, so a block of 40 right cells says 0.976, not certainty.
        knots, last = [], 0.0
        for x, share, n in blocks:
            p = max(last, (share * n + 1) / (n + 2))
            knots.append([round(x, 4), round(p, 4)])
            last = p
        maps[evidence] = knots
        right = sum(r for _, r in points)
        print(f"{evidence:10} cells {len(points):6}  right {right / len(points):.4f}  knots {len(knots)}")
    with open(args.output, "w", encoding="utf-8") as f:
        cases = len(glob.glob(os.path.join(args.cases, "*", "truth.json")))
        json.dump({"fitted_on": f"{cases} cases in {args.cases}", "maps": maps}, f, indent=1)
        f.write("\n")
    print(f"wrote {args.output}")


def reliability(rows, title):
    bins = [[0, 0.0, 0] for _ in range(10)]
    for p, right in rows:
        b = bins[min(int(p * 10), 9)]
        b[0] += 1
        b[1] += p
        b[2] += right
    n = sum(b[0] for b in bins)
    ece = sum(abs(b[2] - b[1]) for b in bins) / n if n else float("nan")
    print(f"\n{title}: {n} cells, ECE {ece:.4f}")
    print("| confidence | cells | mean confidence | right |")
    print("|---|---:|---:|---:|")
    for i, (k, s, r) in enumerate(bins):
        if k:
            print(f"| {i / 10:.1f}–{(i + 1) / 10:.1f} | {k} | {s / k:.3f} | {r / k:.3f} |")
    return ece


def evaluate(args):
    by_tier = defaultdict(list)
    for tier, c, right in cells(args.outputs, args.cases):
        by_tier[tier].append((float(c["confidence"]), right))
    reliability([r for rows in by_tier.values() for r in rows], "all tiers")
    for tier in sorted(by_tier):
        reliability(by_tier[tier], tier)


def thresholds(args):
    by_tier = defaultdict(list)
    for tier, c, right, reasons in cells(args.outputs, args.cases, with_reasons=True):
        if "evidence" not in c:
            sys.exit("thresholds needs outputs written with --explain-confidence")
        # Queued whatever the threshold: a repair, text that is no number, a failed sum.
        always = c["status"] == "repaired" or (
            c.get("value") is None and c.get("text", "").strip() != "") or any(
            r.startswith("check ") for r in reasons)
        by_tier[tier].append((float(c["confidence"]), always, right))
    tiers = sorted(by_tier)
    print("| review below | " + " | ".join(f"{t} flagged | {t} wrong unflagged" for t in tiers) + " |")
    print("|---" * (1 + 2 * len(tiers)) + "|")
    for t in [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.96, 0.97, 0.98, 0.99]:
        row = []
        for tier in tiers:
            rows = by_tier[tier]
            flagged = [always or p < t for p, always, _ in rows]
            missed = sum(1 for f, (_, _, right) in zip(flagged, rows) if not f and not right)
            row.append(f"{100 * sum(flagged) / len(rows):.1f}% | {missed}")
        print(f"| {t} | " + " | ".join(row) + " |")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["fit", "evaluate", "thresholds"])
    ap.add_argument("outputs")
    ap.add_argument("cases")
    ap.add_argument("-o", "--output", default=os.path.join(os.path.dirname(__file__), "calibration.json"))
    args = ap.parse_args()
    {"fit": fit, "evaluate": evaluate, "thresholds": thresholds}[args.command](args)


if __name__ == "__main__":
    main()
