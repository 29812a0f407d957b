#!/usr/bin/env python3
"""scikit-learn peer of aekit's time-series benchmark (bench/timeseries.ts).

Needs Debian's scikit-learn:  apt-get install python3-sklearn  (run with
/usr/bin/python3, which sees it; a pyenv/venv python3 on PATH may not).

  /usr/bin/python3 bench/timeseries/peers.py --manifest DIR/manifest.json --seed 1

The manifest lists series: {"series": [{"name", "values", "trainSteps",
"window", "scores"}]}; "values" is a file of float32 values (little-endian),
"scores" where this script writes one float64 score per step.

IsolationForest over sliding windows, run as the TypeScript peers are: the
series standardized with the mean and std of its first trainSteps values,
windows of `window` steps at stride 1, scikit-learn's IsolationForest with its
defaults (100 trees, max_samples 'auto') and random_state = --seed fitted on
the windows inside the training steps; a window's score is the negated
score_samples (higher = more anomalous), a step's the mean score of the
windows that cover it. Prints one JSON line: {"seconds": {name: s}}.
"""
import argparse
import json
import sys
import time

import numpy as np

try:
    from sklearn.ensemble import IsolationForest
except ImportError:
    print(json.dumps({"error": "scikit-learn is not installed: apt-get install -y python3-sklearn"}))
    sys.exit(3)


def standardize(v, n):
    m = v[:n].mean()
    sd = v[:n].std()
    return (v - m) / (sd if sd > 0 else 1.0)


def step_scores(ws, window, steps):
    """Mean score of the windows covering each step (windows start at 0..steps-window)."""
    total = np.convolve(ws, np.ones(window))
    count = np.convolve(np.ones(len(ws)), np.ones(window))
    assert len(total) == steps
    return total / count


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--manifest", required=True)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    with open(args.manifest) as f:
        manifest = json.load(f)
    seconds = {}
    for s in manifest["series"]:
        t0 = time.perf_counter()
        v = np.fromfile(s["values"], dtype="<f4").astype(np.float64)
        n, w = int(s["trainSteps"]), int(s["window"])
        x = standardize(v, n)
        windows = np.lib.stride_tricks.sliding_window_view(x, w)
        model = IsolationForest(random_state=args.seed).fit(windows[: n - w + 1])
        scores = step_scores(-model.score_samples(windows), w, len(v))
        scores.astype("<f8").tofile(s["scores"])
        seconds[s["name"]] = time.perf_counter() - t0
    print(json.dumps({"seconds": seconds}))


if __name__ == "__main__":
    main()
