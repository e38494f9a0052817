#!/usr/bin/env python3
"""PyTorch interop for lenet model files (docs/INTEROP.md).

  export MODEL.safetensors OUT.pt
      a lenet file -> torch.save({"state_dict", "model", "spec", "input", "classes", "class_names"})
  import IN.pt OUT.safetensors [--model NAME] [--input C,H,W] [--classes N]
      a PyTorch state dict (or an export) -> a lenet file, laid out byte for byte as lenet writes it
  check MODEL.safetensors PROBE.safetensors... [--data DIR] [--json FILE]
      lenet's outputs, gradients and one SGD step (`lenet probe --load MODEL`) against PyTorch's

As a module (sys.path.insert(0, "tools"); import torch_interop):
  build_module(model_name, in_c=1, classes=10)   the nn.Module of a built-in model, freshly initialised
  module_from_spec(spec, in_c, h, w, classes)    the same for any spec of docs/MODELS.md
  load_lenet(path) -> (module, meta)             a lenet file as a float32 module
  load_export(path)                              the module of a file written by export
The module returns logits (softmax models) or RBF distances (prediction: the smallest);
module.loss(out, labels) is lenet's training loss (the batch mean), module.predict(out) its class.

Needs python3-torch and python3-numpy (Debian); run as a script it re-runs itself under
/usr/bin/python3 when the current interpreter lacks them.
"""
import argparse
import copy
import gzip
import json
import os
import re
import sys
import zlib
from collections import OrderedDict

SYS_PYTHON = "/usr/bin/python3"
DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"


def _reexec_for_torch():
    """A python3 first on PATH (pyenv, venv) may lack Debian's torch that
    /usr/bin/python3 has: run the script there instead, once."""
    try:
        import numpy  # noqa: F401
        import torch  # noqa: F401
        return
    except ImportError:
        pass
    if os.path.exists(SYS_PYTHON) and os.path.realpath(sys.executable) != os.path.realpath(SYS_PYTHON) \
            and not os.environ.get("LENET_INTEROP_REEXEC"):
        os.environ["LENET_INTEROP_REEXEC"] = "1"
        os.execv(SYS_PYTHON, [SYS_PYTHON] + sys.argv)
    sys.exit("torch_interop: needs PyTorch and numpy (Debian: apt-get install python3-torch)")


if __name__ == "__main__":
    _reexec_for_torch()

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


class InteropError(Exception):
    """A one-line, user-facing error (bad file, unknown model, wrong shape)."""


# The built-in models as lenet expands them (src/nn/spec.c; `lenet info --model NAME`).
BUILTIN = OrderedDict([
    ("lenet5", "resize 28x28; conv 6 5x5 same; tanh; avgpool 2; conv 16 5x5 same; tanh; avgpool 2; "
               "conv 120 5x5 same; tanh; flatten; dense 84; tanh; dense classes; softmax"),
    ("lenet5-relu", "resize 28x28; conv 6 5x5 same; relu; maxpool 2; conv 16 5x5 same; relu; maxpool 2; "
                    "conv 120 5x5 same; relu; flatten; dense 84; relu; dense classes; softmax"),
    ("lenet5-1998", "init lecun98; pad 2; normalize -0.1 1.175; conv 6 5x5 valid; stanh; subsample 2; stanh; "
                    "conv 16 5x5 valid table lecun98; stanh; subsample 2; stanh; conv 120 5x5 valid; stanh; "
                    "flatten; dense 84; stanh; rbf classes"),
])

# RBF prototypes for 10 classes of 84 inputs: the 7x12 glyphs of docs/MODELS.md
# (src/nn/net.c), '#' +1, '.' -1, side by side as the docs draw them.
GLYPHS = """
.#####. ...##.. .#####. .#####. ....##. ####### ..####. ####### .#####. .#####.
##...## ..###.. ##...## ##...## ...###. ##..... .##.... .....## ##...## ##...##
##...## .####.. .....## .....## ..####. ##..... ##..... ....##. ##...## ##...##
##..### ...##.. .....## .....## .##.##. ######. ######. ....##. ##...## ##...##
##.#.## ...##.. ....##. ..####. ##..##. .....## ##...## ...##.. .#####. .######
##.#.## ...##.. ...##.. .....## ####### .....## ##...## ...##.. ##...## .....##
###..## ...##.. ..##... .....## ....##. .....## ##...## ..##... ##...## .....##
##...## ...##.. .##.... .....## ....##. .....## ##...## ..##... ##...## .....##
##...## ...##.. ##..... ##...## ....##. ##...## ##...## ..##... ##...## ....##.
.#####. .###### ####### .#####. ....##. .#####. .#####. ..##... .#####. .####..
....... ....... ....... ....... ....... ....... ....... ....... ....... .......
....... ....... ....... ....... ....... ....... ....... ....... ....... .......
"""

