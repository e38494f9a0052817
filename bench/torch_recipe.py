#!/usr/bin/env python3
"""`lenet train`'s default recipe in PyTorch, for time-to-accuracy.

The seed's LeNet-5 with Glorot-uniform weights and zero biases, Nesterov SGD
(momentum 0.9, weight decay 5e-4), lr 0.05 on a per-step cosine schedule,
batch 64, 15 epochs, reshuffled every epoch; test accuracy after each epoch,
wall time including evaluation, and the time at which 90 % was first
reached. The options change the recipe (--recipe seed: lr 0.01, no momentum,
batch 32, constant rate, 5 epochs, as `lenet train --recipe seed`).
Needs python3-torch and python3-numpy.
"""
import argparse
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare_pytorch as cp  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--recipe", choices=["default", "seed"], default="default")
    ap.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (default 1)")
    ap.add_argument("--epochs", type=int)
    ap.add_argument("--target", type=float, default=90.0, help="test accuracy to time, in %% (default 90)")
    ap.add_argument("--data", default=cp.DEFAULT_DATA)
    a = ap.parse_args()
    torch = cp.import_torch()
    if torch is None:
        print("torch_recipe.py: PyTorch is not installed (apt-get install python3-torch python3-numpy)")
        return 0
    if a.recipe == "default":
        lr, mom, wd, batch, epochs, cosine = 0.05, 0.9, 5e-4, 64, 15, True
    else:
        lr, mom, wd, batch, epochs, cosine = 0.01, 0.0, 0.0, 32, 5, False
    epochs = a.epochs or epochs
    torch.set_num_interop_threads(1)
    blas, setter = cp.blas_of_torch(torch)
    cp.set_threads(torch, a.threads, setter)
    torch.manual_seed(1)
    x, y = cp.load_split(a.data, "train")
    xt, yt = cp.load_split(a.data, "t10k")
    xt = xt.float().div_(255.0)
    m = cp.lenet5(torch)
    opt = torch.optim.SGD(m.parameters(), lr=lr, momentum=mom, nesterov=mom > 0, weight_decay=wd)
    lossf = torch.nn.CrossEntropyLoss()
    steps_per_epoch = math.ceil(len(y) / batch)
    total, step, t0, reached = epochs * steps_per_epoch, 0, time.perf_counter(), None
    print(f"PyTorch {torch.__version__} ({blas}), {a.threads} thread(s): recipe {a.recipe}, lr {lr} "
          f"{'cosine' if cosine else 'constant'}, momentum {mom}{' nesterov' if mom else ''}, weight decay {wd}, "
          f"batch {batch}, {epochs} epochs", flush=True)
    for e in range(1, epochs + 1):
        m.train()
        perm = torch.randperm(len(y))
        for lo in range(0, len(y), batch):
            if cosine:
                for g in opt.param_groups:
                    g["lr"] = 0.5 * lr * (1 + math.cos(math.pi * step / total))
            idx = perm[lo:lo + batch]
            opt.zero_grad(set_to_none=True)
            lossf(m(x[idx].float().div_(255.0)), y[idx]).backward()
            opt.step()
            step += 1
        m.eval()
        with torch.no_grad():
            acc = 100.0 * sum((m(xt[i:i + 1000]).argmax(1) == yt[i:i + 1000]).sum().item()
                              for i in range(0, len(yt), 1000)) / len(yt)
        el = time.perf_counter() - t0
        if reached is None and acc >= a.target:
            reached = (e, el)
        print(f"epoch {e}/{epochs}  test acc {acc:.2f}%  {el:.1f} s", flush=True)
    if reached:
        print(f"reached {a.target:g}% after epoch {reached[0]}, {reached[1]:.1f} s")
    else:
        print(f"did not reach {a.target:g}% in {epochs} epochs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
