import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runEncodeCommand } from '../../src/cli/commands/encode.js';
import { runGenerateCommand } from '../../src/cli/commands/generate.js';
import { runTrainCommand } from '../../src/cli/commands/train.js';
import { isSentenceFile, tokenize } from '../../src/data/text.js';

const dir = mkdtempSync(join(tmpdir(), 'aekit-text-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** 200 short sentences; sentence i carries a word of its own, `wi`, so the vocabulary shows which split it came from. */
function sentencesFile(): string {
  const subjects = ['the cat', 'a dog', 'my friend', 'the old man', 'a bird'];
  const verbs = ['sat on', 'looked at', 'ran to', 'found'];
  const objects = ['the mat', 'a tree', 'the house', 'the river'];
  const lines = Array.from({ length: 200 }, (_, i) => `${subjects[i % 5]} ${verbs[Math.floor(i / 5) % 4]} ${objects[Math.floor(i / 20) % 4]} w${i} .`);
  const file = join(dir, 'sentences.txt');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('aekit train, generate and encode on a .txt file of sentences', () => {
  const file = sentencesFile();
  const io = () => {
    const lines: string[] = [];
    const out: string[] = [];
    return { lines, out, io: { log: (l: string) => lines.push(l), out: (l: string) => out.push(l), tty: false } };
  };

  it('trains text-vae with a vocabulary of the training split, then samples, interpolates and encodes sentences', async () => {
    const t = io();
    const outcome = (await runTrainCommand({ runs: dir, out: join(dir, 'run'), data: file, model: 'text-vae', maxTokens: 10, epochs: 2, threads: 1 }, t.io))!;
    assert.equal(outcome.data.kind, 'text');
    assert.deepEqual(outcome.data.sampleShape, [11]);
    assert.ok(t.lines.some((l) => l.startsWith('  text data (sentences of up to 10 tokens): loss token cross-entropy, code 16')), t.lines.join('\n'));
    const config = JSON.parse(readFileSync(join(outcome.run.dir, 'config.json'), 'utf8'));
    assert.equal(config.model.className, 'SentenceAutoencoder');
    assert.equal(config.model.variational, true);
    assert.deepEqual(config.data.text, { maxTokens: 10 });
    // The KL weight reaches 1 halfway: 160 training sentences at batch 64 make 3 steps an epoch, 6 in all.
    assert.equal(config.model.klAnnealSteps, 3);
    // Each sentence's own word is in the vocabulary exactly when the sentence is a training sentence.
    const vocab = new Set<string>(config.model.vocabulary);
    const own = (s: string[]) => s.find((w) => /^w\d+$/.test(w))!;
    const train = outcome.data.text!.sentences.train;
    const test = outcome.data.text!.sentences.test!;
    assert.equal(train.length, 160);
    assert.equal(test.length, 40);
    assert.ok(train.every((s) => vocab.has(own(s))));
    assert.ok(test.every((s) => !vocab.has(own(s))));
    // report.html shows test sentences with their reconstructions, and samples from the prior.
    const report = readFileSync(join(outcome.run.dir, 'report.html'), 'utf8');
    assert.match(report, /<h2[^>]*>Reconstructions<\/h2>/);
    assert.match(report, /<h2[^>]*>Samples<\/h2>/);
    assert.ok(report.includes(`<td>${test[0]!.join(' ').replace(own(test[0]!), '&lt;unk&gt;')}</td>`), 'the first test sentence, its own word unknown');
    assert.ok(!report.includes('"w0"'), 'the vocabulary is counted in the report, not listed');
    const results = JSON.parse(readFileSync(join(outcome.run.dir, 'results.json'), 'utf8'));
    assert.equal(results.test.samples, 40);
    assert.ok(results.test.tokenAccuracy >= 0 && results.test.tokenAccuracy <= 1);

    // Prior samples: one sentence a line, every word from the vocabulary.
    const g = io();
    await runGenerateCommand(outcome.run.dir, { kind: 'samples', n: 4, seed: 1, steps: 10 }, g.io);
    assert.equal(g.out.length, 4);
    for (const s of g.out) assert.ok(s.split(' ').filter(Boolean).every((w) => vocab.has(w)), s);
    // The same seed draws the same sentences.
    const again = io();
    await runGenerateCommand(outcome.run.dir, { kind: 'samples', n: 4, seed: 1, steps: 10 }, again.io);
    assert.deepEqual(again.out, g.out);

    const between = io();
    await runGenerateCommand(outcome.run.dir, { kind: 'interpolate', between: ['the cat sat on the mat .', 'a dog ran to the river .'], steps: 5, seed: 0, out: join(dir, 'path.txt') }, between.io);
    assert.equal(between.out.length, 5);
    assert.match(between.lines[0]!, /^From "the cat sat on the mat \." to "a dog ran to the river \.": greedy decoding of 5 evenly spaced codes/);
    assert.equal(readFileSync(join(dir, 'path.txt'), 'utf8'), `${between.out.join('\n')}\n`);
    await assert.rejects(runGenerateCommand(outcome.run.dir, { kind: 'grid', steps: 5, seed: 0 }, io().io), /--kind grid lays out images; a text run generates --kind samples or interpolate/);

    // Every line of a file gets a code, with the run's vocabulary (the held-out lines' own words are <unk>).
    await runEncodeCommand(outcome.run.dir, { data: file, out: join(dir, 'codes.csv') }, io().io);
    const rows = readFileSync(join(dir, 'codes.csv'), 'utf8').trim().split('\n');
    assert.equal(rows.length, 201);
    assert.equal(rows[0], Array.from({ length: 16 }, (_, j) => `z${j + 1}`).join(','));
    assert.ok(rows.slice(1).every((r) => r.split(',').length === 16 && r.split(',').every((v) => Number.isFinite(Number(v)))));
  });

  it('trains text-transformer: token accuracy on the test sentences, a report, interpolation and codes; no prior to sample', async () => {
    const t = io();
    const outcome = (await runTrainCommand({ runs: dir, out: join(dir, 'tae'), data: file, model: 'text-transformer', maxTokens: 10, epochs: 3, threads: 1 }, t.io))!;
    assert.equal(outcome.model.className, 'TransformerAutoencoder');
    assert.ok(t.lines.some((l) => /loss token cross-entropy/.test(l)), t.lines.join('\n'));
    const results = JSON.parse(readFileSync(join(outcome.run.dir, 'results.json'), 'utf8'));
    assert.equal(results.test.samples, 40);
    assert.ok(results.test.tokenAccuracy > 0.2 && results.test.tokenAccuracy <= 1, `token accuracy ${results.test.tokenAccuracy}`);
    const report = readFileSync(join(outcome.run.dir, 'report.html'), 'utf8');
    assert.match(report, /A Transformer autoencoder of sentences \(2 \+ 2 blocks of width 64/);
    assert.match(report, /<h2[^>]*>Reconstructions<\/h2>/);
    const between = io();
    await runGenerateCommand(outcome.run.dir, { kind: 'interpolate', between: ['the cat sat on the mat .', 'a dog ran to the river .'], steps: 3, seed: 0 }, between.io);
    assert.equal(between.out.length, 3);
    await assert.rejects(runGenerateCommand(outcome.run.dir, { kind: 'samples', n: 2, seed: 0, steps: 10 }, io().io), /without a prior/);
    await runEncodeCommand(outcome.run.dir, { data: file, out: join(dir, 'tae-codes.csv') }, io().io);
    assert.equal(readFileSync(join(dir, 'tae-codes.csv'), 'utf8').trim().split('\n').length, 201);
  });

  it('names the file and line of unusable input, and keeps reading numeric .txt files as tables', async () => {
    const write = (name: string, content: string | Buffer) => {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    };
    const train = (data: string, extra = {}) => runTrainCommand({ runs: dir, data, epochs: 1, figures: false, threads: 1, ...extra }, io().io);
    const empty = write('empty.txt', '\n  \n');
    await assert.rejects(train(empty), new RegExp(`${empty}: no sentences: expected a text file with one sentence per line`));
    const binary = write('binary.txt', Buffer.concat([Buffer.from('a fine sentence .\nanother one .\n'), Buffer.from([0x00, 0xff, 0xfe, 0x10])]));
    await assert.rejects(train(binary), new RegExp(`${binary}: line 3: binary data`));
    const long = write('long.txt', 'one two three four five six\nseven eight nine ten eleven twelve thirteen\n');
    await assert.rejects(train(long, { maxTokens: 4 }), new RegExp(`${long}: line 1: no sentence within the length cap of 4 tokens \\(the shortest, on this line, has 6\\)`));
    await assert.rejects(train(sentencesFile(), { model: 'dense' }), /'dense' does not read sentences; a \.txt file of sentences trains text-ae, text-vae or text-transformer/);
    // Without --model, sentences train the sentence autoencoder.
    const printed = io();
    await runTrainCommand({ runs: dir, data: sentencesFile(), printConfig: true }, printed.io);
    const resolved = JSON.parse(printed.out.join('\n'));
    assert.equal(resolved.model.className, 'SentenceAutoencoder');
    assert.equal(resolved.model.variational, undefined, 'text-ae: not variational');
    assert.deepEqual(resolved.training, { epochs: 10, batchSize: 64, optimizer: { name: 'adam', learningRate: 3e-3 }, seed: 1, clipNorm: 5 });
    assert.equal(isSentenceFile(write('table.txt', 'a,b,c\n1,2,3\n4,5,6\n')), false);
    assert.equal(isSentenceFile(write('tsv.txt', 'name\tcity\nbob\tparis\n')), false);
    assert.equal(isSentenceFile(write('words.txt', 'the 3 cats , 2 dogs\n')), true);
    assert.deepEqual(tokenize('The 3 cats, 2 dogs'), ['the', '3', 'cats', ',', '2', 'dogs']);
  });
});
