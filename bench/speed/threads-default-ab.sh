#!/bin/bash
# Default threads, before (ONNX Runtime's default) and after (one per physical core), interleaved.
set -u
OLD=$1; NEW=dist/src/cli/main.js; R=$2   # usage: bench/speed/threads-default-ab.sh <older build main.js> <conv run folder>
echo "# $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg); physical cores (src/io/cpu-cores.ts): $(node --import tsx -e "import('./src/io/cpu-cores.ts').then(m=>console.log(m.physicalCores()))")"
for round in 1 2 3; do
  for v in "before $OLD" "after $NEW" "after,--threads=1 $NEW --threads 1"; do
    set -- $v; label=$1; shift; e=$1; shift
    /usr/bin/time -f "$label eval wall %e s cpu %U+%S s" node $e eval $R --json "$@" >/dev/null 2>>${TMPDIR:-/tmp}/aekit-threads-ab.err; tail -1 ${TMPDIR:-/tmp}/aekit-threads-ab.err
  done
done
for round in 1 2; do
  for v in "before $OLD" "after $NEW"; do
    set -- $v; label=$1; e=$2; rm -rf ${TMPDIR:-/tmp}/aekit-threads-ab-run
    line=$(node $e train --model conv --data mnist --samples 4096 --epochs 1 --seed 1 --out ${TMPDIR:-/tmp}/aekit-threads-ab-run --no-figures 2>&1 | grep -o "epoch 1/1 .*")
    echo "$label train conv (4,096 samples): $line"
  done
done
