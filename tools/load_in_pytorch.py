#!/usr/bin/env python3
"""Load a lenet model file (safetensors) into PyTorch with numpy alone and report test accuracy.
usage: tools/load_in_pytorch.py MODEL.safetensors [DATA_DIR]   (needs python3-torch, python3-numpy)"""
import gzip, json, struct, sys, numpy as np, torch, torch.nn as nn
path, data = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "/usr/share/datasets/fashion-mnist")
raw = open(path, "rb").read(); hlen = struct.unpack("<Q", raw[:8])[0]; header = json.loads(raw[8:8 + hlen])
meta = header.pop("__metadata__", {}); body = raw[8 + hlen:]
state = {k: torch.from_numpy(np.frombuffer(body, "<f4", int(np.prod(v["shape"])), v["data_offsets"][0])
                             .reshape(v["shape"]).copy()) for k, v in header.items()}
c = int(meta["input"].split(",")[0]); t = nn.Tanh
net = nn.Sequential(nn.Conv2d(c, 6, 5, padding=2), t(), nn.AvgPool2d(2), nn.Conv2d(6, 16, 5, padding=2), t(),
                    nn.AvgPool2d(2), nn.Conv2d(16, 120, 5, padding=2), t(), nn.Flatten(), nn.Linear(5880, 84), t(),
                    nn.Linear(84, int(meta["classes"])))
names = dict(zip(["0", "3", "6", "9", "11"], ["conv1", "conv2", "conv3", "fc1", "fc2"]))
net.load_state_dict({f"{i}.{p}": state[f"{n}.{p}"] for i, n in names.items() for p in ("weight", "bias")})
x = np.frombuffer(gzip.open(f"{data}/t10k-images-idx3-ubyte.gz").read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
y = np.frombuffer(gzip.open(f"{data}/t10k-labels-idx1-ubyte.gz").read(), np.uint8, offset=8)
with torch.no_grad(): pred = net(torch.from_numpy(x.astype(np.float32) / 255)).argmax(1).numpy()
print(f"{path} ({meta['model']}): PyTorch test accuracy {100 * (pred == y).mean():.2f}% on {len(y)} images")
