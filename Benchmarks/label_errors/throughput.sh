#!/usr/bin/env bash
# The label-error pass against evaluation, side by side in one run (the machine is shared and noisy:
# the runs alternate, and the median and the best of each are compared).
#
#   bash Benchmarks/label_errors/throughput.sh DATASET [ROUNDS]
#
# DATASET: a streets.py set imported with --pred model_a and --pred model_b, for example
#   python3 Benchmarks/label_errors/streets.py --out /tmp/tbig --samples 400 --seed 3 --size 1024x512
#   .build/release/segscope import /tmp/tbig --pred model_a=/tmp/tbig/pred/model_a --pred model_b=/tmp/tbig/pred/model_b
# Every run uses a new key, so nothing is resumed. Prints wall times and throughput relative to
# `eval --pred model_a` (and, for two predictions, to evaluating both).
set -euo pipefail
dir=${1:?usage: throughput.sh DATASET [ROUNDS]}
rounds=${2:-6}
bin=${SEGSCOPE:-$(cd "$(dirname "$0")/../.." && pwd)/.build/release/segscope}
times=$(mktemp)
trap 'rm -f "$times"' EXIT
for _ in $(seq 1 "$rounds"); do
  /usr/bin/time -f "eval %e" -a -o "$times" "$bin" eval "$dir" --pred model_a --key "bench-e-$RANDOM$RANDOM" >/dev/null
  /usr/bin/time -f "one %e" -a -o "$times" "$bin" mistakes "$dir" --pred model_a --key "bench-1-$RANDOM$RANDOM" >/dev/null
  /usr/bin/time -f "two %e" -a -o "$times" "$bin" mistakes "$dir" --pred model_a --pred model_b --key "bench-2-$RANDOM$RANDOM" >/dev/null
done
python3 - "$times" <<'PY'
import collections, statistics, sys
t = collections.defaultdict(list)
for line in open(sys.argv[1]):
    k, v = line.split()
    t[k].append(float(v))
e_med, e_min = statistics.median(t["eval"]), min(t["eval"])
print(f"eval --pred model_a           median {e_med:.2f} s  best {e_min:.2f} s")
for k, label, evals in (("one", "mistakes --pred model_a", 1), ("two", "mistakes --pred model_a --pred model_b", 2)):
    med, best = statistics.median(t[k]), min(t[k])
    print(f"{label:38s} median {med:.2f} s  best {best:.2f} s  throughput vs eval of the same predictions: "
          f"median {100 * evals * e_med / med:.0f}%  best {100 * evals * e_min / best:.0f}%")
PY