STANH_A, STANH_S = np.float32(1.7159), np.float32(2.0) / np.float32(3.0)  # kernels/kernels.h


def _xoshiro_bits(seed, n):
    """The low bit of n draws of lenet's PRNG (splitmix64-seeded xoshiro256**, src/core/rng.c)."""
    m = (1 << 64) - 1

    def splitmix(x):
        x = (x + 0x9E3779B97F4A7C15) & m
        z = x
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & m
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & m
        return x, z ^ (z >> 31)

    s, x = [], seed & m
    for _ in range(4):
        x, z = splitmix(x)
        s.append(z)
    rotl = lambda v, k: ((v << k) | (v >> (64 - k))) & m  # noqa: E731
    bits = []
    for _ in range(n):
        bits.append(rotl((s[1] * 5) & m, 7) * 9 & 1)
        t = (s[1] << 17) & m
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
    return bits


def rbf_prototypes(out, inp, seed=1):
    """lenet's fixed +-1 RBF prototypes [out][inp] (ln_rbf_prototypes): the glyphs for up to 10
    classes of 84 inputs, else a code drawn from lenet's PRNG seeded with the training --seed."""
    if out <= 10 and inp == 84:
        rows = [r.split() for r in GLYPHS.strip().splitlines()]
        g = ["".join(r[c] for r in rows) for c in range(out)]
        return torch.tensor([[1.0 if ch == "#" else -1.0 for ch in s] for s in g])
    bits = _xoshiro_bits(seed ^ 0x524246, out * inp)
    return torch.tensor(bits, dtype=torch.float32).view(out, inp) * 2 - 1


def table_lecun98(o, i):
    """1 if C3 map o reads S2 map i in the 1998 paper's Table I (ln_table_connected)."""
    if o < 6:
        return (i - o + 6) % 6 < 3
    if o < 12:
        return (i - (o - 6) + 6) % 6 < 4
    if o < 15:
        return i in ({0, 1, 3, 4}, {1, 2, 4, 5}, {0, 2, 3, 5})[o - 12]
    return True


class Subsample(nn.Module):
    """LeCun's trainable subsampling: each 2x2 window's sum times a per-map coefficient, plus a
    per-map bias (lenet: 4 x the window mean, then the affine)."""

    def __init__(self, c):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(c))
        self.bias = nn.Parameter(torch.zeros(c))

    def forward(self, x):
        return F.avg_pool2d(x, 2) * 4 * self.weight.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)


class TableConv2d(nn.Conv2d):
    """A convolution with a connection table: the weight is multiplied by a 0/1 mask, so an absent
    connection has zero effect and zero gradient (lenet stores it as a zero and never updates it)."""

    def __init__(self, ic, oc, k, pad):
        super().__init__(ic, oc, k, padding=pad)
        mask = torch.tensor([[float(table_lecun98(o, i)) for i in range(ic)] for o in range(oc)])
        self.register_buffer("mask", mask.view(oc, ic, 1, 1), persistent=False)

    def forward(self, x):
        return F.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)


class RBF(nn.Module):
    """Euclidean RBF outputs y_i = sum_j (x_j - w_ij)^2 with fixed prototypes w (a buffer: saved
    in the state dict as 'rbf.weight', never trained)."""

    def __init__(self, out, inp, seed=1):
        super().__init__()
        self.register_buffer("weight", rbf_prototypes(out, inp, seed))

    def forward(self, x):
        return ((x.unsqueeze(1) - self.weight.unsqueeze(0)) ** 2).sum(-1)


