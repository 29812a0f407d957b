/**
 * Lines of a text stream, one chunk at a time: the one line splitter of the
 * streaming readers (CSV files read by {@link CsvStream}, CSV and NDJSON rows
 * read from a file or a pipe by {@link readTableRows}), so that every reader
 * numbers lines, strips a byte order mark and `\r`, skips blank lines and
 * bounds line length the same way.
 */
import { StringDecoder } from 'node:string_decoder';
import { lineTooLongError } from './csv.js';

/** A non-blank line and its 1-based number in the file. */
export type NumberedLine = [text: string, line: number];

/**
 * The non-blank lines of a UTF-8 byte stream, grouped by the chunk that
 * completed them (one array per chunk, so a consumer pays one `await` per
 * chunk rather than per line). A line may span any number of chunks; the
 * last line needs no final newline. Memory: one chunk plus the longest line.
 * @param file name used in errors.
 * @param maxLine longest line accepted, in characters (see `CsvOptions.maxLineLength`).
 * @throws {DataFormatError} for a line longer than `maxLine`, naming it.
 */
export async function* textLines(chunks: AsyncIterable<Uint8Array | string>, file: string, maxLine: number): AsyncGenerator<NumberedLine[]> {
  const utf8 = new StringDecoder('utf8');
  let rest = '';
  let lineNo = 0;
  let first = true;
  const split = (text: string): NumberedLine[] => {
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    const out: NumberedLine[] = [];
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      lineNo++;
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      if (end - start > maxLine) throw lineTooLongError(file, lineNo, maxLine);
      const line = text.slice(start, end);
      start = nl + 1;
      if (line.trim() !== '') out.push([line, lineNo]);
    }
    rest = text.slice(start);
    if (rest.length > maxLine && !(rest.length === maxLine + 1 && rest.endsWith('\r'))) throw lineTooLongError(file, lineNo + 1, maxLine);
    return out;
  };
  for await (const chunk of chunks) {
    const lines = split(rest + (typeof chunk === 'string' ? chunk : utf8.write(chunk as Buffer)));
    if (lines.length > 0) yield lines;
  }
  const lines = split(rest + utf8.end());
  if (rest.endsWith('\r')) rest = rest.slice(0, -1);
  if (rest.trim() !== '') lines.push([rest, lineNo + 1]);
  if (lines.length > 0) yield lines;
}
