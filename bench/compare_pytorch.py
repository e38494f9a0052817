#!/usr/bin/env python3
"""Training and inference throughput of lenet and PyTorch, side by side.

For each batch size and thread count this runs the same network (the seed's
LeNet-5: same layers, Glorot-uniform weights and zero biases, cross-entropy,
SGD with lr 0.01 and momentum 0.9) on the same Fashion-MNIST batches in
PyTorch, in this process, then `lenet-bench train --json` with the same
settings, alternating the two --repeats times, and prints the medians and
their ratio. PyTorch's best thread count per batch is reported too, and
inference over the test set (`lenet-bench eval` against PyTorch at batch
1000). --json FILE keeps everything for bench/plot.sh.

PyTorch runs on its BLAS's own best kernels: OPENBLAS_CORETYPE and
OPENBLAS_L2_SIZE (which may pin OpenBLAS to, say, its Haswell kernels on an
AVX-512 machine) are unset for PyTorch's process alone, with
OPENBLAS_VERBOSE=2 so that OpenBLAS names the core it picked ("Core: ...",
printed in the header); the lenet runs get the environment as it was.
--keep-openblas-env runs PyTorch with it as it was too.

Needs python3-torch and python3-numpy (Debian); without them it says so and
exits 0. Figures on a shared machine are noisy: compare the ratios.
"""
import argparse
import gzip
import json
import os
import platform
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"


# Unset for PyTorch's process (this one) before its BLAS loads; kept for lenet.
PEER_UNSET = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
KEPT_ENV = "LENET_COMPARE_KEPT_ENV"  # the original values, across a re-exec
LENET_ENV = None                      # the environment of the lenet-bench runs


def split_environment(keep):
    """Record the OpenBLAS settings as they are (the lenet runs get them
    back), then, unless `keep`, unset PEER_UNSET in this process and ask
    OpenBLAS to name its core. Must run before numpy or torch is imported:
    OpenBLAS reads its environment once, when it loads. Returns the
    variables unset."""
    global LENET_ENV
    names = PEER_UNSET + ("OPENBLAS_VERBOSE",)
    if KEPT_ENV in os.environ:  # re-executed by rerun_with_system_python: already split
        kept = json.loads(os.environ[KEPT_ENV])
    else:
        kept = {k: os.environ.get(k) for k in names}
        os.environ[KEPT_ENV] = json.dumps(kept)
    LENET_ENV = {k: v for k, v in os.environ.items() if k != KEPT_ENV and k not in names}
    LENET_ENV.update({k: v for k, v in kept.items() if v is not None})
    if keep:
        return []
    for k in PEER_UNSET:
        os.environ.pop(k, None)
    os.environ["OPENBLAS_VERBOSE"] = "2"
    return [f"{k}={kept[k]}" for k in PEER_UNSET if kept[k] is not None]


def rerun_with_system_python():
    """A python3 first on PATH (pyenv, venv) may lack Debian's packages that
    /usr/bin/python3 has: re-run the script there, once. Returns only if
    that is not possible."""
    sysp = "/usr/bin/python3"
    if os.path.exists(sysp) and os.path.realpath(sys.executable) != os.path.realpath(sysp) \
            and not os.environ.get("LENET_COMPARE_REEXEC"):
        os.environ["LENET_COMPARE_REEXEC"] = "1"
        os.execv(sysp, [sysp] + sys.argv)


def import_torch():
    """(torch, what its BLAS printed to stderr while loading) with numpy, or
    (None, ""). The BLAS loads with them: its stderr (OPENBLAS_VERBOSE's
    "Core: ...") is captured at the file-descriptor level, and passed on
    apart from that line."""
    import tempfile
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        sys.stderr.flush()
        os.dup2(tmp.fileno(), 2)
        try:
            import numpy  # noqa: F401
            import torch
            torch.ones(64, 64) @ torch.ones(64, 64)
        except ImportError:
            torch = None
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        tmp.seek(0)
        said = tmp.read().decode(errors="replace")
    rest = "".join(ln for ln in said.splitlines(True) if not ln.startswith("Core:"))
    if rest:
        sys.stderr.write(rest)
    if torch is None:
        rerun_with_system_python()
    return torch, said


