// A developer's patch checked as they hold it: test/fixtures/patches/ has a format-patch file
// (Ackerley Tng's 2023 offset fix, written after googleprodkernel/linux-cc @bcc304e3), a b4
// mbox of a two-patch series of which only the second touches the invalidation, and plain
// diffs on the 2026 body (an off-by-one; a loop that never ends when a flush is due at start 1). Each is applied to a fixture tree (never modified)
// and the file judged before and after, with one seed; and anything that is not a variant is
// refused, never skipped into a green run.

import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { parseArgs } from '../properties/command/args';
import { WIDTH } from '../properties/command/review';
import { ROOT, check, checkHere } from './command-helpers';

const FIX = path.join(ROOT, 'test', 'fixtures');
const PATCHES = path.join(FIX, 'patches');
const OFFSET_FIX = path.join(PATCHES, '0001-KVM-guest_mem-Prevent-overflows-in-kvm_gmem_invalida.patch');
const SERIES = path.join(PATCHES, '2023-gmem-series.mbx');
const OFF_BY_ONE = path.join(PATCHES, '2026-end-off-by-one.diff');
const LINUX_2023 = path.join(FIX, 'linux-2023');
const LINUX_2026 = path.join(FIX, 'linux-2026');
// the plumbing is the point: few cases, one seed (the 2023 bugs and the off-by-one fail within a few cases)
const FEW = ['--runs', '60', '--seed', '3'];

const hasGit = spawnSync('git', ['--version']).status === 0;
if (!hasGit) console.log('patches: skipped, git is not installed (apt-get install git): --patch applies patches with git');
const withGit = hasGit ? test : test.skip;

/** Every file under a folder with its content, to show a run left it as it was. */
const snapshot = (dir: string) => Object.fromEntries((fs.readdirSync(dir, { recursive: true }) as string[]).sort().map((f) => {
  const at = path.join(dir, f);
  return [f, fs.statSync(at).isFile() ? fs.readFileSync(at, 'utf8') : 'folder'];
}));

interface Change { property: string; before: string; after: string; change: string; counts: boolean; counterexample: unknown; violations: string[] }
const changes = (out: string, step: number): Record<string, Change> =>
  Object.fromEntries((JSON.parse(out).series.steps[step].changes as Change[]).map((c) => [c.property, c]));

describe('a target that is not a variant is refused, not skipped', () => {
  let dir = '';
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'targets-'));
    for (const [name, body] of [['fix.patch', fs.readFileSync(OFF_BY_ONE, 'utf8')], ['notes.txt', 'notes\n'], ['x.md', '# x\n'], ['series.mbx', '']]) fs.writeFileSync(path.join(dir, name), body);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a patch, a text file, or one among variants: exit 2, one line, no table (before, a green "every verdict matches")', () => {
    const patch = check([path.join(dir, 'fix.patch')]); // the real bin, as npm run check runs it
    expect([patch.code, patch.out]).toEqual([2, '']);
    expect(patch.err.trim()).toBe(`${path.join(dir, 'fix.patch')}: a patch, not a variant: check it against the kernel tree it applies to, npm run check -- --from-kernel TREE --patch ${path.join(dir, 'fix.patch')}`);
    for (const args of [[path.join(dir, 'notes.txt')], [path.join(dir, 'x.md'), path.join(ROOT, 'variants', 'upstream.ts')], [path.join(dir, 'series.mbx')]]) {
      const r = checkHere(args);
      expect([args, r.code, r.out]).toEqual([args, 2, '']);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(/(not a variant \(\.ts or \.c\): the command checks variant files|a patch, not a variant)/);
    }
  });

  test('a folder of patches is not a folder of variants; a kernel tree named as a target is judged as --from-kernel', () => {
    const r = checkHere([dir]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/holds no variant files \(\.ts or \.c\) and is not a kernel tree/);
    const tree = checkHere([path.join(FIX, 'linux-6.8'), ...FEW, '--property', 'no-stale-mapping', '--json']);
    expect(tree.code).toBe(0);
    expect(JSON.parse(tree.out).verdicts).toEqual([expect.objectContaining({ variant: expect.stringMatching(/^kernel-6\.8-/), actual: 'pass' })]);
  }, 30000);
});

