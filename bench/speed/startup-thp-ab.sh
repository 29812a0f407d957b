#!/usr/bin/env bash
# Start-up and first touches of memory (issue #29): bench/speed/startup-parts.ts
# (CPU ms and MB faulted in per part) and the PyTorch peer's start-up
# (construction to the end of the first step, a fresh process per workload),
# each with glibc's default malloc and with GLIBC_TUNABLES=glibc.malloc.hugetlb=1
# (malloc asks for transparent huge pages: one fault per 2 MiB instead of per
# 4 KiB), alternated over rounds.
#
#   bash bench/speed/startup-thp-ab.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-2}
py=/usr/bin/python3
thp=glibc.malloc.hugetlb=1
echo "# $(date -u +%FT%TZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-); THP: $(cat /sys/kernel/mm/transparent_hugepage/enabled)"
for r in $(seq 1 "$rounds"); do
  for tunables in '' "$thp"; do
    label=${tunables:-default}
    echo "## round $r, malloc: $label"
    GLIBC_TUNABLES=$tunables node --import tsx bench/speed/startup-parts.ts --repeats 3
    GLIBC_TUNABLES=$tunables node --import tsx bench/speed/startup-parts.ts --repeats 3 --faults
    for w in dense conv hinton; do
      ms=$(GLIBC_TUNABLES=$tunables "$py" bench/speed/pytorch_bench.py --workload "$w" --samples 512 --warmup 64 --epochs 1 2>/dev/null | tail -1 | "$py" -c 'import json,sys; print(json.loads(sys.stdin.read())["startupMs"])')
      echo "pytorch $w start-up ms: $ms"
    done
  done
done
