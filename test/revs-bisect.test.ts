// A commit range and git bisect run on a small synthetic history, made by the test in a temporary
// repository from the fixture trees and patches: guest_mem.c (2023, buggy), Ackerley Tng's
// offset fix, the rename to guest_memfd.c in the 2026 shape, a commit that does not touch it,
// the off-by-one, and a comment. --rev judges every commit that touches the file (nothing
// checked out) and names the first change and the first break; `git bisect run ... --bisect`
// finds the off-by-one, writes no report, and answers 125 where a commit cannot be judged.

import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { BISECT } from '../properties/command/bisect';
import { ROOT, checkHere } from './command-helpers';

const FIX = path.join(ROOT, 'test', 'fixtures');
const BIN = path.join(ROOT, 'properties', 'command', 'bin.js');
const FEW = ['--runs', '60', '--seed', '3'];

const hasGit = spawnSync('git', ['--version']).status === 0;
if (!hasGit) console.log('revs-bisect: skipped, git is not installed (apt-get install git): --rev and --bisect read a git history');
const withGit = hasGit ? test : test.skip;

const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'gmem-history-'));
afterAll(() => fs.rmSync(repo, { recursive: true, force: true }));

/** git in the temporary repository, with a fixed identity and dates so its history is the same on every run. */
function gitIn(dir: string, ...args: string[]): string {
  const env = { ...process.env, GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.invalid', GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z' };
  const r = spawnSync('git', ['-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=master', ...args], { cwd: dir, encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}
const git = (...args: string[]) => gitIn(repo, ...args);
/** The invalidation's properties, as README's bisect line names them. */
const INVALIDATION = 'no-stale-mapping,no-collateral-unmap,ranges-well-formed,no-warn,mmu-bookkeeping';
const put = (rel: string, from: string) => {
  fs.mkdirSync(path.dirname(path.join(repo, rel)), { recursive: true });
  fs.copyFileSync(from, path.join(repo, rel));
};

/** The history, oldest first: each commit's subject and hash. */
const commits: Record<string, string> = {};
if (hasGit) {
  git('init', '-q');
  fs.writeFileSync(path.join(repo, 'README'), 'a tree\n');
  git('add', '-A'); git('commit', '-qm', 'README'); commits.readme = git('rev-parse', 'HEAD');
  put('virt/kvm/guest_mem.c', path.join(FIX, 'linux-2023', 'virt', 'kvm', 'guest_mem.c'));
  git('add', '-A'); git('commit', '-qm', 'KVM: guest_mem (the May 2023 posting)'); commits.buggy = git('rev-parse', 'HEAD');
  git('apply', path.join(FIX, 'patches', '0001-KVM-guest_mem-Prevent-overflows-in-kvm_gmem_invalida.patch'));
  git('commit', '-qam', 'KVM: guest_mem: Prevent overflows'); commits.fixed = git('rev-parse', 'HEAD');
  git('rm', '-q', 'virt/kvm/guest_mem.c');
  put('virt/kvm/guest_memfd.c', path.join(FIX, 'linux-2026', 'virt', 'kvm', 'guest_memfd.c'));
  git('add', '-A'); git('commit', '-qm', 'KVM: guest_memfd: the 2026 shape'); commits.shape2026 = git('rev-parse', 'HEAD');
  fs.appendFileSync(path.join(repo, 'README'), 'more\n');
  git('commit', '-qam', 'README: more'); commits.more = git('rev-parse', 'HEAD');
  git('apply', path.join(FIX, 'patches', '2026-end-off-by-one.diff'));
  git('commit', '-qam', 'KVM: guest_memfd: off by one'); commits.offByOne = git('rev-parse', 'HEAD');
  const f = path.join(repo, 'virt', 'kvm', 'guest_memfd.c');
  fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace("/* This VM's view only", "/* Only this VM's view"));
  git('commit', '-qam', 'KVM: guest_memfd: a comment'); commits.comment = git('rev-parse', 'HEAD');
}

/**
 * A 6.8-era history with branches, as make-repos.sh of the user trial built it: brk breaks huge
 * offsets, fx (on brk) fixes them, cm (on brk, still broken) adds a comment, and fx2 merges cm into fx.
 */
const branchy = fs.mkdtempSync(path.join(os.tmpdir(), 'gmem-branchy-'));
afterAll(() => fs.rmSync(branchy, { recursive: true, force: true }));
const b = (...args: string[]) => gitIn(branchy, ...args);
const GMEM68 = path.join(branchy, 'virt', 'kvm', 'guest_memfd.c');
const edit68 = (from: string | RegExp, to: string) => fs.writeFileSync(GMEM68, fs.readFileSync(GMEM68, 'utf8').replace(from, to));
const END68 = '.end = slot->base_gfn + min(pgoff + slot->npages, end) - pgoff,';
const at68: Record<string, string> = {};
if (hasGit) {
  b('init', '-q');
  fs.cpSync(path.join(FIX, 'linux-6.8', 'virt'), path.join(branchy, 'virt'), { recursive: true });
  b('add', '-A'); b('commit', '-qm', 'base 6.8'); at68.base = b('rev-parse', 'HEAD');
  edit68(END68, END68.replace(/,$/, ' - !!(pgoff >> 40),'));
  b('commit', '-qam', 'KVM: guest_memfd: subtle break for huge pgoff'); at68.brk = b('rev-parse', 'HEAD');
  b('checkout', '-qb', 'cm');
  edit68(/\n/, '\n/* cm */\n');
  b('commit', '-qam', 'cm: comment only'); at68.cm = b('rev-parse', 'HEAD');
  b('checkout', '-qb', 'fx', at68.brk);
  edit68(' - !!(pgoff >> 40),', ',');
  b('commit', '-qam', 'fx: fix huge pgoff'); at68.fx = b('rev-parse', 'HEAD');
  b('merge', '-q', '--no-edit', 'cm'); at68.fx2 = b('rev-parse', 'HEAD');
  b('checkout', '-qb', 'ren', at68.base);
  b('mv', 'virt/kvm/guest_memfd.c', 'virt/kvm/guest_memfd_new.c');
  b('commit', '-qm', 'rename'); at68.ren = b('rev-parse', 'HEAD');
}

withGit('--rev over a merge judges each commit against its first parent: a side branch\'s comment is not blamed against the fix beside it', () => {
  const range = (r: string) => checkHere(['--from-kernel', branchy, '--rev', r, '--runs', '300', '--seed', '1', '--property', 'no-stale-mapping', '--json']);
  const r = range(`${at68.brk}..${at68.fx2}`);
  expect(r.code).toBe(0);
  const { series } = JSON.parse(r.out);
  expect(series.states.map((s: { commit: string }) => s.commit)).toEqual([at68.brk, at68.fx, at68.fx2]);
  expect(series.steps.map((s: { changes: Array<{ change: string }> }) => s.changes[0].change)).toEqual(['fixed', 'unchanged']);
  // A off the first-parent line: the first row is where the line leaves the range, the parent of its oldest commit
  const off = JSON.parse(range(`${at68.cm}..${at68.fx2}`).out).series;
  expect(off.states.map((s: { commit: string }) => s.commit)).toEqual([at68.brk, at68.fx, at68.fx2]);
  expect(off.states[0].label).toMatch(/where .* first-parent line leaves/);
}, 60000);

withGit('--rev over a commit that renames the file away: the states after it cannot be judged, said as such, exit 2', () => {
  const r = checkHere(['--from-kernel', branchy, '--rev', `${at68.base}..${at68.ren}`, ...FEW, '--property', 'no-stale-mapping']);
  expect(r.code).toBe(2);
  expect(r.out).toMatch(new RegExp(`^commit ${at68.ren.slice(0, 12)} rename renames virt/kvm/guest_memfd\\.c to virt/kvm/guest_memfd_new\\.c: the states after it have no file to judge$`, 'm'));
  expect(r.out).not.toMatch(/file removed/);
}, 60000);

withGit('--rev: a commit x property table from the 2023 file to the 2026 one, the first change and the first break named; the repository untouched', () => {
  const head = git('rev-parse', 'HEAD');
  const r = checkHere(['--from-kernel', repo, '--rev', `${commits.readme}..HEAD`, ...FEW, '--property', 'no-stale-mapping,no-collateral-unmap,no-warn,mmu-bookkeeping', '--json']);
  expect(r.code).toBe(1);
  const { series } = JSON.parse(r.out);
  // the README commit (no file), then each commit that touches guest_mem.c or guest_memfd.c
  expect(series.states.map((s: { commit: string }) => s.commit)).toEqual([commits.readme, commits.buggy, commits.fixed, commits.shape2026, commits.offByOne, commits.comment]);
  expect(series.states.map((s: { file: string | null }) => s.file)).toEqual([null, 'virt/kvm/guest_mem.c', 'virt/kvm/guest_mem.c', 'virt/kvm/guest_memfd.c', 'virt/kvm/guest_memfd.c', 'virt/kvm/guest_memfd.c']);
  expect(series.commitsInRange).toBe(6);
  const step = (to: number) => Object.fromEntries(series.steps[to - 1].changes.map((c: { property: string; change: string }) => [c.property, c.change]));
  expect(step(1)['no-stale-mapping']).toBe('added');
  expect(step(2)).toMatchObject({ 'no-stale-mapping': 'fixed', 'no-warn': 'fixed', 'mmu-bookkeeping': 'unchanged' });
  expect(step(3)).toMatchObject({ 'mmu-bookkeeping': 'fixed', 'no-stale-mapping': 'unchanged' });
  expect(step(4)).toMatchObject({ 'no-stale-mapping': 'broke', 'no-collateral-unmap': 'unchanged' });
  expect(step(5)['no-stale-mapping']).toBe('unchanged');
  expect([series.firstChange, series.firstBreak]).toEqual([1, 3]);
  const text = checkHere(['--from-kernel', repo, '--rev', `${commits.readme}..HEAD`, ...FEW, '--property', 'no-stale-mapping']);
  expect(text.out).toMatch(new RegExp(`^first commit whose verdict changed: ${commits.fixed.slice(0, 12)} KVM: guest_mem: Prevent overflows \\(fixed no-stale-mapping\\)$`, 'm'));
  expect(text.out).toMatch(new RegExp(`^first commit that broke a property it must pass: ${commits.offByOne.slice(0, 12)} KVM: guest_memfd: off by one`, 'm'));
  expect([git('rev-parse', 'HEAD'), git('status', '--porcelain')]).toEqual([head, '']);
}, 60000);

withGit('git bisect run with --bisect finds the off-by-one, and its steps write no report into the harness', () => {
  const reports = fs.readdirSync(path.join(ROOT, 'shrink-reports')).sort();
  git('bisect', 'start', 'HEAD', commits.shape2026);
  try {
    const run = spawnSync('git', ['bisect', 'run', process.execPath, BIN, '--from-kernel', '.', '--bisect', '--property', INVALIDATION, '--runs', '60'], { cwd: repo, encoding: 'utf8', env: { ...process.env, REPORTS_DIR: '', FC_SEED: '' } });
    expect(run.stdout).toMatch(new RegExp(`^${commits.offByOne} is the first bad commit$`, 'm'));
    expect(run.stdout).toMatch(/^bisect: bad \(exit 1\): it fails no-stale-mapping/m);
    expect(run.stdout).toMatch(/^bisect: good \(exit 0\)/m);
  } finally {
    git('bisect', 'reset');
  }
  expect(fs.readdirSync(path.join(ROOT, 'shrink-reports')).sort()).toEqual(reports);
}, 60000);

// A 6.8-era history fails bind-within-file at every commit: a bisect of every property would blame
// the first commit after GOOD, so --bisect needs --property, and README's line finds the real one.
withGit('a bisect of a 6.8-era history: without --property it aborts, with README\'s properties it finds the off-by-one, not the commit after GOOD', () => {
  const history = fs.mkdtempSync(path.join(os.tmpdir(), 'gmem-history-6.8-'));
  const g = (...args: string[]) => gitIn(history, ...args);
  try {
    g('init', '-q');
    fs.cpSync(path.join(FIX, 'linux-6.8'), history, { recursive: true });
    g('add', '-A'); g('commit', '-qm', 'KVM: guest_memfd (6.8)');
    const good = g('rev-parse', 'HEAD');
    fs.writeFileSync(path.join(history, 'README'), 'a tree\n');
    g('add', '-A'); g('commit', '-qm', 'README');
    const file = path.join(history, 'virt', 'kvm', 'guest_memfd.c');
    const body = fs.readFileSync(file, 'utf8');
    expect(body).toContain('min(pgoff + slot->npages, end)');
    fs.writeFileSync(file, body.replace('min(pgoff + slot->npages, end)', 'min(pgoff + slot->npages - 1, end)'));
    g('commit', '-qam', 'KVM: guest_memfd: off by one');
    const offByOne = g('rev-parse', 'HEAD');
    const bisect = (...props: string[]) => {
      g('bisect', 'start', 'HEAD', good);
      try {
        return spawnSync('git', ['bisect', 'run', process.execPath, BIN, '--from-kernel', '.', '--bisect', ...props, '--runs', '60'], { cwd: history, encoding: 'utf8', env: { ...process.env, REPORTS_DIR: '', FC_SEED: '' } });
      } finally {
        g('bisect', 'reset');
      }
    };
    const bare = bisect();
    expect(bare.stdout + bare.stderr).toMatch(/--bisect needs --property[\s\S]*bisect: abort \(exit 128\)/);
    expect(bare.stdout).not.toMatch(/is the first bad commit/);
    expect(bisect('--property', INVALIDATION).stdout).toMatch(new RegExp(`^${offByOne} is the first bad commit$`, 'm'));
  } finally {
    fs.rmSync(history, { recursive: true, force: true });
  }
}, 90000);

withGit('a bisect step that cannot judge its commit is 125, never 0; one that is wrong at every commit aborts (128)', () => {
  // main() in this process: a step's code is what the process would exit with (git bisect run spawns it above)
  const step = (tree: string, ...more: string[]) => checkHere(['--from-kernel', tree, '--bisect', '--runs', '20', '--property', 'no-stale-mapping', ...more], { REPORTS_DIR: '' });
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'bisect-step-'));
  try {
    expect(step(scratch)).toMatchObject({ code: BISECT.skip, out: expect.stringMatching(/^bisect: skip \(exit 125\): .* has no virt\/kvm\/guest_memfd\.c or guest_mem\.c at this commit/) });
    fs.mkdirSync(path.join(scratch, 'virt', 'kvm'), { recursive: true });
    fs.writeFileSync(path.join(scratch, 'virt', 'kvm', 'guest_memfd.c'), 'int kvm_gmem_bind(void);\n');
    expect(step(scratch)).toMatchObject({ code: BISECT.skip, out: expect.stringMatching(/^bisect: skip \(exit 125\): the harness cannot take this commit's file: .*guest_memfd\.c: no definition of/) });
    expect(step(path.join(scratch, 'no-such-tree'))).toMatchObject({ code: BISECT.abort });
    // --json: stdout is the step's object in every case (a skip, an abort), its line on stderr
    const json = (r: { code: number | null; out: string; err: string }) => ({ code: r.code, object: JSON.parse(r.out), err: r.err });
    expect(json(step(scratch, '--json'))).toMatchObject({ code: BISECT.skip, object: { mode: 'bisect', exitCode: BISECT.skip, verdicts: [] }, err: expect.stringMatching(/^bisect: skip \(exit 125\): the harness cannot take/m) });
    expect(json(step(path.join(scratch, 'no-such-tree'), '--json'))).toMatchObject({ code: BISECT.abort, object: { exitCode: BISECT.abort, why: expect.stringMatching(/does not exist/) } });
    expect(json(step(path.join(FIX, 'linux-2026'), '--runs', 'many', '--json'))).toMatchObject({ code: BISECT.abort, object: { exitCode: BISECT.abort, seed: null }, err: expect.stringMatching(/bisect: abort \(exit 128\)/) });
    expect(step(path.join(FIX, 'linux-2026'), '--runs', 'many')).toMatchObject({ code: BISECT.abort, err: expect.stringMatching(/--runs needs an integer[\s\S]*bisect: abort \(exit 128\)/) });
    expect(step(path.join(FIX, 'linux-2026'))).toMatchObject({ code: BISECT.good, out: expect.stringMatching(/^bisect: good \(exit 0\): every property named passes$/m) });
    // an advisory property named is bisected as asked (a failure is bad, though never a mismatch), and one no commit can judge skips
    expect(step(path.join(FIX, 'linux-6.8'), '--property', 'no-redundant-unmap')).toMatchObject({ code: BISECT.bad, out: expect.stringMatching(/^bisect: bad \(exit 1\): it fails no-redundant-unmap$/m) });
    expect(step(path.join(FIX, 'linux-2026'), '--property', 'bind-within-file')).toMatchObject({ code: BISECT.skip, out: expect.stringMatching(/^bisect: skip \(exit 125\): no property named is judged at this commit \(bind-within-file: not judged\)$/m) });
    // a 6.8-era bind fails at every commit before 7.2: a bad step that fails only it says how to bisect around it
    const all = checkHere(['--from-kernel', path.join(FIX, 'linux-6.8'), '--bisect', '--runs', '200', '--property', `bind-within-file,${INVALIDATION}`], { REPORTS_DIR: '' });
    expect(all).toMatchObject({ code: BISECT.bad, out: expect.stringMatching(/^bisect: bad \(exit 1\): it fails bind-within-file \(every tree from 6\.8 to 7\.1 fails it: to bisect an invalidation regression, name the others with --property no-stale-mapping,.*mmu-bookkeeping\)$/m) });
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}, 60000);

withGit('--rev on what is not a repository top (a file, a folder outside git), or with what is not a range, is exit 2 saying which', () => {
  const said = (tree: string, range: string) => { const r = checkHere(['--from-kernel', tree, '--rev', range, ...FEW]); return [r.code, r.err.trim()]; };
  expect(said(repo, 'HEAD')).toEqual([2, '--rev takes a range A..B (the commits after A up to B, as git log A..B), got "HEAD"']);
  expect(said(repo, 'HEAD~1..no-such-branch')).toEqual([2, `--rev: no-such-branch is not a commit of the repository at ${repo}`]);
  // an empty range is not a range without changes: nothing of it would be judged
  expect(said(repo, 'HEAD..HEAD')).toEqual([2, '--rev HEAD..HEAD holds no commit: it is the commits after HEAD up to HEAD, as git log HEAD..HEAD lists them']);
  expect(said(repo, 'HEAD..HEAD~2')).toEqual([2, '--rev HEAD..HEAD~2 holds no commit: it is the commits after HEAD up to HEAD~2, as git log HEAD..HEAD~2 lists them; HEAD~2 is not after HEAD (the ends swapped?)']);
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'not-a-repo-'));
  try {
    expect(said(outside, 'a..b')).toEqual([2, `--rev reads the history of a git repository: ${outside} is not in one`]);
    const file = path.join(outside, 'guest_memfd.c');
    fs.writeFileSync(file, '');
    expect(said(file, 'a..b')).toEqual([2, `--rev reads the history of a git repository: ${file} is a file; give the tree, a folder that is a git checkout`]);
  } finally {
    fs.rmSync(outside, { recursive: true, force: true });
  }
  expect(said(path.join(ROOT, 'test', 'fixtures', 'linux-2026'), 'HEAD~1..HEAD')).toEqual([2, expect.stringMatching(/is inside the repository at .*; give the top of a kernel repository/)]);
});

withGit('--patch on a git tree names its commit, and leaves its files, index and refs as they were', () => {
  const fix = path.join(repo, '..', `${path.basename(repo)}-undo.patch`);
  fs.writeFileSync(fix, git('diff', commits.offByOne, commits.shape2026, '--', 'virt/kvm/guest_memfd.c') + '\n');
  try {
    // a file whose time changed and whose content did not: git status would refresh (and write) the index
    const file = path.join(repo, 'virt', 'kvm', 'guest_memfd.c');
    fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const index = fs.readFileSync(path.join(repo, '.git', 'index'));
    const refs = git('for-each-ref');
    const r = checkHere(['--from-kernel', repo, '--patch', fix, ...FEW, '--property', 'no-stale-mapping']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^checked virt/kvm/guest_memfd\\.c of ${repo} \\(git ${commits.comment.slice(0, 12)}\\)`, 'm'));
    expect(r.out).toMatch(/^ {2}fixed no-stale-mapping$/m);
    expect(fs.readFileSync(path.join(repo, '.git', 'index')).equals(index)).toBe(true);
    expect(git('for-each-ref')).toBe(refs);
    expect(git('rev-parse', 'HEAD')).toBe(commits.comment);
  } finally {
    fs.rmSync(fix, { force: true });
  }
});
