"""Lists a converted case's cells that differ from the benchmark truth.

python3 scripts/diff_case.py OUTDIR CASE_ID [BENCH_DIR]
"""
import json, os, sys
from decimal import Decimal

out_dir, case = sys.argv[1], sys.argv[2]
bench = sys.argv[3] if len(sys.argv) > 3 else os.path.join(os.path.dirname(__file__), "../../shared/bench")
truth = json.load(open(os.path.join(bench, "cases", case, "truth.json")), parse_float=Decimal)
out = json.load(open(os.path.join(out_dir, case + ".json")), parse_float=Decimal)
got = {(t["id"], c["row"], c["col"]): c for t in out["tables"] for c in t["cells"]}
for k in ("organization", "year", "template", "published", "title"):
    if str(out["report"].get(k)) != str(truth["report"].get(k)):
        print(f"report.{k}: got {out['report'].get(k)!r} want {truth['report'].get(k)!r}")
for t in truth["tables"]:
    for c in t["cells"]:
        k = (t["id"], c["row"], c["col"])
        g = got.get(k)
        want = c["value"]
        if g is None:
            print("MISSING", k, "want", want)
        elif (g["value"] is None) != (want is None) or (want is not None and Decimal(str(g["value"])) != Decimal(str(want))):
            print("WRONG", k, "got", g["value"], repr(g["text"]), g["confidence"], g["status"], "want", want)
