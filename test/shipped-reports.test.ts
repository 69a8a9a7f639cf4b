// The committed reports in shrink-reports/ load, still reproduce against their variant as that
// variant expects, and are all listed, with their status, in the regenerated index page.

import fs from 'fs';
import os from 'os';
import path from 'path';
import { loadVariants } from '../properties/registry';
import { indexPage, indexRows } from '../properties/reports/index-page';
import { replay } from '../properties/reports/replay';
import { childResolver, inProcessResolver } from '../properties/reports/variant-of';
import { REPORTS_DIR, loadReports } from '../properties/reports/store';

const saved = loadReports(REPORTS_DIR);
const variants = loadVariants();
const resolve = inProcessResolver(variants);

test('reports are shipped for every expected failure of the shipped variants', () => {
  const covered = new Set(saved.map((s) => `${s.record.variant.name}/${s.record.property}`));
  const expectedFailures = variants.flatMap((v) => Object.entries(v.expect).filter(([, e]) => e === 'fail').map(([id]) => `${v.name}/${id}`));
  expect(expectedFailures.filter((k) => !covered.has(k))).toEqual([]);
});

test.each(saved.map((s) => [s.stem, s] as const))('%s still reproduces as its variant expects', (_, report) => {
  const of = resolve(report); // a shipped variant by name, or the C file the record names
  expect([report.stem, of === undefined ? 'its variant is gone: npm run reports:prune removes its reports' : 'found']).toEqual([report.stem, 'found']);
  try {
    expect(replay(report, of!).violations).not.toEqual([]);
  } finally {
    of!.close();
  }
  expect(['fail', 'report']).toContain(of!.expected(report.record.property));
  expect(fs.existsSync(path.join(REPORTS_DIR, `${report.stem}.md`))).toBe(true);
  expect(fs.existsSync(path.join(REPORTS_DIR, `${report.stem}.svg`))).toBe(true);
});

test('a shipped C variant\'s report, in a copy of the folder (a CI\'s artifact), still finds its variant by name: prune would call it gone', () => {
  const report = saved.find((s) => s.record.variant.name === 'buggy-c')!;
  expect(report.record.variant.file).toBe('../variants/c/buggy.c'); // recorded relative to shrink-reports/
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'reports-copy-'));
  try {
    for (const ext of ['json', 'md', 'svg']) fs.copyFileSync(path.join(REPORTS_DIR, `${report.stem}.${ext}`), path.join(copy, `${report.stem}.${ext}`));
    const [moved] = loadReports(copy);
    const of = childResolver({ timeoutMs: 2000 })(moved);
    expect(of?.file).toBe(path.join(__dirname, '..', 'variants', 'c', 'buggy.c'));
    try {
      expect(replay(moved, of!).violations).not.toEqual([]);
    } finally {
      of!.close();
    }
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
});

test('the index page is up to date (npm run reports:index)', () => {
  const onDisk = fs.readFileSync(path.join(REPORTS_DIR, 'README.md'), 'utf8');
  expect(onDisk).toBe(indexPage(REPORTS_DIR, indexRows(saved, resolve)));
});
