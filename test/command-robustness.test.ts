// The command against variants that misbehave (test/hostile.test.ts has the whole zoo): a folder
// with a hanging, a throwing and a correct variant, files that do not compile or export nothing,
// a stolen name, and C beside TypeScript.

import path from 'path';
import { ROOT, USER, check, checkHere, scratchFolders } from './command-helpers';

const { scratch, cleanup } = scratchFolders();
afterAll(cleanup);

test('a folder with a hanging, a throwing and a correct variant: all three reported, the hang confirmed once', () => {
  const r = check([USER, '--runs', '60', '--timeout', '400', '--json', '--no-typecheck']);
  expect(r.code).toBe(1); // properties failed, nothing broken
  const out = JSON.parse(r.out);
  const of = (name: string) => out.verdicts.filter((v: { variant: string }) => v.variant === name);
  expect(of('user-correct').every((v: { matches: boolean }) => v.matches)).toBe(true);
  const hang = of('user-hangs');
  expect(hang.every((v: { actual: string }) => v.actual === 'fail')).toBe(true);
  expect(hang[0].violations[0]).toMatch(/did not return: hang, confirmed: the case did not return and used \d+ ms of CPU \(its limit, 400 ms\)/);
  expect(hang[0].counterexample).not.toBeNull(); // the case it hung on
  expect(hang[0].report).toMatch(/user-hangs--no-stale-mapping--[0-9a-f]{12}\.md$/);
  // the hang is reported once; the later properties say they were not run, and save nothing
  expect(hang[1].violations[0]).toMatch(/^not run: the variant hung on a case of an earlier property/);
  expect(hang.slice(1).every((v: { report: string | null }) => v.report === null)).toBe(true);
  // one confirmation for the hanging file, none for the others: counted, not timed
  expect(out.variants.map((v: { name: string; hangConfirmations: number }) => [v.name, v.hangConfirmations]).sort())
    .toEqual([['user-correct', 0], ['user-hangs', 1], ['user-throws', 0]]);
  const thrown = of('user-throws').find((v: { property: string }) => v.property === 'no-stale-mapping');
  expect(thrown.violations[0]).toMatch(/invalidate_begin threw: TypeError: Cannot read properties of undefined/);
}, 60000);

test('a file that does not compile is refused with the file, the TypeScript message and exit 2', () => {
  const dir = scratch({ 'typo.ts': `import { defineVariant, expectations } from '../model/variant';
export default defineVariant({ name: 'typo', origin: '', expect: expectations(),
  invalidate_begin(k, start, end) { k.KVM_MMU_LOCK(k.kvm, start); void end; },
  invalidate_end() {} });
` });
  const r = checkHere([path.join(dir, 'typo.ts'), '--runs', '5']);
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/broken: .*typo\.ts: does not compile:\n.*typo\.ts\(3,\d+\): error TS2554: Expected 1 arguments, but got 2/);
}, 30000);

test('a file that exports no variant is refused in one paragraph with exit 2', () => {
  const dir = scratch({ 'empty.ts': 'export const nothing = 1;\n' });
  const r = checkHere([path.join(dir, 'empty.ts'), '--runs', '5']);
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/empty\.ts: does not default-export a variant/);
  expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
}, 30000);

test('a variant may not take a shipped variant\'s name', () => {
  const dir = scratch({ 'copy.ts': `import upstream from '../variants/upstream';\nexport default upstream;\n` });
  const r = checkHere([path.join(dir, 'copy.ts'), '--runs', '5', '--no-typecheck']);
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/the name "upstream" belongs to variants\/upstream\.ts/);
}, 30000);

test('a C file that does not compile is broken (exit 2), and the TypeScript variants still run', () => {
  const r = checkHere([path.join(__dirname, 'fixtures', 'c', 'syntax-error.c'), path.join(ROOT, 'variants', 'upstream.ts'), '--runs', '50', '--no-typecheck']);
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/broken: .*syntax-error\.c:\d+/);
  expect(r.out).toMatch(/^upstream +pass +pass +pass +pass +pass +FAIL +pass$/m);
}, 60000);

test('npm run check on the C upstream gives the TypeScript upstream\'s verdicts', () => {
  const r = checkHere([path.join(ROOT, 'variants', 'c', 'upstream.c'), path.join(ROOT, 'variants', 'upstream.ts'), '--runs', '200', '--json', '--no-typecheck']);
  expect(r.code).toBe(0);
  const out = JSON.parse(r.out);
  const of = (name: string) => out.verdicts.filter((v: { variant: string }) => v.variant === name).map((v: { property: string; actual: string }) => `${v.property}:${v.actual}`);
  expect(of('upstream-c')).toEqual(of('upstream'));
  expect(of('upstream')).toHaveLength(7);
}, 60000);
