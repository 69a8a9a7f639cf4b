// Reports: one file per counterexample, never rewritten when the same case is found again,
// written atomically by concurrent writers, refused by name when broken, pruned only on request,
// and readable: a deliberately broken variant yields a page a kernel developer can act on.

import { execFileSync, spawn, spawnSync } from 'child_process';
import fs from 'fs';
import path from 'path';
import { Variant, expectations } from '../model/variant';
import { formatFailure } from '../properties/format';
import { property } from '../properties/properties';
import { ReportFileError, loadReports, saveReport, upgradeReports, WriteError, writeAllAtomic } from '../properties/reports/store';
import { indexPage, indexRows } from '../properties/reports/index-page';
import { inProcessResolver } from '../properties/reports/variant-of';
import { buildRecord, legacyReportStem, reportStem } from '../properties/reports/record';
import { execute } from '../properties/engine/execute';
import { selftestSnippet } from '../properties/reports/selftest';
import buggy from '../variants/buggy';
import fixed from '../variants/fixed';
import upstream from '../variants/upstream';
import { checkAndReport, diskFullFor, spec, tempFolder } from './helpers';

const tmp = () => tempFolder('reports-');
const opts = (dir: string, seed = 7) => ({ seed, numRuns: 300 as const, reports: { dir, saved: loadReports(dir) } });
const files = (dir: string) => fs.readdirSync(dir).sort();

