#!/bin/bash
# Queues N shard tasks and a merge that runs when all of them succeeded; prints the merge job's id.
#   examples/slurm/submit.sh DATASET PRED KEY PARTS_DIR N [more `segscope eval` options]
# The report lands in PARTS_DIR/KEY.json; the run is stored in the dataset as KEY.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dataset=$1 pred=$2 key=$3 parts=$4 n=$5
shift 5
mkdir -p "$parts"
# Fold the database's write-ahead log into the file here, on the submitting host: the tasks read the
# database from other hosts, where WAL's shared memory does not reach.
"${SEGSCOPE:-segscope}" info "$dataset" --checkpoint >/dev/null
array=$(sbatch --parsable --chdir="$parts" --array=0-$((n - 1)) "$here/eval-shards.sbatch" "$dataset" "$pred" "$parts" "$@")
sbatch --parsable --chdir="$parts" --dependency=afterok:"${array%%;*}" "$here/merge.sbatch" "$dataset" "$key" "$parts" json
