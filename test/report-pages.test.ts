// The report pages say only what their case shows, and their pictures are valid SVG that draw
// each unmap call: checked on the committed pages named in review (mike-base's extra gfn inside
// its slot, buggy's punch past the end of a 1-page file, a redundant unmap drawn twice) and on
// every committed picture.

import fs from 'fs';
import path from 'path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { REPORTS_DIR, loadReports } from '../properties/reports/store';

const page = (stem: string) => fs.readFileSync(path.join(REPORTS_DIR, `${stem}.md`), 'utf8');
const svg = (stem: string) => fs.readFileSync(path.join(REPORTS_DIR, `${stem}.svg`), 'utf8');
const story = (stem: string) => page(stem).split('## What it means in the kernel')[1].split('##')[0].trim();
const reports = loadReports(REPORTS_DIR);
const stemOf = (prefix: string) => reports.find((r) => r.stem.startsWith(prefix))!.stem;

test('mike-base: an extra gfn inside the slot is "for nothing", not a wild unmap', () => {
  const s = story(stemOf('mike-base--no-collateral-unmap--'));
  expect(s).toMatch(/unmaps gfns \[0, 1\) of slot 0, which that range does not back/);
  expect(s).toMatch(/torn down for nothing/);
  expect(s).not.toMatch(/wild unmap/);
});

test('a selftest comment says what must go and what must stay', () => {
  const p = page(stemOf('mike-base--no-collateral-unmap--'));
  expect(p).toMatch(/Must be unmapped now: slot 0 gfns \[1, 2\)/);
  expect(p).toMatch(/Must stay mapped, with their data: slot 0 gfns \[0, 1\)/);
});

test('buggy: a punch of [0, 2) in a 1-page file frees page 0, and says the rest is past the end', () => {
  const stem = stemOf('buggy--no-stale-mapping--');
  expect(reports.find((r) => r.stem === stem)!.record.counterexample.layout.filePages).toBe('1');
  const s = story(stem);
  expect(s).toMatch(/frees file pages \[0, 1\) of the guest_memfd \(the range \[0, 2\) runs past the file's end at 1\)/);
  expect(s).not.toMatch(/frees file pages \[0, 2\)/);
});

test('a redundant unmap is drawn twice: one bar per unmap call', () => {
  const stem = stemOf('upstream--no-redundant-unmap--');
  const calls = reports.find((r) => r.stem === stem)!.record.actual.calls.filter((c) => /unmap slot/.test(c));
  expect(calls.length).toBeGreaterThanOrEqual(2);
  const lanes = [...svg(stem).matchAll(/>unmap call (\d+)</g)].map((m) => Number(m[1]));
  expect(lanes).toEqual(calls.map((_, i) => i + 1));
  expect(svg(stem)).toMatch(/ordinal axes: each edge evenly spaced, not to scale/);
});

test.each(reports.map((r) => [r.stem] as const))('%s.svg is valid SVG with readable bars', (stem) => {
  const text = svg(stem);
  expect(XMLValidator.validate(text)).toBe(true);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(text);
  expect(doc.svg.xmlns).toBe('http://www.w3.org/2000/svg');
  const [x, y, w, h] = String(doc.svg.viewBox).split(' ').map(Number);
  expect([x, y, w > 0, h > 0, Number(doc.svg.width), Number(doc.svg.height)]).toEqual([0, 0, true, true, w, h]);
  const rects = [doc.svg.rect].flat();
  for (const r of rects) {
    for (const a of ['x', 'y', 'width', 'height'].filter((k) => r[k] !== undefined)) expect([a, Number.isFinite(Number(r[a]))]).toEqual([a, true]);
  }
  // every bar but the background is at least 10 px tall: readable at a code host's size
  expect(rects.slice(1).every((r) => Number(r.height) >= 10)).toBe(true);
});
