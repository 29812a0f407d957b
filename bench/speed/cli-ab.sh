#!/bin/bash
# A/B of CLI latency (issue #29): an older build of the CLI against this one with the ONNX Runtime
# optimized-model cache off and on, command by command, interleaved, 5 rounds; wall and CPU seconds.
#   bench/speed/cli-ab.sh <old dist/src/cli/main.js> <run folder> [10k]
# With 10k: `detect --samples 10000` and `eval` (the run's 10,000 test images), old and new (cache on), 2 rounds.
# AB_EXTRA=<LABEL>=<main.js> adds a third build to the one-row rounds (cache on), e.g. this branch compiled by tsc
# alone (unbundled): tsc -p tsconfig.build.json --outDir /tmp/unb/dist, with package.json and node_modules beside it.
# e.g. git worktree add /tmp/old <commit> && (cd /tmp/old && ln -s $PWD/node_modules . && npx tsc -p tsconfig.build.json)
#      aekit train --model conv --data mnist --samples 2048 --epochs 1 --out /tmp/run --no-figures
set -eu
OLD=$1; R=$2; MODE=${3:-1}
CACHE=$(mktemp -d); OUT=$(mktemp -d); ERR=$(mktemp)
AEKIT_CACHE_DIR=$CACHE node dist/src/cli/main.js encode "$R" --samples 1 --out "$OUT/c.npy" >/dev/null   # fills the cache
AEKIT_CACHE_DIR=$CACHE node dist/src/cli/main.js detect "$R" --samples 1 >/dev/null
if [ "$MODE" = 10k ]; then ROUNDS="1 2"; VARIANTS="OLD NEW"; CMDS=("detect $R --samples 10000 --json" "eval $R --json")
else ROUNDS="1 2 3 4 5"; VARIANTS="OLD NEWOFF NEW${AB_EXTRA:+ EXTRA}"; CMDS=("encode $R --samples 1 --out $OUT/c.npy" "detect $R --samples 1 --json"); fi
for round in $ROUNDS; do
  for cmd in "${CMDS[@]}"; do
    for v in $VARIANTS; do
      case $v in OLD) e=$OLD; c=$CACHE;; NEWOFF) e=dist/src/cli/main.js; c=off;; NEW) e=dist/src/cli/main.js; c=$CACHE;; EXTRA) e=${AB_EXTRA#*=}; c=$CACHE;; esac
      label=$v; [ "$v" = EXTRA ] && label=${AB_EXTRA%%=*}
      AEKIT_CACHE_DIR=$c /usr/bin/time -f "$label ${cmd%% *} wall %e cpu %U %S" node "$e" $cmd >/dev/null 2>>"$ERR"
    done
  done
done
grep -h "wall" "$ERR"
# Medians per build and command: CPU seconds (user + system), then wall seconds.
echo "medians:"; grep -h "wall" "$ERR" | awk '{k=$1" "$2; n[k]++; c[k,n[k]]=$6+$7; w[k,n[k]]=$4}
  function med(a, k, m,  i, j, t, v) { for (i = 1; i <= m; i++) v[i] = a[k, i]; for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
    return m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2 }
  END { for (k in n) printf "%s cpu %.2f wall %.2f\n", k, med(c, k, n[k]), med(w, k, n[k]) }' | sort
rm -rf "$CACHE" "$OUT" "$ERR"
