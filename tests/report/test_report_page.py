#!/usr/bin/env python3
"""lenet report's HTML page, end to end (standard library only).

Two short training runs on a small MNIST-format directory (the first images
of Fashion-MNIST when it is installed, else synthetic images), then:

--mode page     the page of run A with --load is well-formed (a strict XML
                parse and an HTML tag-balance check), self-contained (no
                scripts or links, every src/href a data: URI or a #fragment,
                nothing with "://"), and its numbers are the log's (the
                table of epochs) and `lenet eval --json`'s (loss, accuracy,
                the confusion matrix, per-class precision/recall/F1, class
                names); its mistakes are really wrong, sorted, and match
                `lenet predict --index`. The page of runs A and B overlays
                both. A run on an RGB JPEG folder (lenet-idx2jpeg) shows
                its mistakes as colour JPEGs of the right size, labelled
                with the folder's class names.
--mode browser  headless Chromium renders the page; a screenshot (with each
                region outlined in a marker colour the test finds) has the
                curves' colours inside each chart, the heat map's blues
                inside the confusion matrix and the images' dark pixels in
                the grid of mistakes. Skipped (exit 77) without chromium,
                unless CI=true or LENET_REQUIRE_CHROMIUM=1.
"""
import argparse
import base64
import gzip
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
import zlib
from html.parser import HTMLParser

SKIP = 77
FASHION = "/usr/share/datasets/fashion-mnist"
NTRAIN, NTEST = 1200, 600


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def run(cmd, timeout=600):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)
    if p.returncode != 0:
        fail("%s: exit %d\n%s" % (" ".join(cmd), p.returncode, p.stdout))
    return p.stdout


# ---- data ---------------------------------------------------------------

def read_idx(path):
    with (gzip.open(path) if path.endswith(".gz") else open(path, "rb")) as f:
        return f.read()


def find_split(dirpath, name):
    for suffix in ("", ".gz"):
        p = os.path.join(dirpath, name + suffix)
        if os.path.exists(p):
            return p
    return None


def write_split(dirpath, split, images, labels, n):
    with open(os.path.join(dirpath, split + "-images-idx3-ubyte"), "wb") as f:
        f.write(struct.pack(">IIII", 0x803, n, 28, 28) + images)
    with open(os.path.join(dirpath, split + "-labels-idx1-ubyte"), "wb") as f:
        f.write(struct.pack(">II", 0x801, n) + labels)