def openblas_core(said):
    """The OpenBLAS core this process runs: its "Core: X" line, else what
    openblas_get_corename says, else None (not OpenBLAS)."""
    for ln in said.splitlines():
        if ln.startswith("Core:"):
            return ln.split(":", 1)[1].strip()
    import ctypes
    try:
        libs = sorted({ln.split()[-1] for ln in open("/proc/self/maps") if "blas" in ln.split()[-1]})
    except OSError:
        libs = []
    for name in ["libblas.so.3"] + libs:
        try:
            f = getattr(ctypes.CDLL(name), "openblas_get_corename", None)
        except OSError:
            f = None
        if f is not None:
            f.restype = ctypes.c_char_p
            return f().decode(errors="replace")
    return None


def blas_of_torch(torch):
    """(description, set_threads or None): the BLAS library PyTorch's dense
    layers run on, read from this process's mappings after a matrix product.
    Debian's libtorch links libblas.so.3, which is whatever the alternatives
    system points at: OpenBLAS when libopenblas0-* is installed (libtorch
    recommends it), else the unoptimized reference BLAS. OpenBLAS keeps its
    own thread pool, which torch.set_num_threads does not size: we size it
    to each measurement's thread count."""
    import ctypes
    torch.ones(64, 64) @ torch.ones(64, 64)
    try:
        libs = sorted({ln.split()[-1] for ln in open("/proc/self/maps") if "blas" in ln.split()[-1]})
    except OSError:
        libs = []
    setter = None
    for name in ["libblas.so.3"] + [os.path.basename(p) for p in libs]:
        try:
            f = getattr(ctypes.CDLL(name), "openblas_set_num_threads", None)
        except OSError:
            f = None
        if f is not None:
            setter = f
            break
    if any("openblas" in p for p in libs) or setter is not None:
        return "OpenBLAS (" + ", ".join(os.path.basename(p) for p in libs) + ")", setter
    if any("/blas/" in p for p in libs):
        return "reference BLAS (netlib: " + ", ".join(libs) + ")", None
    return (", ".join(libs) or "no separate BLAS library (MKL or built in)"), None


def parse_list(s, what):
    try:
        v = [int(x) for x in s.split(",") if x]
    except ValueError:
        sys.exit(f"compare_pytorch.py: {what} {s!r}: expected comma-separated integers")
    if not v or min(v) < 1:
        sys.exit(f"compare_pytorch.py: {what} {s!r}: expected positive integers")
    return v


def load_idx(path, header):
    import numpy as np
    for p in (path + ".gz", path):
        if os.path.exists(p):
            raw = (gzip.open if p.endswith(".gz") else open)(p, "rb").read()
            return np.frombuffer(raw, np.uint8, offset=header)
    sys.exit(f"compare_pytorch.py: {path}(.gz): not found (install dataset-fashion-mnist or pass --data)")


def load_split(data, split):
    import torch
    x = load_idx(os.path.join(data, f"{split}-images-idx3-ubyte"), 16).reshape(-1, 1, 28, 28)
    y = load_idx(os.path.join(data, f"{split}-labels-idx1-ubyte"), 8).astype("int64")
    return torch.from_numpy(x.copy()), torch.from_numpy(y.copy())


