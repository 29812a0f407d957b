#!/bin/bash
# A/B of CLI latency (issue #29): an older build of the CLI against this one with the ONNX Runtime
# optimized-model cache off and on, command by command, interleaved, 5 rounds; wall and CPU seconds.
#   bench/speed/cli-ab.sh <old dist/src/cli/main.js> <run folder> [10k]
# With 10k: `detect --samples 10000` and `eval` (the run's 10,000 test images), old and new (cache on), 2 rounds.
# e.g. git worktree add /tmp/old <commit> && (cd /tmp/old && ln -s $PWD/node_modules . && npx tsc -p tsconfig.build.json)
#      aekit train --model conv --data mnist --samples 2048 --epochs 1 --out /tmp/run --no-figures
set -eu
OLD=$1; R=$2; MODE=${3:-1}
CACHE=$(mktemp -d); OUT=$(mktemp -d); ERR=$(mktemp)
AEKIT_CACHE_DIR=$CACHE node dist/src/cli/main.js encode "$R" --samples 1 --out "$OUT/c.npy" >/dev/null   # fills the cache
AEKIT_CACHE_DIR=$CACHE node dist/src/cli/main.js detect "$R" --samples 1 >/dev/null
if [ "$MODE" = 10k ]; then ROUNDS="1 2"; VARIANTS="OLD NEW"; CMDS=("detect $R --samples 10000 --json" "eval $R --json")
else ROUNDS="1 2 3 4 5"; VARIANTS="OLD NEWOFF NEW"; CMDS=("encode $R --samples 1 --out $OUT/c.npy" "detect $R --samples 1 --json"); fi
for round in $ROUNDS; do
  for cmd in "${CMDS[@]}"; do
    for v in $VARIANTS; do
      case $v in OLD) e=$OLD; c=$CACHE;; NEWOFF) e=dist/src/cli/main.js; c=off;; NEW) e=dist/src/cli/main.js; c=$CACHE;; esac
      AEKIT_CACHE_DIR=$c /usr/bin/time -f "$v ${cmd%% *} wall %e cpu %U %S" node "$e" $cmd >/dev/null 2>>"$ERR"
    done
  done
done
grep -h "wall" "$ERR"; rm -rf "$CACHE" "$OUT" "$ERR"
