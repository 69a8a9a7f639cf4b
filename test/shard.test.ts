// Shards (--shard i/n) and --merge: the shards of a check split its cases by index and the
// shards of an exhaustive scope its layouts; merged, they give exactly what one run gives (the
// table, the exit status, the counterexamples, the reports written), and a merge of a set that
// is not one run's shards is refused, naming the file.

import fs from 'fs';
import os from 'os';
import path from 'path';
import { runsOf, parseShard, shardParameters } from '../properties/engine/shard';
import { ROOT, checkHere } from './command-helpers';

const folders: string[] = [];
afterAll(() => { for (const d of folders.splice(0)) fs.rmSync(d, { recursive: true, force: true }); });
const folder = (prefix: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  folders.push(dir);
  return dir;
};

/** `text` with the reports folder named as REPORTS: the two runs write into folders of their own, where a machine writes into one. */
const inFolder = (text: string, dir: string) => text.split(dir).join('REPORTS');
/** Every file of a reports folder with its text. */
const contents = (dir: string) => Object.fromEntries(fs.readdirSync(dir).sort().map((f) => [f, inFolder(fs.readFileSync(path.join(dir, f), 'utf8'), dir)]));

test('the shards of a run split its cases by index, in order, each case once', () => {
  for (const [count, numRuns] of [[4, 1000], [3, 10], [7, 7]]) {
    const blocks = Array.from({ length: count }, (_, index) => runsOf({ index, count }, numRuns));
    expect(blocks[0].start).toBe(0);
    expect(blocks[count - 1].end).toBe(numRuns);
    blocks.slice(1).forEach((b, i) => expect(b.start).toBe(blocks[i].end));
    expect(blocks.every((b) => b.end > b.start)).toBe(true);
  }
  // fast-check starts a shard at its first case by path, and runs its cases only
  expect(shardParameters({ seed: 7, numRuns: 1000, shard: parseShard('3/4') })).toEqual({ seed: 7, numRuns: 250, path: '500' });
  expect(shardParameters({ seed: 7, numRuns: 1000 })).toEqual({ seed: 7, numRuns: 1000 });
});

/** Its shards' --json, each run once, in a folder of their own; a shard saves nothing. */
function shardsOf(args: string[], count: number): string[] {
  const shardOut = folder('shards-'), reports = folder('shard-reports-');
  const files = Array.from({ length: count }, (_, i) => {
    const r = checkHere([...args, '--shard', `${i + 1}/${count}`, '--json'], { REPORTS_DIR: reports });
    expect([i, r.err]).toEqual([i, '']);
    const file = path.join(shardOut, `shard-${i}.json`);
    fs.writeFileSync(file, r.out);
    return file;
  });
  expect(fs.readdirSync(reports)).toEqual([]);
  return files;
}

/** One run, and the merge of the shards' files (given in reverse: any order), each with reports in a folder of its own. */
function wholeAndMerged(args: string[], files: readonly string[], json: boolean) {
  const mode = json ? ['--json'] : [];
  const wholeReports = folder('whole-reports-'), mergedReports = folder('merged-reports-');
  const whole = checkHere([...args, ...mode], { REPORTS_DIR: wholeReports });
  const merged = checkHere(['--merge', ...[...files].reverse(), ...mode], { REPORTS_DIR: mergedReports });
  const as = (r: typeof whole, dir: string) => [r.code, inFolder(r.out, dir), inFolder(r.err, dir)];
  return { whole: as(whole, wholeReports), merged: as(merged, mergedReports), reports: [contents(wholeReports), contents(mergedReports)] };
}

// a mutant whose no-collateral-unmap fails first on case 32 of seed 7 (the last of four shards of
// 10 cases) and no-redundant-unmap on case 1; and one whose failures a saved report shows
const mutant = path.join('bench', 'mutants', 'u26-release-all-views.ts');

test('4 shards of a check, merged, give what one run gives (its table and its --json)', () => {
  const args = ['--seed', '7', '--runs', '40', mutant, 'variants/buggy.ts'];
  const files = shardsOf(args, 4);
  for (const json of [false, true]) {
    const { whole, merged, reports } = wholeAndMerged(args, files, json);
    expect(merged).toEqual(whole);
    expect(whole[0]).toBe(1); // the mutant fails what its base passes
    expect(reports[1]).toEqual(reports[0]);
    // the folder starts empty: every failure is saved, the mutant's two among them
    expect(Object.keys(reports[0]).filter((f) => /^u26-release-all-views--.*\.json$/.test(f))).toHaveLength(2);
  }
  // the whole run's no-collateral-unmap counterexample is the last shard's
  const handed = files.map((f) => JSON.parse(fs.readFileSync(f, 'utf8')).handover);
  const failedIn = handed.map((h) => h.verdicts.find((v: { variant: string; property: string }) => v.variant === 'u26-release-all-views' && v.property === 'no-collateral-unmap').actual);
  expect(failedIn).toEqual(['pass', 'pass', 'pass', 'fail']);
}, 120_000);

