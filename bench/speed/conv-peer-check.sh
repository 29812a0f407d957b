#!/usr/bin/env bash
# The conv workload's training rate, aekit (bench/speed/fit-epochs.ts) and an
# independent PyTorch script (bench/speed/torch_conv_check.py), alternated
# over rounds on 6,000 MNIST images, 1 and 2 threads each (issue #29: is the
# bench's PyTorch conv peer weak on this CPU, or is aekit fast?).
#
#   bash bench/speed/conv-peer-check.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
echo "# $(date -u +%FT%TZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-); load $(cut -d' ' -f1 /proc/loadavg)"
for r in $(seq 1 "$rounds"); do
  echo "## round $r"
  for t in 1 2; do
    echo "aekit threads $t: $(node --import tsx bench/speed/fit-epochs.ts conv --threads "$t" --epochs 3 2>&1 | tail -1)"
  done
  /usr/bin/python3 bench/speed/torch_conv_check.py --rounds 1 | sed 's/^/pytorch /'
done
