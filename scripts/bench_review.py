#!/usr/bin/env python3
"""Review server latency on a real archive: what a reviewer waits for per cell.

Usage: scripts/bench_review.py ARCHIVE.sqlite [DECISIONS]

Works on a copy of the archive (decisions are saved). Starts `nianbao review` on a free
port and times, over DECISIONS queue items (default 100): the queue page, the claim as
an item opens, its two images, and the decision (accepting the proposed value). Prints
median and 95th percentile in milliseconds. Run from the project root after
`cargo build --release`.
"""
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, (time.perf_counter() - start) * 1000


def main():
    src = Path(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    work = Path(tempfile.mkdtemp(prefix="nianbao-bench-review-"))
    db = work / "archive.sqlite"
    shutil.copy(src, db)
    server = subprocess.Popen(
        ["target/release/nianbao", "review", "--db", str(db), "--addr", "127.0.0.1:0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        base = server.stdout.readline().split()[-1].rstrip("/")

        def get(path):
            with urllib.request.urlopen(base + path) as r:
                return r.read()

        def post(path, body):
            req = urllib.request.Request(
                base + path,
                data=json.dumps(body).encode(),
                headers={"Content-Type": "application/json"},
            )
            with urllib.request.urlopen(req) as r:
                return json.loads(r.read())

        times = {"queue (50 items)": [], "claim": [], "cell image": [], "row image": [], "decide": []}
        done = 0
        total = json.loads(get("/api/queue?limit=1"))["total"]
        while done < n:
            q, ms = timed(lambda: json.loads(get("/api/queue?reviewer=bench&limit=50")))
            times["queue (50 items)"].append(ms)
            if not q["items"]:
                break
            for it in q["items"]:
                if done >= n:
                    break
                key = {k: it[k] for k in ("document", "table", "row", "col")}
                _, ms = timed(lambda: post("/api/claim", {**key, "reviewer": "bench"}))
                times["claim"].append(ms)
                if it["has_row_image"]:
                    cell = f"/img/cell/{it['document']}/{it['table']}/{it['row']}/{it['col']}"
                    _, ms = timed(lambda: get(cell))
                    times["cell image"].append(ms)
                    _, ms = timed(lambda: get(f"/img/row/{it['document']}/{it['table']}/{it['row']}"))
                    times["row image"].append(ms)
                body = {**key, "value": it["value"] or "", "version": it["version"], "reviewer": "bench"}
                _, ms = timed(lambda: post("/api/decide", body))
                times["decide"].append(ms)
                done += 1
        print(f"archive {src}: {total} cells queued; {done} decisions")
        for what, t in times.items():
            if t:
                t.sort()
                p95 = t[min(len(t) - 1, int(0.95 * len(t)))]
                print(f"  {what:18} median {statistics.median(t):7.1f} ms   p95 {p95:7.1f} ms   (n={len(t)})")
    finally:
        server.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
