/** The interleaved measurement's pieces (bench/speed/interleave.ts): paired ratios and the epoch-per-request peer protocol. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PeerEpochs, pairedRatios } from '../../bench/speed/interleave.js';

// A stand-in for pytorch_bench.py --interleave: a ready line, then one line per 'epoch' request, epochs getting slower.
const FAKE_PEER = `
const rl = require('node:readline').createInterface({ input: process.stdin });
console.log(JSON.stringify({ ready: true, threads: 1, args: process.argv.slice(-1) }));
let k = 0;
rl.on('line', (l) => { if (l === 'epoch') { k++; console.log(JSON.stringify({ seconds: k, cpuSeconds: k, samplesPerSec: 100 / k, samplesPerCpuSec: 100 / k })); } });
`;

describe('interleaved measurement', () => {
  it('pairs ratios a_i / b_i: median and [min, max]', () => {
    assert.deepEqual(pairedRatios([2, 4, 3], [1, 1, 2]), { median: 2, spread: [1.5, 4], ratios: [2, 4, 1.5] });
    assert.throws(() => pairedRatios([1], [1, 2]), /1 and 2 rates/);
    assert.throws(() => pairedRatios([], []), /at least one/);
  });

  it('asks the peer for one epoch at a time and reads its answer', async () => {
    const peer = await PeerEpochs.start(process.execPath, ['-e', FAKE_PEER, '--'], process.env);
    assert.equal(peer.ready.ready, true);
    assert.deepEqual(peer.ready.args, ['--interleave']);
    assert.equal((await peer.epoch()).samplesPerSec, 100);
    assert.equal((await peer.epoch()).samplesPerSec, 50);
    await peer.close();
    await peer.close();
  });

  it('says why a peer did not start', async () => {
    await assert.rejects(PeerEpochs.start(process.execPath, ['-e', 'console.log(JSON.stringify({ error: "float32 matmul disagrees" }))', '--'], process.env), /did not start: .*float32 matmul disagrees/);
    await assert.rejects(PeerEpochs.start(process.execPath, ['-e', 'process.stderr.write("no torch\\n"); process.exit(2)', '--'], process.env), /did not start: no output; no torch/);
  });
});
