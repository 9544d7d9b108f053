#!/usr/bin/env python3
"""Scores the prose of converted reports against the benchmark's truth, per tier.

Usage: scripts/score_prose.py OUT_DIR [CASES_DIR]

OUT_DIR holds <case>.json (nianbao's output for CASES_DIR/<case>/scan.pdf). Reports:
- headings found: truth sections whose number and heading the output has;
- character error rate (CER) of section text: edit distance over the truth's length,
  summed over all sections (text put into a part the truth has empty counts too), after removing whitespace and folding full-width
  forms to half-width (NFKC): the truth itself mixes "," and "，" for the same glyph;
- preamble CER (text in a preamble the truth has empty counts too), title exact,
  published exact (where the truth has a date).
"""
import json
import os
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

try:
    import numpy as np
except ImportError:
    # The bench scripts' venv has numpy (bench/gray.sh installs it); use it if it is there.
    venv = Path(__file__).resolve().parent.parent / ".nianbao/bench-venv"
    if (venv / "bin/python").is_file() and Path(sys.prefix).resolve() != venv.resolve():
        os.execv(venv / "bin/python", [str(venv / "bin/python"), __file__, *sys.argv[1:]])
    sys.exit("score_prose.py: needs numpy: pip install numpy, or run bench/gray.sh once "
             "(it makes .nianbao/bench-venv with numpy)")


def norm(s):
    return "".join(unicodedata.normalize("NFKC", s).split())


def distance(a, b):
    """Levenshtein distance, a row at a time with numpy (insertions by a running min)."""
    if not a:
        return len(b)
    if not b:
        return len(a)
    bs = np.array([ord(c) for c in b])
    idx = np.arange(len(b) + 1)
    row = idx.copy()
    for i, ca in enumerate(a, 1):
        sub = row[:-1] + (bs != ord(ca))
        temp = np.empty_like(row)
        temp[0] = i
        temp[1:] = np.minimum(row[1:] + 1, sub)
        row = np.minimum.accumulate(temp - idx) + idx
    return int(row[-1])


def main():
    out = Path(sys.argv[1])
    cases = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(__file__).resolve().parents[2] / "shared/bench/cases"
    t = defaultdict(lambda: defaultdict(float))
    for case in sorted(cases.iterdir()):
        truth = json.loads((case / "truth.json").read_text())
        f = out / f"{case.name}.json"
        if not f.exists():
            continue
        doc = json.loads(f.read_text())
        s = t[truth["tier"]]
        s["cases"] += 1
        got = {(x["number"], norm(x["heading"])): x for x in doc.get("sections", [])}
        for sec in truth["sections"]:
            s["headings"] += 1
            mine = got.get((sec["number"], norm(sec["heading"])))
            s["found"] += mine is not None
            # A section the truth has empty (a table-only part) still counts what was
            # put in it: text leaking from a table is an error like any other.
            want = norm(sec["text"])
            s["chars"] += len(want)
            s["errors"] += distance(want, norm(mine["text"]) if mine else "")
        # As for sections: a preamble the truth has empty counts what was put in it
        # (a title leaking into the preamble).
        pre = norm(truth.get("preamble", ""))
        s["pre_chars"] += len(pre)
        s["pre_errors"] += distance(pre, norm(doc.get("preamble", "")))
        s["titles"] += 1
        s["title_ok"] += doc["report"].get("title") == truth["report"]["title"]
        if truth["report"].get("published"):
            s["dates"] += 1
            s["date_ok"] += doc["report"].get("published") == truth["report"]["published"]
    print("| tier | cases | headings found | section CER | preamble CER | title exact | published exact |")
    print("|---|---|---|---|---|---|---|")
    total = defaultdict(float)
    for tier in ["digital", "clean", "typical", "hard"]:
        if tier not in t:
            continue
        s = t[tier]
        for k, v in s.items():
            total[k] += v
        row(tier, s)
    row("all", total)


def row(name, s):
    pct = lambda a, b: f"{100 * a / b:.1f}%" if b else "—"
    print(
        f"| {name} | {int(s['cases'])} | {pct(s['found'], s['headings'])} | {pct(s['errors'], s['chars'])}"
        f" | {pct(s['pre_errors'], s['pre_chars'])} | {pct(s['title_ok'], s['titles'])}"
        f" | {pct(s['date_ok'], s['dates'])} ({int(s['date_ok'])}/{int(s['dates'])}) |"
    )


if __name__ == "__main__":
    main()
