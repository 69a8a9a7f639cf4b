// The command against variant files a user gets wrong (test/hostile.test.ts has the variants that
// misbehave when they run: hangs, throws, crashes): files that do not compile or export nothing,
// a stolen name, C beside TypeScript, a folder with no variants, a reports folder that cannot be
// made or that fills up.

import fs from 'fs';
import os from 'os';
import path from 'path';
import { ROOT, check, checkHere, scratchFolders } from './command-helpers';
import { diskFullFor } from './helpers';
import { PROPERTY_IDS } from '../model/variant';

const { scratch, cleanup } = scratchFolders();
afterAll(cleanup);

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
  const r = checkHere([path.join(dir, 'empty.ts'), '--runs', '5', '--no-typecheck']); // refused on loading, not by the compiler
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/empty\.ts: does not default-export a variant/);
  expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
}, 30000);

test('a misspelt expectation key is the file\'s fault (exit 2), naming the key and the properties, without the type check too', () => {
  const dir = scratch({ 'maping.ts': `import { defineVariant, expectations } from '../model/variant';
import upstream from '../variants/upstream';
export default defineVariant({ ...upstream, name: 'maping', origin: '', expect: expectations({ 'no-stale-maping': 'fail' }) });
` });
  const file = path.join(dir, 'maping.ts');
  // the type check refuses it too (TS2353); these runs skip it, as a user may, in the variant's process and in this one
  for (const flags of [['--no-typecheck'], ['--no-typecheck', '--no-isolate']]) {
    const r = checkHere([file, '--runs', '5', '--property', 'no-stale-mapping', ...flags]);
    expect([flags, r.code]).toEqual([flags, 2]);
    expect(r.err).toContain(`broken: ${file}: unknown property "no-stale-maping" in expect (the properties are ${PROPERTY_IDS.join(', ')})`);
  }
}, 30000);

test('a variant that throws at import is broken, named on the console and in --json, and the folder\'s other variants still run', () => {
  const dir = scratch({
    'good.ts': `import upstream from '../variants/upstream';\nexport default { ...upstream, name: 'good' };\n`,
    'boom.ts': `throw new Error('boom');\nexport {};\n`,
  });
  const boom = path.join(dir, 'boom.ts');
  const r = checkHere([dir, '--runs', '5', '--no-typecheck']);
  expect(r.code).toBe(2);
  expect(r.err).toContain(`broken: ${boom}: threw at import: Error: boom`);
  expect(r.out).toMatch(/^good +pass/m);
  const json = JSON.parse(checkHere([dir, '--runs', '5', '--no-typecheck', '--json']).out);
  expect(json.broken).toEqual([{ file: boom, message: expect.stringMatching(/^\S*boom\.ts: threw at import: Error: boom/) }]);
}, 60000);

test('--report on JSON that is not a report of this harness says so (exit 2); a report of another format still names its format', () => {
  const dir = scratch({ 'package.json': '{ "name": "x" }\n', 'list.json': '[1, 2]\n', 'later.json': '{ "format": 3 }\n' });
  for (const [file, why] of [
    ['package.json', 'is not a report of this harness (it has no format field)'],
    ['list.json', 'is not a report of this harness (it is an array, not an object with a format field)'],
    ['later.json', 'format is 3, this harness reads format 2'],
  ]) {
    const r = checkHere(['--report', path.join(dir, file)]);
    expect([file, r.code, r.out, r.err]).toEqual([file, 2, '', `${path.join(dir, file)}: ${why}\n`]);
  }
});

test('--no-isolate on a variant that keeps state: what the first pass saw fail and its re-check passes is a mismatch, never a pass', () => {
  // upstream, but its invalidate_begin does nothing on its calls 1901 to 2000, which the first
  // pass over the cases meets among its cases 2001 to 3000 (it runs all 3000: some properties pass);
  // the command keeps the outcomes of the first 2000 cases, so a failing property's own check runs
  // these again, past the window
  const dir = scratch({ 'forgets.ts': `import upstream from '../variants/upstream';
let calls = 0;
export default { ...upstream, name: 'forgets',
  invalidate_begin(...a: Parameters<typeof upstream.invalidate_begin>) { if (++calls > 1900 && calls <= 2000) return; upstream.invalidate_begin(...a); } };
` });
  const r = checkHere([path.join(dir, 'forgets.ts'), '--no-isolate', '--runs', '3000', '--seed', '5', '--json', '--no-typecheck']);
  expect(r.code).toBe(1);
  const v = JSON.parse(r.out).verdicts.find((x: { property: string }) => x.property === 'no-stale-mapping');
  expect(v).toMatchObject({ property: 'no-stale-mapping', actual: 'fail', matches: false, confirmation: 'not-reproduced', report: null });
  expect(v.replay).toBe(`npm run check -- --seed=5 --runs 3000 --property no-stale-mapping ${path.relative(ROOT, path.join(dir, 'forgets.ts'))}`);
}, 60_000);

