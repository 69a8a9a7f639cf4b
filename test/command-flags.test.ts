// The command's options as a developer uses them: odd names, reports beside a path-checked
// variant, --exhaustive, --path, --help, and the parsing behind them. The scratch variants skip
// the type check (--no-typecheck) where it is not what a test is about: command-robustness and
// the README's example hold it.

import { spawnSync } from 'child_process';
import { tempFolder } from './helpers';
import fs from 'fs';
import path from 'path';
import { parseArgs, UsageError } from '../properties/command/args';
import { portWarnings } from '../properties/command/port-check';
import { safeName } from '../properties/reports/record';
import { ROOT, check, checkHere, scratchFolders } from './command-helpers';

const { scratch, cleanup } = scratchFolders();
afterAll(cleanup);

test('a strange variant name makes a safe report path', () => {
  expect(safeName('../../etc/passwd')).toBe('etc-passwd');
  expect(safeName('my patch v2.1/final')).toBe('my-patch-v2.1-final');
  expect(safeName('kernel-6.8-1a2b3c4d')).toBe('kernel-6.8-1a2b3c4d'); // named as the variant is
  expect(safeName('.x..y.')).toBe('x-y');
  expect(safeName('...')).toBe('variant');
  const dir = scratch({ 'odd.ts': `import { defineVariant, expectations } from '../model/variant';
import fixed from '../variants/fixed';
export default defineVariant({ ...fixed, name: '../my patch v2.1', origin: '', expect: expectations() });
` });
  const r = checkHere([path.join(dir, 'odd.ts'), '--runs', '50', '--property', 'mmu-bookkeeping', '--json', '--no-typecheck']);
  expect(r.code).toBe(1);
  expect(fs.readdirSync(r.reports).filter((f) => f.endsWith('.md') && f !== 'README.md')).toEqual([expect.stringMatching(/^my-patch-v2\.1--mmu-bookkeeping--[0-9a-f]{12}\.md$/)]);
}, 30000);

test('a variant checked by path keeps its reports beside it, and --report replays them from there', () => {
  const dir = scratch({ 'mine.ts': `import { defineVariant, expectations } from '../model/variant';
import fixed from '../variants/fixed';
export default defineVariant({ ...fixed, name: 'mine', origin: '', expect: expectations() });
` });
  const r = checkHere([path.join(dir, 'mine.ts'), '--runs', '50', '--property', 'mmu-bookkeeping', '--no-typecheck'], { REPORTS_DIR: '' });
  expect(r.code).toBe(1);
  const beside = path.join(dir, 'shrink-reports');
  const json = fs.readdirSync(beside).filter((f) => f.endsWith('.json'));
  expect(json).toEqual([expect.stringMatching(/^mine--mmu-bookkeeping--/)]);
  expect(fs.readFileSync(path.join(beside, 'README.md'), 'utf8')).toMatch(/\| mine \| mmu-bookkeeping \|/);
  const again = checkHere(['--report', path.join(beside, json[0])], { REPORTS_DIR: '' });
  expect(again.out).toMatch(/mine still fails mmu-bookkeeping/);
  expect(again.code).toBe(1); // it was expected to pass
}, 30000);

test('a report page\'s and its folder index\'s commands quote a path with a space, and the page\'s replay works pasted as printed', () => {
  const dir = path.join(tempFolder('spaced-'), 'with space');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'v.ts'), `import { defineVariant, expectations } from '${ROOT}/model/variant';
import fixed from '${ROOT}/variants/fixed';
export default defineVariant({ ...fixed, name: 'spaced', origin: '', expect: expectations() });
`);
  const r = checkHere([path.join(dir, 'v.ts'), '--runs', '50', '--property', 'mmu-bookkeeping', '--no-typecheck'], { REPORTS_DIR: '' });
  expect(r.code).toBe(1);
  const beside = path.join(dir, 'shrink-reports');
  const stem = fs.readdirSync(beside).find((f) => f.endsWith('.json'))!.slice(0, -'.json'.length);
  const json = `'${path.join(beside, stem)}.json'`;
  const page = fs.readFileSync(path.join(beside, `${stem}.md`), 'utf8');
  expect(page).toContain(`\`npm run check -- --report ${json}\``);
  expect(page).toContain(`\`npm run check -- --report ${json} --live\``);
  // the folder is outside the harness: its index names it, not shrink-reports/
  const index = fs.readFileSync(path.join(beside, 'README.md'), 'utf8');
  expect(index).toContain(`\`npm run check -- --report '${beside}'/<name>.json\``);
  expect(index).toContain(`\`npm run reports:prune -- '${beside}'\``);
  const typed = /`npm run check -- (--report [^`]*\.json')`/.exec(page)![1];
  const again = spawnSync('bash', ['-c', `node properties/command/bin.js ${typed}`], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, REPORTS_DIR: '' } });
  expect([again.status, again.stderr]).toEqual([1, '']);
  expect(again.stdout).toMatch(/spaced still fails mmu-bookkeeping/);
}, 60000);

