#!/usr/bin/env python3
"""Step time and efficiency of training across nodes (docs/SCALING.md).

One rank a node, `--per-node` images a node per step (global batch = nodes x
per-node). The exchange's volume comes from the plan the step follows
(`lenet-bench allreduce --json`, run alone: ln_trainer_exchange_volume), the
per-node compute from a measured throughput, and the network from its line
rate, an efficiency and a per-message latency:

  compute  T_c = per_node / throughput
  exact    T_x = wire + software + latencies, where
           wire      = (grads + chunk sum + rows not hidden) / bandwidth:
                       grads     = what a rank receives of the owners'
                                   gradients (ring)
                       chunk sum = 2 x the chunk-accumulated gradient (the
                                   chain, then along the ring)
                       rows      = the most rows one owner receives; with
                                   overlap they travel during the backward
                                   passes, `backward_share` of T_c, so only
                                   max(0, rows/bandwidth - backward_share T_c)
                                   shows
           software  = everything a rank receives / `sw_gbs` (the rate the
                       whole combination reached over shared memory here:
                       copies, protocol, the chain's additions; charged in
                       full, never overlapped)
           latencies = (4 (N-1) + 2 (N+2)) x latency (the chain and its
                       segments, the ring)
  fast     T_x = 2 (N-1)/N x G / bandwidth + the same / sw_gbs
           + 4 (N-1) x latency (a ring allreduce)
  efficiency = T_c / (T_c + T_x)  (a node's throughput with N nodes over N x
  one node's)

Usage: scaling_model.py --bench BUILD/lenet-bench [--throughput IMG_PER_S]...
"""
import argparse
import json
import subprocess


def volumes(bench, model, batches):
    out = subprocess.run([bench, "allreduce", "--model", model, "--batch", ",".join(map(str, batches)), "--json"],
                         check=True, capture_output=True, text=True).stdout
    v = {}
    for r in json.loads(out)["volumes"]:
        v[(r["batch"], r["ranks"], r["mode"])] = r
    return v


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", required=True, help="lenet-bench of an MPI build (run alone: no mpirun)")
    ap.add_argument("--model", default="lenet5")
    ap.add_argument("--per-node", type=int, default=256, help="images a node per step (default 256)")
    ap.add_argument("--throughput", type=float, action="append",
                    help="one node's training img/s at that batch (repeatable; default 6864 and 19782)")
    ap.add_argument("--nodes", default="2,4,8,16")
    ap.add_argument("--gbe", default="10,25,100", help="link rates, Gbit/s")
    ap.add_argument("--link-efficiency", type=float, default=0.9, help="of the line rate TCP delivers (default 0.9)")
    ap.add_argument("--latency-us", type=float, default=25.0, help="per message over the network (default 25)")
    ap.add_argument("--sw-gbs", type=float, default=2.5,
                    help="GB/s the combination reaches in software (default 2.5: lenet5 at batch 256, 2.79 MB "
                         "in about 1.1 ms over shared memory on the 2-core machine)")
    ap.add_argument("--backward-share", type=float, default=0.6,
                    help="of the compute time during which rows can travel (default 0.6)")
    ap.add_argument("--no-overlap", action="store_true", help="rows sent after the chunks")
    a = ap.parse_args()
    nodes = [int(x) for x in a.nodes.split(",")]
    rates = [float(x) for x in a.gbe.split(",")]
    thr = a.throughput or [6864.0, 19782.0]
    vol = volumes(a.bench, a.model, [a.per_node * n for n in nodes])
    print(f"{a.model}, {a.per_node} images a node per step; link efficiency {a.link_efficiency}, "
          f"latency {a.latency_us:g} us, software {a.sw_gbs:g} GB/s, rows overlapped: "
          f"{'no' if a.no_overlap else 'yes'}")
    print("| node img/s | nodes | global batch | exact MB/rank (recv) | fast MB/rank | GbE | compute ms "
          "| exact exchange ms | exact eff. | fast exchange ms | fast eff. |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for t in thr:
        for n in nodes:
            b = a.per_node * n
            ex, fa = vol[(b, n, "exact")], vol[(b, n, "fast")]
            tc = a.per_node / t
            lat = a.latency_us * 1e-6
            for g in rates:
                bw = g * 1e9 / 8 * a.link_efficiency
                sw = a.sw_gbs * 1e9
                grads = (ex["max_recv_mb"] - ex["max_rows_recv_mb"] - 2 * ex["fold_mb"]) * 1e6 / bw
                fold = 2 * ex["fold_mb"] * 1e6 / bw
                rows = ex["max_rows_recv_mb"] * 1e6 / bw
                shown = rows if a.no_overlap else max(0.0, rows - a.backward_share * tc)
                tx = grads + fold + shown + ex["max_recv_mb"] * 1e6 / sw + (4 * (n - 1) + 2 * (n + 2)) * lat
                tf = fa["max_recv_mb"] * 1e6 * (1 / bw + 1 / sw) + 4 * (n - 1) * lat
                print(f"| {t:,.0f} | {n} | {b} | {ex['max_recv_mb']:.2f} | {fa['max_recv_mb']:.2f} | {g:g} "
                      f"| {tc * 1e3:.1f} | {tx * 1e3:.2f} | {100 * tc / (tc + tx):.1f} % "
                      f"| {tf * 1e3:.2f} | {100 * tc / (tc + tf):.1f} % |")


if __name__ == "__main__":
    main()
