// The report format as one schema (properties/reports/schema.ts): the committed JSON Schema is
// the one the code generates, every committed report validates against that file with an
// independent validator (ajv), and a report broken by hand is refused naming the file and what.

import { tempFolder } from './helpers';
import Ajv2020 from 'ajv/dist/2020';
import fs from 'fs';
import path from 'path';
import { reportJsonSchema } from '../properties/reports/schema';
import { REPORTS_DIR, ReportFileError, SCHEMA_FILE, loadReport, loadReports } from '../properties/reports/store';

const onDisk = JSON.parse(fs.readFileSync(path.join(REPORTS_DIR, SCHEMA_FILE), 'utf8'));
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(onDisk);
const reports = loadReports(REPORTS_DIR);

test('shrink-reports/report.schema.json is the schema the code has (npm run reports:index)', () => {
  expect(onDisk).toEqual(reportJsonSchema());
});

test.each(reports.map((r) => [r.stem, r.file] as const))('%s validates against report.schema.json (ajv)', (_, file) => {
  const ok = validate(JSON.parse(fs.readFileSync(file, 'utf8')));
  expect(validate.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
});

test('a report broken by hand is refused by both, with the file and the field', () => {
  const good = JSON.parse(fs.readFileSync(reports[0].file, 'utf8'));
  const dir = tempFolder('schema-');
  const cases: Array<[string, (r: Record<string, any>) => void, RegExp]> = [
    ['a slot without pgoff', (r) => { delete r.counterexample.layout.slots[0].pgoff; }, /counterexample\.layout\.slots\[0\]\.pgoff/],
    ['a gfn as a number', (r) => { r.expected = [{ slot: 0, gfns: { start: 1, end: '2' } }]; }, /expected\[0\]\.gfns\.start/],
    ['an unknown field', (r) => { r.verdict = 'pass'; }, /verdict/],
    ['a punch without len', (r) => { r.counterexample.op = { kind: 'punch', mode: 3, offset: '0' }; }, /counterexample\.op/],
  ];
  for (const [what, breakIt, where] of cases) {
    const bad = structuredClone(good);
    breakIt(bad);
    expect([what, validate(bad)]).toEqual([what, false]);
    const file = path.join(dir, path.basename(reports[0].file));
    fs.writeFileSync(file, JSON.stringify(bad));
    expect(() => loadReport(file)).toThrow(ReportFileError);
    expect(() => loadReport(file)).toThrow(new RegExp(`${path.basename(file).replace(/\./g, '\\.')}: .*${where.source}`));
  }
});

test('a hand edit to what the model derives from the case (not only to the case) is refused too', () => {
  const src = reports.find((r) => r.record.invalidated !== null && r.record.expected.length > 0)!;
  const dir = tempFolder('derived-');
  const file = path.join(dir, path.basename(src.file));
  const edits: Array<[(r: Record<string, any>) => void, RegExp]> = [
    [(r) => { r.invalidated.end = String(BigInt(r.invalidated.end) + 1n); }, /"invalidated" is not the range its case invalidates/],
    [(r) => { r.expected[0].gfns.end = String(BigInt(r.expected[0].gfns.end) + 1n); }, /"expected" is not what the model says its case must unmap/],
  ];
  for (const [edit, why] of edits) {
    const bad = structuredClone(src.record) as Record<string, any>;
    edit(bad);
    expect(validate(bad)).toBe(true); // well formed: only the model can tell
    fs.writeFileSync(file, JSON.stringify(bad));
    expect(() => loadReport(file)).toThrow(why);
  }
});
