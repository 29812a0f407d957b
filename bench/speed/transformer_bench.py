#!/usr/bin/env python3
"""PyTorch (CPU) peer of the Transformer workload of aekit's speed benchmark (issue 27).

The same model, batch, loss and optimizer as bench/speed/transformer.ts, which
builds aekit's TransformerAutoencoder with the `transformer` preset's sizes:

  MNIST images [1, 28, 28] read as 28 row tokens of 28 pixels (pixels / 255);
  encoder: Linear(28 -> 64) per row + a learned [28, 64] position table,
    2 pre-LN blocks (LayerNorm eps 1e-5; 4-head attention with separate
    query/key/value/output projections, all with biases; exact GELU MLP
    64 -> 128 -> 64), a final LayerNorm, a learned query [1, 1, 64] attending
    over the 28 tokens (4 heads), Linear(64 -> 32): the code;
  decoder: Linear(32 -> 4 * 64) -> 4 memory tokens; 28 queries, a learned
    [28, 64] position table; 2 pre-LN blocks of self-attention,
    cross-attention to the memory and the MLP; LayerNorm; Linear(64 -> 28)
    per row; sigmoid; MSE; Adam 1e-3; batch 128.

It prints the model's parameter count, so the caller can check that both
sides built the same model. Timing as in pytorch_bench.py: a float32 matmul
check against float64 (exit status 3 when it fails), start-up (construction to
the end of the first step), an untimed warm-up pass, then --epochs timed
epochs, the median reported; one JSON line on stdout.

  /usr/bin/python3 bench/speed/transformer_bench.py --threads 1 --samples 6000 --epochs 3
"""
import argparse
import json
import math
import os
import sys
import time

# As in pytorch_bench.py: BLAS pools size themselves from the environment when they load.
for _i, _a in enumerate(sys.argv):
    if _a == "--threads" and _i + 1 < len(sys.argv):
        for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[_v] = sys.argv[_i + 1]

try:
    import torch
    import torch.nn as nn
except ImportError:
    sys.stderr.write("transformer_bench.py: PyTorch is not importable; apt-get install python3-torch and run /usr/bin/python3\n")
    sys.exit(2)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_bench import MNIST_TRAIN, blas_library, cpu_capability, load_mnist_images, openblas_core, train_step  # noqa: E402

BATCH = 128
ROWS, WIDTH = 28, 28
D, HEADS, MLP, DEPTH, CODE, MEMORY = 64, 4, 128, 2, 32, 4
MATMUL_TOLERANCE = 1e-4
CHECK_FAILED = 3


class Attention(nn.Module):
    """Multi-head attention with separate projections, queries scaled by 1/sqrt(d_k) (aekit's MultiHeadAttention)."""

    def __init__(self):
        super().__init__()
        self.query, self.key, self.value, self.output = (nn.Linear(D, D) for _ in range(4))
        self.dk = D // HEADS

    def forward(self, q, kv):
        n, t, s = q.shape[0], q.shape[1], kv.shape[1]
        heads = lambda v, length: v.reshape(n, length, HEADS, self.dk).transpose(1, 2)
        qh = heads(self.query(q) * (1.0 / math.sqrt(self.dk)), t)
        kh = heads(self.key(kv), s)
        vh = heads(self.value(kv), s)
        w = torch.softmax(qh @ kh.transpose(2, 3), dim=-1)
        return self.output((w @ vh).transpose(1, 2).reshape(n, t, D))


class Block(nn.Module):
    """Pre-LN block: self-attention, (cross-attention,) GELU MLP, each residual."""

    def __init__(self, cross):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(D, eps=1e-5), nn.LayerNorm(D, eps=1e-5)
        self.attention = Attention()
        self.cross = Attention() if cross else None
        self.ln_cross = nn.LayerNorm(D, eps=1e-5) if cross else None
        self.mlp_in, self.mlp_out = nn.Linear(D, MLP), nn.Linear(MLP, D)
        self.gelu = nn.GELU()

    def forward(self, x, memory=None):
        h = self.ln1(x)
        x = x + self.attention(h, h)
        if self.cross is not None:
            x = x + self.cross(self.ln_cross(x), memory)
        return x + self.mlp_out(self.gelu(self.mlp_in(self.ln2(x))))


