// .github/workflows/exhaustive.yml stays a workflow GitHub runs: @action-validator/core (the
// workflow JSON schema, and each job's needs naming a job) finds no fault in it, and finds the
// faults a slip makes (so a pass is worth something); its shard matrix counts the shards the
// commands name, and each check command it runs parses with the command's own parser.

import fs from 'fs';
import path from 'path';
import { validateWorkflow } from '@action-validator/core';
import { parseArgs } from '../properties/command/args';
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

test('each check the workflow runs parses with the command\'s parser', () => {
  const lines = text.split('\n').filter((l) => !/^\s*#/.test(l) && /npm run (-s )?check --/.test(l));
  expect(lines.length).toBe(4);
  for (const line of lines) {
    const argv = line.replace(/^.*?npm run (-s )?check -- /, '').replace(/\s*>.*$/, '')
      .replace(/"\$PAGES"/g, '10').replace(/"\$RUNS"/g, '200000').replace(/"\$\{\{ matrix\.shard \}\}\/\$SHARDS"/g, '2/4').split(/\s+/);
    expect(() => parseArgs(argv, { FC_SEED: '7' })).not.toThrow();
  }
});
