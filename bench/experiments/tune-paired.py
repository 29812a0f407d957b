"""Paired reading of bench:tune's sampler comparison (issue 31).

    python3 bench/experiments/tune-paired.py [--pool] RESULTS.txt [RESULTS.txt ...]

Each argument is the JSON `bench/tune.ts --json` prints on its last line (the
last line of the file is read). For each file: the mean over task x seed
studies of (trials TPE took to reach random search's best) - (trials random
search took), its standard error (the studies taken as independent), how
many studies TPE took fewer / more trials, and in how many TPE's best
validation ROC-AUC was above / below random search's. With --pool, the same
over the studies of all the files together (runs of other sampler seeds of
the same protocol), and the mean trials of each sampler.
"""
import json
import math
import sys

args = sys.argv[1:]
pool = '--pool' in args
paths = [a for a in args if a != '--pool']
if not paths:
    sys.exit(__doc__)


def report(label, studies):
    d = [s['modelTrialsToBest'] - s['randomTrialsToBest'] for s in studies]
    n = len(d)
    mean = sum(d) / n
    se = math.sqrt(sum((x - mean) ** 2 for x in d) / (n - 1) / n) if n > 1 else float('nan')
    higher = sum(1 for s in studies if s['modelBest'] > s['randomBest'] + 1e-9)
    lower = sum(1 for s in studies if s['modelBest'] < s['randomBest'] - 1e-9)
    print(f'{label}: {n} studies; TPE - random trials to random\'s best: mean {mean:.2f} +- {se:.2f} (standard error); '
          f'TPE fewer in {sum(x < 0 for x in d)}, more in {sum(x > 0 for x in d)}; '
          f'TPE\'s best above random\'s in {higher}, below in {lower}')
    return n


pooled = []
for path in paths:
    with open(path, encoding='utf-8') as f:
        lines = [line for line in f.read().splitlines() if line.strip()]
    try:
        studies = json.loads(lines[-1])['sampler']['studies']
    except (IndexError, KeyError, json.JSONDecodeError) as e:
        sys.exit(f'{path}: expected bench:tune --json output on the last line ({e})')
    report(path, studies)
    pooled.extend(studies)
if pool and len(paths) > 1:
    n = report('pooled', pooled)
    tpe = sum(s['modelTrialsToBest'] for s in pooled) / n
    rnd = sum(s['randomTrialsToBest'] for s in pooled) / n
    print(f'pooled: mean trials to random search\'s best: TPE {tpe:.2f} · random {rnd:.2f}')