test('a variant may not take a shipped variant\'s name', () => {
  const dir = scratch({
    'copy.ts': `import upstream from '../variants/upstream';\nexport default upstream;\n`,
    'c-name.ts': `import upstream from '../variants/upstream';\nexport default { ...upstream, name: 'upstream-c' };\n`,
  });
  const r = checkHere([path.join(dir, 'copy.ts'), path.join(dir, 'c-name.ts'), '--runs', '5', '--no-typecheck']);
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/copy\.ts: the name "upstream" belongs to variants\/upstream\.ts/);
  expect(r.err).toMatch(/c-name\.ts: the name "upstream-c" belongs to variants\/c\/upstream\.c/);
}, 30000);

test('nor may a C variant, by its harness comment or its file\'s name: its reports would pass for the shipped one\'s', () => {
  const buggyC = fs.readFileSync(path.join(ROOT, 'variants', 'c', 'buggy.c'), 'utf8');
  const dir = scratch({
    'as-ts.c': buggyC.replace('name=buggy-c', 'name=upstream'),
    'as-c.c': buggyC.replace('name=buggy-c', 'name=upstream-c'),
    'buggy.c': buggyC.replace(/ \* harness:.*\n/, ''),
    // refused before gcc sees it: its own fault would be a compile error
    'no-c.c': `${buggyC.replace('name=buggy-c', 'name=fixed-c')}\nthis is not C\n`,
  });
  expect(fs.readFileSync(path.join(dir, 'buggy.c'), 'utf8')).not.toMatch(/harness:/);
  const r = checkHere(['as-ts.c', 'as-c.c', 'buggy.c', 'no-c.c'].map((f) => path.join(dir, f)).concat('--runs', '5'));
  expect(r.err).toMatch(/no-c\.c: the name "fixed-c" belongs to variants\/c\/fixed\.c/);
  expect(r.err).not.toMatch(/error:/);
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/as-ts\.c: the name "upstream" belongs to variants\/upstream\.ts/);
  expect(r.err).toMatch(/as-c\.c: the name "upstream-c" belongs to variants\/c\/upstream\.c/);
  expect(r.err).toMatch(/buggy\.c: the name "buggy" belongs to variants\/buggy\.ts/);
}, 60000);

test('a C file that does not compile is broken (exit 2), and the TypeScript variants still run', () => {
  const r = checkHere([path.join(__dirname, 'fixtures', 'c', 'syntax-error.c'), path.join(ROOT, 'variants', 'upstream.ts'), '--runs', '50', '--no-typecheck']);
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/broken: .*syntax-error\.c:\d+/);
  // bind-within-file fails: upstream's kvm_gmem_bind() accepts a binding past the end of the file (findings/bind-offset-overflow.md)
  expect(r.out).toMatch(/^upstream +pass +pass +pass +pass +pass +FAIL +FAIL$/m);
}, 60000);

test('npm run check on the C upstream gives the TypeScript upstream\'s verdicts', () => {
  const r = checkHere([path.join(ROOT, 'variants', 'c', 'upstream.c'), path.join(ROOT, 'variants', 'upstream.ts'), '--runs', '200', '--json', '--no-typecheck']);
  expect(r.code).toBe(0);
  const out = JSON.parse(r.out);
  const of = (name: string) => out.verdicts.filter((v: { variant: string }) => v.variant === name).map((v: { property: string; actual: string }) => `${v.property}:${v.actual}`);
  expect(of('upstream-c')).toEqual(of('upstream'));
  expect(of('upstream')).toHaveLength(PROPERTY_IDS.length);
  expect(of('upstream')).toContain('bind-within-file:fail');
}, 60000);

test('a folder that holds no variant files is broken (exit 2), not a run whose every verdict matches', () => {
  const dir = scratch({ 'README.md': 'not a variant\n' });
  const r = checkHere([dir, '--runs', '5', '--no-typecheck']);
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/\.scratch-[\w-]+: holds no variant files \(\.ts or \.c\)/);
  expect(r.out).not.toMatch(/every verdict matches/);
});

test('a reports folder that cannot be made is refused before anything runs, naming it and the flag or variable that named it (exit 2)', () => {
  const dir = scratch({ 'afile': 'a file, not a folder\n' });
  const upstream = path.join(ROOT, 'variants', 'upstream.ts');
  fs.symlinkSync(path.join(dir, 'nowhere'), path.join(dir, 'dangling'));
  for (const [where, why] of [[path.join(dir, 'afile'), 'is not a folder'], [path.join(dir, 'afile', 'sub'), 'afile is not a folder'], [path.join(dir, 'dangling'), 'EEXIST']]) {
    const r = checkHere([upstream, '--runs', '5', '--no-typecheck', '--reports-dir', where]);
    expect([where, r.code, r.out]).toEqual([where, 2, '']);
    expect(r.err).toContain(`the reports folder ${where} (--reports-dir) cannot be made: `);
    expect(r.err).toContain(why);
  }
  const byVariable = checkHere([upstream, '--runs', '5', '--no-typecheck'], { REPORTS_DIR: path.join(dir, 'afile') });
  expect([byVariable.code, byVariable.out, byVariable.err]).toEqual([2, '', `the reports folder ${path.join(dir, 'afile')} (REPORTS_DIR) cannot be made: ${path.join(dir, 'afile')} is not a folder\n`]);
  // under /proc, Node's own recursive mkdir never returns: in a process of its own, with a bound
  const r = check([upstream, '--runs', '5', '--no-typecheck', '--reports-dir', '/proc/no-such-folder']);
  expect([r.code, r.err]).toEqual([2, expect.stringMatching(/^the reports folder \/proc\/no-such-folder \(--reports-dir\) cannot be made: ENOENT/)]);
  expect(fs.readFileSync(path.join(dir, 'afile'), 'utf8')).toBe('a file, not a folder\n'); // nothing lost
}, 60000);

