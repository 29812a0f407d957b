#!/bin/bash
# This checkout against an older one (a `git worktree` with node_modules linked and `npm run build` done),
# alternated, with the compiled CLIs: `aekit eval` of a conv run on MNIST's 10,000 test images, and
# `aekit train --model conv` on 6,000 images.
# usage: bash bench/speed/commit-ab.sh <older checkout> <conv run folder> [rounds]
set -u
OLD=$1; R=$2; ROUNDS=${3:-3}; T=${TMPDIR:-/tmp}
echo "# $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg); new $(git rev-parse --short HEAD), old $(git -C "$OLD" rev-parse --short HEAD)"
for round in $(seq "$ROUNDS"); do
  for v in "new ." "old $OLD"; do
    set -- $v
    /usr/bin/time -f "$1 eval wall %e s cpu %U+%S s" node "$2/dist/src/cli/main.js" eval "$R" --json >/dev/null 2>>"$T/aekit-commit-ab.err"; tail -1 "$T/aekit-commit-ab.err"
  done
done
for round in $(seq "$ROUNDS"); do
  for v in "new ." "old $OLD"; do
    set -- $v; rm -rf "$T/aekit-commit-ab-run"
    line=$(node "$2/dist/src/cli/main.js" train --model conv --data mnist --samples 6000 --epochs 2 --seed 1 --out "$T/aekit-commit-ab-run" --no-figures 2>&1 | grep -o "epoch 2/2 .*")
    echo "$1 train conv (6,000 samples, epoch 2 of 2): $line"
  done
done
