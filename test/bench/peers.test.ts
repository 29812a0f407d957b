import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type PeerRun, type PeerSetting, type ProcessOutput, CHECK_FAILED_STATUS, bestRun, describeRun, guardOf, parsePeerOutput, peerEnv, peerSettings, runWithFallback, settingsOf,
} from '../../bench/speed/peers.js';

const detected1: PeerSetting = { threads: 1, capability: 'default', openblas: 'detected' };
const ok = (fields: Record<string, unknown>): ProcessOutput => ({ status: 0, stdout: `${JSON.stringify(fields)}\n`, stderr: '' });

test('peer settings: every thread count × capability (× OpenMP wait policy with threads), OpenBLAS as detected, fewer threads first', () => {
  assert.deepEqual(peerSettings([1, 2]), [
    { threads: 1, capability: 'default', openblas: 'detected' },
    { threads: 1, capability: 'avx512', openblas: 'detected' },
    { threads: 2, capability: 'default', openblas: 'detected' },
    { threads: 2, capability: 'default', openblas: 'detected', ompWait: 'passive' },
    { threads: 2, capability: 'avx512', openblas: 'detected' },
    { threads: 2, capability: 'avx512', openblas: 'detected', ompWait: 'passive' },
  ]);
});

test('peer environment: the OpenBLAS guard is removed only for detected kernels, and only in the copy', () => {
  const base = { PATH: '/bin', OPENBLAS_CORETYPE: 'Haswell', OPENBLAS_L2_SIZE: '512', ATEN_CPU_CAPABILITY: 'avx2', LD_LIBRARY_PATH: '/opt/lib' };
  const before = { ...base };
  const env = peerEnv(base, { threads: 2, capability: 'avx512', openblas: 'detected' }, '/usr/lib/x86_64-linux-gnu/openblas-pthread');
  assert.equal(env.OPENBLAS_CORETYPE, undefined);
  assert.equal(env.OPENBLAS_L2_SIZE, undefined);
  assert.equal(env.ATEN_CPU_CAPABILITY, 'avx512');
  assert.equal(env.OMP_NUM_THREADS, '2');
  assert.equal(env.OPENBLAS_NUM_THREADS, '2');
  assert.equal(env.MKL_NUM_THREADS, '2');
  assert.equal(env.LD_LIBRARY_PATH, '/usr/lib/x86_64-linux-gnu/openblas-pthread:/opt/lib');
  assert.equal(env.PATH, '/bin');
  assert.equal(env.OMP_WAIT_POLICY, undefined, 'default wait policy: the library chooses');
  assert.equal(peerEnv({ ...base, OMP_WAIT_POLICY: 'ACTIVE' }, { threads: 2, capability: 'default', openblas: 'detected' }).OMP_WAIT_POLICY, undefined);
  assert.equal(peerEnv(base, { threads: 2, capability: 'default', openblas: 'detected', ompWait: 'passive' }).OMP_WAIT_POLICY, 'PASSIVE');
  assert.deepEqual(base, before, 'the caller\'s environment is untouched');

  const guarded = peerEnv(base, { threads: 1, capability: 'default', openblas: 'guarded' });
  assert.equal(guarded.OPENBLAS_CORETYPE, 'Haswell');
  assert.equal(guarded.OPENBLAS_L2_SIZE, '512');
  assert.equal(guarded.ATEN_CPU_CAPABILITY, undefined, 'default capability: the library chooses, whatever the caller set');
  assert.equal(guarded.LD_LIBRARY_PATH, '/opt/lib');
  assert.deepEqual(guardOf(base), ['OPENBLAS_CORETYPE=Haswell', 'OPENBLAS_L2_SIZE=512']);
  assert.deepEqual(guardOf({ PATH: '/bin' }), []);
});

test('peer output: the last JSON object line wins over log lines; failures name their cause', () => {
  const run = parsePeerOutput(detected1, { status: 0, stdout: 'loading\n{"samplesPerSec": 1}\n{not json\n{"samplesPerSec": 2.5, "threads": 1}\ndone\n', stderr: '' });
  assert.equal(run.error, undefined);
  assert.equal(run.result?.samplesPerSec, 2.5);

  const crashed = parsePeerOutput(detected1, { status: 2, stdout: '', stderr: 'Traceback\n  File x\nImportError: No module named torch\n' });
  assert.match(crashed.error!, /exit status 2: .*No module named torch/);

  const silent = parsePeerOutput(detected1, { status: 0, stdout: 'nothing useful\n', stderr: '' });
  assert.match(silent.error!, /printed no JSON line: nothing useful/);

  const refused = parsePeerOutput(detected1, { status: CHECK_FAILED_STATUS, stdout: '{"error": "float32 matmul disagrees with float64", "matmulCheck": {"ok": false, "maxRelErr": 0.5, "tolerance": 0.0001}}\n', stderr: '' });
  assert.equal(refused.error, 'float32 matmul disagrees with float64');
  assert.equal((refused.result?.matmulCheck as { ok: boolean }).ok, false);

  const notStarted = parsePeerOutput(detected1, { status: null, stdout: '', stderr: '', error: new Error('spawn /usr/bin/python3 ENOENT') });
  assert.match(notStarted.error!, /could not run: spawn \/usr\/bin\/python3 ENOENT/);
});