test('the same counterexample found twice, with other seeds, is one unchanged report', () => {
  const dir = tmp();
  const first = checkAndReport(buggy, property('no-stale-mapping'), opts(dir, 1));
  expect(first.report?.written).toBe(true);
  const before = new Map(files(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
  const again = checkAndReport(buggy, property('no-stale-mapping'), opts(dir, 2));
  expect(again.report).toEqual({ stem: first.report!.stem, written: false }); // replayed first, same case
  expect(new Map(files(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]))).toEqual(before);
  expect(files(dir)).toEqual([`${first.report!.stem}.json`, `${first.report!.stem}.md`, `${first.report!.stem}.svg`]);
});

test('concurrent writers lose nothing and leave no temporary files', async () => {
  const dir = tmp();
  const writer = path.join(__dirname, 'fixtures', 'write-reports.ts');
  const run = (who: number) => new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', './properties/isolation/register.js', writer, dir, String(who)], { cwd: path.join(__dirname, '..'), stdio: 'inherit' });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer ${who} exited ${code}`))));
  });
  await Promise.all([0, 1, 2, 3].map(run));
  const saved = loadReports(dir); // every file parses and passes the schema
  expect(saved).toHaveLength(4 * 5 + 1); // five of its own per writer, one they all write
  expect(files(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  expect(files(dir).filter((f) => f.endsWith('.md'))).toHaveLength(21);
}, 30000);

test('a report that cannot be written (a full disk) names the file and the cause, and leaves no temporary file and none of the parts it made', () => {
  const c = { layout: spec(4n, [[1n, 1n, 0n]]), op: { kind: 'punch' as const, mode: 3, offset: 0n, len: 8192n } };
  const record = buildRecord({ name: 'buggy', sourceHash: 'x' }, 'no-stale-mapping', execute(buggy, c), ['v'], { seed: 1, path: '0', numRuns: 1, numShrinks: 0 });
  const stem = reportStem('buggy', 'no-stale-mapping', record.counterexample);
  const render = () => ({ markdown: 'm', svg: 's' });
  const dir = tmp();
  const full = diskFullFor((f) => f.startsWith(path.join(dir, `${stem}.md.`))); // the page, after the picture
  try {
    expect(() => saveReport(dir, record, render)).toThrow(`${path.join(dir, `${stem}.md`)} cannot be written: ENOSPC: no space left on device, write`);
    expect(files(dir)).toEqual([]);
    fs.writeFileSync(path.join(dir, `${stem}.svg`), 's'); // a part that was there before stays
    expect(() => saveReport(dir, record, render)).toThrow(/ENOSPC/);
    expect(files(dir)).toEqual([`${stem}.svg`]);
  } finally {
    full.mockRestore();
  }
  expect(saveReport(dir, record, render).written).toBe(true); // with room again, saved whole
  expect(files(dir)).toEqual([`${stem}.json`, `${stem}.md`, `${stem}.svg`]);
  // a report under the same name that says something else is replaced whole or not at all: the
  // record failing last leaves the old picture and page, not new ones beside the old record
  const old = new Map(files(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
  const other = { ...record, violations: ['another story'] };
  const fullAtRecord = diskFullFor((f) => f.startsWith(path.join(dir, `${stem}.json.`)));
  try {
    expect(() => saveReport(dir, other, () => ({ markdown: 'm2', svg: 's2' }))).toThrow(/\.json cannot be written: ENOSPC/);
  } finally {
    fullAtRecord.mockRestore();
  }
  expect(new Map(files(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]))).toEqual(old);
  // a folder that cannot be made (mkdir on a full disk) is a WriteError too, naming the folder
  const mkdir = jest.spyOn(fs, 'mkdirSync').mockImplementation(() => { throw Object.assign(new Error('ENOSPC: no space left on device, mkdir'), { code: 'ENOSPC' }); });
  try {
    const sub = path.join(dir, 'sub');
    expect(() => saveReport(sub, record, render)).toThrow(WriteError);
    expect(() => saveReport(sub, record, render)).toThrow(new RegExp(`^the reports folder ${sub} cannot be made: ENOSPC`));
  } finally {
    mkdir.mockRestore();
  }
});

test('writeAllAtomic: a rename that fails puts back every file it replaced and removes every file it made; a folder in a file\'s place fails named; a file named twice gets its last text', () => {
  const dir = tmp();
  const [a, b, c] = ['a.svg', 'b.md', 'c.json'].map((f) => path.join(dir, f));
  fs.writeFileSync(a, 'old a');
  const rename = fs.renameSync;
  const failing = jest.spyOn(fs, 'renameSync').mockImplementation((from, to) => {
    if (String(to) === c) throw Object.assign(new Error('EIO: i/o error, rename'), { code: 'EIO' });
    return rename(from, to);
  });
  try {
    expect(() => writeAllAtomic([[a, 'new a'], [b, 'new b'], [c, 'new c']])).toThrow(`${c} cannot be written: EIO: i/o error, rename`);
  } finally {
    failing.mockRestore();
  }
  expect(files(dir)).toEqual(['a.svg']); // b made and removed, no temporary or aside file left
  expect(fs.readFileSync(a, 'utf8')).toBe('old a');
  fs.mkdirSync(b); // a folder where the page would go
  expect(() => writeAllAtomic([[a, 'new a'], [b, 'new b']])).toThrow(new RegExp(`^${b} cannot be written: `));
  expect([files(dir), fs.readFileSync(a, 'utf8')]).toEqual([['a.svg', 'b.md'], 'old a']);
  expect(writeAllAtomic([[c, 'first'], [c, 'last']])).toEqual([c]);
  expect(fs.readFileSync(c, 'utf8')).toBe('last');
});

test('a corrupt or hand-edited report fails with the file name and what is wrong', () => {
  const dir = tmp();
  const v = checkAndReport(buggy, property('no-warn'), opts(dir));
  const json = path.join(dir, `${v.report!.stem}.json`);
  const good = fs.readFileSync(json, 'utf8');
  fs.writeFileSync(json, good.slice(0, 40));
  expect(() => loadReports(dir)).toThrow(ReportFileError);
  expect(() => loadReports(dir)).toThrow(new RegExp(`${v.report!.stem}\\.json: is not readable JSON`));
  fs.writeFileSync(json, good.replace('"property": "no-warn"', '"property": "no-such-property"'));
  expect(() => loadReports(dir)).toThrow(/property "no-such-property" is not a known property id/);
  fs.writeFileSync(json, good.replace(/"filePages": "(\d+)"/, (_, n: string) => `"filePages": "${BigInt(n) + 1000n}"`));
  expect(() => loadReports(dir)).toThrow(/its name does not match its content/);
});

test('a report of format 1 (with the xarray mode and pick) still reads, and reports:index renames it to format 2', () => {
  const dir = tmp();
  const v = checkAndReport(buggy, property('no-warn'), opts(dir));
  const record = JSON.parse(fs.readFileSync(path.join(dir, `${v.report!.stem}.json`), 'utf8'));
  const old = { ...record, format: 1, counterexample: { ...record.counterexample, xarray: 'faithful', pick: '0' } };
  const oldStem = reportStem(old.variant.name, old.property, old.counterexample);
  for (const f of files(dir)) fs.rmSync(path.join(dir, f));
  fs.writeFileSync(path.join(dir, `${oldStem}.json`), JSON.stringify(old));
  fs.writeFileSync(path.join(dir, `${oldStem}.md`), `# page of ${oldStem}\n`);
  const [read] = loadReports(dir);
  expect(read.stem).toBe(oldStem);
  expect(read.record).toEqual(record);
  expect(upgradeReports(dir)).toEqual([`${oldStem} -> ${v.report!.stem}`]);
  expect(files(dir)).toEqual([`${v.report!.stem}.json`, `${v.report!.stem}.md`]);
  expect(fs.readFileSync(path.join(dir, `${v.report!.stem}.md`), 'utf8')).toBe(`# page of ${v.report!.stem}\n`);
  expect(upgradeReports(dir)).toEqual([]);
  // the contract mode is gone: such a case has no reading, and says so by name
  const contract = { ...old, counterexample: { ...old.counterexample, xarray: 'contract', pick: '3' } };
  const stem = reportStem(contract.variant.name, contract.property, contract.counterexample);
  fs.writeFileSync(path.join(dir, `${stem}.json`), JSON.stringify(contract));
  expect(() => loadReports(dir)).toThrow(new RegExp(`${stem}\\.json: format 1, with a case in the xarray contract mode, which is gone`));
});

test('a report is named as its variant, dots kept; one named before they were (upstream-6-14--...) still reads, and reports:index renames it', () => {
  const dir = tmp();
  const dotted: Variant = { ...buggy, name: 'buggy-6.8' };
  const v = checkAndReport(dotted, property('no-warn'), opts(dir));
  expect(v.report!.stem).toMatch(/^buggy-6\.8--no-warn--[0-9a-f]{12}$/);
  const record = JSON.parse(fs.readFileSync(path.join(dir, `${v.report!.stem}.json`), 'utf8'));
  const oldStem = legacyReportStem(record.variant.name, record.property, record.counterexample);
  expect(oldStem).toBe(v.report!.stem.replace('buggy-6.8', 'buggy-6-8'));
  for (const f of files(dir)) fs.renameSync(path.join(dir, f), path.join(dir, f.replace(v.report!.stem, oldStem)));
  expect(loadReports(dir).map((r) => r.stem)).toEqual([oldStem]);
  expect(upgradeReports(dir)).toEqual([`${oldStem} -> ${v.report!.stem}`]);
  expect(files(dir)).toEqual([`${v.report!.stem}.json`, `${v.report!.stem}.md`, `${v.report!.stem}.svg`]);
});

test('a report whose variant now passes is reported as fixed and deleted only by prune', () => {
  const dir = tmp();
  // buggy's own counterexample, saved as if it were upstream's: upstream passes it
  const v = checkAndReport(buggy, property('no-stale-mapping'), opts(dir));
  const record = JSON.parse(fs.readFileSync(path.join(dir, `${v.report!.stem}.json`), 'utf8'));
  const asUpstream = { ...record, variant: { ...record.variant, name: 'upstream' } };
  const stem = reportStem('upstream', 'no-stale-mapping', asUpstream.counterexample);
  fs.writeFileSync(path.join(dir, `${stem}.json`), JSON.stringify(asUpstream));
  const verdict = checkAndReport(upstream, property('no-stale-mapping'), opts(dir));
  expect(verdict.actual).toBe('pass');
  expect(verdict.fixedReports).toEqual([stem]);
  expect(fs.existsSync(path.join(dir, `${stem}.json`))).toBe(true); // checking never deletes
  const rows = indexRows(loadReports(dir), inProcessResolver([buggy, upstream]));
  expect(indexPage(dir, rows)).toMatch(new RegExp(`${stem}.*\\*\\*fixed\\*\\*`));
  // the folder named (as the one beside a variant checked by path), not REPORTS_DIR's
  const elsewhere = tmp();
  execFileSync(process.execPath, ['-r', './properties/isolation/register.js', 'properties/reports/cli.ts', 'prune', dir], {
    cwd: path.join(__dirname, '..'), env: { ...process.env, REPORTS_DIR: elsewhere }, stdio: 'pipe',
  });
  expect(fs.readdirSync(elsewhere)).toEqual([]);
  expect(fs.existsSync(path.join(dir, `${stem}.json`))).toBe(false);
  expect(fs.existsSync(path.join(dir, `${v.report!.stem}.json`))).toBe(true);
}, 30000);

test('reports:index and reports:prune on a folder that does not exist, or a file, say so in one line, exit 2 and write nothing', () => {
  const dir = tmp();
  const gone = path.join(dir, 'no-such-folder');
  const file = path.join(dir, 'a-file');
  fs.writeFileSync(file, 'not a folder\n');
  for (const [command, folder, why] of [['prune', gone, 'does not exist'], ['index', gone, 'does not exist'], ['prune', file, 'is not a folder']]) {
    const r = spawnSync(process.execPath, ['-r', './properties/isolation/register.js', 'properties/reports/cli.ts', command, folder], { cwd: path.join(__dirname, '..'), encoding: 'utf8' });
    expect([command, r.status, r.stdout, r.stderr]).toEqual([command, 2, '', `${folder}: ${why}\n`]);
  }
  expect(files(dir)).toEqual(['a-file']);
}, 30000);

/** fixed with min and max swapped in the end of the file range: a tired developer's edit. */
const broken: Variant = {
  ...fixed,
  name: 'fixed-min-max-swapped',
  invalidate_begin(k, start, end) {
    const { gmem, kvm, ul, max, xa_for_each_range } = k;
    k.KVM_MMU_LOCK(kvm);
    k.kvm_mmu_invalidate_begin(kvm);
    let flush = false;
    for (const [, slot] of xa_for_each_range(gmem.bindings, start, ul(end - 1n))) {
      const index_start = max(slot.gmem.index, start);
      const index_end = max(slot.gmem.index + slot.npages, end);
      const r = { start: ul(slot.base_gfn + index_start - slot.gmem.index), end: ul(slot.base_gfn + index_end - slot.gmem.index), slot };
      k.kvm_mmu_invalidate_range_add(kvm, r.start, r.end);
      flush = k.kvm_unmap_gfn_range(kvm, r) || flush;
    }
    if (flush) k.kvm_flush_remote_tlbs(kvm);
    k.KVM_MMU_UNLOCK(kvm);
  },
};

test('breaking a variant writes a page a kernel developer can act on, with a selftest that compiles', () => {
  const dir = tmp();
  const v = checkAndReport(broken, property('no-collateral-unmap'), opts(dir));
  expect(v.actual).toBe('fail');
  expect(v.matches).toBe(false);
  const page = fs.readFileSync(path.join(dir, `${v.report!.stem}.md`), 'utf8');
  expect(page).toMatch(/^# fixed-min-max-swapped fails no-collateral-unmap\n\n\*\*fixed-min-max-swapped\*\* fails \*\*no-collateral-unmap\*\* \(UNEXPECTED/);
  expect(page).toMatch(/\| slot 0 pgoff \| \d+ \| 0x[0-9a-f]+ \|/);
  expect(page).toMatch(new RegExp(`!\\[.*\\]\\(${v.report!.stem}\\.svg\\)`));
  expect(page).toMatch(/unmapped for nothing/);
  expect(page).toMatch(/KVM_SET_USER_MEMORY_REGION2` slot 0/);
  expect(page).toContain(`npm run check -- --report ${path.join(dir, `${v.report!.stem}.json`)}`); // outside the repo: its real folder
  expect(fs.readFileSync(path.join(dir, `${v.report!.stem}.svg`), 'utf8')).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  const snippet = page.split('```c\n')[1].split('```')[0];
  const c = path.join(dir, 'snippet.c');
  fs.writeFileSync(c, `${snippet}\nint main(void) { test_${v.report!.stem.replace(/[^a-zA-Z0-9_]/g, '_')}(); return 0; }\n`);
  execFileSync('gcc', ['-fsyntax-only', '-Wall', '-Werror', '-I', path.join(__dirname, 'fixtures', 'selftest-stubs'), c], { stdio: 'pipe' });
});

test('a saved record can be rebuilt from its case: the record is a function of the counterexample', () => {
  const c = { layout: spec(4n, [[1n, 1n, 0n]]), op: { kind: 'punch' as const, mode: 3, offset: 0n, len: 8192n } };
  const o = execute(buggy, c);
  const found = { seed: 1, path: '0', numRuns: 1, numShrinks: 0 };
  const a = buildRecord({ name: 'buggy', sourceHash: 'x' }, 'no-stale-mapping', o, ['v'], found);
  const b = buildRecord({ name: 'buggy', sourceHash: 'x' }, 'no-stale-mapping', execute(buggy, c), ['v'], { ...found, seed: 2 });
  expect(reportStem('buggy', 'no-stale-mapping', a.counterexample)).toBe(reportStem('buggy', 'no-stale-mapping', b.counterexample));
  const dir = tmp();
  const render = () => ({ markdown: 'm', svg: 's' });
  expect(saveReport(dir, a, render).written).toBe(true);
  expect(saveReport(dir, b, render).written).toBe(false); // only how it was found differs
});

test('a failure found by replaying another variant\'s report says so, and names that report, on its page and in the terminal', () => {
  const dir = tmp();
  const first = checkAndReport(buggy, property('no-stale-mapping'), opts(dir, 1));
  const strict: Variant = { ...buggy, name: 'strict-buggy', expect: expectations() }; // must pass what buggy fails
  const v = checkAndReport(strict, property('no-stale-mapping'), opts(dir, 2));
  expect([v.actual, v.fromSavedReport, v.savedReport]).toEqual(['fail', true, first.report!.stem]);
  expect(formatFailure(v)).toMatch(new RegExp(`found by replaying the case of the saved report ${first.report!.stem} `));
  const record = JSON.parse(fs.readFileSync(path.join(dir, `${v.report!.stem}.json`), 'utf8'));
  expect(record.found.fromReport).toBe(first.report!.stem);
  const page = fs.readFileSync(path.join(dir, `${v.report!.stem}.md`), 'utf8');
  expect(page).toMatch(new RegExp(`Found by replaying the case of the saved report \`${first.report!.stem}\``));
  expect(page).not.toMatch(/Found with `FC_SEED/);
});

test('a release selftest binds with the plain ioctl (vm_mem_add keeps a dup() of the fd, so closing it would release nothing), and compiles', () => {
  const c = { layout: spec(4n, [[0n, 2n, 0n], [2n, 1n, 10n]]), op: { kind: 'release' as const } };
  const snippet = selftestSnippet(execute(upstream, c), 'release', 'test_release');
  expect(snippet).not.toMatch(/vm_mem_add\(vm/);
  expect(snippet.match(/vm_set_user_memory_region2\(vm, \d, KVM_MEM_GUEST_MEMFD/g)).toHaveLength(2);
  expect(snippet).toMatch(/close\(fd\);/);
  expect(snippet).toMatch(/a guest read there exits\n\t \* to userspace \(KVM_EXIT_MEMORY_FAULT, -EFAULT: the file is gone\)/);
  const file = path.join(tmp(), 'release.c');
  fs.writeFileSync(file, `${snippet}\nint main(void) { test_release(); return 0; }\n`);
  execFileSync('gcc', ['-fsyntax-only', '-Wall', '-Werror', '-I', path.join(__dirname, 'fixtures', 'selftest-stubs'), file], { stdio: 'pipe' });
});