test('a report that cannot be saved (a full disk) is named with its cause, the verdicts are still printed, no temporary file is left, and the run exits 2', () => {
  const buggy = path.join(ROOT, 'variants', 'buggy.ts');
  const args = [buggy, '--runs', '50', '--no-typecheck'];
  // the disk fills at no-warn's report; the other reports are saved
  const noWarn = (f: string) => path.basename(f).startsWith('buggy--no-warn--') && f.endsWith('.tmp');
  for (const json of [false, true]) {
    const full = diskFullFor(noWarn);
    let r;
    try {
      r = checkHere(json ? [...args, '--json'] : args);
    } finally {
      full.mockRestore();
    }
    const saved = fs.readdirSync(r.reports);
    expect([json, r.code, saved.filter((f) => f.endsWith('.tmp') || f.startsWith('buggy--no-warn--'))]).toEqual([json, 2, []]);
    expect(saved.filter((f) => f.endsWith('.json'))).toHaveLength(3); // no-stale-mapping, mmu-bookkeeping, no-redundant-unmap
    const why = new RegExp(`the report of buggy failing no-warn was not saved: ${r.reports}/buggy--no-warn--\\w+\\.svg cannot be written: ENOSPC: no space left on device, write`);
    if (json) {
      const out = JSON.parse(r.out);
      expect(out.exitCode).toBe(2);
      expect(out.broken).toEqual([{ file: expect.stringMatching(/buggy--no-warn--\w+\.svg$/), message: expect.stringMatching(why) }]);
      expect(out.verdicts.map((v: { property: string; actual: string; report: string | null }) => [v.property, v.actual, v.report !== null]))
        .toContainEqual(['no-warn', 'fail', false]);
      expect(out.verdicts).toHaveLength(PROPERTY_IDS.length);
    } else {
      expect(r.err).toMatch(new RegExp(`^broken: ${why.source}`, 'm'));
      expect(r.out).toMatch(/^buggy +FAIL +pass +pass +FAIL +FAIL/m); // the verdict table
      expect(r.out).toMatch(/; 1 report\(s\) not saved \(above\)\n$/);
    }
  }
}, 60000);

test('a report with a folder in its page\'s place is not saved, named, and the verdicts are still printed (exit 2)', () => {
  const args = [path.join(ROOT, 'variants', 'buggy.ts'), '--property', 'no-stale-mapping', '--runs', '50', '--no-isolate', '--no-typecheck'];
  // the report's name, from a first run; the second saves into a folder of its own (a command
  // run in this process keeps what it read of a folder)
  const first = checkHere(args);
  const stem = fs.readdirSync(first.reports).find((f) => f.endsWith('.json'))!.replace(/\.json$/, '');
  const dir = path.join(scratch({}), 'reports');
  const page = path.join(dir, `${stem}.md`);
  fs.mkdirSync(page, { recursive: true });
  const r = checkHere(args, { REPORTS_DIR: dir });
  expect(r.code).toBe(2);
  expect(r.out).toMatch(/^buggy +FAIL/m);
  expect(r.err).toMatch(new RegExp(`^broken: .*the report of buggy failing no-stale-mapping was not saved: ${page} cannot be written: `, 'm'));
  expect(fs.readdirSync(dir)).toEqual([`${stem}.md`]); // no part, no temporary file
}, 60000);

test('a mistyped flag is one line and the usage line, not the whole of --help; a tree that does not exist judges nothing and says so', () => {
  const typo = checkHere(['--proprety', 'no-warn']);
  expect(typo.code).toBe(2);
  expect(typo.err.trim().split('\n')).toEqual([
    'unknown option --proprety (see --help)',
    expect.stringMatching(/^usage: npm run check -- /),
    '(npm run check -- --help lists every option)',
  ]);
  const gone = checkHere(['--from-kernel', path.join(os.tmpdir(), 'no-such-tree-here')]);
  expect(gone.code).toBe(2);
  expect(gone.out).toMatch(/nothing was judged: 1 file\(s\) or tree\(s\) broken \(above\)/);
  expect(gone.out).not.toMatch(/verdict\(s\) differ/);
});
