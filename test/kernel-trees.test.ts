// Kernel trees as a user meets them (--from-kernel): two folders holding the same file are one
// variant judged once, a broken tree is found by its file (npm run trees' table), a report's
// replay works as printed (the console's seed and path, the page's --report naming the tree),
// a tree whose file changed since says so, a moved one is named anew, and a report's file name
// is its variant's name. One check of three trees; the rest replays its reports.

import fs from 'fs';
import path from 'path';
import { treeRows } from '../bench/trees';
import { CheckOutput } from '../properties/command/output-schema';
import { proveMain } from '../properties/command/prove';
import { ROOT, checkHere } from './command-helpers';
import { tempFolder } from './helpers';

const MUTANT = path.join(ROOT, 'test', 'fixtures', 'mutant-6.8-end-no-pgoff');
const FILE = path.join('virt', 'kvm', 'guest_memfd.c');

const top = tempFolder('kernel-trees-');
const [a, b, c, out] = ['a', 'b', 'c', 'reports'].map((d) => path.join(top, d));
fs.cpSync(MUTANT, a, { recursive: true });
fs.cpSync(MUTANT, b, { recursive: true });
fs.mkdirSync(path.join(c, 'virt', 'kvm'), { recursive: true });
fs.writeFileSync(path.join(c, FILE), '/* a guest_memfd.c without the invalidation functions */\nint x;\n');

/** The command line of a printed `npm run check -- ...` (the paths here have no spaces). */
const argsOf = (command: string): string[] => {
  expect(command).toMatch(/^npm run check -- /);
  return command.replace(/^npm run check -- /, '').split(' ');
};

let run: ReturnType<typeof checkHere>;
let json: CheckOutput;
beforeAll(() => {
  run = checkHere(['--from-kernel', a, '--from-kernel', b, '--from-kernel', c, '--runs', '200', '--property', 'no-collateral-unmap', '--reports-dir', out, '--json'], { REPORTS_DIR: '' });
  json = JSON.parse(run.out) as CheckOutput;
}, 120_000);

test('two trees holding the same file are one variant, judged once and listed with both; a broken tree is its own', () => {
  expect(json.variants).toEqual([expect.objectContaining({ name: expect.stringMatching(/^kernel-6\.8-[0-9a-f]{8}$/), file: path.join(a, FILE), alsoAt: [path.join(b, FILE)] })]);
  expect(run.err).toContain(`${path.join(b, FILE)} is the same file as ${path.join(a, FILE)} (${json.variants[0].name}): judged once`);
  expect(json.broken).toEqual([{ file: c, message: expect.stringContaining(c) }]);
  expect(json.exitCode).toBe(2); // the broken tree, not the twins
  // npm run trees' table: one row for the twins with both sources, the broken tree by its file
  const { rows, broken, passing } = treeRows([{ dir: a, source: 'A' }, { dir: b, source: 'B' }, { dir: c, source: 'C' }], json);
  expect(rows).toEqual([
    // its kvm_gmem_bind() (the fixture's 6.8 one) was not judged: the run asked for one property
    expect.stringMatching(/^\| A<br>B \| 6\.8 \| FAIL no-collateral-unmap \(slot 0: gfns \[\d+, \d+\) unmapped for nothing\) \| not judged: bind-within-file was not asked for \| \d{4}-\d\d-\d\d \|$/),
    expect.stringMatching(/^\| C \| - \| broken: .*c/),
  ]);
  expect([broken, passing]).toEqual([1, 0]);
});

test('the console\'s replay line names the tree, and run as printed it finds the same counterexample', () => {
  const v = json.verdicts.find((x) => x.actual === 'fail')!;
  expect(v.replay).toBe(`npm run check -- --seed=5 --path ${v.path} --property no-collateral-unmap --from-kernel ${a}`);
  const again = checkHere([...argsOf(v.replay!), '--reports-dir', out, '--json'], { REPORTS_DIR: '' });
  expect((JSON.parse(again.out) as CheckOutput).verdicts[0].counterexample).toEqual(v.counterexample);
  const text = checkHere(argsOf(v.replay!).concat('--reports-dir', out), { REPORTS_DIR: '' });
  expect(text.out).toContain(`replay: ${v.replay} (then `);
}, 60_000);

