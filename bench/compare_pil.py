#!/usr/bin/env python3
"""JPEG decode + resize to 28x28: lenet against Pillow on the same files.

Pillow (Debian python3-pil) opens each file, asks draft() for the smallest
DCT-domain scale not below 28x28 (libjpeg's scaled decode, as lenet does),
converts to RGB and resizes with Image.BOX (an area average) to 28x28; one
process per "thread" (a multiprocessing pool: Pillow decodes one image per
process). lenet-bench decode does the same work in C with OpenMP. Both read
the files from the page cache after a warm-up pass; the medians of --reps
passes are printed with their ratio, in one invocation.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare_pytorch import rerun_with_system_python  # noqa: E402


def files_of(folder):
    """The files lenet would consider, in its order (hidden names skipped)."""
    out = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        out += [os.path.join(dirpath, f) for f in sorted(filenames) if not f.startswith(".")]
    return out


def pil_one(path):
    from PIL import Image
    try:
        with Image.open(path) as im:
            im.draft("RGB", (28, 28))
            im.convert("RGB").resize((28, 28), Image.BOX)
        return 1
    except Exception:
        return 0


def pil_pass(paths, procs, pool):
    t0 = time.perf_counter()
    n = sum(pool.map(pil_one, paths, chunksize=64)) if procs > 1 else sum(map(pil_one, paths))
    return n, time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", help="a folder of JPEG class folders (e.g. from build/lenet-idx2jpeg)")
    ap.add_argument("--threads", default="1,2", help="thread (and process) counts (default 1,2)")
    ap.add_argument("--reps", type=int, default=3, help="timed passes per setting (default 3)")
    ap.add_argument("--lenet-bench", default=os.path.join(ROOT, "build", "lenet-bench"))
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    a = ap.parse_args()
    try:
        import PIL
        from PIL import Image  # noqa: F401
    except ImportError:
        rerun_with_system_python()
        print("compare_pil.py: Pillow is not installed (apt-get install python3-pil); nothing to compare")
        return 0
    if not os.path.isdir(a.folder):
        sys.exit(f"compare_pil.py: {a.folder}: not a folder")
    if not os.access(a.lenet_bench, os.X_OK):
        sys.exit(f"compare_pil.py: --lenet-bench {a.lenet_bench}: not an executable (build lenet first)")
    try:
        threads = [int(x) for x in a.threads.split(",") if x]
    except ValueError:
        sys.exit(f"compare_pil.py: --threads {a.threads!r}: expected comma-separated integers")
    paths = files_of(a.folder)
    import multiprocessing as mp
    print(f"decode + resize to 28x28 of {len(paths)} files in {a.folder}: Pillow {PIL.__version__} "
          f"(draft + BOX resize) against lenet-bench decode; medians of {a.reps} passes\n")
    print(f"{'threads':>7} {'Pillow img/s':>13} {'lenet img/s':>12} {'ratio':>7}")
    rows = []
    for t in threads:
        pool = mp.Pool(t) if t > 1 else None
        pil_pass(paths, t, pool)  # warm-up: page cache, imports
        pv = []
        for _ in range(a.reps):
            n, s = pil_pass(paths, t, pool)
            pv.append(n / s)
        if pool:
            pool.close()
            pool.join()
        p = subprocess.run([a.lenet_bench, "decode", a.folder, "--threads", str(t), "--reps", str(a.reps), "--json"],
                           capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"compare_pil.py: lenet-bench decode failed: {p.stderr.strip()}")
        lv = json.loads(p.stdout)["runs"][0]["img_per_s"]
        row = {"threads": t, "pil_img_per_s": statistics.median(pv), "lenet_img_per_s": lv}
        row["ratio"] = lv / row["pil_img_per_s"]
        rows.append(row)
        print(f"{t:>7} {row['pil_img_per_s']:>13.0f} {lv:>12.0f} {row['ratio']:>6.2f}x", flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"folder": a.folder, "files": len(paths), "pillow": PIL.__version__, "rows": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