def parse_spec(text):
    """The layers of a spec (docs/MODELS.md) as (word, args) tuples; 'init' included."""
    layers = []
    for line in text.splitlines():
        for part in line.split("#")[0].split(";"):
            t = " ".join(re.sub(r"(\d)\s*x\s*(\d)", r"\1 x \2", part).split())
            if not t:
                continue
            pats = [(r"resize (\d+) x (\d+)", "resize"), (r"conv (\d+) (\d+) x (\d+)( same| valid)?( table lecun98)?", "conv"),
                    (r"(avgpool|maxpool|subsample) 2", None), (r"pad (\d+)", "pad"), (r"normalize (\S+) (\S+)", "normalize"),
                    (r"dense (\d+|classes)", "dense"), (r"rbf (\d+|classes)( map)?", "rbf"), (r"init (glorot|lecun98)", "init"),
                    (r"(tanh|relu|sigmoid|stanh|flatten|softmax)", None)]
            for pat, word in pats:
                m = re.fullmatch(pat, t)
                if m:
                    layers.append((word or m.group(1), m.groups() if word else ()))
                    break
            else:
                raise InteropError(f"spec: cannot read layer '{part.strip()}'")
    return layers


class LenetNet(nn.Module):
    """A lenet network in PyTorch, built from its spec. Parameter names and shapes are the lenet
    file's (conv1, sub1, fc1, rbf, ...), so state_dict() and a lenet file map one to one."""

    def __init__(self, spec, in_c=1, in_h=28, in_w=28, classes=10, model="custom", seed=1):
        super().__init__()
        self.model, self.spec, self.input, self.classes = model, spec, (in_c, in_h, in_w), classes
        self.init, self.head, self.map_j, self.ops = "glorot", None, None, []
        c, h, w, n = in_c, in_h, in_w, {"conv": 0, "fc": 0, "sub": 0}
        for word, a in parse_spec(spec):
            if self.head:
                raise InteropError(f"spec: '{word}' after the last layer ({self.head})")
            if word == "init":
                self.init = a[0]
            elif word == "resize":  # no layer when the size is already right (as lenet builds it)
                if (int(a[0]), int(a[1])) != (h, w):
                    h, w = int(a[0]), int(a[1])
                    self.ops.append(("resize", (h, w)))
            elif word == "pad":
                p = int(a[0])
                self.ops.append(("pad", p))
                h, w = h + 2 * p, w + 2 * p
            elif word == "normalize":  # lenet: x * float(hi - lo) + lo, in float32
                lo, hi = np.float32(a[0]), np.float32(a[1])
                self.ops.append(("normalize", (float(hi - lo), float(lo))))
            elif word == "conv":
                n["conv"] += 1
                k, pad = int(a[1]), 0 if a[3] == " valid" else (int(a[1]) - 1) // 2
                name = f"conv{n['conv']}"
                conv = TableConv2d(c, int(a[0]), k, pad) if a[4] else nn.Conv2d(c, int(a[0]), k, padding=pad)
                self.add_module(name, conv)
                self.ops.append(("module", name))
                c, h, w = int(a[0]), h + 2 * pad - k + 1, w + 2 * pad - k + 1
            elif word in ("avgpool", "maxpool", "subsample"):
                if word == "subsample":
                    n["sub"] += 1
                    self.add_module(f"sub{n['sub']}", Subsample(c))
                    self.ops.append(("module", f"sub{n['sub']}"))
                else:
                    self.ops.append((word, None))
                h, w = h // 2, w // 2
            elif word == "flatten":
                self.ops.append(("flatten", None))
                c, h, w = c * h * w, 1, 1
            elif word == "dense":
                n["fc"] += 1
                units = classes if a[0] == "classes" else int(a[0])
                self.add_module(f"fc{n['fc']}", nn.Linear(c, units))
                self.ops.append(("module", f"fc{n['fc']}"))
                c = units
            elif word == "rbf":
                self.add_module("rbf", RBF(classes if a[0] == "classes" else int(a[0]), c, seed))
                self.ops.append(("module", "rbf"))
                self.head, self.map_j = "rbf", (1.0 if a[1] else None)
            elif word == "softmax":
                self.head = "softmax"
            else:
                self.ops.append((word, None))
        if not self.head:
            raise InteropError("spec: the last layer must be softmax or rbf")
        self.reset_parameters(seed)

    def reset_parameters(self, seed=1):
        """lenet's initialisation rules (ln_net_init), drawn from PyTorch's generator: Glorot-uniform
        weights and zero biases, or with 'init lecun98' weights and biases uniform in +-2.4/fan-in;
        subsampling always +-2.4/4; a table's absent weights zero."""
        g = torch.Generator().manual_seed(seed)
        for name, m in self.named_children():
            if isinstance(m, RBF):
                continue
            w = m.weight
            ksz = w.shape[2] * w.shape[3] if w.dim() == 4 else 1
            fan_in, fan_out = (w.shape[1] * ksz, w.shape[0] * ksz) if w.dim() > 1 else (4.0, 4.0)
            if isinstance(m, TableConv2d):
                fan_in = float(m.mask.sum()) * ksz / w.shape[0]
            lecun = self.init == "lecun98" or isinstance(m, Subsample)
            limit = 2.4 / fan_in if lecun else (6.0 / (fan_in + fan_out)) ** 0.5
            with torch.no_grad():
                w.copy_((torch.rand(w.shape, generator=g) * 2 - 1) * limit)
                if isinstance(m, TableConv2d):
                    w.mul_(m.mask)
                m.bias.copy_((torch.rand(m.bias.shape, generator=g) * 2 - 1) * limit if self.init == "lecun98"
                             else torch.zeros(m.bias.shape))

    def forward(self, x):
        """x: [n][c][h][w] pixels in [0, 1] -> logits [n][classes] (softmax models) or RBF
        distances [n][classes]."""
        for op, a in self.ops:
            if op == "module":
                x = getattr(self, a)(x)
            elif op == "resize":
                x = F.interpolate(x, size=a, mode="bilinear", align_corners=False)
            elif op == "pad":
                x = F.pad(x, (a, a, a, a))
            elif op == "normalize":
                x = x * a[0] + a[1]
            elif op == "avgpool":
                x = F.avg_pool2d(x, 2)
            elif op == "maxpool":
                x = F.max_pool2d(x, 2)
            elif op == "flatten":
                x = torch.flatten(x, 1)
            elif op == "tanh":
                x = torch.tanh(x)
            elif op == "relu":
                x = torch.relu(x)
            elif op == "sigmoid":
                x = torch.sigmoid(x)
            elif op == "stanh":
                x = float(STANH_A) * torch.tanh(float(STANH_S) * x)
        return x

    def loss(self, out, labels):
        """lenet's training loss, the mean over the batch: cross-entropy; or the correct class's RBF
        distance, plus log(e^-j + sum_i e^-y_i) with j = 1 for 'rbf ... map'."""
        if self.head == "softmax":
            return F.cross_entropy(out, labels)
        y = out.gather(1, labels.view(-1, 1)).squeeze(1)
        if self.map_j is not None:
            j = torch.full_like(out[:, :1], -self.map_j)
            y = y + torch.logsumexp(torch.cat([j, -out], 1), 1)
        return y.mean()

    def predict(self, out):
        return out.argmin(1) if self.head == "rbf" else out.argmax(1)


