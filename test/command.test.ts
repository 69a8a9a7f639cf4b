// The command as a developer runs it: a folder of their own variants (one hangs, one throws,
// one is right), files that do not compile or export nothing, odd names, and the flags.

import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { parseArgs, UsageError } from '../properties/args';
import { safeName } from '../properties/reports/record';

const ROOT = path.join(__dirname, '..');
const USER = path.join(__dirname, 'fixtures', 'user-variants');

function check(args: string[], env: Record<string, string> = {}) {
  const reports = fs.mkdtempSync(path.join(os.tmpdir(), 'cmd-reports-'));
  const started = Date.now();
  const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', 'properties/main.ts', ...args], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env, REPORTS_DIR: reports, FC_SEED: '5', ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr, ms: Date.now() - started, reports };
}

/** A folder inside the repo (so imports like ../model/variant resolve), removed afterwards. */
const made: string[] = [];
function scratch(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(ROOT, '.scratch-'));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}
afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

test('a folder with a hanging, a throwing and a correct variant: all three reported, within the time limit', () => {
  const r = check([USER, '--runs', '60', '--timeout', '400', '--json', '--no-typecheck']);
  expect(r.code).toBe(1); // properties failed, nothing broken
  const out = JSON.parse(r.out);
  const of = (name: string) => out.verdicts.filter((v: { variant: string }) => v.variant === name);
  expect(of('user-correct').every((v: { matches: boolean }) => v.matches)).toBe(true);
  const hang = of('user-hangs');
  expect(hang.every((v: { actual: string }) => v.actual === 'fail')).toBe(true);
  expect(hang[0].violations[0]).toMatch(/did not return: hang: no return within 400 ms/);
  expect(hang[0].counterexample).not.toBeNull(); // the case it hung on
  expect(hang[0].report).toMatch(/user-hangs--no-stale-mapping--[0-9a-f]{12}\.md$/);
  const thrown = of('user-throws').find((v: { property: string }) => v.property === 'no-stale-mapping');
  expect(thrown.violations[0]).toMatch(/invalidate_begin threw: TypeError: Cannot read properties of undefined/);
  // one hang costs one time limit; the rest of the run is ordinary work
  expect(r.ms).toBeLessThan(400 + 15000);
}, 30000);

test('a file that does not compile is refused with the file, the TypeScript message and exit 2', () => {
  const dir = scratch({ 'typo.ts': `import { defineVariant, expectations } from '../model/variant';
export default defineVariant({ name: 'typo', origin: '', expect: expectations(),
  invalidate_begin(k, start, end) { k.KVM_MMU_LOCK(k.kvm, start); void end; },
  invalidate_end() {} });
` });
  const r = check([path.join(dir, 'typo.ts'), '--runs', '5']);
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/broken: .*typo\.ts: does not compile:\n.*typo\.ts\(3,\d+\): error TS2554: Expected 1 arguments, but got 2/);
}, 30000);

test('a file that exports no variant is refused in one paragraph with exit 2', () => {
  const dir = scratch({ 'empty.ts': 'export const nothing = 1;\n' });
  const r = check([path.join(dir, 'empty.ts'), '--runs', '5']);
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/empty\.ts: does not default-export a variant/);
  expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
}, 30000);

test('a variant may not take a shipped variant\'s name', () => {
  const dir = scratch({ 'copy.ts': `import upstream from '../variants/upstream';\nexport default upstream;\n` });
  const r = check([path.join(dir, 'copy.ts'), '--runs', '5', '--no-typecheck']);
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/the name "upstream" belongs to variants\/upstream\.ts/);
}, 30000);

test('a strange variant name makes a safe report path', () => {
  expect(safeName('../../etc/passwd')).toBe('etc-passwd');
  expect(safeName('my patch v2.1/final')).toBe('my-patch-v2-1-final');
  expect(safeName('...')).toBe('variant');
  const dir = scratch({ 'odd.ts': `import { defineVariant, expectations } from '../model/variant';
import fixed from '../variants/fixed';
export default defineVariant({ ...fixed, name: '../my patch v2.1', origin: '', expect: expectations() });
` });
  const r = check([path.join(dir, 'odd.ts'), '--runs', '50', '--property', 'mmu-bookkeeping', '--json']);
  expect(r.code).toBe(1);
  expect(fs.readdirSync(r.reports).filter((f) => f.endsWith('.md') && f !== 'README.md')).toEqual([expect.stringMatching(/^my-patch-v2-1--mmu-bookkeeping--[0-9a-f]{12}\.md$/)]);
}, 30000);