test('--exhaustive checks the whole small scope and saves the smallest failure as a report', () => {
  const r = checkHere(['--exhaustive', '2', path.join(ROOT, 'variants', 'buggy.ts'), '--property', 'no-stale-mapping', '--no-typecheck']);
  expect(r.code).toBe(0); // buggy is expected to fail it, and does
  expect(r.out).toMatch(/exhaustive: every layout in a file of 2 pages, all \d+ cases/);
  expect(fs.readdirSync(r.reports).filter((f) => f.endsWith('.json'))).toEqual([expect.stringMatching(/^buggy--no-stale-mapping--/)]);
  expect(() => parseArgs(['--shard', '0/2'], {})).toThrow(/--shard: a shard is i\/n with 1 <= i <= n/);
  expect(() => parseArgs(['--shard', '1/2'], {})).toThrow(/--shard splits the cases of one seed/);
  expect(() => parseArgs([], { GMEM_SHARD: '5/4', FC_SEED: '1' })).toThrow(/GMEM_SHARD: a shard is i\/n with 1 <= i <= n .*"5\/4"/);
  expect(parseArgs([], { GMEM_SHARD: '2/4', FC_SEED: '1' }).shard).toBe('2/4');
  expect(() => parseArgs([], { GMEM_SHARD: '2/4' })).toThrow(/^GMEM_SHARD splits the cases of one seed/); // named as given
  // set for a whole CI job, it shards what shards: a replay, a merge or a series step of the job is not held to it
  const job = { GMEM_SHARD: '2/4' };
  expect(parseArgs(['--report', 'r.json'], job).shard).toBeUndefined();
  expect(parseArgs(['--merge', 'a.json', 'b.json'], job).shard).toBeUndefined();
  expect(parseArgs(['--from-kernel', 'tree', '--patch', 'p.patch'], job).shard).toBeUndefined();
  expect(parseArgs(['--from-kernel', 'tree', '--bisect', '--property', 'no-warn'], job).shard).toBeUndefined();
  expect(parseArgs(['--exhaustive', '3'], job).shard).toBe('2/4');
  // its value is still held to the rule
  expect(() => parseArgs(['--report', 'r.json'], { GMEM_SHARD: '5/4' })).toThrow(/^GMEM_SHARD: a shard is i\/n/);
  // --json holds for --exhaustive too: one object, the same verdict
  const j = checkHere(['--exhaustive', '2', path.join(ROOT, 'variants', 'buggy.ts'), '--property', 'no-stale-mapping', '--no-typecheck', '--json']);
  const out = JSON.parse(j.out);
  expect(out).toMatchObject({ exhaustive: { maxPages: 2, shard: '1/1' }, exitCode: 0, variants: [{ name: 'buggy', vmTypes: ['default'] }] });
  expect(out.verdicts).toEqual([expect.objectContaining({ variant: 'buggy', property: 'no-stale-mapping', actual: 'fail', matches: true })]);
  expect(out.verdicts[0].counterexample.layout.slots.length).toBeGreaterThan(0);
}, 30000);

test('--path needs the one --property it replays', () => {
  expect(() => parseArgs(['--seed', '1', '--path', '0'], {})).toThrow(/give it with --property/);
});

