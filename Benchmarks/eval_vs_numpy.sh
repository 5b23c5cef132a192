#!/usr/bin/env bash
# Side by side, interleaved, in one run: `segscope eval` (whole process) against mmseg's rule in numpy
# (2 processes) on the dataset `segscope-bench eval N` leaves in /tmp/segscope-bench/eval.
# Usage: Benchmarks/eval_vs_numpy.sh [PAIRS] [ROUNDS]
set -euo pipefail
pairs=${1:-1000} rounds=${2:-3}
root=/tmp/segscope-bench/eval
bin=$(swift build -c release --show-bin-path)/segscope
here=$(cd "$(dirname "$0")" && pwd)
[ -d "$root/labels" ] || { echo "run 'segscope-bench eval $pairs' first" >&2; exit 1; }
for r in $(seq "$rounds"); do
  t0=$(date +%s%N)
  "$bin" eval "$root" --pred model_a --key "np$r" --format json >/dev/null
  seg=$(( ($(date +%s%N) - t0) / 1000000 ))
  np=$(python3 "$here/numpy_eval.py" "$root" "$pairs" 2 | sed 's/.*numpy \([0-9]*\) ms/\1/')
  echo "round $r: segscope eval ${seg} ms, numpy (mmseg rule, 2 processes) ${np} ms: numpy is $(python3 -c "print(round($np/$seg, 2))")x slower"
done