test('a variant checked by path keeps its reports beside it, and --report replays them from there', () => {
  const dir = scratch({ 'mine.ts': `import { defineVariant, expectations } from '../model/variant';
import fixed from '../variants/fixed';
export default defineVariant({ ...fixed, name: 'mine', origin: '', expect: expectations() });
` });
  const r = check([path.join(dir, 'mine.ts'), '--runs', '50', '--property', 'mmu-bookkeeping'], { REPORTS_DIR: '' });
  expect(r.code).toBe(1);
  const beside = path.join(dir, 'shrink-reports');
  const json = fs.readdirSync(beside).filter((f) => f.endsWith('.json'));
  expect(json).toEqual([expect.stringMatching(/^mine--mmu-bookkeeping--/)]);
  expect(fs.readFileSync(path.join(beside, 'README.md'), 'utf8')).toMatch(/\| mine \| mmu-bookkeeping \|/);
  const again = check(['--report', path.join(beside, json[0])], { REPORTS_DIR: '' });
  expect(again.out).toMatch(/mine still fails mmu-bookkeeping/);
  expect(again.code).toBe(1); // it was expected to pass
}, 30000);

test('--exhaustive checks the whole small scope and saves the smallest failure as a report', () => {
  const r = check(['--exhaustive', '2', path.join(ROOT, 'variants', 'buggy.ts'), '--property', 'no-stale-mapping', '--no-typecheck']);
  expect(r.code).toBe(0); // buggy is expected to fail it, and does
  expect(r.out).toMatch(/exhaustive: files of up to 2 pages, shard 0\/1 of \d+ cases/);
  expect(fs.readdirSync(r.reports).filter((f) => f.endsWith('.json'))).toEqual([expect.stringMatching(/^buggy--no-stale-mapping--/)]);
  expect(() => parseArgs(['--shard', '0/2'], {})).toThrow(/--shard splits an --exhaustive run/);
}, 30000);

test('a C file that does not compile is broken (exit 2), and the TypeScript variants still run', () => {
  const r = check([path.join(__dirname, 'fixtures', 'c', 'syntax-error.c'), path.join(ROOT, 'variants', 'upstream.ts'), '--runs', '50', '--no-typecheck']);
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/broken: .*syntax-error\.c:\d+/);
  expect(r.out).toMatch(/^upstream +pass +pass +pass +pass +pass +FAIL +pass$/m);
}, 60000);

test('npm run check on the C upstream gives the TypeScript upstream\'s verdicts', () => {
  const r = check([path.join(ROOT, 'variants', 'c', 'upstream.c'), path.join(ROOT, 'variants', 'upstream.ts'), '--runs', '200', '--json', '--no-typecheck']);
  expect(r.code).toBe(0);
  const out = JSON.parse(r.out);
  const of = (name: string) => out.verdicts.filter((v: { variant: string }) => v.variant === name).map((v: { property: string; actual: string }) => `${v.property}:${v.actual}`);
  expect(of('upstream-c')).toEqual(of('upstream'));
  expect(of('upstream')).toHaveLength(7);
}, 60000);

test('--path needs the one --property it replays', () => {
  expect(() => parseArgs(['--seed', '1', '--path', '0'], {})).toThrow(/give it with --property/);
});

test('--help explains every flag; a bad flag is exit 2 with the reason', () => {
  const help = check(['--help']);
  expect(help.code).toBe(0);
  for (const flag of ['--property', '--runs', '--seed', '--path', '--xarray', '--timeout', '--report', '--json', '--verbose', '--no-isolate', '--no-typecheck']) expect(help.out).toContain(flag);
  expect(help.out).toMatch(/examples:/);
  const bad = check(['--runs', 'many']);
  expect(bad.code).toBe(2);
  expect(bad.err).toMatch(/^--runs needs an integer >= 1, got "many"/);
}, 30000);

test('arguments parse into what the engine needs', () => {
  const a = parseArgs(['--property', 'no-warn,no-stale-mapping', '--xarray', 'both', '--seed', '9', 'x.ts'], {});
  expect(a).toMatchObject({ properties: ['no-warn', 'no-stale-mapping'], xarray: ['faithful', 'contract'], seed: 9, targets: ['x.ts'] });
  expect(() => parseArgs(['--property', 'no-such'], {})).toThrow(UsageError);
  expect(() => parseArgs(['--xarray', 'sometimes'], {})).toThrow(/faithful, contract or both/);
});
