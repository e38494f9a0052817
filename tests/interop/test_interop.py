#!/usr/bin/env python3
"""lenet against PyTorch, an independent implementation (tools/torch_interop.py, docs/INTEROP.md).

For each built-in model and lenet5-1998's MAP variant: a few training steps give non-trivial
weights; `lenet probe` writes the outputs of 1,000 test images, the loss gradient of 32 and the
weights after one real SGD step, for every kernel set this CPU runs; `torch_interop.py check`
compares them with PyTorch in float32 and float64 (outputs <= 1e-4, gradients and the step
<= 1e-3, relative; predictions identical but at near-ties). A perturbed weight must fail the
check. export -> import must give the lenet file back byte for byte, and a state dict trained
in PyTorch, imported, must evaluate in lenet as in PyTorch.

Exit 0 pass, 1 fail, 77 skip: PyTorch missing (LENET_REQUIRE_TORCH=1 turns that into a failure).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

SKIP = 77
SYS_PYTHON = "/usr/bin/python3"


def need_torch():
    try:
        import numpy  # noqa: F401
        import torch  # noqa: F401
        return True
    except ImportError:
        if os.path.exists(SYS_PYTHON) and os.path.realpath(sys.executable) != os.path.realpath(SYS_PYTHON) \
                and not os.environ.get("LENET_INTEROP_REEXEC"):
            os.environ["LENET_INTEROP_REEXEC"] = "1"
            os.execv(SYS_PYTHON, [SYS_PYTHON] + sys.argv)
        return False


class Suite:
    def __init__(self, a):
        self.a, self.failures, self.summary = a, [], []
        self.tool = [sys.executable, a.tool]
        self.t0 = time.time()

    def stamp(self, what):
        print(f"[{time.time() - self.t0:6.1f} s] {what}", flush=True)

    def run(self, argv, expect=0, what=None):
        r = subprocess.run(argv, capture_output=True, text=True)
        if expect is not None and r.returncode != expect:
            self.fail(f"{what or ' '.join(argv[:3])}: exit {r.returncode}, expected {expect}\n{r.stdout}{r.stderr}")
        return r

    def fail(self, msg):
        print("FAIL " + msg, flush=True)
        self.failures.append(msg.splitlines()[0])

    def path(self, name):
        return os.path.join(self.a.work, name)

    def lenet(self, *args, expect=0):
        return self.run([self.a.lenet, *args], expect, f"lenet {args[0]}")


def kernel_sets(s, model):
    """Every set `lenet info` says the build has (its `built:` list) that this CPU runs: a probe
    with each must succeed, or exit 2 (not on this CPU); scalar and the set auto picks must run."""
    r = s.lenet("info")
    m = re.search(r"^kernels: +(\S+) \(built: ([^)]*)\)", r.stdout, re.M)
    if not m:
        s.fail(f"lenet info: no 'kernels: ISA (built: ...)' line\n{r.stdout}")
        return ["scalar"]
    auto, built = m.group(1), m.group(2).split()
    sets = []
    for k in built:
        r = s.lenet("probe", "--load", model, "--kernels", k, "--count", "1", "--batch", "1",
                    "--out", s.path("kprobe.safetensors"), "--data", s.a.data, expect=None)
        if r.returncode == 0:
            sets.append(k)
        elif k in ("scalar", auto) or r.returncode != 2:
            s.fail(f"lenet probe --kernels {k} (built: {' '.join(built)}; auto picks {auto}): "
                   f"exit {r.returncode}\n{r.stderr}")
    return sets


def check_model(s, name, spec, train_args, ksets):
    """Train, probe with each kernel set, check against PyTorch; return the model file."""
    f = s.path(f"{name}.safetensors")
    s.lenet("train", "--model", spec, "--data", s.a.data, "--epochs", "1", "--threads", "2", "--quiet",
            "--save", f, *train_args)
    probes = []
    for k in ksets:
        probes.append(s.path(f"{name}.probe-{k}.safetensors"))
        s.lenet("probe", "--load", f, "--data", s.a.data, "--count", "1000", "--batch", "32", "--lr", "0.1",
                "--threads", "2", "--kernels", k, "--out", probes[-1])
    report = s.path(f"{name}.check.json")
    r = s.run(s.tool + ["check", f, *probes, "--data", s.a.data, "--json", report], 0, f"check {name}")
    print(r.stdout, end="", flush=True)
    if r.returncode == 0:
        for rep in json.load(open(report)):
            m = {}
            for row in rep["rows"]:
                kind = "elem" if "(elem)" in row["what"] else row["what"].split()[0]
                m[kind] = max(m.get(kind, 0.0), row["vs_f32"], row["vs_f64"]) if kind != "outputs" else \
                    (row["vs_f32"], row["vs_f64"])
            s.summary.append((name, rep["kernels"], m))
    return f, probes


def negative_control(s, model, probes):
    """A weight moved by 1e-3 (about 1% of its size) must fail the check."""
    import torch_interop as ti
    t, meta = ti.read_safetensors(model)
    t["conv2.weight"][3, 2, 2, 2] += 1e-3
    bad = s.path("perturbed.safetensors")
    ti.write_lenet_file(bad, list(t.items()), [(k, v) for k, v in meta.items() if k != "data_crc32"])
    r = s.run(s.tool + ["check", bad, probes[0], "--data", s.a.data], None)
    if r.returncode != 1 or "FAIL" not in r.stdout:
        s.fail(f"check passed a model with a perturbed weight (exit {r.returncode})\n{r.stdout}{r.stderr}")
    else:
        print(f"negative control: a conv2 weight moved by 1e-3 fails the check ({r.stdout.count('FAIL ')} failures)")


def round_trip(s, model):
    """export -> import gives the lenet file back: byte for byte when lenet writes data_crc32,
    else everything but that key."""
    import torch_interop as ti
    pt, back = model + ".pt", model + ".back.safetensors"
    s.run(s.tool + ["export", model, pt])
    s.run(s.tool + ["import", pt, back])
    a, b = open(model, "rb").read(), open(back, "rb").read() if os.path.exists(back) else b""
    if a == b:
        print(f"round trip {os.path.basename(model)}: byte-identical ({len(a)} bytes)")
        return
    ta, ma = ti.read_safetensors(model)
    tb, mb = ti.read_safetensors(back)
    same = "data_crc32" not in ma and list(ta) == list(tb) and all((ta[k] == tb[k]).all() for k in ta) \
        and ma == {k: v for k, v in mb.items() if k != "data_crc32"}
    if not same:
        s.fail(f"export -> import of {model} differs from it")
    else:
        print(f"round trip {os.path.basename(model)}: same tensors and metadata (lenet writes no data_crc32 yet)")


def torch_trained(s, name):
    """Train a fresh module in PyTorch, import its state dict, compare lenet eval with PyTorch."""
    import torch
    import torch_interop as ti
    torch.manual_seed(0)
    net = ti.build_module(name)
    x, y = ti.read_idx(s.a.data, "train")
    opt = torch.optim.SGD(net.parameters(), lr=0.002 if name == "lenet5-1998" else 0.05, momentum=0.9)
    for i in range(40):
        b = slice(64 * i, 64 * (i + 1))
        opt.zero_grad()
        net.loss(net(x[b]), y[b]).backward()
        opt.step()
    pt, f = s.path(f"torch-{name}.pt"), s.path(f"torch-{name}.safetensors")
    torch.save(net.state_dict(), pt)
    s.run(s.tool + ["import", pt, f, "--model", name])
    r = s.lenet("eval", "--load", f, "--data", s.a.data, "--threads", "2", "--json")
    xt, yt = ti.read_idx(s.a.data, "t10k")
    with torch.no_grad():
        out = net(xt)
        loss, acc = float(net.loss(out, yt)), float((net.predict(out) == yt).double().mean())
    try:
        ev = json.loads(r.stdout)
    except ValueError:
        return s.fail(f"lenet eval of {f}: no JSON ({r.stdout!r})")
    tol_acc = 2 / len(yt)  # two near-tie images may go either way
    ok = abs(ev["test_acc"] - acc) <= tol_acc and abs(ev["test_loss"] - loss) <= 1e-4 * max(abs(loss), 1)
    print(f"PyTorch-trained {name} imported: lenet eval accuracy {100 * ev['test_acc']:.2f}% loss "
          f"{ev['test_loss']:.6f}; PyTorch {100 * acc:.2f}% loss {loss:.6f}: " + ("ok" if ok else "FAIL"))
    if not ok:
        s.fail(f"PyTorch-trained {name}: lenet eval differs from PyTorch")


def tool_errors(s, model_pt):
    """One-line errors and exit 1 for a missing file, an unknown model and wrong shapes."""
    import torch
    sd = torch.load(model_pt)["state_dict"]
    plain, bad, out = s.path("plain.pt"), s.path("badshape.pt"), s.path("never.safetensors")
    torch.save(sd, plain)
    sd["conv1.weight"] = torch.zeros(6, 1, 3, 3)
    torch.save(sd, bad)
    for argv, want in [(["export", s.path("missing.safetensors"), out], "No such file"),
                       (["import", plain, out, "--model", "lenet6"], "unknown model 'lenet6'"),
                       (["import", plain, out], "give --model"),
                       (["import", model_pt, out, "--model", "lenet5-1998"], "holds a lenet5"),
                       (["import", bad, out, "--model", "lenet5"], "has shape [6,1,3,3], model lenet5 needs [6,1,5,5]")]:
        r = s.run(s.tool + argv, 1, "torch_interop " + " ".join(argv[:1] + argv[3:]))
        lines = r.stderr.strip().splitlines()
        if len(lines) != 1 or want not in lines[0]:
            s.fail(f"torch_interop {' '.join(argv)}: expected one line with '{want}', got {r.stderr!r}")
    if os.path.exists(out):
        s.fail("a failed import left its output file")
    s.lenet("probe", "--load", s.path("lenet5.safetensors"), expect=2)  # --out is required


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lenet", required=True)
    ap.add_argument("--tool", required=True, help="tools/torch_interop.py")
    ap.add_argument("--work", required=True, help="scratch directory")
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    a = ap.parse_args()
    if not need_torch():
        if os.environ.get("LENET_REQUIRE_TORCH") == "1":
            print("FAIL: PyTorch is not importable and LENET_REQUIRE_TORCH=1 (apt-get install python3-torch)")
            return 1
        print("SKIP: PyTorch is not importable (apt-get install python3-torch; LENET_REQUIRE_TORCH=1 makes this fail)")
        return SKIP
    sys.path.insert(0, os.path.dirname(os.path.abspath(a.tool)))
    import torch_interop as ti
    os.makedirs(a.work, exist_ok=True)
    s, t0 = Suite(a), time.time()
    for name, spec in ti.BUILTIN.items():  # the tool's copies of the built-in specs are lenet's
        r = s.lenet("info", "--model", name)
        if f"spec: {spec}\n" not in r.stdout:
            s.fail(f"torch_interop.BUILTIN['{name}'] differs from lenet info's spec")
    map_spec = ti.BUILTIN["lenet5-1998"] + " map"
    models = [("lenet5", "lenet5", ["--limit", "512"]), ("lenet5-relu", "lenet5-relu", ["--limit", "512"]),
              ("lenet5-1998", "lenet5-1998", ["--limit", "4096"]),
              ("lenet5-1998-map", map_spec, ["--limit", "4096", "--recipe", "lecun98"])]
    ksets = None
    for name, spec, targs in models:
        if ksets is None:
            f0 = s.path("k.safetensors")
            s.lenet("train", "--model", "lenet5", "--data", a.data, "--epochs", "1", "--limit", "64", "--quiet", "--save", f0)
            ksets = kernel_sets(s, f0)
            print(f"kernel sets: {', '.join(ksets)}")
        s.stamp(f"{name}: train, probe, check")
        f, probes = check_model(s, name, spec, targs, ksets)
        if name == "lenet5" and probes:
            s.stamp("negative control")
            negative_control(s, f, probes)
        s.stamp("round trip")
        round_trip(s, f)
    for name in ti.BUILTIN:
        s.stamp(f"{name}: trained in PyTorch, imported, evaluated")
        torch_trained(s, name)
    s.stamp("errors")
    tool_errors(s, s.path("lenet5.safetensors.pt"))
    print("\nmax relative errors (lenet vs PyTorch f32 / f64; tolerances 1e-4 outputs, 1e-3 the rest):")
    print(f"  {'model':16} {'kernels':8} {'outputs f32':>11} {'f64':>9} {'grad norm':>10} {'grad elem':>10} {'SGD step':>9}")
    for name, k, m in s.summary:
        print(f"  {name:16} {k:8} {m['outputs'][0]:11.2e} {m['outputs'][1]:9.2e} {m['grad']:10.2e} {m['elem']:10.2e} "
              f"{m['step']:9.2e}")
    print(f"{len(s.failures)} failure(s) in {time.time() - t0:.1f} s")
    for f in s.failures:
        print("  " + f)
    return 1 if s.failures else 0


if __name__ == "__main__":
    sys.exit(main())