test('3 shards of an exhaustive scope, merged, give what one run gives', () => {
  // in the command's process, as the workflow runs the scope (the check above runs each variant in its own)
  const args = ['--no-isolate', '--exhaustive', '2', mutant, 'variants/fixed.ts'];
  const { whole, merged, reports } = wholeAndMerged(args, shardsOf(args, 3), false);
  expect(merged).toEqual(whole);
  // both fail as they are expected to: the mutant no-collateral-unmap, fixed mmu-bookkeeping
  expect(whole[0]).toBe(0);
  expect(whole[1]).toMatch(/u26-release-all-views +pass +FAIL/);
  expect(reports[1]).toEqual(reports[0]);
  expect(Object.keys(reports[0]).filter((f) => f.endsWith('.json')).map((f) => f.split('--').slice(0, 2).join('--')).sort())
    .toEqual(['fixed--mmu-bookkeeping', 'u26-release-all-views--no-collateral-unmap']);
}, 120_000);

// the refusals read files, whatever ran the shards: these run in the command's process (--no-isolate)
test('a merge of what is not every shard of one run is refused, naming the file', () => {
  const out = folder('bad-shards-');
  const shard = (i: number, n: number, seed: string) => {
    const file = path.join(out, `s-${i}-${n}-${seed}.json`);
    fs.writeFileSync(file, checkHere(['--no-isolate', '--seed', seed, '--runs', '8', '--shard', `${i + 1}/${n}`, '--json', 'variants/upstream.ts']).out);
    return file;
  };
  const a = shard(0, 2, '1'), b = shard(1, 2, '1'), c = shard(1, 2, '2');
  const merge = (...files: string[]) => checkHere(['--merge', ...files]);
  expect(merge(a)).toMatchObject({ code: 2, err: expect.stringMatching(/shard 2\/2 is missing/) });
  expect(merge(a, c)).toMatchObject({ code: 2, err: expect.stringMatching(new RegExp(`${path.basename(c)}: is of another run .*seed differs`)) });
  expect(merge(a, a, b)).toMatchObject({ code: 2, err: expect.stringMatching(/is shard 1\/2 again/) });
  const plain = path.join(out, 'plain.json');
  fs.writeFileSync(plain, checkHere(['--no-isolate', '--seed', '1', '--runs', '8', '--json', 'variants/upstream.ts']).out);
  expect(merge(plain)).toMatchObject({ code: 2, err: expect.stringMatching(/plain\.json: is the --json output of a run without --shard \(mode check\)/) });
  // another run's cases per property, another set of variants, a shard past the last, a file cut short
  const other = (name: string, args: string[]) => {
    const file = path.join(out, name);
    fs.writeFileSync(file, checkHere(['--no-isolate', '--seed', '1', '--shard', '2/2', '--json', ...args]).out);
    return file;
  };
  expect(merge(a, other('runs.json', ['--runs', '9', 'variants/upstream.ts']))).toMatchObject({ code: 2, err: expect.stringMatching(/runs\.json: is of another run .*cases per property differs/) });
  expect(merge(a, other('set.json', ['--runs', '8', 'variants/upstream.ts', 'variants/fixed.ts']))).toMatchObject({ code: 2, err: expect.stringMatching(/set\.json: is of another run .*variants differs/) });
  const cut = path.join(out, 'cut.json');
  fs.writeFileSync(cut, fs.readFileSync(b, 'utf8').slice(0, 200));
  expect(merge(a, cut)).toMatchObject({ code: 2, err: expect.stringMatching(/cut\.json: is not JSON/) });
  const tampered = path.join(out, 'tampered.json');
  const t = JSON.parse(fs.readFileSync(b, 'utf8'));
  t.handover.verdicts[0].actual = 'fine';
  fs.writeFileSync(tampered, JSON.stringify(t));
  expect(merge(a, tampered)).toMatchObject({ code: 2, out: '', err: expect.stringMatching(/tampered\.json: is not a shard's --json output: handover\.verdicts\.0\.actual/) });
  expect(merge(path.join(out, 'nothing.json'))).toMatchObject({ code: 2, err: expect.stringMatching(/nothing\.json: cannot be read/) });
  expect(merge(a, b).code).toBe(0);
}, 120_000);

// a shard's file is JSON: the merge runs each failure it saves again, on the variant here
test('a merge saves a shard\'s failure only when the variant here does what the shard says', () => {
  const out = folder('confirm-shards-');
  const shards = [1, 2].map((i) => {
    const r = checkHere(['--no-isolate', '--seed', '7', '--runs', '40', '--shard', `${i}/2`, '--json', mutant]);
    expect(r.err).toBe('');
    return JSON.parse(r.out);
  });
  const merge = (edit: (hs: Array<{ handover: any }>) => void) => {
    const hs = structuredClone(shards);
    edit(hs);
    const files = hs.map((h, i) => {
      const file = path.join(out, `s-${i}.json`);
      fs.writeFileSync(file, JSON.stringify(h));
      return file;
    });
    const reports = folder('confirm-reports-');
    return { ...checkHere(['--merge', ...files], { REPORTS_DIR: reports }), saved: fs.readdirSync(reports).filter((f) => f.endsWith('.json')).map((f) => f.split('--')[1]).sort() };
  };
  const collateral = (h: { handover: any }) => h.handover.verdicts.find((v: { property: string }) => v.property === 'no-collateral-unmap');
  // as handed: both failures saved, as the whole run saves them
  expect(merge(() => undefined)).toMatchObject({ code: 0, saved: ['no-collateral-unmap', 'no-redundant-unmap'] });
  // an event the variant did not make
  const forged = merge((hs) => {
    const events = collateral(hs[1]).counterexample.events;
    events.push({ ...events[events.length - 1] });
  });
  expect(forged).toMatchObject({ code: 2, saved: ['no-redundant-unmap'], err: expect.stringMatching(/broken: u26-release-all-views failing no-collateral-unmap: the shards' counterexample was not saved: the variant does something else on its case here/) });
  // shards of another version of the file
  const other = merge((hs) => { for (const h of hs) h.handover.variants[0].sourceHash = '0'.repeat(64); });
  expect(other).toMatchObject({ code: 2, saved: [], err: expect.stringMatching(/u26-release-all-views\.ts is not the file the shards checked \(its sha256 differs\)/) });
  // a hang the variant does not have
  const hang = merge((hs) => { collateral(hs[1]).confirmation = 'hang'; });
  expect(hang).toMatchObject({ code: 2, err: expect.stringMatching(/the shard says the variant hung on its case, and here it returns/) });
}, 120_000);

test('a shard of a check needs one seed for every shard, and a case for each shard', () => {
  const run = (args: string[], env: Record<string, string> = {}) => checkHere(args, env);
  expect(run(['--shard', '1/2', 'variants/upstream.ts'], { FC_SEED: '' })).toMatchObject({ code: 2, err: expect.stringMatching(/give every shard the same --seed/) });
  expect(run(['--seed', '1', '--runs', '3', '--shard', '1/4', 'variants/upstream.ts'])).toMatchObject({ code: 2, err: expect.stringMatching(/4 shards need at least 4 cases/) });
  for (const bad of ['0/4', '5/4', 'x/y']) {
    expect(run(['--seed', '1', '--shard', bad, 'variants/upstream.ts'])).toMatchObject({ code: 2, out: '', err: expect.stringMatching(new RegExp(`--shard: a shard is i/n with 1 <= i <= n .*"${bad}"`)) });
    expect(run(['--seed', '1', 'variants/upstream.ts'], { GMEM_SHARD: bad })).toMatchObject({ code: 2, out: '', err: expect.stringMatching(new RegExp(`GMEM_SHARD: a shard is i/n with 1 <= i <= n .*"${bad}"`)) });
    expect(run(['--exhaustive', '2', '--shard', bad, 'variants/upstream.ts'])).toMatchObject({ code: 2, out: '', err: expect.stringMatching(/a shard is i\/n/) });
  }
  // an --exhaustive shard splits layouts: N = 1 has 3, so a fourth shard would judge nothing
  expect(run(['--exhaustive', '1', '--shard', '4/4', 'variants/upstream.ts'])).toMatchObject({ code: 2, out: '', err: expect.stringMatching(/--shard 4\/4: --exhaustive 1 has 3 layouts, .* at most 3 shards/) });
  expect(run(['--exhaustive', '1', 'variants/upstream.ts'], { GMEM_SHARD: '1/9' })).toMatchObject({ code: 2, out: '', err: expect.stringMatching(/GMEM_SHARD 1\/9: --exhaustive 1 has 3 layouts/) });
  expect(run(['--no-isolate', '--exhaustive', '1', '--shard', '3/3', 'variants/upstream.ts']).code).toBe(0);
  expect(run(['--merge', '--shard', '1/2', 'x.json'])).toMatchObject({ code: 2, err: expect.stringMatching(/--merge joins/) });
  expect(fs.existsSync(path.join(ROOT, 'x.json'))).toBe(false);
});
