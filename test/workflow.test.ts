// .github/workflows/exhaustive.yml stays a workflow GitHub runs: @action-validator/core (the
// workflow JSON schema, and each job's needs naming a job) finds no fault in it, and finds the
// faults a slip makes (so a pass is worth something); its shard matrix counts the shards the
// commands name, and each check command it runs parses with the command's own parser.

import fs from 'fs';
import path from 'path';
import { validateWorkflow } from '@action-validator/core';
import { parseArgs } from '../properties/command/args';
import { SEED, readInt } from '../properties/engine/settings';
import { ROOT } from './command-helpers';

const FILE = path.join(ROOT, '.github', 'workflows', 'exhaustive.yml');
const text = fs.readFileSync(FILE, 'utf8');
const faults = (t: string) => validateWorkflow(t).errors.map((e) => `${e.code}${'path' in e && e.path ? ` at ${e.path}` : ''}: ${e.title}`);

test('the workflow validates', () => {
  expect(faults(text)).toEqual([]);
});

test.each([
  ['a job that needs no job there is', (t: string) => t.replace('needs: shard', 'needs: shards'), /unresolved_job at \/jobs\/merge\/needs/],
  ['a job with no runs-on', (t: string) => t.replace('runs-on: ubuntu-latest\n    timeout-minutes: 30', 'timeout-minutes: 30'), /at \/jobs\/merge/],
  ['a number that is a word', (t: string) => t.replace('timeout-minutes: 30', 'timeout-minutes: thirty'), /at \/jobs\/merge/],
  ['a key GitHub does not know', (t: string) => t.replace('timeout-minutes: 120', 'timeout-minutes: 120\n    retries: 2'), /at \/jobs\/shard/],
  ['text that is not YAML', (t: string) => t.replace("description: 'N, the pages", "description: 'N, the file's pages"), /parse_error: Parse Error/],
])('the linter rejects %s', (_, broken, fault) => {
  const t = broken(text);
  expect(t).not.toBe(text);
  expect(faults(t).join('\n')).toMatch(fault);
});

test('the matrix runs every shard the commands name, and the merge joins what the shards upload', () => {
  const shards = Number(/^\s+SHARDS: (\d+)$/m.exec(text)![1]);
  expect(/shard: \[([\d, ]+)\]/.exec(text)![1].split(',').map(Number)).toEqual(Array.from({ length: shards }, (_, i) => i + 1));
  expect(text).toContain(`name: shard \${{ matrix.shard }}/${shards}`);
  for (const kind of ['exhaustive', 'check']) {
    expect(text).toContain(`> "${kind}-\${{ matrix.shard }}.json"`);
    expect(text).toContain(`--merge shards/${kind}-*.json`);
  }
});

test('the workflow\'s seed is one the command takes, at the values GitHub gives it', () => {
  // what each context value reaches on GitHub today: run_id passed 2^31 in 2022; run_number counts this workflow's runs
  const reaches: Record<string, string> = { 'github.run_id': '19876543210', 'github.run_number': '250000' };
  const seed = /^\s*FC_SEED: \$\{\{ ([\w.]+) \}\}\s*$/m.exec(text)?.[1];
  expect(seed).toBeDefined();
  expect(Object.keys(reaches)).toContain(seed);
  expect(() => readInt('FC_SEED', reaches[seed!], SEED)).not.toThrow();
  // the run_id it once had would stop every shard at its first step
  expect(() => readInt('FC_SEED', reaches['github.run_id'], SEED)).toThrow(/FC_SEED needs an integer from -2147483648 to 2147483647/);
});

test('each check the workflow runs parses with the command\'s parser', () => {
  const lines = text.split('\n').filter((l) => !/^\s*#/.test(l) && /npm run (-s )?check --/.test(l));
  expect(lines.length).toBe(4);
  for (const line of lines) {
    const argv = line.replace(/^.*?npm run (-s )?check -- /, '').replace(/\s*>.*$/, '')
      .replace(/"\$PAGES"/g, '10').replace(/"\$RUNS"/g, '200000').replace(/"\$\{\{ matrix\.shard \}\}\/\$SHARDS"/g, '2/4').split(/\s+/);
    expect(() => parseArgs(argv, { FC_SEED: '7' })).not.toThrow();
  }
});
