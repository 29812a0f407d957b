#!/usr/bin/env python3
"""ADBench protocol and classical peers for aekit's tabular benchmark (issue 25).

Needs Debian's scikit-learn (apt-get install python3-sklearn; run with
/usr/bin/python3, which sees it).

For every .npz table in --data-dir (arrays X and y, 1 = anomaly), following
shared/data/adbench/README.md exactly:
  1. more than 10,000 rows: keep the train part of
     train_test_split(X, y, train_size=10000, stratify=y, random_state=0);
  2. for each seed s: train_test_split(test_size=0.3, stratify=y, random_state=s);
  3. fit each peer on the 70 % part without labels (min-max scaled with that
     part's minimum and maximum), score the 30 % part, ROC-AUC x 100.

Writes one JSON file (--out) holding, per table, the row indices of every
seed's training and test part (in the original file's row numbering), so
aekit's side of the benchmark scores the very same rows, and each peer's
ROC-AUC per seed. Peers: IsolationForest (100 trees, random_state = seed),
LOF (k = 20, novelty), KNN (distance to the 5th nearest training row),
OneClassSVM (RBF, gamma 'scale', nu 0.5, fitted on at most 5,000 training
rows), PCA (components for 95 % of the variance, squared reconstruction
error), ECOD (Li et al. 2022: empirical-CDF tail probabilities of each
feature, written here from the paper's definition).

  /usr/bin/python3 bench/tabular/peers.py --data-dir ../shared/data/adbench --seeds 0,1,2 --out /tmp/adbench.json
"""
import argparse
import json
import os
import sys
import time

import numpy as np

try:
    from sklearn.decomposition import PCA
    from sklearn.ensemble import IsolationForest
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split
    from sklearn.neighbors import LocalOutlierFactor, NearestNeighbors
    from sklearn.svm import OneClassSVM
except ImportError:
    print(json.dumps({"error": "scikit-learn is not installed: apt-get install -y python3-sklearn"}))
    sys.exit(3)

PEERS = ["isolationForest", "lof", "knn", "ocsvm", "pca", "ecod"]


def ecod_scores(train, test):
    """ECOD: -log of each feature's left and right empirical tail probability
    (from the training rows), summed over features; the score is the largest of
    the left-tail sum, the right-tail sum and the sum that takes each feature's
    tail on the side of its skew."""
    n = len(train)
    left = np.empty_like(test, dtype=np.float64)
    right = np.empty_like(test, dtype=np.float64)
    for j in range(train.shape[1]):
        col = np.sort(train[:, j])
        # Fraction of training values <= x and >= x, kept away from 0 as PyOD's ECDF does by counting the point itself.
        le = np.searchsorted(col, test[:, j], side="right")
        ge = n - np.searchsorted(col, test[:, j], side="left")
        left[:, j] = (le + 1) / (n + 1)
        right[:, j] = (ge + 1) / (n + 1)
    centred = train - train.mean(axis=0)
    std = train.std(axis=0)
    skew = np.where(std > 0, (centred ** 3).mean(axis=0) / np.where(std > 0, std, 1) ** 3, 0.0)
    o_left = -np.log(left)
    o_right = -np.log(right)
    o_auto = np.where(skew < 0, o_left, o_right)
    return np.maximum(np.maximum(o_left.sum(axis=1), o_right.sum(axis=1)), o_auto.sum(axis=1))


def peer_scores(name, train, test, seed):
    if name == "isolationForest":
        return -IsolationForest(n_estimators=100, random_state=seed).fit(train).score_samples(test)
    if name == "lof":
        return -LocalOutlierFactor(n_neighbors=20, novelty=True).fit(train).score_samples(test)
    if name == "knn":
        dist, _ = NearestNeighbors(n_neighbors=5).fit(train).kneighbors(test)
        return dist[:, -1]
    if name == "ocsvm":
        rows = train
        if len(rows) > 5000:
            rows = rows[np.random.RandomState(seed).choice(len(rows), 5000, replace=False)]
        return -OneClassSVM(kernel="rbf", gamma="scale", nu=0.5).fit(rows).score_samples(test)
    if name == "pca":
        pca = PCA(n_components=0.95, svd_solver="full").fit(train)
        back = pca.inverse_transform(pca.transform(test))
        return ((test - back) ** 2).sum(axis=1)
    if name == "ecod":
        return ecod_scores(train, test)
    raise ValueError(name)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--datasets", default="", help="comma-separated table names (file names without .npz); default all")
    parser.add_argument("--peers", default=",".join(PEERS), help="comma-separated peers to run, or 'none'")
    parser.add_argument("--max-rows", type=int, default=10000)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",") if s != ""]
    peers = [] if args.peers == "none" else [p for p in args.peers.split(",") if p]
    for p in peers:
        if p not in PEERS:
            raise SystemExit(f"--peers: unknown peer '{p}'; peers: {', '.join(PEERS)}")
    names = sorted(f[:-4] for f in os.listdir(args.data_dir) if f.endswith(".npz"))
    if args.datasets:
        wanted = args.datasets.split(",")
        missing = [w for w in wanted if w not in names]
        if missing:
            raise SystemExit(f"--datasets: no {', '.join(m + '.npz' for m in missing)} in {args.data_dir}")
        names = [n for n in names if n in wanted]
    if not names:
        raise SystemExit(f"no .npz tables in {args.data_dir}")
    out = {"seeds": seeds, "peers": peers, "datasets": []}
    for name in names:
        data = np.load(os.path.join(args.data_dir, name + ".npz"), allow_pickle=False)
        x, y = data["X"].astype(np.float64), data["y"].astype(np.int64)
        rows = np.arange(len(y))
        if len(y) > args.max_rows:
            rows, _ = train_test_split(rows, train_size=args.max_rows, stratify=y, random_state=0)
        entry = {"name": name, "rows": int(len(y)), "features": int(x.shape[1]), "anomalies": int(y.sum()), "splits": [], "peers": {p: [] for p in peers}, "peerSeconds": {p: 0.0 for p in peers}}
        for seed in seeds:
            train_rows, test_rows = train_test_split(rows, test_size=0.3, stratify=y[rows], random_state=seed)
            entry["splits"].append({"seed": seed, "train": train_rows.tolist(), "test": test_rows.tolist()})
            train, test = x[train_rows], x[test_rows]
            lo, hi = train.min(axis=0), train.max(axis=0)
            span = np.where(hi > lo, hi - lo, 1.0)
            train_s, test_s = (train - lo) / span, (test - lo) / span
            for p in peers:
                t0 = time.time()
                scores = peer_scores(p, train_s, test_s, seed)
                entry["peerSeconds"][p] += time.time() - t0
                entry["peers"][p].append(100 * roc_auc_score(y[test_rows], scores))
        out["datasets"].append(entry)
        summary = " ".join(f"{p} {np.mean(entry['peers'][p]):.1f}" for p in peers)
        print(f"{name}: {summary}", file=sys.stderr, flush=True)
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(out, f)
    os.replace(tmp, args.out)
    print(json.dumps({"ok": True, "out": args.out, "datasets": len(out["datasets"])}))


if __name__ == "__main__":
    main()
