#!/usr/bin/env python3
"""The machine's float32 matmul FLOP rate: the speed anchor for aekit's benchmark.

Times a 2048x2048 by 2048x2048 float32 product (2*n^3 FLOPs) with 1 and with 2
threads, best of several reps, through two kernels PyTorch carries:
  - torch.mm: PyTorch's dense path, i.e. whatever libblas.so.3 the system
    resolves (Debian's python3-torch is built with BLAS_INFO=generic; with only
    libblas3 installed that is Netlib's reference BLAS, roughly 15x below peak);
  - oneDNN (MKL-DNN) inner product on mkldnn tensors: a tuned AVX2/AVX-512 GEMM.
peakGflops1Thread / peakGflops2Threads are the best of the kernels (the
machine's limit); the per-kernel figures are printed too, and numpy's matmul
too if numpy is there. Each thread count runs in a child process with
OMP/OPENBLAS/MKL_NUM_THREADS set, since BLAS libraries read them at load time.

  /usr/bin/python3 scripts/bench/peak_flops.py [--n 2048] [--reps 10]

Needs Debian's PyTorch (apt-get install python3-torch; use /usr/bin/python3).
Prints one JSON line: {"peakGflops1Thread", "peakGflops2Threads", ...}.
"""
import argparse
import json
import os
import subprocess
import sys
import time

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

try:
    import torch
except ImportError:
    sys.stderr.write(
        "peak_flops.py: PyTorch is not importable from %s.\n"
        "Install Debian's build with:  apt-get install python3-torch\n"
        "and run this script with the system interpreter: /usr/bin/python3 %s ...\n"
        % (sys.executable, sys.argv[0])
    )
    sys.exit(2)


def best_gflops(fn, n, reps):
    fn()  # warm-up
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return 2.0 * n ** 3 / best / 1e9


def measure(n, reps, threads):
    """Per-kernel GFLOP/s in this process, which must have been started with
    the BLAS thread variables set to `threads` (OpenBLAS ignores torch's setting)."""
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    a = torch.rand(n, n, dtype=torch.float32)
    b = torch.rand(n, n, dtype=torch.float32)
    out = torch.empty(n, n, dtype=torch.float32)
    res = {"torchMm": best_gflops(lambda: torch.mm(a, b, out=out), n, reps)}
    if torch.backends.mkldnn.is_available():
        am, bm = a.to_mkldnn(), b.to_mkldnn()
        # mkldnn_linear(x, w) = x @ w^T: same FLOP count as a @ b.
        res["onednn"] = best_gflops(lambda: torch._C._nn.mkldnn_linear(am, bm), n, reps)
    try:
        import numpy as np

        an, bn = a.numpy(), b.numpy()
        res["numpy"] = best_gflops(lambda: an @ bn, n, reps)
    except ImportError:
        pass
    return {k: round(v, 2) for k, v in res.items()}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=2048)
    p.add_argument("--reps", type=int, default=10)
    p.add_argument("--child-threads", type=int, default=0, help=argparse.SUPPRESS)
    args = p.parse_args()

    if args.child_threads:
        print(json.dumps(measure(args.n, args.reps, args.child_threads)))
        return

    result = {"n": args.n, "reps": args.reps, "torch": torch.__version__}
    per = {}
    for threads in (1, 2):
        # A fresh process per thread count: BLAS libraries read their thread
        # count from the environment when they load.
        env = dict(os.environ, **{v: str(threads) for v in THREAD_VARS})
        out = subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--n", str(args.n), "--reps", str(args.reps),
             "--child-threads", str(threads)],
            env=env, check=True, capture_output=True, text=True,
        ).stdout
        per[threads] = json.loads(out.strip().splitlines()[-1])
    result["peakGflops1Thread"] = max(per[1].values())
    result["peakGflops2Threads"] = max(per[2].values())
    for threads, kernels in per.items():
        for name, g in kernels.items():
            result["%sGflops%dThread%s" % (name, threads, "" if threads == 1 else "s")] = g
    print(json.dumps(result))


if __name__ == "__main__":
    main()
