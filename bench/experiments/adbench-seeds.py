#!/usr/bin/env python3
"""Issue 25 component study over seeds: for weighted sums of dumped score parts
("w*part+w*part"), each part rescaled by the median and IQR/1.349 of its
training scores (as src/anomaly/ensemble.ts does), the mean ROC-AUC and the
mean rank among seven detectors (the sum and bench/tabular/peers.py's six),
per split seed, next to IsolationForest's.

  /usr/bin/python3 bench/experiments/adbench-seeds.py DUMPDIR "1*a.mse+2*a.knn+1*tails" ...
  (PEERS=path/to/peers.json; default scratch/adbench-peers.json)
"""
import json, sys, glob, os
import numpy as np
from sklearn.metrics import roc_auc_score
peers = json.load(open(os.environ.get('PEERS', 'scratch/adbench-peers.json')))
peerAuc = {e['name']: e['peers'] for e in peers['datasets']}
d = sys.argv[1]
def norm(tr, te, how):
    tr = np.asarray(tr, float); te = np.asarray(te, float)
    if how == 'z': return (te - tr.mean()) / (tr.std() or 1)
    q1, q2, q3 = np.percentile(tr, [25, 50, 75]); s = (q3 - q1) / 1.349
    if not s > 1e-12: s = tr.std()
    if not s > 1e-12: s = 1
    return (te - q2) / s
def parse(c):
    # "w*comp+w*comp"
    out = []
    for t in c.split('+'):
        w, k = (t.split('*') if '*' in t else ('1', t)); out.append((float(w), k))
    return out
for c in sys.argv[2:]:
    terms = parse(c)
    line = []
    for seed in [0, 1, 2]:
        files = sorted(glob.glob(f'{d}/*-s{seed}.json'))
        if not files: continue
        vals, ranks, ifr = [], [], []
        for f in files:
            name = os.path.basename(f)[:-len(f'-s{seed}.json')]
            D = json.load(open(f)); cm = D['comps']; y = D['yTest']
            s = sum(w * norm(cm[k]['train'], cm[k]['test'], 'rob') for w, k in terms)
            a = 100 * roc_auc_score(y, s); vals.append(a)
            allv = {'aekit': a, **{p: peerAuc[name][p][seed] for p in peerAuc[name]}}
            def rk(v): return 1 + sum(1 for x in allv.values() if x > v) + 0.5 * (sum(1 for x in allv.values() if x == v) - 1)
            ranks.append(rk(a)); ifr.append({p: rk(allv[p]) for p in allv if p != 'aekit'})
        best_peer = min(ifr[0], key=lambda p: np.mean([r[p] for r in ifr]))
        ifm = np.mean([peerAuc[os.path.basename(f)[:-len(f'-s{seed}.json')]]['isolationForest'][seed] for f in files])
        line.append(f"s{seed}: {np.mean(vals):.2f} r{np.mean(ranks):.2f} (IF {ifm:.2f} r{np.mean([r['isolationForest'] for r in ifr]):.2f}; best peer {best_peer} r{np.mean([r[best_peer] for r in ifr]):.2f}) n={len(files)}")
    print(c[:60], '|', ' | '.join(line))