def synthetic(n, seed):
    """Class c: a bright 8x8 square at one of ten places, with noise."""
    images, labels, s = bytearray(n * 784), bytearray(n), seed
    for i in range(n):
        c = (i * 7 + seed) % 10
        labels[i] = c
        r0, c0 = 3 + (c // 5) * 12, 1 + (c % 5) * 5
        for y in range(28):
            for x in range(28):
                s = (s * 1103515245 + 12345) & 0x7FFFFFFF
                v = (s >> 16) & 63
                if r0 <= y < r0 + 8 and c0 <= x < c0 + 8:
                    v += 180
                images[i * 784 + y * 28 + x] = v
    return bytes(images), bytes(labels)


def make_data(work):
    """A small MNIST-format directory; its name says Fashion when it is, so
    the pages show Fashion-MNIST's class names."""
    src = {k: find_split(FASHION, k) for k in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                                "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
    if all(src.values()):
        d = os.path.join(work, "fashion-small")
        os.makedirs(d, exist_ok=True)
        for split, n in (("train", NTRAIN), ("t10k", NTEST)):
            img = read_idx(src[split + "-images-idx3-ubyte"])[16:16 + n * 784]
            lab = read_idx(src[split + "-labels-idx1-ubyte"])[8:8 + n]
            write_split(d, split, img, lab, n)
        return d, True
    d = os.path.join(work, "synthetic")
    os.makedirs(d, exist_ok=True)
    for split, n, seed in (("train", NTRAIN, 1), ("t10k", NTEST, 2)):
        img, lab = synthetic(n, seed)
        write_split(d, split, img, lab, n)
    return d, False


def make_runs(lenet, work):
    data, fashion = make_data(work)
    a, b = os.path.join(work, "a.jsonl"), os.path.join(work, "b.jsonl")
    model = os.path.join(work, "a.safetensors")
    for p in (a, b):
        if os.path.exists(p):
            os.remove(p)
    common = ["--data", data, "--threads", "2", "--quiet"]
    run([lenet, "train", "--epochs", "3", "--log", a, "--save", model] + common)
    run([lenet, "train", "--recipe", "seed", "--epochs", "2", "--log", b] + common)
    page = os.path.join(work, "page.html")
    run([lenet, "report", a, "--load", model, "--data", data, "-o", page])
    return {"data": data, "fashion": fashion, "a": a, "b": b, "model": model, "page": page}


# ---- the page's structure -------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
FORBIDDEN = {"script", "link", "iframe", "frame", "object", "embed", "base", "audio", "video", "source", "applet"}


class TagCheck(HTMLParser):
    """Every element closed, in order; collects tags and attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.elements = [], [], []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append((tag, self.getpos()))

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1][0] != tag:
            self.errors.append("line %d: </%s> closes %s" % (self.getpos()[0], tag,
                                                             self.stack[-1] if self.stack else "nothing"))
            return
        self.stack.pop()


def check_self_contained(path, text):
    tc = TagCheck()
    tc.feed(text)
    tc.close()
    check(not tc.errors, "%s: tags out of order: %s" % (path, tc.errors[:5]))
    check(not tc.stack, "%s: unclosed elements: %s" % (path, tc.stack[:5]))
    for tag, attrs in tc.elements:
        check(tag not in FORBIDDEN, "%s: has a <%s> element" % (path, tag))
        for k, v in attrs.items():
            v = v or ""
            if k in ("src", "poster", "srcset", "background", "data"):
                check(v.startswith("data:"), "%s: <%s %s=%.60r> is not a data: URI" % (path, tag, k, v))
            if k in ("href", "xlink:href", "action", "formaction"):
                check(v.startswith("#"), "%s: <%s %s=%.60r> leaves the page" % (path, tag, k, v))
            if k == "style":
                check("url(" not in v, "%s: a style attribute loads %r" % (path, v))
            if k.startswith("on"):
                check(False, "%s: <%s> has an event handler %s" % (path, tag, k))
            if tag == "meta" and k == "content" and attrs.get("http-equiv", "").lower() == "refresh":
                check("url" not in v.lower(), "%s: the refresh goes elsewhere: %r" % (path, v))
    for style in re.findall(r"<style>(.*?)</style>", text, re.S):
        check("url(" not in style and "@import" not in style and "@font-face" not in style,
              "%s: the CSS loads something" % path)
    check("://" not in text, "%s: has an address (://)" % path)
    check(not re.search(r"\b(?:https?|ftp|file):", text), "%s: names a URL scheme" % path)


def parse_xml(path):
    try:
        return ET.parse(path).getroot()
    except ET.ParseError as e:
        fail("%s is not well-formed: %s" % (path, e))


def by_id(root, ident):
    for el in root.iter():
        if el.get("id") == ident:
            return el
    return None


def text_of(el):
    return "".join(el.itertext()).strip()


def log_epochs(path):
    """The epoch lines, the last per epoch, in order."""
    eps = {}
    for line in open(path):
        if line.strip():
            o = json.loads(line)
            if "epoch" in o:
                eps[o["epoch"]] = o
    return [eps[k] for k in sorted(eps)]


def num(cell):
    return float(cell.rstrip("%").replace(",", ""))


def check_epoch_table(root, index, log):
    table = by_id(root, "epochs-%d" % index)
    check(table is not None, "no table epochs-%d" % index)
    rows = [[text_of(td) for td in tr.findall("td")] for tr in table.findall("tr")]
    rows = [r for r in rows if r]
    eps = log_epochs(log)
    check(len(rows) == len(eps), "epochs-%d: %d rows, the log has %d epochs" % (index, len(rows), len(eps)))
    for r, e in zip(rows, eps):
        what = "%s epoch %s" % (os.path.basename(log), e["epoch"])
        check(int(r[0]) == e["epoch"], "%s: row says epoch %s" % (what, r[0]))
        # (value shown, logged value, largest rounding difference)
        pairs = [(r[1], e["train_loss"], 5e-5), (r[2], 100 * e["train_acc"], 5e-3),
                 (r[3], e["test_loss"], 5e-5), (r[4], 100 * e["test_acc"], 5e-3),
                 (r[6], e["img_per_s"], 0.5), (r[7], e["seconds"], 0.05)]
        for shown, logged, tol in pairs:
            check(abs(num(shown) - logged) <= tol + 1e-9, "%s: page %s, log %s" % (what, shown, logged))
        check(abs(num(r[5]) - e["lr"]) <= 5e-4 * abs(e["lr"]) + 1e-12, "%s: lr %s, log %s" % (what, r[5], e["lr"]))


def png_geometry(data):
    """(width, height) of a PNG."""
    check(data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG")
    return struct.unpack(">II", data[16:24])


def check_mistakes(root, conf, kind):
    """The grid of mistakes against the confusion matrix: min(32, wrong)
    figures, each a real mistake whose image is a `kind` ("png", gray, or
    "jpeg", colour: 3 components) data URI of the size its attributes
    state. Returns the figures."""
    wrong = sum(map(sum, conf)) - sum(conf[i][i] for i in range(len(conf)))
    figs = [f for f in by_id(root, "mistakes").iter("figure")]
    check(len(figs) == min(32, wrong), "%s: %d mistakes shown of %d" % (kind, len(figs), wrong))
    for f in figs:
        t, p = int(f.get("data-true")), int(f.get("data-pred"))
        check(t != p and conf[t][p] > 0, "%s image %s is no mistake (%d -> %d)" % (kind, f.get("data-index"), t, p))
        img = f.find("img")
        uri = img.get("src")
        check(uri.startswith("data:image/%s;base64," % kind), "mistake image is not a %s data URI" % kind)
        data = base64.b64decode(uri.split(",", 1)[1])
        if kind == "png":
            w, h = png_geometry(data)
        else:
            w, h, comps = jpeg_geometry(data)
            check(comps == 3, "a colour mistake has %d components" % comps)
        check((w, h) == (int(img.get("width")), int(img.get("height"))) and w >= 84,
              "%s image %dx%d, attributes %sx%s" % (kind, w, h, img.get("width"), img.get("height")))
    return figs


def check_page(lenet, work, idx2jpeg=None):
    w = make_runs(lenet, work)
    page = w["page"]
    text = open(page, encoding="utf-8").read()
    size = os.path.getsize(page)
    print("page: %s, %d bytes" % (page, size))
    check(size < 1 << 20, "the page is %d bytes" % size)
    check_self_contained(page, text)
    if shutil.which("xmllint"):
        p = subprocess.run(["xmllint", "--noout", page], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        check(p.returncode == 0, "xmllint: %s" % p.stdout[:2000])
    root = parse_xml(page)
    for ident in ("chart-loss", "chart-acc", "chart-lr", "chart-speed", "confusion", "mistakes", "per-class"):
        check(by_id(root, ident) is not None, "no element #%s" % ident)
    check_epoch_table(root, 0, w["a"])
    check("refresh" not in text, "a finished run's page reloads itself")
    # every epoch has a point, with its value on hover
    circles = [c for c in by_id(root, "chart-loss").iter("circle")]
    check(len(circles) == 2 * len(log_epochs(w["a"])), "the loss chart has %d points" % len(circles))
    check(all(c.find("title") is not None for c in circles), "a point has no <title>")

    # against `lenet eval --json`
    out = run([lenet, "eval", "--load", w["model"], "--data", w["data"], "--json"])
    ev = json.loads([l for l in out.splitlines() if l.startswith("{")][-1])
    for key in ("loss", "acc"):
        el = by_id(root, "eval-" + key)
        check(abs(float(el.get("data-v")) - ev["test_" + key]) <= 1e-6,
              "test %s: page %s, eval %s" % (key, el.get("data-v"), ev["test_" + key]))
    k = len(ev["confusion"])
    conf = [[None] * k for _ in range(k)]
    for g in by_id(root, "confusion").iter("g"):
        if "cell" in (g.get("class") or "").split():
            conf[int(g.get("data-t"))][int(g.get("data-p"))] = int(g.get("data-n"))
    check(conf == ev["confusion"], "confusion matrix: page %s, eval %s" % (conf, ev["confusion"]))
    rows = [tr for tr in by_id(root, "per-class").findall("tr") if tr.get("data-class") is not None]
    check(len(rows) == k, "per-class table: %d rows for %d classes" % (len(rows), k))
    names = []
    for c, tr in enumerate(rows):
        cells = [text_of(td) for td in tr.findall("td")]
        names.append(cells[0])
        if "classes" in ev:
            check(cells[0] == ev["classes"][c], "class %d: page %r, eval %r" % (c, cells[0], ev["classes"][c]))
        pc = ev.get("per_class", [None] * k)[c]
        if pc:
            for col, key in ((2, "precision"), (3, "recall"), (4, "f1")):
                check(abs(num(cells[col]) - pc[key]) <= 5e-5 + 1e-6,
                      "class %s %s: page %s, eval %s" % (cells[0], key, cells[col], pc[key]))
            check(num(cells[1]) == pc["support"], "class %s: %s images, eval %s" % (cells[0], cells[1], pc["support"]))
    if w["fashion"]:
        check(names[0] == "T-shirt/top" and names[9] == "Ankle boot", "not Fashion-MNIST's names: %s" % names)

    # the mistakes: really wrong, the most confident first, as predict says
    figs = check_mistakes(root, conf, "png")
    probs = []
    for f in figs:
        probs.append(float(re.search(r"([0-9.]+)%", text_of(f)).group(1)))
    check(probs == sorted(probs, reverse=True), "mistakes not sorted by probability: %s" % probs)
    for f in figs[:3]:
        idx = int(f.get("data-index"))
        out = run([lenet, "predict", "--load", w["model"], "--data", w["data"], "--index", str(idx)])
        m = re.search(r"predicted class (.*) \(p=([0-9.]+)\), label (.*)", out)
        check(m is not None, "predict says: %s" % out)
        pred, p, label = m.group(1), float(m.group(2)), m.group(3).strip()
        check(pred == names[int(f.get("data-pred"))] and label == names[int(f.get("data-true"))],
              "image %d: page %s -> %s, predict %s -> %s" % (idx, names[int(f.get("data-true"))],
                                                           names[int(f.get("data-pred"))], label, pred))
        shown = float(re.search(r"([0-9.]+)%", text_of(f)).group(1))
        check(abs(shown - 100 * p) <= 0.06, "image %d: page %.1f%%, predict p=%s" % (idx, shown, p))

    # two runs overlaid
    multi = os.path.join(work, "multi.html")
    run([lenet, "report", w["a"], w["b"], "-o", multi])
    mtext = open(multi, encoding="utf-8").read()
    check_self_contained(multi, mtext)
    mroot = parse_xml(multi)
    check_epoch_table(mroot, 0, w["a"])
    check_epoch_table(mroot, 1, w["b"])
    legend = [(t.text or "").strip() for t in by_id(mroot, "chart-acc").iter("text")]
    for want in ("a.jsonl train", "a.jsonl test", "b.jsonl train", "b.jsonl test"):
        check(want in legend, "the accuracy chart's legend lacks %r: %s" % (want, legend))
    check(by_id(mroot, "confusion") is None, "a page without --load has a confusion matrix")
    print("page checks passed")
    if idx2jpeg:
        check_colour_page(lenet, idx2jpeg, work, w["data"])


def jpeg_geometry(data):
    """(width, height, components) from a baseline or progressive JPEG's
    frame header; fails on anything else."""
    check(data[:2] == b"\xff\xd8" and data[-2:] == b"\xff\xd9", "not a whole JPEG (SOI/EOI)")
    i = 2
    while i + 4 <= len(data):
        check(data[i] == 0xFF, "JPEG: no marker at byte %d" % i)
        marker, length = data[i + 1], struct.unpack(">H", data[i + 2:i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            h, w = struct.unpack(">HH", data[i + 5:i + 9])
            return w, h, data[i + 9]
        i += 2 + length
    fail("JPEG: no frame header")


def check_colour_page(lenet, idx2jpeg, work, data):
    """A run on an RGB JPEG folder: its mistakes are colour JPEGs."""
    folder = os.path.join(work, "rgb")
    shutil.rmtree(folder, ignore_errors=True)
    run([idx2jpeg, "--size", "28", "--limit", "600", "--names", "fashion", data, folder])
    log, model, page = (os.path.join(work, "rgb" + ext) for ext in (".jsonl", ".safetensors", ".html"))
    if os.path.exists(log):
        os.remove(log)
    run([lenet, "train", "--data", folder, "--epochs", "2", "--threads", "2", "--quiet", "--log", log,
         "--save", model])
    run([lenet, "report", log, "--load", model, "-o", page])  # the data: the log's folder
    text = open(page, encoding="utf-8").read()
    check_self_contained(page, text)
    root = parse_xml(page)
    out = run([lenet, "eval", "--load", model, "--data", folder, "--json"])
    ev = json.loads([l for l in out.splitlines() if l.startswith("{")][-1])
    conf = ev["confusion"]
    figs = check_mistakes(root, conf, "jpeg")
    for f in figs:
        t, p = int(f.get("data-true")), int(f.get("data-pred"))
        label = text_of(f)
        check(ev["classes"][t] in label and ev["classes"][p] in label,
              "colour image %s: caption %r lacks %s or %s" % (f.get("data-index"), label, ev["classes"][t],
                                                             ev["classes"][p]))
    print("colour page checks passed (%d JPEG mistakes)" % len(figs))


# ---- the browser ----------------------------------------------------------

MARKERS = {"chart-loss": (255, 0, 255), "chart-acc": (0, 255, 0), "chart-lr": (0, 255, 255),
           "chart-speed": (255, 255, 0), "confusion": (0, 0, 255), "mistakes": (255, 0, 0)}
TRAIN, TEST = (0x1f, 0x77, 0xb4), (0xff, 0x7f, 0x0e)


def read_png(path):
    data = open(path, "rb").read()
    check(data[:8] == b"\x89PNG\r\n\x1a\n", "%s is not a PNG" % path)
    pos, idat = 8, b""
    while pos < len(data):
        n, = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            check(depth == 8 and interlace == 0 and ctype in (2, 6), "unexpected PNG format %d/%d" % (depth, ctype))
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    raw, stride = zlib.decompress(idat), w * bpp
    out, prev = bytearray(h * stride), bytearray(stride)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif f == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif f == 3:
            for i in range(stride):
                line[i] = (line[i] + ((line[i - bpp] if i >= bpp else 0) + prev[i]) // 2) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out[y * stride:(y + 1) * stride] = line
        prev = line
    return w, h, bpp, out


def find_chromium():
    env = os.environ.get("LENET_CHROMIUM")
    if env:
        return env
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"):
        p = shutil.which(name)
        if p:
            return p
    return None


def check_browser(lenet, work):
    chrome = find_chromium()
    required = os.environ.get("CI", "").lower() in ("1", "true", "yes") or os.environ.get("LENET_REQUIRE_CHROMIUM") == "1"
    if not chrome:
        if required:
            fail("chromium not found: CI must run the browser test (apt-get install chromium)")
        print("SKIP: chromium not found (apt-get install chromium); the browser test did not run")
        sys.exit(SKIP)
    w = make_runs(lenet, work)
    text = open(w["page"], encoding="utf-8").read()
    style = "".join("#%s{outline:4px solid rgb(%d,%d,%d) !important;outline-offset:3px}" % ((k,) + v)
                    for k, v in MARKERS.items())
    check("</head>" in text, "no </head>")
    marked = os.path.join(work, "marked.html")
    with open(marked, "w", encoding="utf-8") as f:
        f.write(text.replace("</head>", "<style>%s</style></head>" % style, 1))
    shot = os.path.join(work, "screenshot.png")
    if os.path.exists(shot):
        os.remove(shot)
    profile = os.path.join(work, "chromium-profile")
    cmd = [chrome, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
           "--no-default-browser-check", "--disable-extensions", "--disable-dev-shm-usage", "--user-data-dir=" + profile,
           "--force-device-scale-factor=1", "--window-size=1200,3600", "--screenshot=" + shot, "file://" + marked]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=180)
    check(p.returncode == 0 and os.path.exists(shot), "chromium: exit %d\n%s" % (p.returncode, p.stdout[-3000:]))
    W, H, bpp, px = read_png(shot)
    print("screenshot: %s (%dx%d)" % (shot, W, H))

    def pixel(x, y):
        i = (y * W + x) * bpp
        return px[i], px[i + 1], px[i + 2]

    # where each marker's outline is
    boxes = {k: [W, H, -1, -1, 0] for k in MARKERS}
    for y in range(H):
        row = px[y * W * bpp:(y + 1) * W * bpp]
        for k, v in MARKERS.items():
            needle = bytes(v) if bpp == 3 else bytes(v) + b"\xff"
            start = row.find(needle)
            while start >= 0:
                if start % bpp == 0:
                    x = start // bpp
                    b = boxes[k]
                    b[0], b[1], b[2], b[3], b[4] = min(b[0], x), min(b[1], y), max(b[2], x), max(b[3], y), b[4] + 1
                start = row.find(needle, start + 1)
    regions = {}
    for k, (x0, y0, x1, y1, n) in boxes.items():
        check(x1 > x0 + 40 and y1 > y0 + 40 and n >= (x1 - x0 + y1 - y0) * 4,
              "#%s: its outline is not on the screenshot (box %s, %d pixels)" % (k, (x0, y0, x1, y1), n))
        regions[k] = (x0 + 8, y0 + 8, x1 - 8, y1 - 8)
        print("#%s at %s" % (k, (x0, y0, x1, y1)))
        if k.startswith("chart-"):  # 560x330 inside the 4px outline 3px away
            check((x1 - x0 + 1, y1 - y0 + 1) == (560 + 14, 330 + 14), "#%s is %dx%d with its outline" %
                  (k, x1 - x0 + 1, y1 - y0 + 1))

    def count(region, pred):
        x0, y0, x1, y1 = region
        return sum(1 for y in range(y0, y1) for x in range(x0, x1) if pred(*pixel(x, y)))

    def near(c, tol=40):
        return lambda r, g, b: abs(r - c[0]) <= tol and abs(g - c[1]) <= tol and abs(b - c[2]) <= tol

    dark = lambda r, g, b: r < 90 and g < 90 and b < 90  # noqa: E731 (text, axes, images)
    for k in ("chart-loss", "chart-acc"):
        for name, colour in (("train", TRAIN), ("test", TEST)):
            n = count(regions[k], near(colour))
            check(n >= 150, "#%s: %d pixels of the %s curve" % (k, n, name))
    for k in ("chart-lr", "chart-speed"):
        n = count(regions[k], near(TRAIN))
        check(n >= 150, "#%s: %d pixels of its curve" % (k, n))
    for k in ("chart-loss", "chart-acc", "chart-lr", "chart-speed"):
        n = count(regions[k], dark)
        check(n >= 300, "#%s: %d dark pixels (no text or axes drawn?)" % (k, n))
    heat = lambda r, g, b: b >= r + 60 and b > 90  # noqa: E731 (the Blues scale)
    n = count(regions["confusion"], heat)
    check(n >= 10 * 30 * 30, "#confusion: %d pixels of heat-map blue" % n)
    n = count(regions["confusion"], dark)
    check(n >= 300, "#confusion: %d dark pixels (no class names drawn?)" % n)
    n = count(regions["mistakes"], dark)
    check(n >= 32 * 84 * 84 // 10, "#mistakes: %d dark pixels (no images drawn?)" % n)
    print("browser checks passed")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mode", choices=("page", "browser"), required=True)
    ap.add_argument("--lenet", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--idx2jpeg", help="lenet-idx2jpeg: also check a run on an RGB JPEG folder")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    if a.mode == "page":
        check_page(a.lenet, a.work, a.idx2jpeg)
    else:
        check_browser(a.lenet, a.work)


if __name__ == "__main__":
    main()