test('a report is named as its variant is, and its page\'s replay command, run as printed, replays it on the tree', () => {
  const v = json.verdicts.find((x) => x.actual === 'fail')!;
  expect(path.basename(v.report!)).toMatch(new RegExp(`^${v.variant.replace(/\./g, '\\.')}--no-collateral-unmap--[0-9a-f]{12}\\.md$`));
  const page = fs.readFileSync(v.report!, 'utf8');
  const command = /## Replay\n\n`([^`]+)`/.exec(page)![1];
  expect(command).toBe(`npm run check -- --report ${v.report!.replace(/\.md$/, '.json')} --from-kernel ${a}`);
  const r = checkHere(argsOf(command), { REPORTS_DIR: '' });
  expect(r.out).toMatch(new RegExp(`\\n${v.variant} still fails no-collateral-unmap:`));
  expect(r.out).not.toMatch(/changed since/);
  expect(r.code).toBe(1);
}, 60_000);

test('a tree whose file changed since its report says so and replays on the file as it is now; a moved tree is named anew', () => {
  const v = json.verdicts.find((x) => x.actual === 'fail')!;
  const report = v.report!.replace(/\.md$/, '.json');
  fs.appendFileSync(path.join(a, FILE), '\n/* patched since */\n');
  const r = checkHere(['--report', report], { REPORTS_DIR: '' });
  expect(r.out).toMatch(new RegExp(`^the tree's file ${path.join(a, FILE).replace(/[.]/g, '\\.')} changed since this report \\(${v.variant} then, kernel-6\\.8-[0-9a-f]{8} now: its sha256 differs\\); the case runs on it as it is now\\n`));
  expect(r.out).toMatch(/\nkernel-6\.8-[0-9a-f]{8} still fails no-collateral-unmap:/);
  expect(r.code).toBe(1);
  const j = JSON.parse(checkHere(['--report', report, '--json'], { REPORTS_DIR: '' }).out);
  expect(j).toMatchObject({ mode: 'replay', variant: { name: v.variant, changedTo: expect.stringMatching(/^kernel-6\.8-/) }, status: 'reproduces', exitCode: 1 });
  // the tree moved away: its report names what to do, and the twin replays it as it was
  fs.renameSync(a, `${a}-moved`);
  const gone = checkHere(['--report', report], { REPORTS_DIR: '' });
  expect(gone.err).toMatch(/its tree's file .* does not exist: name the tree, npm run check -- --report .* --from-kernel TREE/);
  expect(gone.code).toBe(2);
  const twin = checkHere(['--report', report, '--from-kernel', b], { REPORTS_DIR: '' });
  expect(twin.out).toMatch(new RegExp(`\\n${v.variant} still fails no-collateral-unmap:`));
  expect(twin.out).not.toMatch(/changed since/);
  // --from-kernel is for a kernel tree's report only
  const other = fs.readdirSync(path.join(ROOT, 'shrink-reports')).find((f) => /^buggy--.*\.json$/.test(f))!;
  expect(checkHere(['--report', path.join(ROOT, 'shrink-reports', other), '--from-kernel', b]).err).toMatch(/^--from-kernel with --report names the tree a kernel tree's report is replayed on; .* is a report of buggy/);
}, 90_000);

test('a tree checked or proved with no reports folder named saves no report, shows its counterexample and says how to save one', async () => {
  const harness = path.join(ROOT, 'shrink-reports');
  const before = fs.readdirSync(harness).sort();
  const d = path.join(top, 'd');
  fs.cpSync(MUTANT, d, { recursive: true });
  const checked = checkHere(['--from-kernel', d, '--runs', '100', '--property', 'no-collateral-unmap'], { REPORTS_DIR: '' });
  expect(checked.code).toBe(1);
  expect(checked.out).toMatch(/fails no-collateral-unmap/);
  expect(checked.out).toMatch(/saved as reports only into a folder you name: add --reports-dir DIR/);
  expect(checked.out).not.toMatch(/^report: /m);
  // found by replaying a saved report of another variant, it is found again by the same check (saved reports run first)
  expect(checked.out).toContain(`to run it again: npm run check -- --property no-collateral-unmap --from-kernel ${d}`);

  const said: string[] = [];
  const env = process.env.REPORTS_DIR;
  delete process.env.REPORTS_DIR;
  try {
    const code = await proveMain(['--from-kernel', d, '--bound', 'small', '--property', 'no-collateral-unmap'], (x) => said.push(x), () => undefined);
    expect(code).toBe(1);
  } finally {
    if (env !== undefined) process.env.REPORTS_DIR = env;
  }
  expect(said.join('')).toMatch(/no-collateral-unmap: counterexample found by proof, confirmed by the engine \(a kernel tree's counterexamples are saved as reports only into a folder you name: --reports-dir DIR\):\n  - slot 0: gfns .* unmapped for nothing\nguest_memfd of /);
  expect(fs.readdirSync(harness).sort()).toEqual(before);
}, 120_000);
