#!/usr/bin/env python3
"""The machine's float32 matmul FLOP rate: the speed anchor for aekit's benchmark.

Times a 2048x2048 by 2048x2048 float32 product (2*n^3 FLOPs) with 1 and with 2
threads, best of several reps, through the kernels PyTorch carries:
  - torch.mm: PyTorch's dense path, i.e. whatever libblas.so.3 the system
    resolves (Debian's python3-torch is built with BLAS_INFO=generic; with only
    libblas3 installed that is Netlib's reference BLAS, roughly 15x below peak;
    with OpenBLAS, its kernels for the core type it detects, or the one
    OPENBLAS_CORETYPE names: run it with that variable unset to get this CPU's
    AVX-512 kernels);
  - oneDNN (MKL-DNN) inner product on mkldnn tensors: a tuned AVX2/AVX-512 GEMM.
peakGflops1Thread / peakGflops2Threads are the best of the kernels (the
machine's limit); the per-kernel figures are printed too, and numpy's matmul
too if numpy is there. Each thread count runs in a child process with
OMP/OPENBLAS/MKL_NUM_THREADS set, since BLAS libraries read them at load time.
Before timing, the first rows of torch.mm's product are checked against
float64; a disagreement ends the script with status 3 (bench/speed.ts then
reruns it with the environment's guarded OpenBLAS setting). The JSON line
names OpenBLAS's core type (openblasCore) and the product's error (matmulCheck).

  /usr/bin/python3 bench/speed/peak_flops.py [--n 2048] [--reps 10]

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
MATMUL_TOLERANCE = 1e-4
CHECK_FAILED = 3

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


def openblas_core():
    """OpenBLAS's kernel family in this process (openblas_get_corename), or None."""
    import ctypes

    with open("/proc/self/maps") as f:
        paths = sorted({l.split()[-1] for l in f if "openblas" in l and l.split()[-1].startswith("/")})
    for path in reversed(paths):
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            return lib.openblas_get_corename().decode()
        except (OSError, AttributeError):
            continue
    return None


def check_mm(a, b, out, rows=64):
    """Largest relative difference of torch.mm's first rows from float64."""
    torch.mm(a, b, out=out)
    exact = a[:rows].double() @ b.double()
    err = ((out[:rows].double() - exact).abs() / exact.abs().clamp_min(1e-30)).max().item()
    return {"maxRelErr": err, "tolerance": MATMUL_TOLERANCE, "ok": bool(err <= MATMUL_TOLERANCE)}


def measure(n, reps, threads):
    """Per-kernel GFLOP/s in this process, which must have been started with
    the BLAS thread variables set to `threads` (OpenBLAS ignores torch's setting)."""
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    a = torch.rand(n, n, dtype=torch.float32)
    b = torch.rand(n, n, dtype=torch.float32)
    out = torch.empty(n, n, dtype=torch.float32)
    check = check_mm(a, b, out)
    if not check["ok"]:
        return {"matmulCheck": check, "openblasCore": openblas_core()}
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
    return {"gflops": {k: round(v, 2) for k, v in res.items()}, "matmulCheck": check, "openblasCore": openblas_core()}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=2048)
    p.add_argument("--reps", type=int, default=10)
    p.add_argument("--child-threads", type=int, default=0, help=argparse.SUPPRESS)
    args = p.parse_args()

    if args.child_threads:
        print(json.dumps(measure(args.n, args.reps, args.child_threads)))
        return

    result = {"n": args.n, "reps": args.reps, "torch": torch.__version__, "openblasCoretype": os.environ.get("OPENBLAS_CORETYPE")}
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
        child = json.loads(out.strip().splitlines()[-1])
        result["openblasCore"] = child["openblasCore"]
        result["matmulCheck"] = child["matmulCheck"]
        if not child["matmulCheck"]["ok"]:
            result["error"] = "torch.mm disagrees with float64 (max relative error %.3g > %g)" % (
                child["matmulCheck"]["maxRelErr"], MATMUL_TOLERANCE)
            print(json.dumps(result))
            sys.exit(CHECK_FAILED)
        per[threads] = child["gflops"]
    result["peakGflops1Thread"] = max(per[1].values())
    result["peakGflops2Threads"] = max(per[2].values())
    for threads, kernels in per.items():
        for name, g in kernels.items():
            result["%sGflops%dThread%s" % (name, threads, "" if threads == 1 else "s")] = g
    print(json.dumps(result))


if __name__ == "__main__":
    main()