def lenet5(torch):
    nn = torch.nn
    m = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.Tanh(), nn.AvgPool2d(2),
        nn.Conv2d(6, 16, 5, padding=2), nn.Tanh(), nn.AvgPool2d(2),
        nn.Conv2d(16, 120, 5, padding=2), nn.Tanh(), nn.Flatten(),
        nn.Linear(5880, 84), nn.Tanh(), nn.Linear(84, 10))
    for mod in m.modules():  # Keras's defaults, as lenet
        if isinstance(mod, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(mod.weight)
            nn.init.zeros_(mod.bias)
    return m


def set_threads(torch, threads, blas_setter):
    torch.set_num_threads(threads)
    if blas_setter is not None:
        blas_setter(threads)


def lenet5_1998_like(torch):
    """PyTorch's nearest to lenet5-1998: the same shapes (28x28 padded to 32,
    valid 5x5 convolutions, 2x2 average pooling, 120-84-10) but a dense C3,
    plain tanh, fixed pooling and a softmax output: no connection tables,
    trainable subsampling or RBF units in torch.nn."""
    nn = torch.nn
    m = nn.Sequential(
        nn.ZeroPad2d(2), nn.Conv2d(1, 6, 5), nn.Tanh(), nn.AvgPool2d(2),
        nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2),
        nn.Conv2d(16, 120, 5), nn.Tanh(), nn.Flatten(),
        nn.Linear(120, 84), nn.Tanh(), nn.Linear(84, 10))
    for mod in m.modules():
        if isinstance(mod, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(mod.weight)
            nn.init.zeros_(mod.bias)
    return m


MODELS = {"lenet5": lenet5, "lenet5-1998": lenet5_1998_like}


def torch_train(torch, x, y, order, batch, threads, steps, blas_setter=None, model="lenet5"):
    """Median images/s over `steps` SGD steps after 3 warm-up steps; the
    data phase (uint8 -> float) is inside the step, as in lenet."""
    import torch.nn.functional as F
    set_threads(torch, threads, blas_setter)
    torch.manual_seed(1)
    m = MODELS[model](torch)
    opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9)
    span = len(order) - batch + 1
    times = []
    for s in range(-3, steps):
        lo = ((s + 3) * batch) % span
        t0 = time.perf_counter()
        idx = order[lo:lo + batch]
        xb = x[idx].float().div_(255.0)
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(m(xb), y[idx])
        loss.backward()
        opt.step()
        if s >= 0:
            times.append(time.perf_counter() - t0)
    return batch / statistics.median(times)


def torch_eval(torch, x, y, threads, reps, batch=1000, blas_setter=None, model="lenet5"):
    """Median images/s of a pass over the test set: logits, loss, accuracy."""
    import torch.nn.functional as F
    set_threads(torch, threads, blas_setter)
    torch.manual_seed(1)
    m = MODELS[model](torch).eval()
    times = []
    with torch.no_grad():
        for r in range(-1, reps):
            t0 = time.perf_counter()
            right, loss = 0, 0.0
            for lo in range(0, len(y), batch):
                logits = m(x[lo:lo + batch].float().div_(255.0))
                loss += F.cross_entropy(logits, y[lo:lo + batch], reduction="sum").item()
                right += (logits.argmax(1) == y[lo:lo + batch]).sum().item()
            if r >= 0:
                times.append(time.perf_counter() - t0)
    return len(y) / statistics.median(times)


