/**
 * Reading a run folder's files defensively, for views of many runs (the
 * dashboard, `aekit runs`): a file that is half written, damaged or missing
 * gives what can be read plus its problem in words, never an exception.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A JSON file's value (undefined when absent); a damaged file is named in `problems` as `what`. */
export function readJson(path: string, problems: string[], what: string): unknown {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (e) {
    problems.push(`${what} is not valid JSON (${(e as Error).message.split('\n')[0]})`);
    return undefined;
  }
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Per-epoch rows of metrics.jsonl; damaged lines are skipped and reported in `problems`. */
export function readMetrics(dir: string, problems: string[] = []): Record<string, number>[] {
  const file = join(dir, 'metrics.jsonl');
  if (!existsSync(file)) return [];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    problems.push(`metrics.jsonl cannot be read (${(e as Error).message})`);
    return [];
  }
  const rows: Record<string, number>[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      const row = JSON.parse(line) as unknown;
      if (!isObject(row)) throw new Error('not an object');
      rows.push(row as Record<string, number>);
    } catch {
      problems.push(`metrics.jsonl line ${i + 1} is not a JSON object`);
    }
  });
  return rows;
}
