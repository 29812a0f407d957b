#!/usr/bin/env python3
"""Issue 25: input-space k-NN on z-scored ADBench tables (seed 0 splits of bench/tabular/peers.py) for several rules of k.

  /usr/bin/python3 bench/experiments/adbench-input-knn.py   (reads scratch/adbench-peers.json)
"""
import json, numpy as np
from sklearn.neighbors import NearestNeighbors
from sklearn.metrics import roc_auc_score
P = json.load(open('scratch/adbench-peers.json'))
rules = {'5': lambda n: 5, '50': lambda n: 50, '1%[5,100]': lambda n: int(np.clip(round(0.01*n), 5, 100)), '2%[5,100]': lambda n: int(np.clip(round(0.02*n), 5, 100)), 'sqrt': lambda n: int(np.clip(round(np.sqrt(n)), 5, 100))}
res = {r: [] for r in rules}; ifs = []
for e in P['datasets']:
    d = np.load(f"/work/shared/data/adbench/{e['name']}.npz"); X = d['X'].astype(float); y = d['y']
    sp = e['splits'][0]; tr = X[sp['train']]; te = X[sp['test']]; yt = y[sp['test']]
    mu, sd = tr.mean(0), tr.std(0); sd[sd == 0] = 1
    tr = (tr - mu) / sd; te = (te - mu) / sd
    n = len(tr); kmax = min(100, n)
    dist, _ = NearestNeighbors(n_neighbors=kmax).fit(tr).kneighbors(te)
    for r, f in rules.items(): res[r].append(100 * roc_auc_score(yt, dist[:, :min(f(n), kmax)].mean(1)))
    ifs.append(e['peers']['isolationForest'][0])
for r in rules: print(r, f'{np.mean(res[r]):.1f}')
print('IF', np.mean(ifs))
