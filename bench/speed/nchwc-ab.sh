#!/bin/bash
# Blocked-channel convolutions (src/onnx/nchwc.ts) on and off (AEKIT_NCHWC=0), interleaved, with the compiled CLI:
# `aekit eval` of a conv run on MNIST's 10,000 test images, and `aekit train --model conv` on 6,000 images.
# usage: bash bench/speed/nchwc-ab.sh <conv run folder> [rounds]
set -u
R=$1; ROUNDS=${2:-3}; CLI=dist/src/cli/main.js; T=${TMPDIR:-/tmp}
echo "# $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg); $(git rev-parse --short HEAD)"
for round in $(seq "$ROUNDS"); do
  for v in "blocked 1" "plain 0"; do
    set -- $v
    AEKIT_NCHWC=$2 /usr/bin/time -f "$1 eval wall %e s cpu %U+%S s" node $CLI eval "$R" --json >/dev/null 2>>"$T/aekit-nchwc-ab.err"; tail -1 "$T/aekit-nchwc-ab.err"
  done
done
for round in $(seq "$ROUNDS"); do
  for v in "blocked 1" "plain 0"; do
    set -- $v; rm -rf "$T/aekit-nchwc-ab-run"
    line=$(AEKIT_NCHWC=$2 node $CLI train --model conv --data mnist --samples 6000 --epochs 2 --seed 1 --out "$T/aekit-nchwc-ab-run" --no-figures 2>&1 | grep -o "epoch 2/2 .*")
    echo "$1 train conv (6,000 samples, epoch 2 of 2): $line"
  done
done
