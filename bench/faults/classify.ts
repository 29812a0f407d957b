/**
 * Turns what a case's child process did into a verdict. Kept free of I/O so the
 * rules can be read (and tested) on their own.
 */
import type { Case, Outcome, Verdict } from './types.js';

/**
 * Messages that come from deep inside (the JavaScript engine, Node's fs and
 * buffer checks, ONNX Runtime, a JSON parser) rather than from a check that
 * knows what the user gave: they say what broke, not which input or what was
 * expected.
 */
const RAW_MESSAGES: readonly RegExp[] = [
  /Cannot read propert/i,
  /Cannot set propert/i,
  /Cannot convert /,
  /is not a function/,
  /is not iterable/,
  /is not a constructor/,
  /is not defined/,
  /Invalid (typed )?array length/,
  /Invalid string length/,
  /Array buffer allocation failed/,
  /Maximum call stack size/,
  /Unexpected token/,
  /Unexpected end of JSON/,
  /Unexpected non-whitespace character/,
  /in JSON at position/,
  /Bad control character in string literal/,
  /^E[A-Z]{2,}[:,]/, // a bare errno message: "ENOENT: no such file or directory, open 'x'"
  /\bE[A-Z]{3,}: [a-zE]/, // the same after a path prefix: "loop: ELOOP: too many symbolic links encountered, stat '...'"
  /The value of "[\w.]+" is out of range/,
  /The "[\w.]+" argument must be/,
  /Offset is outside the bounds/,
  /\bERR_[A-Z_]+\b/,
  /Napi::Error/,
  /\[ONNXRuntimeError\]/,
  /terminate called/,
  /^undefined$/,
  /^\s*$/,
];

/** A line of a JavaScript stack trace, which a CLI should never show for a user error. */
const STACK_FRAME = /^\s+at .+(:\d+:\d+\)?|\(native\)|<anonymous>\)?)$/m;

/**
 * The message without its parenthesized parts: a raw cause quoted in
 * parentheses after aekit's own explanation (`x.json: not valid JSON
 * (Unexpected end of JSON input); the file is damaged`) is a detail, not the message.
 */
export function outsideParentheses(message: string): string {
  let s = message;
  for (let prev = ''; prev !== s;) {
    prev = s;
    s = s.replace(/\([^()]*\)/g, '');
  }
  return s;
}

/** Why a message is not clear, or undefined when it is. */
export function unclearReason(c: Pick<Case, 'mentions'>, message: string): string | undefined {
  const top = outsideParentheses(message);
  const raw = RAW_MESSAGES.find((r) => r.test(top));
  if (raw) return `raw runtime message (${raw.source})`;
  const missing = (c.mentions ?? []).filter((m) => (typeof m === 'string' ? !message.toLowerCase().includes(m.toLowerCase()) : !m.test(message)));
  if (missing.length) return `does not name ${missing.map((m) => (typeof m === 'string' ? JSON.stringify(m) : String(m))).join(', ')}`;
  return undefined;
}

/** One line, at most `n` characters. */
export function shorten(s: string, n = 240): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}

/**
 * The verdict for a case. Files lost, changed or left behind outweigh
 * everything (the issue's highest priority), then a crash or hang, then what
 * the call returned.
 * CLI cases must also exit with status 1 and print no stack trace.
 */
export function classify(c: Case, outcome: Outcome, fileChanges: readonly string[], cli: boolean): { verdict: Verdict; detail: string } {
  // A bad input that was accepted and only created files (its normal output) is a silent acceptance, not data loss.
  const onlyCreated = fileChanges.every((f) => f.startsWith('left '));
  if (fileChanges.length && !(outcome.kind === 'accepted' && c.expect === 'reject' && onlyCreated)) {
    const what = outcome.kind === 'rejected' ? `rejected (${shorten(outcome.message, 100)}) but` : `${outcome.kind}, and`;
    return { verdict: 'lost or modified files', detail: `${what} ${shorten(fileChanges.join('; '), 200)}` };
  }
  switch (outcome.kind) {
    case 'crashed':
      return { verdict: 'crash/abort', detail: `exit ${outcome.exitCode ?? '-'}${outcome.signal ? ` signal ${outcome.signal}` : ''}: ${shorten(outcome.stderr.split('\n').filter((l) => l.trim()).slice(-3).join(' | '))}` };
    case 'hung':
      return { verdict: 'hang', detail: `still running after ${(outcome.afterMs / 1000).toFixed(0)} s${outcome.stderr.trim() ? `: ${shorten(outcome.stderr, 120)}` : ''}` };
    case 'accepted':
      return c.expect === 'accept'
        ? { verdict: 'accepted (control)', detail: outcome.detail ?? '' }
        : { verdict: 'silently accepted', detail: `no error${outcome.detail ? `; returned ${outcome.detail}` : ''}` };
    case 'rejected': {
      const message = outcome.message;
      if (c.expect === 'accept') return { verdict: 'control rejected', detail: shorten(message) };
      if (cli) {
        if (outcome.exitCode !== 1) return { verdict: 'crash/abort', detail: `exit ${outcome.exitCode}: ${shorten(message)}` };
        if (outcome.stderr && STACK_FRAME.test(outcome.stderr)) return { verdict: 'rejected unclearly', detail: `stack trace printed: ${shorten(message)}` };
      }
      const why = unclearReason(c, message);
      return why ? { verdict: 'rejected unclearly', detail: `${why}: ${shorten(message)}` } : { verdict: 'rejected clearly', detail: shorten(message) };
    }
  }
}
