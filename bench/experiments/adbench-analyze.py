#!/usr/bin/env python3
"""Issue 25 component study, seed by seed: ROC-AUC of every dumped score part
(bench/experiments/adbench-components.ts) and of sums of parts under four
normalizations of each part by its training scores (z: mean/std, rob:
median/IQR, tail: -log empirical tail probability, logz: z of the log), with
each combination's mean rank among the six peers of bench/tabular/peers.py.

  /usr/bin/python3 bench/experiments/adbench-analyze.py DUMPDIR SEED [part+part+...]...
  (PEERS=path/to/peers.json; default scratch/adbench-peers.json)
"""
import json, sys, glob, os, itertools
import numpy as np
from sklearn.metrics import roc_auc_score
d = sys.argv[1]
peers = json.load(open(os.environ.get('PEERS', 'scratch/adbench-peers.json')))
peerAuc = {e['name']: {p: e['peers'][p] for p in e['peers']} for e in peers['datasets']}
seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
files = sorted(glob.glob(f'{d}/*-s{seed}.json'))
data = {}
for f in files:
    name = os.path.basename(f)[:-len(f'-s{seed}.json')]
    data[name] = json.load(open(f))
def norm(tr, te, how):
    tr = np.asarray(tr, float); te = np.asarray(te, float)
    if how == 'z':
        s = tr.std() or 1
        return (te - tr.mean()) / s
    if how == 'rob':
        q1, q2, q3 = np.percentile(tr, [25, 50, 75]); s = (q3 - q1) or (tr.std() or 1)
        return (te - q2) / s
    if how == 'tail':
        st = np.sort(tr); n = len(st)
        ge = n - np.searchsorted(st, te, side='left')
        return -np.log((ge + 1) / (n + 1))
    if how == 'logz':
        lt = np.log(tr + 1e-12); le = np.log(te + 1e-12)
        return (le - lt.mean()) / (lt.std() or 1)
def auc(name, comps, how='z'):
    c = data[name]['comps']; y = data[name]['yTest']
    if len(comps) == 1:
        return 100 * roc_auc_score(y, c[comps[0]]['test'])
    s = sum(norm(c[k]['train'], c[k]['test'], how) for k in comps)
    return 100 * roc_auc_score(y, s)
names = list(data)
keys = list(data[names[0]]['comps'])
print('tables', len(names))
rows = {}
for k in keys: rows[k] = [auc(n, [k]) for n in names]
def show(label, vals):
    allp = {p: [peerAuc[n][p][seed] for n in names] for p in peerAuc[names[0]]}
    # rank among 7
    ranks = []
    for i, n in enumerate(names):
        v = [vals[i]] + [allp[p][i] for p in allp]
        order = sorted(v, reverse=True)
        ranks.append(1 + sum(1 for x in v if x > vals[i]) + 0.5 * (sum(1 for x in v if x == vals[i]) - 1))
    print(f'{label:40s} mean {np.mean(vals):5.1f}  rank {np.mean(ranks):4.2f}')
for k in keys: show(k, rows[k])
allp = {p: [peerAuc[n][p][seed] for n in names] for p in peerAuc[names[0]]}
for p in allp: show('PEER ' + p, allp[p])
combos = [l.split('+') for l in sys.argv[3:]] if len(sys.argv) > 3 else []
for c in combos:
    for how in ['z', 'rob', 'tail', 'logz']:
        show('+'.join(c) + ' ' + how, [auc(n, c, how) for n in names])
if os.environ.get('PER'):
    for c in combos[:1]:
        for i, n in enumerate(names):
            print(n, f"{auc(n, c, os.environ['PER']):.1f}", ' '.join(f"{p} {allp[p][i]:.1f}" for p in ['isolationForest','knn','ecod']))