test('fallback: a failed matmul check with detected kernels reruns the setting with the guard, and says so', () => {
  const asked: PeerSetting[] = [];
  const exec = (s: PeerSetting): ProcessOutput => {
    asked.push(s);
    if (s.openblas === 'detected') {
      return { status: CHECK_FAILED_STATUS, stdout: JSON.stringify({ error: 'disagrees', openblasCore: 'Cooperlake', matmulCheck: { ok: false, maxRelErr: 0.25, tolerance: 1e-4 } }), stderr: '' };
    }
    return ok({ samplesPerSec: 1000, openblasCore: 'Haswell', capability: 'AVX2', matmulCheck: { ok: true, maxRelErr: 1e-7, tolerance: 1e-4 } });
  };
  const run = runWithFallback(detected1, exec, ['OPENBLAS_CORETYPE=Haswell']);
  assert.deepEqual(asked.map((s) => s.openblas), ['detected', 'guarded']);
  assert.equal(run.error, undefined);
  assert.equal(run.setting.openblas, 'guarded');
  assert.equal(run.result?.samplesPerSec, 1000);
  assert.match(run.note!, /OpenBLAS Cooperlake as detected .* off float64 by 0\.250 .*reran with the environment's OPENBLAS_CORETYPE=Haswell/);
  assert.equal(settingsOf(run).note, run.note);
  assert.equal(settingsOf(run).ompWaitPolicy, 'default');
  const passive: PeerRun = { setting: { threads: 2, capability: 'default', openblas: 'detected', ompWait: 'passive' }, result: { samplesPerSec: 2000, openblasCore: 'Cooperlake', capability: 'AVX2' } };
  assert.equal(settingsOf(passive).ompWaitPolicy, 'passive');
  assert.match(describeRun(passive), /^2 threads, capability AVX2, OpenBLAS Cooperlake \(detected\), OpenMP wait passive: 2000 samples\/s$/);
  assert.match(describeRun(run), /1 thread, capability AVX2, OpenBLAS Haswell \(guarded\): 1000 samples\/s \[OpenBLAS Cooperlake/);

  // Without a guard in the environment there is nothing else to try: the rerun fails the same way, and the note says why.
  const noGuard = runWithFallback(detected1, (s) => exec({ ...s, openblas: 'detected' }), []);
  assert.ok(noGuard.error);
  assert.match(noGuard.note!, /sets no OpenBLAS guard/);
});

test('fallback: a passing check or another failure is not rerun', () => {
  let calls = 0;
  const passing = runWithFallback(detected1, () => { calls++; return ok({ samplesPerSec: 5, matmulCheck: { ok: true, maxRelErr: 0, tolerance: 1e-4 } }); }, ['OPENBLAS_CORETYPE=Haswell']);
  assert.equal(calls, 1);
  assert.equal(passing.note, undefined);
  const crashed = runWithFallback(detected1, () => { calls++; return { status: 1, stdout: '', stderr: 'Killed' }; }, ['OPENBLAS_CORETYPE=Haswell']);
  assert.equal(calls, 2);
  assert.match(crashed.error!, /Killed/);
});

test('best run: highest (or lowest) value among the runs that succeeded; ties keep the earlier setting', () => {
  const runs: PeerRun[] = [
    { setting: { threads: 1, capability: 'default', openblas: 'detected' }, result: { samplesPerSec: 100, startupMs: 40, inference: { samplesPerSec: 9 } } },
    { setting: { threads: 1, capability: 'avx512', openblas: 'detected' }, result: { samplesPerSec: 120, startupMs: 50, inference: { samplesPerSec: 7 } } },
    { setting: { threads: 2, capability: 'default', openblas: 'detected' }, error: 'exit status 1', result: { samplesPerSec: 999 } },
    { setting: { threads: 2, capability: 'avx512', openblas: 'detected' }, result: { samplesPerSec: 120, startupMs: 30 } },
  ];
  assert.equal(bestRun(runs, 'samplesPerSec'), runs[1], 'the failed run\'s number is not used; the tie goes to the earlier run');
  assert.equal(bestRun(runs, 'startupMs', true), runs[3]);
  assert.equal(bestRun(runs, 'inference.samplesPerSec'), runs[0], 'a run without the nested value is skipped');
  assert.equal(bestRun(runs, 'missing'), undefined);
  assert.equal(bestRun([], 'samplesPerSec'), undefined);
});
