#!/usr/bin/env bash
# Sharded evaluation against one process, side by side in one run (release build):
#   N shards of `segscope eval --shard I/N --out PART`, run one after another, then `segscope merge`,
#   against one `segscope eval`. Also the merge alone on a second dataset with 10x the samples and
#   about a sixth of the pixels each, to show that the merge grows with samples, not pixels.
# Usage: Benchmarks/shards.sh [N]   (after `segscope-bench eval 1000` and `segscope-bench import`)
set -euo pipefail
n=${1:-4}
bin=$(swift build -c release --show-bin-path)/segscope
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
run() { # dataset pred label
  local ds=$1 pred=$2 label=$3 parts t0 one shards merge
  parts=$(mktemp -d)
  t0=$(date +%s%N); "$bin" eval "$ds" --pred "$pred" --key one --format json >/dev/null; one=$(ms "$t0")
  t0=$(date +%s%N)
  for i in $(seq 0 $((n - 1))); do "$bin" eval "$ds" --pred "$pred" --shard "$i/$n" --out "$parts/p$i.seg" >/dev/null; done
  shards=$(ms "$t0")
  t0=$(date +%s%N); "$bin" merge "$ds" --key merged --format json "$parts"/p*.seg >/dev/null; merge=$(ms "$t0")
  local size; size=$(du -sk "$parts" | cut -f1)
  echo "$label: one process ${one} ms; $n shards one after another ${shards} ms + merge ${merge} ms (parts ${size} KiB)"
  rm -rf "$parts"
}
for r in $(seq "${ROUNDS:-3}"); do
  echo "round $r"
  run /tmp/segscope-bench/eval model_a "  1,000 pairs of 1024x512 (10 classes)"
  run /tmp/segscope-bench/import model_b "  10,000 pairs of 320x240"
done
