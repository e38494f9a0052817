#!/bin/sh
# Bar chart of a bench/compare_pytorch.py --json run: training images/s of
# PyTorch and lenet per batch size and thread count, the ratio over each
# pair, and inference when the run has it.
#   bench/plot.sh RESULTS.json [OUT.png]      (default OUT: RESULTS.png)
# Needs gnuplot (Debian gnuplot-nox) and python3.
set -eu
usage() { echo "usage: bench/plot.sh RESULTS.json [OUT.png]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage
case "$1" in -h|--help) echo "usage: bench/plot.sh RESULTS.json [OUT.png]"; exit 0 ;; esac
in=$1
out=${2:-${in%.json}.png}
[ -r "$in" ] || { echo "bench/plot.sh: $in: cannot read" >&2; exit 1; }
command -v gnuplot >/dev/null || { echo "bench/plot.sh: gnuplot not found (apt-get install gnuplot-nox)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# rows: label torch lenet ratio; the title line: cpu, torch version
python3 - "$in" "$tmp/bars.dat" "$tmp/title" <<'EOF' || { echo "bench/plot.sh: $in: not a compare_pytorch.py result" >&2; exit 1; }
import json, sys
r = json.load(open(sys.argv[1]))
with open(sys.argv[2], "w") as f:
    for x in r["rows"]:
        f.write('"batch %d\\n%d thr" %.1f %.1f %.2f\n' % (x["batch"], x["threads"], x["torch_img_per_s"],
                                                       x["lenet_img_per_s"], x["ratio"]))
    e = r.get("eval")
    if e:
        f.write('"inference\\n%d thr" %.1f %.1f %.2f\n' % (e["threads"], e["torch_img_per_s"],
                                                          e["lenet_img_per_s"], e["ratio"]))
blas = r.get("torch_blas", "?").split(" (")[0]
model = {"lenet5": "seed's LeNet-5"}.get(r.get("model", "lenet5"), r.get("model"))
open(sys.argv[3], "w").write("lenet vs PyTorch %s (%s): %s, Fashion-MNIST, %s, %d cores"
                             % (r["torch_version"], blas, model, r["cpu"], r["cores"]))
EOF

gnuplot <<EOF
set terminal pngcairo size 1100,520 font "sans,10"
set output "$out"
set title "$(cat "$tmp/title")"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set ylabel "images/s (training steps; inference passes)"
set yrange [0:*]
set grid ytics
set key top left
set offsets 0, 0, graph 0.12, 0
set bmargin 4
plot "$tmp/bars.dat" using 2:xticlabels(1) title "PyTorch" lc rgb "#7f7f7f", \
     "" using 3 title "lenet" lc rgb "#1f77b4", \
     "" using (\$0):(\$3):(sprintf("%.2fx", \$4)) with labels offset char 1.6,0.8 notitle
EOF
echo "wrote $out"
