import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  BOS_ID, EOS_ID, PAD_ID, UNK_ID, Vocabulary, brownSplitOf, capLength, decodeIds, decodeRows, encodeSentences, loadBrown, parseBrownFile,
  prepareText, readSentences, splitBrown, tokenize,
} from '../../src/data/text.js';

test('word tokenizer lower-cases and splits punctuation off words', () => {
  assert.deepEqual(tokenize("The U.S. didn't pay 1,000 well-known men, did it?"), ['the', 'u.s', '.', "didn't", 'pay', '1,000', 'well-known', 'men', ',', 'did', 'it', '?']);
  assert.deepEqual(tokenize('Ab  c', 'char'), ['a', 'b', ' ', 'c']);
});

test('vocabulary: specials first, then by count (ties alphabetical), capped, unknowns map to <unk>', () => {
  const v = Vocabulary.build([['b', 'a', 'c'], ['a', 'b', 'a'], ['d']], { maxSize: 6 });
  assert.deepEqual(v.tokens, ['<pad>', '<bos>', '<eos>', '<unk>', 'a', 'b']);
  assert.equal(v.id('c'), UNK_ID);
  assert.equal(Vocabulary.build([['x', 'y', 'y']], { minCount: 2 }).size, 5);
  assert.throws(() => new Vocabulary(['a']), /id 0 must be <pad>/);
});

test('encode appends <eos> and pads; decode stops at <eos>', () => {
  const v = Vocabulary.build([['hello', 'world']]);
  const rows = encodeSentences([['hello', 'world'], ['world', 'zzz']], v, 4);
  assert.deepEqual([...rows], [v.id('hello'), v.id('world'), EOS_ID, PAD_ID, v.id('world'), UNK_ID, EOS_ID, PAD_ID]);
  assert.deepEqual(decodeIds([BOS_ID, v.id('hello'), EOS_ID, v.id('world')], v), ['hello']);
  assert.deepEqual(decodeRows(rows, 4, v), [['hello', 'world'], ['world', '<unk>']]);
  assert.throws(() => encodeSentences([['a', 'b', 'c', 'd']], v, 4), /at most 3/);
});

test('capLength drops or truncates long sentences and drops empty ones', () => {
  assert.deepEqual(capLength([['a', 'b', 'c'], [], ['d']], 2), [['d']]);
  assert.deepEqual(capLength([['a', 'b', 'c'], ['d']], 2, 'truncate'), [['a', 'b'], ['d']]);
});

test('Brown: tags stripped at the last slash, split by file number, vocabulary from training only', () => {
  assert.deepEqual(parseBrownFile('\n\tThe/at 1/2/cd jury/nn ./.\n\n', 'x'), [['the', '1/2', 'jury', '.']]);
  assert.throws(() => parseBrownFile('\tword\n', 'f'), /f: line 1: .*word\/tag/);
  assert.equal(brownSplitOf('ca09'), 'validation');
  assert.equal(brownSplitOf('cr10'), 'test');
  assert.equal(brownSplitOf('ck11'), 'train');
  const brown = loadBrown();
  assert.equal(brown.length, 57340);
  const parts = splitBrown(brown);
  const fraction = parts.test.length / brown.length;
  assert.ok(fraction > 0.07 && fraction < 0.13, `test fraction ${fraction}`);
  const data = prepareText(parts, { maxTokens: 20, maxSize: 2000 });
  assert.equal(data.vocab.size, 2000);
  assert.equal(data.train.length, data.sentences.train.length * 21);
  const trainOnly = Vocabulary.build(data.sentences.train, { maxSize: 2000 });
  assert.deepEqual(data.vocab.tokens, trainOnly.tokens);
});

test('readSentences: one per line, blank lines skipped, a clear error for an empty file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aekit-text-'));
  writeFileSync(join(dir, 's.txt'), 'Hello world.\n\nA cat!\n');
  assert.deepEqual(readSentences(join(dir, 's.txt')), [['hello', 'world', '.'], ['a', 'cat', '!']]);
  writeFileSync(join(dir, 'e.txt'), '\n\n');
  assert.throws(() => readSentences(join(dir, 'e.txt')), /e\.txt: no sentences/);
  assert.throws(() => readSentences(join(dir, 'missing.txt')), /missing\.txt: file not found/);
});
