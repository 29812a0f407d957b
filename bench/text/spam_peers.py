#!/usr/bin/env python3
"""scikit-learn peers for the spam part of aekit's text benchmark (bench:text).

Reads the TF-IDF rows aekit wrote (the same matrix aekit's detector sees):
train.npy (training ham), test.npy (held-out ham and all spam), labels.npy
(1 = spam), fits each peer on the training ham and prints the test ROC-AUC
(%) of each as one JSON line.

  isolationForest  IsolationForest, scikit-learn's defaults (100 trees,
                   max_samples 'auto'), random_state = --seed
  oneClassSvm      OneClassSVM, scikit-learn's defaults (RBF kernel,
                   gamma 'scale', nu 0.5)
  pca              PCA with --components components (aekit's code size);
                   the score is the squared reconstruction error

Needs Debian's scikit-learn: apt-get install python3-sklearn.

  /usr/bin/python3 bench/text/spam_peers.py --dir /tmp/spam --components 16 --seed 1
"""
import argparse
import json
import os
import sys

import numpy as np

try:
    from sklearn.decomposition import PCA
    from sklearn.ensemble import IsolationForest
    from sklearn.metrics import roc_auc_score
    from sklearn.svm import OneClassSVM
except ImportError:
    print(json.dumps({"error": "scikit-learn is not installed: apt-get install -y python3-sklearn"}))
    sys.exit(3)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--components", type=int, required=True)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    train = np.load(os.path.join(a.dir, "train.npy")).astype(np.float64)
    test = np.load(os.path.join(a.dir, "test.npy")).astype(np.float64)
    labels = np.load(os.path.join(a.dir, "labels.npy"))
    out = {}
    forest = IsolationForest(random_state=a.seed).fit(train)
    out["isolationForest"] = 100 * roc_auc_score(labels, -forest.score_samples(test))
    svm = OneClassSVM().fit(train)
    out["oneClassSvm"] = 100 * roc_auc_score(labels, -svm.score_samples(test))
    pca = PCA(n_components=a.components, random_state=a.seed).fit(train)
    rec = pca.inverse_transform(pca.transform(test))
    out["pca"] = 100 * roc_auc_score(labels, ((test - rec) ** 2).sum(axis=1))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