def module_from_spec(spec, in_c=1, h=28, w=28, classes=10, model="custom", seed=1):
    return LenetNet(spec, in_c, h, w, classes, model, seed)


def build_module(model_name, in_c=1, classes=10, seed=1):
    """A built-in model (lenet5, lenet5-relu, lenet5-1998) for 28x28 images, freshly initialised."""
    if model_name not in BUILTIN:
        raise InteropError(f"unknown model '{model_name}' (built-in: {', '.join(BUILTIN)})")
    return LenetNet(BUILTIN[model_name], in_c, 28, 28, classes, model_name, seed)


# ---------------------------------------------------------------- safetensors

def read_safetensors(path):
    """(OrderedDict name -> float32 array, metadata dict) of a safetensors file of F32 tensors."""
    try:
        with open(path, "rb") as f:
            buf = f.read()
    except OSError as e:
        raise InteropError(f"{path}: {e.strerror}")
    n = int.from_bytes(buf[:8], "little") if len(buf) >= 8 else -1
    if n < 0 or n > len(buf) - 8:
        raise InteropError(f"{path}: not a safetensors file (bad header length)")
    try:
        header = json.loads(buf[8:8 + n], object_pairs_hook=OrderedDict)
    except ValueError as e:
        raise InteropError(f"{path}: bad JSON header: {e}")
    meta, data, out = header.pop("__metadata__", {}), buf[8 + n:], OrderedDict()
    for name, t in header.items():
        if t.get("dtype") != "F32":
            raise InteropError(f"{path}: tensor '{name}' is {t.get('dtype')}, lenet files hold F32 only")
        (b, e), count = t["data_offsets"], int(np.prod(t["shape"], dtype=np.int64))
        if not 0 <= b <= e <= len(data) or e - b != 4 * count:
            raise InteropError(f"{path}: tensor '{name}' data_offsets {[b, e]} do not fit shape {t['shape']}")
        out[name] = np.frombuffer(data, "<f4", count, b).reshape(t["shape"]).astype(np.float32)
    return out, meta