test('a --path not as fast-check prints it is bad input, refused before anything runs, saying what a path looks like', () => {
  const on = ['--seed', '1', '--property', 'no-stale-mapping'];
  for (const p of ['abc', '', '0:', ':0', '0::1', '-1', '1.5', ' 0', '0x1']) {
    expect(() => parseArgs([...on, `--path=${p}`], {})).toThrow(`--path needs fast-check's path of a case, non-negative integers joined by ":" as printed with a failure (like 0:1:3), got "${p}"`);
  }
  expect(parseArgs([...on, '--path', '0:1:3'], {}).path).toBe('0:1:3');
  // was a harness error! cell saying the path leads to no case of the seed
  const r = checkHere([path.join(ROOT, 'variants', 'upstream.ts'), '--seed=1691080340', '--path', 'abc', '--property', 'no-stale-mapping', '--no-isolate']);
  expect(r).toMatchObject({ code: 2, out: '' });
  expect(r.err).toMatch(/^--path needs fast-check's path of a case, .* \(like 0:1:3\), got "abc"$/m);
});

test('what a replay or an exhaustive run would ignore is refused, not ignored in a green run', () => {
  const report = ['--report', 'shrink-reports/buggy--no-stale-mapping--1b8e40dbe242.json'];
  expect(() => parseArgs([...report, 'variants/upstream.ts'], {})).toThrow(/^--report replays the variant its report names: variants\/upstream\.ts would not be checked$/);
  for (const extra of [['--property', 'no-warn'], ['--seed', '1', '--path', '0'], ['--exhaustive', '3']]) {
    expect(() => parseArgs([...report, ...extra], {})).toThrow(new RegExp(`^${extra.at(-2)} does not go with --report: a report replays its own case, for its own property$`));
  }
  expect(() => parseArgs(['--exhaustive', '3', '--seed', '1', '--path', '0', '--property', 'no-warn'], {})).toThrow(/^--path replays one case of a seed: --exhaustive runs every case of its scope, and has none$/);
  // nor the flags of drawn cases, given on the command line (a CI's FC_NUM_RUNS and FC_SEED are set for every run)
  for (const flag of ['--runs', '--seed']) {
    expect(() => parseArgs([...report, flag, '7'], {})).toThrow(`${flag} does not go with --report: a report replays its own case, for its own property`);
    expect(() => parseArgs(['--exhaustive', '3', flag, '7'], {})).toThrow(`${flag} does not go with --exhaustive: it runs every case of its scope, none drawn`);
  }
  expect(parseArgs(report, { FC_NUM_RUNS: '7', FC_SEED: '7' })).toMatchObject({ report: report[1] });
  expect(parseArgs(['--exhaustive', '3'], { FC_NUM_RUNS: '7', FC_SEED: '7' })).toMatchObject({ exhaustive: 3 });
  // what they do take
  expect(parseArgs([...report, '--from-kernel', 'tree', '--json'], {})).toMatchObject({ report: report[1], fromKernel: ['tree'], json: true });
  expect(parseArgs(['--exhaustive', '3', '--property', 'no-warn'], {})).toMatchObject({ exhaustive: 3, properties: ['no-warn'] });
});

test('a --path without the seed it was printed with is refused: under another seed it leads to another case', () => {
  const on = ['--path', '0:0', '--property', 'no-stale-mapping'];
  expect(() => parseArgs(on, {})).toThrow(/^--path replays a case of one seed: give the seed it was printed with \(--seed, or FC_SEED\)$/);
  expect(parseArgs(on, { FC_SEED: '3' })).toMatchObject({ path: '0:0', seed: 3 });
  expect(parseArgs([...on, '--seed', '4'], {})).toMatchObject({ path: '0:0', seed: 4 });
  const r = checkHere([path.join(ROOT, 'variants', 'upstream.ts'), ...on, '--no-isolate'], { FC_SEED: '' });
  expect(r).toMatchObject({ code: 2, out: '' });
  expect(r.err).toMatch(/^--path replays a case of one seed/m);
});

test('--path replays the printed failure, and the header says it replays a path, not --runs cases', () => {
  const buggy = path.join(ROOT, 'variants', 'buggy.ts');
  const on = [buggy, '--property', 'no-stale-mapping', '--no-isolate', '--seed', '5'];
  const first = JSON.parse(checkHere([...on, '--json']).out).verdicts[0];
  expect(first).toMatchObject({ actual: 'fail', path: expect.stringMatching(/^\d+(:\d+)*$/) });
  const again = checkHere([...on, '--path', first.path]);
  expect(again.out).toMatch(new RegExp(`^seed 5, replaying path ${first.path}$`, 'm'));
  expect(again.out).not.toMatch(/cases per property/);
  expect(JSON.parse(checkHere([...on, '--path', first.path, '--json']).out).verdicts[0].counterexample).toEqual(first.counterexample);
});

test('a --path that leads to no case (another version\'s, or mistyped) is exit 2 saying so, with nothing to replay', () => {
  const buggy = path.join(ROOT, 'variants', 'buggy.ts');
  const on = [buggy, '--property', 'no-stale-mapping', '--no-isolate', '--seed', '5'];
  const first = JSON.parse(checkHere([...on, '--json']).out).verdicts[0];
  // past the shrink steps the path has: no candidate is there
  const r = checkHere([...on, '--path', `${first.path}${':0'.repeat(60)}`]);
  expect(r.code).toBe(2);
  expect(r.out).toMatch(/^buggy +error! /m); // the table's cell: no verdict, not a failure of the variant
  expect(r.out).toMatch(/buggy, no-stale-mapping: not judged, the harness broke/);
  expect(r.out).toMatch(/leads to no case of seed 5 with these generators: a path is only good for the version of the harness that printed it/);
  expect(r.out).toMatch(/run the seed without --path \(npm run check -- --seed=5 --property no-stale-mapping <the variant>\)/);
  expect(r.out).toMatch(/nothing to replay/);
  expect(r.out).not.toMatch(/undefined|fails no-stale-mapping/);
});

test('--help explains every flag; a bad flag is exit 2 with the reason', () => {
  const help = check(['--help']); // the real bin, as npm run check runs it
  expect(help.code).toBe(0);
  for (const flag of ['--property', '--runs', '--seed', '--path', '--timeout', '--report', '--json', '--verbose', '--no-isolate', '--no-typecheck']) expect(help.out).toContain(flag);
  expect(help.out).toMatch(/examples:/);
  const bad = check(['--runs', 'many']);
  expect(bad.code).toBe(2);
  expect(bad.err).toMatch(/^--runs needs an integer >= 1, got "many"/);
}, 30000);

test('arguments parse into what the engine needs', () => {
  const a = parseArgs(['--property', 'no-warn,no-stale-mapping', '--seed', '9', 'x.ts'], {});
  expect(a).toMatchObject({ properties: ['no-warn', 'no-stale-mapping'], seed: 9, targets: ['x.ts'] });
  expect(() => parseArgs(['--property', 'no-such'], {})).toThrow(UsageError);
  // the xarray contract mode is gone (it could never differ from the faithful walk), and its flag with it
  expect(() => parseArgs(['--xarray', 'both'], {})).toThrow(/xarray/);
  expect(() => parseArgs(['--property', 'xarray-contract-robust'], {})).toThrow(/unknown property xarray-contract-robust/);
});

test('a --timeout finer than the CPU clock, or a seed fast-check would cut to 32 bits, is refused', () => {
  // CPU time is read in 10 ms ticks: under a small limit a correct variant was called hung
  expect(() => parseArgs(['--timeout', '5'], {})).toThrow(/^--timeout needs an integer from 100 to 86400000 \(CPU time is counted in 10 ms ticks\), got "5"$/);
  expect(() => parseArgs(['--timeout', '2000000000'], {})).toThrow(/^--timeout needs an integer from 100 to 86400000/); // past Node's timers
  expect(parseArgs(['--timeout', '100'], {}).timeoutMs).toBe(100);
  // 99999999999 ran the cases of seed 1215752191 while printing the number it was given
  expect(() => parseArgs(['--seed', '99999999999'], {})).toThrow(/^--seed needs an integer from -2147483648 to 2147483647, got "99999999999"$/);
  expect(parseArgs(['--seed=-2147483648'], {}).seed).toBe(-(2 ** 31));
  expect(() => parseArgs([], { FC_SEED: '2147483648' })).toThrow(/^FC_SEED needs an integer from -2147483648 to 2147483647, got "2147483648"$/);
});

test('the environment is held to its flag\'s rule: a bad FC_NUM_RUNS, FC_SEED or cache folder is exit 2 naming it', () => {
  // FC_NUM_RUNS=0 was a green run of nothing; -5 gave FAIL! verdicts with "harness error: undefined"
  expect(() => parseArgs([], { FC_NUM_RUNS: '0' })).toThrow(/^FC_NUM_RUNS needs an integer >= 1, got "0"$/);
  expect(() => parseArgs(['--runs', '0'], {})).toThrow(/^--runs needs an integer >= 1, got "0"$/);
  // decimal digits only, in the flag and in the environment: Number() reads these too
  for (const raw of ['1e3', '0x10', '+5', ' 10', '1.0']) {
    expect(() => parseArgs([], { FC_NUM_RUNS: raw })).toThrow(`FC_NUM_RUNS needs an integer >= 1, got "${raw}"`);
    expect(() => parseArgs(['--seed', raw], {})).toThrow(`--seed needs an integer from -2147483648 to 2147483647, got "${raw}"`);
  }
  expect(parseArgs([], { FC_NUM_RUNS: '0100' }).numRuns).toBe(100);
  // GMEM_REQUIRE_KVM counts only with --live, and is held to its rule on every run: a CI's typo is said at once
  expect(() => parseArgs([], { GMEM_REQUIRE_KVM: 'yes' })).toThrow('GMEM_REQUIRE_KVM needs 1 (on) or 0 (off), got "yes"');
  expect(parseArgs([], { FC_NUM_RUNS: '' }).numRuns).toBe(1000); // set but empty is unset
  const upstream = path.join(ROOT, 'variants', 'upstream.ts');
  for (const [env, said] of [
    [{ FC_NUM_RUNS: '0' }, /^FC_NUM_RUNS needs an integer >= 1, got "0"$/m],
    [{ FC_NUM_RUNS: '-5' }, /^FC_NUM_RUNS needs an integer >= 1, got "-5"$/m],
    [{ FC_SEED: 'soon' }, /^FC_SEED needs an integer from -2147483648 to 2147483647, got "soon"$/m],
  ] as const) {
    const r = checkHere([upstream, '--no-isolate'], env);
    expect([r.code, r.out, r.err]).toEqual([2, '', expect.stringMatching(said)]);
  }
  const file = path.join(scratch({ 'not-a-folder': '' }), 'not-a-folder');
  // a check, a replay and a merge alike: refused before anything runs
  const report = path.join(ROOT, 'shrink-reports', 'buggy--mmu-bookkeeping--ad626d5ccdac.json');
  for (const cache of ['GMEM_NATIVE_CACHE', 'GMEM_JS_CACHE']) {
    for (const args of [[upstream, '--no-isolate'], ['--report', report], ['--merge', path.join(ROOT, 'no-such-shard.json')]]) {
      const r = checkHere(args, { [cache]: file });
      expect([args[0], r.code, r.err]).toEqual([args[0], 2, `${cache}=${file} cannot be made: ${file} is not a folder\n`]);
    }
  }
  // under /proc, Node's recursive mkdir never returns: the command, loading itself through the
  // transpile cache, hung there before it could refuse the variable
  if (fs.existsSync('/proc/self')) {
    for (const cache of ['GMEM_NATIVE_CACHE', 'GMEM_JS_CACHE']) {
      const r = check([upstream, '--no-isolate', '--runs', '5'], { [cache]: '/proc/no-such-cache' });
      expect([r.code, r.err]).toEqual([2, expect.stringMatching(new RegExp(`^${cache}=/proc/no-such-cache cannot be made: `))]);
    }
    // main() refuses it by its own rules, the command having loaded itself through the default
    // cache meanwhile: --help first, and under git bisect run 128 (abort), never 2 (a bad commit)
    const help = check(['--help'], { GMEM_JS_CACHE: '/proc/no-such-cache' });
    expect([help.code, help.err, help.out]).toEqual([0, '', expect.stringContaining('--no-typecheck')]);
    const bisect = check(['--from-kernel', path.join(ROOT, 'test', 'fixtures', 'linux-6.8'), '--bisect', '--property', 'no-stale-mapping', '--runs', '5'], { GMEM_JS_CACHE: '/proc/no-such-cache' });
    expect([bisect.code, bisect.err]).toEqual([128, expect.stringMatching(/^GMEM_JS_CACHE=\/proc\/no-such-cache cannot be made: .*\nbisect: abort \(exit 128\)/s)]);
  }
});

test('--from-kernel judges the tree alone; its reports go to --reports-dir, named by the file\'s content, and are indexed', () => {
  const fine = checkHere(['--from-kernel', path.join(ROOT, 'test', 'fixtures', 'linux-6.8'), '--runs', '100', '--json']);
  // its invalidation passes; its kvm_gmem_bind() has 6.8's signed offset + size, which every tree to 7.1 has (exit 1)
  expect(fine.code).toBe(1);
  const verdicts = JSON.parse(fine.out).verdicts as Array<{ variant: string; property: string; matches: boolean }>;
  expect(verdicts.filter((v) => !v.matches).map((v) => v.property)).toEqual(['bind-within-file']);
  expect([...new Set(verdicts.map((v) => v.variant))]).toEqual([expect.stringMatching(/^kernel-6\.8-[0-9a-f]{8}$/)]);

  const tree = path.join(ROOT, 'test', 'fixtures', 'mutant-6.8-end-no-pgoff');
  const before = fs.readdirSync(tree, { recursive: true });
  const out = tempFolder('kernel-reports-');
  const r = checkHere(['--from-kernel', tree, '--runs', '300', '--reports-dir', out, '--json'], { REPORTS_DIR: '' });
  expect(r.code).toBe(1); // ordinary failing verdicts of the mutant, nothing broken
  const failed = JSON.parse(r.out).verdicts.filter((v: { actual: string }) => v.actual === 'fail');
  expect(failed.length).toBeGreaterThan(0);
  const name = failed[0].variant as string;
  expect(name).toMatch(/^kernel-6\.8-[0-9a-f]{8}$/);
  expect(name).not.toBe(JSON.parse(fine.out).verdicts[0].variant); // another file, another name
  const json = fs.readdirSync(out).filter((f) => f.endsWith('.json'));
  expect(json.length).toBe(failed.length);
  for (const f of json) expect(f.startsWith(`${safeName(name)}--`)).toBe(true);
  expect(fs.readdirSync(tree, { recursive: true })).toEqual(before); // nothing written into the tree
  const index = fs.readFileSync(path.join(out, 'README.md'), 'utf8');
  for (const f of json) expect(index).toMatch(new RegExp(`\\| \\[${f.replace(/\.json$/, '')}\\].*\\| reproduces \\|`));
}, 120000);

test('a port that short-circuits the unmap is warned of at its line, before the verdicts (TypeScript and C)', () => {
  expect(portWarnings('v.c', 'int x;\n\t\tflush = flush || kvm_mmu_unmap_gfn_range(kvm, &gfn_range);\n')).toEqual([
    { file: 'v.c', line: 2, message: expect.stringMatching(/^`flush = flush \|\| f\(\)` skips f\(\) once flush is true/) },
  ]);
  expect(portWarnings('v.ts', 'flush = kvm_mmu_unmap_gfn_range(kvm, r) || flush;\nflush |= 0;')).toEqual([]); // the right ports
  const dir = scratch({ 'short.ts': fs.readFileSync(path.join(ROOT, 'variants', 'upstream.ts'), 'utf8')
    .replace("name: 'upstream'", "name: 'short-circuit'").replace(/from '\.\//g, "from '../variants/").replace(/from '\.\.\/model/g, "from '../model")
    .replace('flush = kvm_mmu_unmap_gfn_range(kvm, gfn_range) || flush;', 'flush ||= kvm_mmu_unmap_gfn_range(kvm, gfn_range);') });
  const r = checkHere([path.join(dir, 'short.ts'), '--runs', '300', '--property', 'no-stale-mapping', '--json', '--no-typecheck']);
  const line = fs.readFileSync(path.join(dir, 'short.ts'), 'utf8').split('\n').findIndex((l) => l.includes('||=')) + 1;
  expect(line).toBeGreaterThan(0);
  expect(r.err).toMatch(new RegExp(`^warning: .*short\\.ts:${line}: \`flush \\|\\|= f\\(\\)\` skips f\\(\\) once flush is true`, 'm'));
  expect(JSON.parse(r.out).warnings).toEqual([expect.objectContaining({ line })]);
  expect(JSON.parse(r.out).verdicts[0]).toMatchObject({ property: 'no-stale-mapping', actual: 'fail' }); // and it is wrong
}, 60000);
