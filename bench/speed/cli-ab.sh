#!/bin/bash
# A/B of CLI latency (issue #29): an older build of the CLI against this one with the ONNX Runtime
# optimized-model cache off and on, command by command, interleaved, 5 rounds; wall and CPU seconds.
#   bench/speed/cli-ab.sh <old dist/src/cli/main.js> <run folder>
# e.g. git worktree add /tmp/old <commit> && (cd /tmp/old && ln -s $PWD/node_modules . && npx tsc -p tsconfig.build.json)
#      aekit train --model conv --data mnist --samples 2048 --epochs 1 --out /tmp/run --no-figures
set -eu
OLD=$1; R=$2
CACHE=$(mktemp -d); OUT=$(mktemp -d); ERR=$(mktemp)
AEKIT_CACHE_DIR=$CACHE node dist/src/cli/main.js encode "$R" --samples 1 --out "$OUT/c.npy" >/dev/null   # fills the cache
AEKIT_CACHE_DIR=$CACHE node dist/src/cli/main.js detect "$R" --samples 1 >/dev/null
for round in 1 2 3 4 5; do
  for cmd in "encode $R --samples 1 --out $OUT/c.npy" "detect $R --samples 1 --json"; do
    for v in OLD NEWOFF NEW; do
      case $v in OLD) e=$OLD; c=$CACHE;; NEWOFF) e=dist/src/cli/main.js; c=off;; NEW) e=dist/src/cli/main.js; c=$CACHE;; esac
      AEKIT_CACHE_DIR=$c /usr/bin/time -f "$v ${cmd%% *} wall %e cpu %U %S" node "$e" $cmd >/dev/null 2>>"$ERR"
    done
  done
done
grep -h "wall" "$ERR"; rm -rf "$CACHE" "$OUT" "$ERR"