class TransformerAutoencoder(nn.Module):
    def __init__(self):
        super().__init__()
        uniform = lambda *shape: nn.Parameter(torch.empty(*shape).uniform_(-0.1, 0.1))
        self.embed = nn.Linear(WIDTH, D)
        self.encoder_position = uniform(ROWS, D)
        self.encoder_blocks = nn.ModuleList(Block(False) for _ in range(DEPTH))
        self.encoder_norm = nn.LayerNorm(D, eps=1e-5)
        self.pool_query = uniform(1, 1, D)
        self.pool = Attention()
        self.code = nn.Linear(D, CODE)
        self.memory = nn.Linear(CODE, MEMORY * D)
        self.decoder_position = uniform(ROWS, D)
        self.decoder_blocks = nn.ModuleList(Block(True) for _ in range(DEPTH))
        self.decoder_norm = nn.LayerNorm(D, eps=1e-5)
        self.head = nn.Linear(D, WIDTH)

    def encode(self, x):
        t = self.embed(x.reshape(-1, ROWS, WIDTH)) + self.encoder_position
        for b in self.encoder_blocks:
            t = b(t)
        t = self.encoder_norm(t)
        pooled = self.pool(self.pool_query.expand(t.shape[0], 1, D), t)
        return self.code(pooled.reshape(-1, D))

    def decode(self, z):
        memory = self.memory(z).reshape(-1, MEMORY, D)
        t = self.decoder_position.expand(z.shape[0], ROWS, D)
        for b in self.decoder_blocks:
            t = b(t, memory)
        return torch.sigmoid(self.head(self.decoder_norm(t))).reshape(-1, 1, ROWS, WIDTH)

    def forward(self, x):
        return self.decode(self.encode(x))


def run_epoch(model, opt, loss_fn, x):
    n = x.shape[0]
    order = torch.randperm(n)
    total = 0.0
    for start in range(0, n, BATCH):
        xb = x[order[start:start + BATCH]]
        total += train_step(model, opt, loss_fn, xb) * xb.shape[0]
    return total / n


def matmul_check():
    """A float32 product of the embedding's shape (batch·rows x 28 by 28 x 64) against float64."""
    g = torch.Generator().manual_seed(1)
    a = torch.rand(BATCH * ROWS, WIDTH, generator=g, dtype=torch.float64)
    b = torch.rand(WIDTH, D, generator=g, dtype=torch.float64)
    exact = a @ b
    err = (((a.float() @ b.float()).double() - exact).abs() / exact.abs().clamp_min(1e-30)).max().item()
    return {"maxRelErr": err, "tolerance": MATMUL_TOLERANCE, "ok": bool(err <= MATMUL_TOLERANCE)}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--samples", type=int, default=6000)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1024, help="warm-up samples (capped at N)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    settings = {"threads": args.threads, "capability": cpu_capability(), "atenCpuCapability": os.environ.get("ATEN_CPU_CAPABILITY"),
                "openblasCore": openblas_core(), "openblasCoretype": os.environ.get("OPENBLAS_CORETYPE"), "blas": blas_library()}
    check = matmul_check()
    if not check["ok"]:
        print(json.dumps(dict(settings, workload="transformer", matmulCheck=check,
                              error="float32 matmul disagrees with float64 (max relative error %.3g > %g)" % (check["maxRelErr"], MATMUL_TOLERANCE))))
        sys.exit(CHECK_FAILED)

    x = load_mnist_images(MNIST_TRAIN, args.samples).reshape(-1, 1, ROWS, WIDTH).contiguous()
    n = x.shape[0]
    loss_fn = nn.MSELoss()
    t0 = time.perf_counter()
    model = TransformerAutoencoder()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    train_step(model, opt, loss_fn, x[:BATCH])
    startup_ms = (time.perf_counter() - t0) * 1000
    run_epoch(model, opt, loss_fn, x[:max(1, min(n, args.warmup))])

    epochs = []
    final_loss = float("nan")
    for _ in range(args.epochs):
        t0, c0 = time.perf_counter(), time.process_time()
        final_loss = run_epoch(model, opt, loss_fn, x)
        epochs.append((time.perf_counter() - t0, time.process_time() - c0))
    elapsed = sorted(e[0] for e in epochs)[len(epochs) // 2]
    cpu = sorted(e[1] for e in epochs)[len(epochs) // 2]
    print(json.dumps(dict(
        settings, workload="transformer", samples=n, batchSize=BATCH, epochs=args.epochs,
        parameters=sum(q.numel() for q in model.parameters()),
        secondsPerEpoch=round(elapsed, 4), epochSeconds=[round(e[0], 4) for e in epochs],
        samplesPerSec=round(n / elapsed, 1), samplesPerCpuSec=round(n / cpu, 1),
        finalLoss=round(final_loss, 6), startupMs=round(startup_ms, 2),
        engine="pytorch " + torch.__version__, matmulCheck=check,
    )))


if __name__ == "__main__":
    main()
