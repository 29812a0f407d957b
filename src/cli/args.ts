/** Parsers for numeric flags: each rejects a bad value with the flag named (commander exits with code 1). */
import { InvalidArgumentError } from 'commander';

export type ArgParser = (value: string) => number;

/** An integer in [min, max]. */
export function intIn(name: string, min: number, max = Number.MAX_SAFE_INTEGER): ArgParser {
  return (value: string): number => {
    const n = Number(value);
    if (!/^[+-]?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be an integer ${max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`}, got '${value}'.`);
    }
    return n;
  };
}

/** A number in the open interval (min, max). */
export function floatIn(name: string, min: number, max: number): ArgParser {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= min || n >= max) throw new InvalidArgumentError(`${name} must be a number in (${min}, ${max}), got '${value}'.`);
    return n;
  };
}

/** Comma-separated positive integers, e.g. `1,28,28`. */
export function listOfInts(name: string): (value: string) => number[] {
  return (value: string): number[] => {
    const parts = value.split(',').map((s) => s.trim());
    if (parts.length === 0 || parts.some((p) => !/^\d+$/.test(p) || Number(p) < 1)) throw new InvalidArgumentError(`${name} must be positive integers separated by commas (e.g. 1,28,28), got '${value}'.`);
    return parts.map(Number);
  };
}

/** A decibel value or a range `lo,hi` (lo ≤ hi), e.g. `5` or `-2.5,12.5`. */
export function dbRange(name: string): (value: string) => number[] {
  return (value: string): number[] => {
    const parts = value.split(',').map((s) => s.trim());
    const nums = parts.map(Number);
    if (parts.length > 2 || parts.some((p) => p === '') || !nums.every(Number.isFinite) || (nums.length === 2 && nums[0]! > nums[1]!)) {
      throw new InvalidArgumentError(`${name} must be an SNR in dB or a range lo,hi with lo <= hi (e.g. 5 or -2.5,12.5), got '${value}'.`);
    }
    return nums;
  };
}

/** A path that is not empty (an empty --out would mean the current folder). */
export function nonEmptyPath(name: string): (value: string) => string {
  return (value: string): string => {
    if (value.trim() === '') throw new InvalidArgumentError(`${name} must be a folder path, got '${value}'.`);
    return value;
  };
}

/**
 * Commander's message for a bad command line (`error: unknown option '--modle'`
 * and a `(Did you mean --model?)` line) as the one `aekit: …` line every other
 * user error prints, pointing at the command's help.
 * @param text what commander passes to `outputError`, possibly several lines.
 * @param command the command's name as typed, e.g. `aekit train`.
 */
export function parserErrorLine(text: string, command: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const suggestion = lines.slice(1).map((l) => /^\(Did you mean (.+)\?\)$/.exec(l)?.[1]).find((s) => s !== undefined);
  let message = (lines[0] ?? '').replace(/^error: /, '');
  const invalid = /^option '(\S+)[^']*' argument '(.*)' is invalid\. (.*)$/.exec(message);
  if (invalid) {
    const [, flag, value, detail] = invalid;
    const choices = /^Allowed choices are (.*)\.$/.exec(detail!);
    // Our own parsers name the flag already (`--epochs must be an integer >= 1, got '0'.`).
    message = choices ? `${flag}: expected one of ${choices[1]}, got '${value}'` : detail!.startsWith(flag!) ? detail!.replace(/\.$/, '') : `${flag}: ${detail!.replace(/\.$/, '')}`;
  }
  return `aekit: ${message.replace(/\.$/, '')}${suggestion ? ` (did you mean ${suggestion}?)` : ''}; see ${command} --help`;
}

/** A number in the closed interval [min, max]. */
export function numberIn(name: string, min: number, max: number): ArgParser {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a number in [${min}, ${max}], got '${value}'.`);
    return n;
  };
}

/** A size in bytes, at least `min`: a whole number, optionally with a unit (k, kb, kib: 1024 bytes; m, mb, mib: 1024²), e.g. `16m`. */
export function byteSize(name: string, min: number): ArgParser {
  return (value: string): number => {
    const m = /^(\d+)\s*(b|k|kb|kib|m|mb|mib)?$/i.exec(value.trim());
    const unit = m?.[2]?.toLowerCase()[0];
    const n = m ? Number(m[1]) * (unit === 'k' ? 1024 : unit === 'm' ? 1024 * 1024 : 1) : NaN;
    if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be a size of at least ${min} bytes, such as 1048576, 512k or 16m, got '${value}'.`);
    return n;
  };
}