def plural(n, word):
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def run_bench(exe, args):
    """lenet-bench with the environment as it was given (LENET_ENV)."""
    cmd = [exe] + args + ["--json"]
    p = subprocess.run(cmd, capture_output=True, text=True, env=LENET_ENV)
    if p.returncode != 0:
        sys.exit(f"compare_pytorch.py: {' '.join(cmd)} failed (exit {p.returncode}): {p.stderr.strip()}")
    return json.loads(p.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", choices=sorted(MODELS), default="lenet5",
                    help="lenet5 (the seed's; default) or lenet5-1998 (against PyTorch's nearest: dense C3, softmax)")
    ap.add_argument("--batches", default="32,64,256", help="batch sizes (default 32,64,256)")
    ap.add_argument("--threads", default="1,2", help="thread counts (default 1,2)")
    ap.add_argument("--steps", type=int, default=30, help="timed steps per measurement (default 30)")
    ap.add_argument("--repeats", type=int, default=3,
                    help="alternating PyTorch/lenet measurements per setting; medians are reported (default 3)")
    ap.add_argument("--eval-reps", type=int, default=5, help="timed inference passes (default 5)")
    ap.add_argument("--no-eval", action="store_true", help="skip the inference comparison")
    ap.add_argument("--lenet-bench", default=os.path.join(ROOT, "build", "lenet-bench"),
                    help="the lenet-bench binary (default build/lenet-bench)")
    ap.add_argument("--data", default=DEFAULT_DATA, help=f"Fashion-MNIST directory (default {DEFAULT_DATA})")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON (input of bench/plot.sh)")
    ap.add_argument("--keep-openblas-env", action="store_true",
                    help="run PyTorch with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE as set (default: unset for it alone, "
                         "so its BLAS picks its own best kernels; lenet always runs with them as set)")
    a = ap.parse_args()
    batches, threads = parse_list(a.batches, "--batches"), parse_list(a.threads, "--threads")
    if a.steps < 1 or a.repeats < 1 or a.eval_reps < 1:
        sys.exit("compare_pytorch.py: --steps, --repeats and --eval-reps must be at least 1")

    unset = split_environment(a.keep_openblas_env)
    torch, said = import_torch()
    if torch is None:
        print("compare_pytorch.py: PyTorch is not installed (Debian: apt-get install python3-torch python3-numpy); "
              "nothing to compare")
        return 0
    if not os.access(a.lenet_bench, os.X_OK):
        sys.exit(f"compare_pytorch.py: --lenet-bench {a.lenet_bench}: not an executable (build lenet first)")
    import numpy as np
    torch.set_num_interop_threads(1)
    x, y = load_split(a.data, "train")
    order = torch.from_numpy(np.random.default_rng(7).permutation(len(y)))
    cpu = run_bench(a.lenet_bench, ["train", "--steps", "1", "--batch", "8", "--threads", "1", "--data", a.data])["cpu"]
    blas, blas_setter = blas_of_torch(torch)
    core = openblas_core(said) if "OpenBLAS" in blas else None
    what = "the seed's LeNet-5" if a.model == "lenet5" else "lenet5-1998 (PyTorch: its nearest equivalent)"
    print(f"lenet vs PyTorch {torch.__version__}, {what} on Fashion-MNIST, SGD lr 0.01 momentum 0.9")
    print(f"PyTorch's BLAS: {blas}" + ("; its thread pool sized to each thread count" if blas_setter else ""))
    if "OpenBLAS" in blas:
        how = ("with " + " and ".join(unset) + " unset for PyTorch alone (lenet runs with them)" if unset
               else "OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE as set" if a.keep_openblas_env
               else "no OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE set")
        print(f"PyTorch's OpenBLAS core: {core or 'not reported'} ({how})")
    if blas.startswith("reference"):
        print("warning: PyTorch's dense layers run on the unoptimized reference BLAS; libtorch recommends OpenBLAS "
              "(apt-get install libopenblas0-pthread), the comparison that counts")
    print(f"machine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; "
          f"medians of {a.repeats} alternating runs of {a.steps} steps\n")
    hdr = f"{'batch':>5} {'threads':>7} {'PyTorch img/s':>14} {'lenet img/s':>12} {'ratio':>6} " \
          f"{'lenet GFLOP/s':>13} {'%peak':>6} {'lenet speedup':>13}"
    print(hdr)
    rows, best = [], []
    for b in batches:
        one = None
        for t in threads:
            tv, lv, runs = [], [], []
            for _ in range(a.repeats):
                time.sleep(0.2)  # let the other side's spinning worker threads go idle
                tv.append(torch_train(torch, x, y, order, b, t, a.steps, blas_setter, a.model))
                time.sleep(0.2)
                r = run_bench(a.lenet_bench, ["train", "--model", a.model, "--batch", str(b), "--threads", str(t),
                                              "--steps", str(a.steps), "--data", a.data])["runs"][0]
                lv.append(r["img_per_s"])
                runs.append(r)
            mid = sorted(runs, key=lambda r: r["img_per_s"])[len(runs) // 2]
            row = {"batch": b, "threads": t, "torch_img_per_s": statistics.median(tv),
                   "lenet_img_per_s": statistics.median(lv), "torch_runs": tv, "lenet_runs": lv,
                   "lenet_gflops": mid["gflops"], "lenet_peak_fraction": mid["peak_fraction"],
                   "lenet_phase_ms": mid["phase_ms"]}
            row["ratio"] = row["lenet_img_per_s"] / row["torch_img_per_s"]
            if one is None:
                one = row
            sp = row["lenet_img_per_s"] / one["lenet_img_per_s"] if t != one["threads"] else 1.0
            row["lenet_speedup"] = sp
            rows.append(row)
            print(f"{b:>5} {t:>7} {row['torch_img_per_s']:>14.0f} {row['lenet_img_per_s']:>12.0f} "
                  f"{row['ratio']:>5.2f}x {row['lenet_gflops']:>13.1f} {100 * row['lenet_peak_fraction']:>5.1f}% "
                  f"{sp:>12.2f}x", flush=True)
        mine = [r for r in rows if r["batch"] == b]
        tb = max(mine, key=lambda r: r["torch_img_per_s"])
        lb = max(mine, key=lambda r: r["lenet_img_per_s"])
        best.append({"batch": b, "torch_best_threads": tb["threads"], "torch_best_img_per_s": tb["torch_img_per_s"],
                     "lenet_best_threads": lb["threads"], "lenet_best_img_per_s": lb["lenet_img_per_s"],
                     "ratio": lb["lenet_img_per_s"] / tb["torch_img_per_s"]})
    print("\nbest thread count of each, per batch:")
    for r in best:
        print(f"  batch {r['batch']:>4}: PyTorch {r['torch_best_img_per_s']:>6.0f} img/s "
              f"({plural(r['torch_best_threads'], 'thread')}), lenet {r['lenet_best_img_per_s']:>6.0f} img/s "
              f"({plural(r['lenet_best_threads'], 'thread')}): {r['ratio']:.2f}x")
    ev = None
    if not a.no_eval:
        xt, yt = load_split(a.data, "t10k")
        t = max(threads)
        tv = torch_eval(torch, xt, yt, t, a.eval_reps, blas_setter=blas_setter, model=a.model)
        le = run_bench(a.lenet_bench, ["eval", "--model", a.model, "--threads", str(t), "--reps", str(a.eval_reps), "--data", a.data])
        ev = {"threads": t, "images": len(yt), "torch_batch": 1000, "torch_img_per_s": tv,
              "lenet_img_per_s": le["img_per_s"], "ratio": le["img_per_s"] / tv}
        print(f"\ninference, {len(yt)} test images, {plural(t, 'thread')}: PyTorch (batch 1000) {tv:.0f} img/s, "
              f"lenet eval {le['img_per_s']:.0f} img/s: {ev['ratio']:.2f}x")
    if a.json:
        out = {"model": a.model, "torch_version": torch.__version__, "torch_blas": blas, "torch_blas_core": core,
               "torch_env_unset": unset, "cpu": cpu, "cores": os.cpu_count(), "steps": a.steps,
               "repeats": a.repeats, "rows": rows, "best": best, "eval": ev,
               "command": " ".join([os.path.basename(sys.argv[0])] + sys.argv[1:])}
        tmp = a.json + ".tmp"
        with open(tmp, "w") as f:
            json.dump(out, f, indent=1)
        os.replace(tmp, a.json)
        print(f"\nwrote {a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
