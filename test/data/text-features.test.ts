import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TfidfVectorizer, bagOfWordsTokens, emailText } from '../../src/data/text-features.js';

test('bag-of-words tokens: lower-cased words of 2 to 30 characters, inner apostrophes kept', () => {
  assert.deepEqual(bagOfWordsTokens("Don't PANIC: a 42-line e-mail, naïve café!"), ["don't", 'panic', '42', 'line', 'mail', 'naïve', 'café']);
  assert.deepEqual(bagOfWordsTokens(`x ${'a'.repeat(31)} ok`), ['ok']);
});

test('TF-IDF rows follow 1 + ln(tf) times the smoothed idf, scaled to unit length', () => {
  const docs = ['red red blue', 'blue green', 'green green red', 'blue'];
  const v = new TfidfVectorizer({ minDf: 1, maxDf: 1 }).fit(docs);
  assert.deepEqual(v.vocabulary, ['blue', 'green', 'red']);
  const idf = (df: number) => Math.log(5 / (1 + df)) + 1;
  const row = [1 * idf(3), 0, (1 + Math.log(2)) * idf(2)];
  const norm = Math.hypot(...row);
  const got = v.transform(['red red blue', 'purple']);
  row.forEach((x, j) => assert.ok(Math.abs(got[j]! - x / norm) < 1e-6, `column ${j}: ${got[j]} vs ${x / norm}`));
  assert.deepEqual(Array.from(got.subarray(3)), [0, 0, 0], 'a document with no known word is a row of zeros');
});

test('the vocabulary keeps words within the document-frequency limits, the most frequent first', () => {
  const docs = ['the cat sat', 'the dog sat', 'the cat ran', 'the emu'];
  assert.deepEqual(new TfidfVectorizer({ minDf: 2, maxDf: 0.9 }).fit(docs).vocabulary, ['cat', 'sat'], "'the' is in every document, the rest in one");
  assert.deepEqual(new TfidfVectorizer({ minDf: 1, maxDf: 1, maxFeatures: 2 }).fit(docs).vocabulary, ['cat', 'the']);
  assert.throws(() => new TfidfVectorizer({ minDf: 5 }).fit(docs), /no word appears in at least 5 of the 4 documents/);
  assert.throws(() => new TfidfVectorizer({ maxDf: 0 }), /maxDf must be in \(0, 1\]/);
  assert.throws(() => new TfidfVectorizer().transform(['x']), /call fit first/);
});

test('a saved vectorizer gives the same rows; a damaged state is refused', () => {
  const docs = ['alpha beta', 'beta gamma', 'gamma alpha', 'alpha'];
  const v = new TfidfVectorizer({ minDf: 1, maxDf: 1 }).fit(docs);
  const again = TfidfVectorizer.fromJSON(JSON.parse(JSON.stringify(v)));
  assert.deepEqual(Array.from(again.transform(docs)), Array.from(v.transform(docs)));
  assert.throws(() => TfidfVectorizer.fromJSON({ vocabulary: ['a'], idf: [] }), /expected \{ vocabulary: string\[\], idf: number\[\] \}/);
});

test("an e-mail's text is its Subject and body: routing headers, HTML and MIME part headers dropped", () => {
  const raw = [
    'Received: from mx.example.org by relay', 'Subject: Cheap', '  watches today', 'X-Mailer: Foo', '',
    '--====boundary1234', 'Content-Type: text/html', '', '<html><b>Buy</b> now&nbsp;<script>evil()</script></html>',
  ].join('\r\n');
  const text = emailText(raw);
  assert.deepEqual(bagOfWordsTokens(text), ['cheap', 'watches', 'today', 'buy', 'now']);
  assert.equal(emailText('no blank line at all'), '\n', 'a message with no body: headers only, no Subject');
});
