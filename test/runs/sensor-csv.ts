/** Test data: a table of sensor readings with named columns and a 0/1 fault label, the kind of CSV a new user brings. */
import { writeFileSync } from 'node:fs';
import { Rng } from '../../src/data/random.js';

export const SENSOR_COLUMNS = ['temperature', 'pressure', 'flow', 'vibration', 'rpm', 'power'];

/**
 * A CSV of sensor readings: `rows` rows of six correlated columns, then a
 * 0/1 `fault` label; every tenth row is a fault whose vibration is about six
 * standard deviations off.
 */
export function sensorCsv(file: string, rows: number, seed = 1): string {
  const rng = new Rng(seed);
  const lines = [[...SENSOR_COLUMNS, 'fault'].join(',')];
  for (let i = 0; i < rows; i++) {
    const a = rng.normal();
    const b = rng.normal();
    const fault = i % 10 === 9 ? 1 : 0;
    const v = [60 + 5 * a, 2 + 0.5 * b, 10 + 2 * a + b, 1 + 0.2 * (a - b) + (fault ? 1.6 : 0), 1500 + 100 * b, 40 + 4 * a + 2 * b]
      .map((x) => (x + 0.05 * rng.normal()).toFixed(4));
    lines.push([...v, fault].join(','));
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}
