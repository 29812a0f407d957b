/**
 * main.ts loads only the module of the command it runs (command-table.ts):
 * the table must name every command as the command names itself, or
 * `aekit <name>` would load the wrong module or none.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { COMMANDS } from '../../src/cli/command-table.js';

const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const aekit = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', main, ...args], { encoding: 'utf8' });

describe('the command table', () => {
  it('names each command as its module does, once', async () => {
    const names = COMMANDS.map(([name]) => name);
    assert.equal(new Set(names).size, names.length);
    for (const [name, make] of COMMANDS) assert.equal((await make()).name(), name);
  });

  it('--help still lists every command; an unknown one is still suggested a near name', () => {
    const help = aekit('--help');
    assert.equal(help.status, 0);
    for (const [name] of COMMANDS) assert.match(help.stdout, new RegExp(`^  ${name}\\b`, 'm'), name);
    const typo = aekit('evl');
    assert.equal(typo.status, 1);
    assert.match(typo.stderr, /unknown command 'evl' \(did you mean eval\?\)/);
  });
});