describe('--from-kernel TREE --patch', () => {
  withGit('Ackerley Tng\'s offset fix (format-patch) flips no-stale-mapping and no-warn on the 2023 tree; mmu-bookkeeping still fails', () => {
    const before = snapshot(LINUX_2023);
    const r = checkHere(['--from-kernel', LINUX_2023, '--patch', OFFSET_FIX, ...FEW, '--property', 'no-stale-mapping,no-warn,mmu-bookkeeping,no-collateral-unmap', '--json']);
    expect(r.code).toBe(0);
    const c = changes(r.out, 0);
    expect(c['no-stale-mapping']).toMatchObject({ before: 'fail', after: 'pass', change: 'fixed' });
    expect(c['no-warn']).toMatchObject({ before: 'fail', after: 'pass', change: 'fixed' });
    // the 2023 begin/end imbalance is another bug (KERNEL-FACTS §2): the patch leaves it
    expect(c['mmu-bookkeeping']).toMatchObject({ before: 'fail', after: 'fail', change: 'unchanged' });
    expect(c['no-collateral-unmap']).toMatchObject({ before: 'pass', after: 'pass', change: 'unchanged' });
    const j = JSON.parse(r.out);
    expect(j.series.patches).toEqual([expect.objectContaining({ subject: 'KVM: guest_mem: Prevent overflows in kvm_gmem_invalidate_begin()', judged: true })]);
    expect(j.series.states.map((s: { variant: string }) => s.variant)).toEqual([expect.stringMatching(/^kernel-2023-/), expect.stringMatching(/^kernel-2023-/)]);
    expect(snapshot(LINUX_2023)).toEqual(before); // applied to a scratch copy, never to the tree
  }, 60000);

  withGit('a b4 mbox of a two-patch series: the cover letter skipped, 1/2 judged and changes nothing, 2/2 fixes', () => {
    const r = checkHere(['--from-kernel', LINUX_2023, '--patch', SERIES, ...FEW, '--property', 'no-stale-mapping,no-collateral-unmap']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/skipped \(no diff in it: a cover letter or a reply\): "KVM: guest_mem: alignment checks and an overflow fix" \(2023-gmem-series\.mbx, message 1\)/);
    // 1/2 adds fallocate's alignment checks: lines no verdict covers, and said
    expect(r.out).toMatch(/^1\/2 KVM: guest_mem: Add alignment checks \(2023-gmem-series\.mbx, message 2\):\n {2}it also changes virt\/kvm\/guest_mem\.c outside what the harness judges \(kvm_gmem_invalidate_begin, kvm_gmem_invalidate_end\): no verdict here covers those lines\n {2}unchanged: no-stale-mapping \(FAIL\), no-collateral-unmap \(pass\)/m);
    expect(r.out).toMatch(/^2\/2 KVM: guest_mem: Prevent overflows in kvm_gmem_invalidate_begin\(\) \(2023-gmem-series\.mbx, message 3\):\n {2}fixed/m);
    expect(r.out).toMatch(/^2\/2 KVM: guest_mem: Prevent overflows in kvm_gmem_invalidate_begin\(\) \(2023-gmem-series\.mbx, message 3\):\n {2}fixed no-stale-mapping/m);
    expect(r.out).toMatch(/^first patch whose verdict changed: 2\/2 /m);
    expect(r.out).toMatch(/^seed 3, 60 cases per property, the same for every state/m);
  }, 60000);

  withGit('a patch that takes the file away (renamed to another name, or removed) leaves states that cannot be judged: said as such, exit 2; the 2023 rename to guest_memfd.c is followed', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gone-patches-'));
    const rename = (from: string, to: string) => `diff --git a/${from} b/${to}\nsimilarity index 100%\nrename from ${from}\nrename to ${to}\n`;
    const F = 'virt/kvm/guest_memfd.c';
    const lines = fs.readFileSync(path.join(LINUX_2026, F), 'utf8').replace(/\n$/, '').split('\n');
    const remove = `diff --git a/${F} b/${F}\ndeleted file mode 100644\n--- a/${F}\n+++ /dev/null\n@@ -1,${lines.length} +0,0 @@\n${lines.map((l) => `-${l}`).join('\n')}\n`;
    const put = (name: string, text: string) => { fs.writeFileSync(path.join(dir, name), text); return path.join(dir, name); };
    try {
      const renamed = checkHere(['--from-kernel', LINUX_2026, '--patch', put('rename.diff', rename(F, 'virt/kvm/guest_memfd_new.c')), ...FEW, '--property', 'no-stale-mapping']);
      expect(renamed.code).toBe(2);
      expect(renamed.out).toMatch(/^patch "rename\.diff" renames virt\/kvm\/guest_memfd\.c to virt\/kvm\/guest_memfd_new\.c: the states after it have no file to judge$/m);
      expect(renamed.out).not.toMatch(/nothing judged/);
      const removed = checkHere(['--from-kernel', LINUX_2026, '--patch', put('remove.diff', remove), ...FEW, '--property', 'no-stale-mapping', '--json']);
      expect(removed.code).toBe(2);
      expect(JSON.parse(removed.out).broken).toEqual([{ file: 'remove.diff', message: 'patch "remove.diff" removes virt/kvm/guest_memfd.c: the states after it have no file to judge' }]);
      const era = checkHere(['--from-kernel', LINUX_2023, '--patch', put('era.diff', rename('virt/kvm/guest_mem.c', F)), ...FEW, '--property', 'no-stale-mapping', '--json']);
      expect(era.code).toBe(0);
      expect(JSON.parse(era.out).series.states.map((x: { file: string }) => x.file)).toEqual(['virt/kvm/guest_mem.c', F]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60000);

  withGit('a patch that moves the file to another era and fails only on the new era\'s cases is not called BROKE: the state before cannot run them (exit 2, said)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'era-patch-'));
    const F = 'virt/kvm/guest_memfd.c';
    const diff = `--- a/${F}\n+++ b/${F}\n@@ -66,4 +66,5 @@\n \t\t\t.slot = slot,\n \t\t\t.may_block = true,\n+\t\t\t.attr_filter = KVM_FILTER_SHARED,\n \t\t};\n \n`;
    try {
      fs.writeFileSync(path.join(dir, 'attr.diff'), diff);
      const r = checkHere(['--from-kernel', path.join(FIX, 'linux-6.8'), '--patch', path.join(dir, 'attr.diff'), '--runs', '300', '--seed', '1', '--property', 'no-stale-mapping', '--json']);
      expect(r.code).toBe(2);
      expect(changes(r.out, 0)['no-stale-mapping']).toMatchObject({ before: 'pass', after: 'fail', change: 'unjudged', counts: false, note: expect.stringMatching(/^it fails only on cases the state before cannot run \(.*TDX VM.*\), so whether this step broke it is not known$/) });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60000);

  withGit('an off-by-one on the 2026 body breaks no-stale-mapping: exit 1, its counterexample passes before; no report unless a folder is named', () => {
    const harnessReports = snapshot(path.join(ROOT, 'shrink-reports'));
    const r = checkHere(['--from-kernel', LINUX_2026, '--patch', OFF_BY_ONE, ...FEW, '--property', 'no-stale-mapping,no-collateral-unmap', '--json'], { REPORTS_DIR: '' });
    expect(r.code).toBe(1);
    const c = changes(r.out, 0);
    expect(c['no-stale-mapping']).toMatchObject({ before: 'pass', after: 'fail', change: 'broke', counts: true });
    expect(c['no-stale-mapping'].violations[0]).toMatch(/still mapped/);
    expect(c['no-stale-mapping'].counterexample).toMatchObject({ layout: { slots: [expect.anything()] } });
    expect(c['no-collateral-unmap'].change).toBe('unchanged');
    // its change lies inside kvm_gmem_invalidate_begin(): nothing outside what is judged
    expect(JSON.parse(r.out).series.steps[0].outside).toBeNull();
    expect(JSON.parse(r.out).verdicts.every((v: { report: unknown }) => v.report === null)).toBe(true);
    expect(snapshot(path.join(ROOT, 'shrink-reports'))).toEqual(harnessReports);

    // with a folder named, the break is saved there with the file it was found on, and replays from it
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'patch-reports-'));
    try {
      const saved = checkHere(['--from-kernel', LINUX_2026, '--patch', OFF_BY_ONE, ...FEW, '--property', 'no-stale-mapping', '--reports-dir', out], { REPORTS_DIR: '' });
      expect(saved.code).toBe(1);
      const report = /report: (\S+\.md)/.exec(saved.out)?.[1];
      expect(report).toBeDefined();
      expect(fs.readdirSync(path.join(out, 'trees')).length).toBeGreaterThan(0);
      const again = checkHere(['--report', report!.replace(/\.md$/, '.json')], { REPORTS_DIR: '' });
      expect(again.out).toMatch(/still fails no-stale-mapping/);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 60000);

  withGit('a patch that changes a caller (punch_hole passing end - 1) is not judged by any verdict, and the step says so, as green as it is', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caller-patch-'));
    try {
      const file = path.join('virt', 'kvm', 'guest_memfd.c');
      const text = fs.readFileSync(path.join(FIX, 'linux-6.8', file), 'utf8');
      for (const [side, body] of [['a', text], ['b', text.replace('kvm_gmem_invalidate_begin(gmem, start, end);', 'kvm_gmem_invalidate_begin(gmem, start, end - 1);')]]) {
        fs.mkdirSync(path.join(dir, side, 'virt', 'kvm'), { recursive: true });
        fs.writeFileSync(path.join(dir, side, file), body);
      }
      const diff = spawnSync('diff', ['-u', `a/${file}`, `b/${file}`], { cwd: dir, encoding: 'utf8' }).stdout;
      expect(diff).toContain('+\t\tkvm_gmem_invalidate_begin(gmem, start, end - 1);');
      fs.writeFileSync(path.join(dir, 'caller.diff'), diff);
      const r = checkHere(['--from-kernel', path.join(FIX, 'linux-6.8'), '--patch', path.join(dir, 'caller.diff'), ...FEW, '--property', 'no-stale-mapping'], { REPORTS_DIR: '' });
      expect(r.code).toBe(0);
      expect(r.out).toContain(`  it also changes ${file} outside what the harness judges (kvm_gmem_invalidate_begin, kvm_gmem_invalidate_end, kvm_gmem_bind): no verdict here covers those lines`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  withGit('every property on a tree with no kvm_gmem_bind(): bind-within-file is n/a on both sides and never makes the run exit 2 (a break is 1, a comment 0)', () => {
    const broke = checkHere(['--from-kernel', LINUX_2026, '--patch', OFF_BY_ONE, ...FEW, '--json'], { REPORTS_DIR: '' });
    expect(broke.code).toBe(1);
    const out = JSON.parse(broke.out);
    expect(out.series.states.map((s: { properties: Record<string, string> }) => s.properties['bind-within-file'])).toEqual(['not-judged', 'not-judged']);
    expect(changes(broke.out, 0)['bind-within-file']).toMatchObject({ before: 'not-judged', after: 'not-judged', change: 'unchanged', counts: false });
    expect(changes(broke.out, 0)['no-stale-mapping']).toMatchObject({ change: 'broke', counts: true });

    const comment = checkHere(['--from-kernel', LINUX_2026, '--patch', path.join(PATCHES, '2026-comment-only.patch'), ...FEW]);
    expect(comment.code).toBe(0);
    expect(comment.out).toMatch(/^the tree\s.*\bn\/a\b/m);
    expect(comment.out).toMatch(/unchanged: .*bind-within-file \(n\/a\)/);
    const reply = checkHere(['--from-kernel', LINUX_2026, '--patch', path.join(PATCHES, '2026-comment-only.patch'), ...FEW, '--review']);
    expect(reply.code).toBe(0);
    expect(reply.out).not.toMatch(/could not be judged|no verdict\./);
  }, 90000);

  withGit('--review: plain text within 72 columns, with what was checked, the break, its userspace steps and the replay command', () => {
    const r = checkHere(['--from-kernel', LINUX_2026, '--patch', OFF_BY_ONE, ...FEW, '--property', 'no-stale-mapping,no-collateral-unmap', '--review']);
    expect(r.code).toBe(1);
    for (const line of r.out.trimEnd().split('\n')) expect([line, line.length <= WIDTH]).toEqual([line, true]);
    expect(r.out).toMatch(/^Checked with gmem-invalidate-harness: virt\/kvm\/guest_memfd\.c of/);
    expect(r.out).toMatch(/with seed 3\s+and 60 generated cases per property/);
    expect(r.out).toMatch(/^ {2}BROKE no-stale-mapping:$/m);
    expect(r.out).toMatch(/From userspace:\n {4}1\. KVM_CREATE_GUEST_MEMFD with size/);
    expect(r.out).toMatch(/It passes on the tree before this patch\./);
    // the replay command, joined back from its lines, is the command that checks it again
    const replay = /Replay:\n((?: {4}.*\n)+)/.exec(r.out)![1].replace(/ \\\n\s*/g, ' ').trim();
    expect(replay).toBe(`npm run check -- --from-kernel ${LINUX_2026} --patch ${OFF_BY_ONE} --seed 3 --runs 60 --property no-stale-mapping`);
    expect(r.out).toMatch(/unchanged: no-collateral-unmap \(passes\)/);
    expect(r.out).toMatch(/Result: a patch breaks a property that passed before it\.$/m);
  }, 60000);

  withGit('a patch that does not apply is exit 2 naming its file and hunk; a series that never touches guest_memfd judges nothing, and says so', () => {
    const twice = checkHere(['--from-kernel', LINUX_2023, '--patch', OFFSET_FIX, OFFSET_FIX, ...FEW]);
    expect(twice.code).toBe(2);
    // the second time, the tree (its scratch copy) already has it: said, as a tree with the branch checked out would be
    expect(twice.err.trim()).toBe(`"KVM: guest_mem: Prevent overflows in kvm_gmem_invalidate_begin()" (${path.basename(OFFSET_FIX)}) does not apply to ${LINUX_2023}: ` +
      'virt/kvm/guest_mem.c, hunk #1 (@@ -27,19 +27,17 @@): its context is not in the file; it applies in reverse, so the tree seems to have it already: give the tree before it (or use --rev BASE..HEAD on a git tree)');
    const elsewhere = checkHere(['--from-kernel', path.join(FIX, 'linux-6.8'), '--patch', OFF_BY_ONE, ...FEW]);
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.err).toMatch(/2026-end-off-by-one\.diff does not apply to .*linux-6\.8: virt\/kvm\/guest_memfd\.c, hunk #1 \(@@ -66,7 \+66,7 @@\)/);
    expect(elsewhere.err).not.toMatch(/applies in reverse/);

    const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'tree-'));
    try {
      // a folder (git format-patch -o) stands for its patches in name order: 0002 is the one that fails
      const outgoing = path.join(tree, 'outgoing');
      fs.mkdirSync(outgoing);
      for (const n of ['0002-again.patch', '0001-once.patch', 'README']) fs.copyFileSync(OFFSET_FIX, path.join(outgoing, n));
      const folder = checkHere(['--from-kernel', LINUX_2023, '--patch', outgoing, ...FEW]);
      expect(folder.code).toBe(2);
      expect(folder.err).toMatch(/^"KVM: guest_mem: Prevent overflows in kvm_gmem_invalidate_begin\(\)" \(0002-again\.patch\) does not apply/);

      fs.cpSync(LINUX_2026, tree, { recursive: true });
      fs.mkdirSync(path.join(tree, 'Documentation'));
      fs.writeFileSync(path.join(tree, 'Documentation', 'kvm.rst'), 'guest_memfd\n');
      const doc = path.join(tree, 'doc.patch');
      fs.writeFileSync(doc, 'diff --git a/Documentation/kvm.rst b/Documentation/kvm.rst\n--- a/Documentation/kvm.rst\n+++ b/Documentation/kvm.rst\n@@ -1 +1,2 @@\n guest_memfd\n+and its invalidation\n');
      const r = checkHere(['--from-kernel', tree, '--patch', doc, ...FEW]);
      expect([r.code, r.out.trim()]).toEqual([0, 'none of the 1 patch(es) touches virt/kvm/guest_memfd.c or virt/kvm/guest_mem.c (1 applied cleanly): nothing judged']);
      expect(fs.readFileSync(path.join(tree, 'Documentation', 'kvm.rst'), 'utf8')).toBe('guest_memfd\n');
    } finally {
      fs.rmSync(tree, { recursive: true, force: true });
    }
  }, 60000);

  withGit('a patch that makes the begin loop forever breaks every property on one confirmed hang, shown once', () => {
    const r = checkHere(['--from-kernel', LINUX_2026, '--patch', path.join(PATCHES, '2026-flush-loop.diff'), ...FEW, '--property', 'no-stale-mapping,no-warn', '--timeout', '100']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^ {2}BROKE no-stale-mapping\n.*\n {4}- invalidate_begin did not return: hang, confirmed/m);
    expect(r.out).toMatch(/^ {2}BROKE no-warn\n {4}- not run: the variant hung on a case of an earlier property .*\n {4}on the same case as no-stale-mapping \(above\)$/m);
  }, 60000);

  test('--patch takes the files after it in order; it needs one tree and no other mode', () => {
    expect(parseArgs(['--from-kernel', 't', '--patch', 'a.patch', 'b.patch', '--patch', 'c.patch'], {}).patches).toEqual(['a.patch', 'b.patch', 'c.patch']);
    expect(() => parseArgs(['--patch', 'a.patch'], {})).toThrow(/--patch checks one kernel tree: give --from-kernel TREE once/);
    expect(() => parseArgs(['--from-kernel', 't', '--patch', 'a', '--rev', 'x..y'], {})).toThrow(/--patch and --rev are different checks/);
    expect(() => parseArgs(['--from-kernel', 't', '--review'], {})).toThrow(/--review writes the result of --patch or --rev/);
    expect(() => parseArgs(['--from-kernel', 't', '--patch', 'a', '--review', '--json'], {})).toThrow(/give one/);
  });
});