def write_lenet_file(path, tensors, meta):
    """Write tensors [(name, array)] and metadata [(key, value)] as lenet does (docs/FORMAT.md):
    compact JSON, metadata first ending with data_crc32 (zlib CRC-32 of the data section) and
    file_crc32 (CRC-32 of the whole file, its own 8 digits counted as "00000000"), the header
    padded with spaces to a multiple of 8, data packed in order; atomically replaced."""
    arrays = [(k, np.ascontiguousarray(a, dtype="<f4")) for k, a in tensors]
    data = b"".join(a.tobytes() for _, a in arrays)
    crcs = [("data_crc32", f"{zlib.crc32(data) & 0xffffffff:08x}"), ("file_crc32", "00000000")]
    header, off = OrderedDict([("__metadata__", OrderedDict(list(meta) + crcs))]), 0
    for name, a in arrays:
        header[name] = OrderedDict([("dtype", "F32"), ("shape", list(a.shape)), ("data_offsets", [off, off + a.nbytes])])
        off += a.nbytes
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    # the value's place: inside JSON strings every '"' is escaped, so this text is the key itself
    at = text.index(b'"file_crc32":"00000000"') + len(b'"file_crc32":"')
    blob = len(text).to_bytes(8, "little") + text + data
    text = text[:at] + f"{zlib.crc32(blob) & 0xffffffff:08x}".encode() + text[at + 8:]
    tmp = f"{path}.tmp.{os.getpid()}"
    try:
        with open(tmp, "wb") as f:
            f.write(len(text).to_bytes(8, "little") + text + data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise InteropError(f"{path}: cannot write: {e.strerror}")


def _shape(a):
    return "[" + ",".join(str(d) for d in a.shape) + "]"


def _load_state(module, state, src):
    """Copy state (name -> array or tensor) into module, checking names and shapes one by one."""
    want = module.state_dict()
    missing = [k for k in want if k not in state]
    extra = [k for k in state if k not in want]
    if missing or extra:
        raise InteropError(f"{src}: " + (f"tensor '{missing[0]}' is missing" if missing else f"unexpected tensor '{extra[0]}'")
                           + f" for model {module.model} (it has {', '.join(want)})")
    got = {k: state[k].detach().cpu().float() if torch.is_tensor(state[k]) else torch.from_numpy(np.asarray(state[k], np.float32))
           for k in want}
    for k, v in want.items():
        if got[k].shape != v.shape:
            raise InteropError(f"{src}: tensor '{k}' has shape {_shape(got[k])}, model {module.model} needs {_shape(v)}")
    module.load_state_dict(got)
    return module


def load_lenet(path):
    """(float32 module with the file's weights, metadata) of a lenet model file."""
    tensors, meta = read_safetensors(path)
    if meta.get("format") != "lenet":
        raise InteropError(f"{path}: not a lenet model file (no format 'lenet' in __metadata__)")
    try:
        c, h, w = (int(v) for v in meta["input"].split(","))
        classes, model = int(meta["classes"]), meta["model"]
    except (KeyError, ValueError):
        raise InteropError(f"{path}: bad lenet metadata (model, input, classes)")
    spec = meta.get("spec") or BUILTIN.get(model)
    if not spec:
        raise InteropError(f"{path}: no spec in the metadata and '{model}' is not a built-in model")
    return _load_state(LenetNet(spec, c, h, w, classes, model), tensors, path), meta


def load_export(path):
    """The module of a file written by 'export' (its weights loaded)."""
    d = torch.load(path, map_location="cpu")
    net = LenetNet(d["spec"], *d["input"], d["classes"], d["model"])
    net.load_state_dict(d["state_dict"])
    return net


def lenet_meta(module, class_names=None):
    """The metadata lenet writes for a model, in its order (ln_model_save), data_crc32 aside."""
    m = [("format", "lenet"), ("format_version", "1"), ("model", module.model), ("spec", module.spec),
         ("input", ",".join(str(v) for v in module.input)), ("classes", str(module.classes))]
    return m + ([("class_names", class_names)] if class_names is not None else [])


def save_lenet(module, path, class_names=None):
    """Write a module's weights as a lenet model file (absent table weights stored as zeros)."""
    tensors = []
    for k, v in module.state_dict().items():
        mod = getattr(module, k.split(".")[0])
        if isinstance(mod, TableConv2d) and k.endswith(".weight"):
            v = v * mod.mask
        tensors.append((k, v.detach().float().cpu().numpy()))
    write_lenet_file(path, tensors, lenet_meta(module, class_names))


# ---------------------------------------------------------------- commands

def cmd_export(a):
    module, meta = load_lenet(a.model_file)
    torch.save({"format": "lenet-torch", "model": module.model, "spec": module.spec, "input": list(module.input),
                "classes": module.classes, "class_names": meta.get("class_names"),
                "state_dict": module.state_dict()}, a.out)
    print(f"{a.out}: {module.model}, {len(module.state_dict())} tensors")


def cmd_import(a):
    if not os.path.exists(a.pt):
        raise InteropError(f"{a.pt}: no such file")
    try:
        obj = torch.load(a.pt, map_location="cpu")
    except Exception as e:  # torch raises many kinds on a bad file
        raise InteropError(f"{a.pt}: not a PyTorch file ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})")
    info = obj if isinstance(obj, dict) and "state_dict" in obj else {}
    state = obj.state_dict() if isinstance(obj, nn.Module) else info.get("state_dict", obj)
    if not isinstance(state, dict) or not all(torch.is_tensor(v) for v in state.values()):
        raise InteropError(f"{a.pt}: holds no state dict (a mapping of names to tensors)")
    model = a.model or info.get("model")
    if not model:
        raise InteropError(f"{a.pt}: which model? give --model ({', '.join(BUILTIN)})")
    if a.model and info.get("model") and a.model != info["model"]:
        raise InteropError(f"{a.pt}: --model {a.model}, but the file holds a {info['model']}")
    spec = info.get("spec") if model == info.get("model") else None
    spec = spec or BUILTIN.get(model)
    if not spec:
        raise InteropError(f"unknown model '{model}' (built-in: {', '.join(BUILTIN)})")
    first, last = next(iter(state.values())), list(state.values())[-1]  # conv1.weight; fc2.bias or rbf.weight
    c, h, w = info.get("input") or (first.shape[1] if first.dim() > 1 else 1, 28, 28)
    if a.input:
        try:
            c, h, w = (int(v) for v in a.input.split(","))
        except ValueError:
            raise InteropError(f"--input: '{a.input}' is not C,H,W")
    classes = a.classes or info.get("classes") or last.shape[0]
    module = _load_state(LenetNet(spec, c, h, w, classes, model), state, a.pt)
    save_lenet(module, a.out, info.get("class_names"))
    print(f"{a.out}: {model}, input {c},{h},{w}, {classes} classes, {len(state)} tensors")


def read_idx(data, split):
    """Images [n][1][h][w] as float32 in [0,1] (lenet's u8 * (1/255), in float32) and labels."""
    def raw(name):
        for p in (f"{data}/{name}", f"{data}/{name}.gz"):
            if os.path.exists(p):
                with (gzip.open if p.endswith(".gz") else open)(p, "rb") as f:
                    return f.read()
        raise InteropError(f"{data}: no {name}[.gz] (an MNIST-format directory is needed)")
    img, lab = raw(f"{split}-images-idx3-ubyte"), raw(f"{split}-labels-idx1-ubyte")
    n, h, w = (int.from_bytes(img[4 * i:4 * i + 4], "big") for i in (1, 2, 3))
    x = np.frombuffer(img, np.uint8, n * h * w, 16).reshape(n, 1, h, w).astype(np.float32) * np.float32(1.0 / 255.0)
    return torch.from_numpy(x), torch.from_numpy(np.frombuffer(lab, np.uint8, n, 8).astype(np.int64))


# Error measures (docs/INTEROP.md). FLOOR: outputs under 1 in magnitude are compared absolutely.
FLOOR = 1.0


def out_err(a, b):
    """max_i |a_i - b_i| / max(|b_i|, FLOOR)."""
    return float((np.abs(a - b) / np.maximum(np.abs(b), FLOOR)).max())


def norm_err(a, b):
    """||a - b||_2 / ||b||_2 over a whole tensor (0 if both are 0)."""
    d, r = float(np.linalg.norm((a - b).ravel())), float(np.linalg.norm(b.ravel()))
    return d / r if r > 0 else d


def elem_err(a, b):
    """max_i |a_i - b_i| / max(|b_i|, 1e-2 max|b|): elementwise, with small entries measured
    against 1% of the tensor's largest."""
    floor = max(1e-2 * float(np.abs(b).max()), 1e-30)
    return float((np.abs(a - b) / np.maximum(np.abs(b), floor)).max())


def torch_reference(module, x, y, batch, lr):
    """Outputs on x, the loss and gradients on x[:batch], and the weights after one SGD step (of a
    copy: module is left as it was)."""
    module = copy.deepcopy(module)
    out = module(x).detach()
    module.zero_grad()
    loss = module.loss(module(x[:batch]), y[:batch])
    loss.backward()
    grads = {k: p.grad.detach().clone() for k, p in module.named_parameters()}
    w0 = {k: p.detach().clone() for k, p in module.named_parameters()}
    torch.optim.SGD(module.parameters(), lr=lr, momentum=0.0, weight_decay=0.0).step()
    step = {k: p.detach().clone() for k, p in module.named_parameters()}
    return {"out": out, "loss": float(loss), "grads": grads, "w0": w0, "step": step}


def compare(module, probe, meta, r32, r64, x, tol_out, tol_grad):
    """Rows (what, err vs torch f32, err vs f64, torch f32 vs f64, tolerance) and failure notes."""
    n, np64 = int(meta["count"]), lambda t: t.double().numpy()
    rows, bad = [], []
    lo = probe["logits"].astype(np.float64)
    rows.append(("outputs", out_err(lo, np64(r32["out"][:n])), out_err(lo, np64(r64["out"][:n])),
                 out_err(np64(r32["out"][:n]), np64(r64["out"][:n])), tol_out))
    # predictions: identical except where PyTorch's (f64) top two are within 1e-5 (relative, floor 1)
    ref = r64["out"][:n]
    top2 = (ref if module.head == "softmax" else -ref).topk(2, 1).values
    near = ((top2[:, 0] - top2[:, 1]).abs() <= 1e-5 * top2[:, 0].abs().clamp(min=1.0)).numpy()
    differ = probe["pred"].astype(np.int64) != module.predict(r32["out"][:n]).numpy()
    if (differ & ~near).any():
        bad.append(f"predictions differ on {int((differ & ~near).sum())} of {n} images")
    rows.append(("loss", abs(float(probe["loss"]) - r32["loss"]) / max(abs(r32["loss"]), FLOOR),
                 abs(float(probe["loss"]) - r64["loss"]) / max(abs(r64["loss"]), FLOOR),
                 abs(r32["loss"] - r64["loss"]) / max(abs(r64["loss"]), FLOOR), tol_out))
    for k in r32["grads"]:
        g, s = probe["grad." + k].astype(np.float64), probe["step." + k].astype(np.float64)
        g32, g64 = np64(r32["grads"][k]), np64(r64["grads"][k])
        rows.append((f"grad {k}", norm_err(g, g32), norm_err(g, g64), norm_err(g32, g64), tol_grad))
        rows.append((f"grad {k} (elem)", elem_err(g, g32), elem_err(g, g64), elem_err(g32, g64), tol_grad))
        # the step's error relative to the update's size: ||w1 - w1_ref|| / ||w1_ref - w0||
        d32 = np64(r32["step"][k]) - np64(r32["w0"][k])
        d64 = np64(r64["step"][k]) - np64(r64["w0"][k])
        rows.append((f"step {k}", norm_err(s - np64(r32["w0"][k]), d32), norm_err(s - np64(r64["w0"][k]), d64),
                     norm_err(d32, d64), tol_grad))
        mod = getattr(module, k.split(".")[0])
        if isinstance(mod, TableConv2d) and k.endswith(".weight"):
            absent = (mod.mask.expand_as(mod.weight) == 0).numpy()
            if g[absent].any() or s[absent].any():
                bad.append(f"{k}: an absent table connection has a nonzero gradient or weight")
    for what, e32, e64, _, tol in rows:
        if not (e32 <= tol and e64 <= tol):
            bad.append(f"{what}: error {max(e32, e64):.2e} > {tol:g}")
    return rows, bad


def worst(rows, kind):
    """The row of the largest error among gradients (norm), gradients (elementwise) or steps."""
    pick = [r for r in rows if r[0].startswith("step" if kind == "step" else "grad") and (kind == "elem") == ("(elem)" in r[0])]
    r = max(pick, key=lambda r: max(r[1], r[2]))
    label = {"grad": "grad (norm)", "elem": "grad (elementwise)", "step": "SGD step"}[kind]
    return (f"{label}, worst: {r[0].split()[1]}",) + r[1:]


def cmd_check(a):
    torch.set_num_threads(a.threads)
    torch.use_deterministic_algorithms(True)
    m32, meta = load_lenet(a.model_file)
    m64 = LenetNet(m32.spec, *m32.input, m32.classes, m32.model).double()
    m64.load_state_dict({k: v.double() for k, v in m32.state_dict().items()})
    probes = [read_safetensors(p) + (p,) for p in a.probes]
    n = max(int(pm.get("count", 0)) for _, pm, _ in probes)
    x, y = read_idx(a.data, "t10k")
    x, y = x[:n], y[:n]
    refs, report, failed = {}, [], False
    for probe, pm, path in probes:
        if pm.get("format") != "lenet-probe":
            raise InteropError(f"{path}: not written by 'lenet probe'")
        if pm.get("spec") != m32.spec:
            raise InteropError(f"{path}: probes another network than {a.model_file} (their specs differ)")
        key = (int(pm["batch"]), float(pm["lr"]))
        if key not in refs:  # PyTorch's side once per batch and rate, shared by the kernel sets
            refs[key] = (torch_reference(m32, x, y, *key), torch_reference(m64, x.double(), y, *key))
        rows, bad = compare(m32, probe, pm, *refs[key], x, a.tol_outputs, a.tol_grad)
        print(f"{m32.model} kernels {pm['kernels']}: outputs of {pm['count']} images, gradient and one SGD step "
              f"(lr {float(pm['lr']):g}) on {pm['batch']}: " + ("FAIL" if bad else "ok"))
        print(f"  {'relative error':36} {'vs torch f32':>12} {'vs f64':>9} {'f32 vs f64':>10} {'tol':>6}")
        shown = rows if a.verbose else rows[:2] + [worst(rows, w) for w in ("grad", "elem", "step")]
        for what, e32, e64, e3264, tol in shown:
            print(f"  {what:36} {e32:12.2e} {e64:9.2e} {e3264:10.2e} {tol:6.0e}")
        for b in bad:
            print(f"  FAIL {b}")
        failed |= bool(bad)
        report.append({"model": m32.model, "kernels": pm["kernels"], "probe": path, "ok": not bad, "failures": bad,
                       "rows": [dict(zip(("what", "vs_f32", "vs_f64", "f32_vs_f64", "tol"), r)) for r in rows]})
    if a.json:
        with open(a.json, "w") as f:
            json.dump(report, f, indent=1)
    return 1 if failed else 0


def main(argv=None):
    ap = argparse.ArgumentParser(prog="torch_interop.py", description=__doc__.split("\n\nAs a module")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True, metavar="{export,import,check}")
    p = sub.add_parser("export", help="a lenet model file -> a PyTorch file (state dict + what rebuilds the module)")
    p.add_argument("model_file", metavar="MODEL.safetensors")
    p.add_argument("out", metavar="OUT.pt")
    p = sub.add_parser("import", help="a PyTorch state dict -> a lenet model file")
    p.add_argument("pt", metavar="IN.pt", help="torch.save of a state dict, a module, or an export")
    p.add_argument("out", metavar="OUT.safetensors")
    p.add_argument("--model", help=f"model name: {', '.join(BUILTIN)} (default: the export's)")
    p.add_argument("--input", metavar="C,H,W", help="input shape (default: C from conv1.weight, 28x28)")
    p.add_argument("--classes", type=int, metavar="N", help="classes (default: from the last layer's weight)")
    p = sub.add_parser("check", help="compare `lenet probe` output with PyTorch (exit 1 on a mismatch)")
    p.add_argument("model_file", metavar="MODEL.safetensors")
    p.add_argument("probes", nargs="+", metavar="PROBE.safetensors", help="files written by lenet probe --load MODEL")
    p.add_argument("--data", default=DEFAULT_DATA, help=f"MNIST-format directory (default {DEFAULT_DATA})")
    p.add_argument("--tol-outputs", type=float, default=1e-4, help="outputs and loss (default 1e-4)")
    p.add_argument("--tol-grad", type=float, default=1e-3, help="gradients and the SGD step (default 1e-3)")
    p.add_argument("--threads", type=int, default=1, help="PyTorch threads (default 1)")
    p.add_argument("--json", metavar="FILE", help="write every measured error here")
    p.add_argument("--verbose", action="store_true", help="a line per tensor")
    a = ap.parse_args(argv)
    try:
        return {"export": cmd_export, "import": cmd_import, "check": cmd_check}[a.cmd](a) or 0
    except InteropError as e:
        print(f"torch_interop {a.cmd}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
