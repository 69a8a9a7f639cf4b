// The report's picture: the file index axis with each binding and the invalidated range, then
// per slot its gfns, what had to be unmapped, each unmap call the variant made (one bar per
// call, so a repeated unmap shows as a second bar), and what was missed or unmapped for
// nothing. Axes are ordinal (each distinct edge evenly spaced, not to scale), so 2^51 and 3 both
// fit; the picture says so. A file with several views gets the picture once per view.

import { BindRequest } from '../../model/callers';
import { PAGE_SHIFT } from '../../model/layout';
import { Range } from '../../model/ranges';
import { diff, viewOutcomes } from '../diff';
import { Outcome } from '../engine/execute';

const W = 820, LEFT = 150, RIGHT = 30, BAR = 18, LANE = 14, GAP = 4;
const COLOURS = { binding: '#d0d7de', punch: '#8250df', bracket: '#c297ff', slot: '#eaeef2', expected: '#1a7f37', unmapped: '#0969da', missed: '#cf222e', extra: '#bc4c00' };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const label = (x: bigint) => (x < 100000n ? `${x}` : `0x${x.toString(16)}`);
const sortedEdges = (points: bigint[]) => [...new Set(points.map(String))].map(BigInt).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** Maps each distinct edge of a row to evenly spaced x positions (an ordinal axis). */
function axis(points: bigint[]): (x: bigint) => number {
  const sorted = sortedEdges(points);
  const step = sorted.length > 1 ? (W - LEFT - RIGHT) / (sorted.length - 1) : 0;
  return (x) => LEFT + sorted.findIndex((p) => p === x) * step;
}

function ticks(points: bigint[], x: (v: bigint) => number, y: number): string {
  return sortedEdges(points)
    .map((p) => `<text x="${x(p).toFixed(1)}" y="${y}" font-size="11" text-anchor="middle" fill="#57606a">${label(p)}</text>`).join('');
}

const rect = (x0: number, x1: number, y: number, h: number, fill: string, extra = '') =>
  `<rect x="${x0.toFixed(1)}" y="${y}" width="${Math.max(x1 - x0, 3).toFixed(1)}" height="${h}" fill="${fill}"${extra ? ` ${extra}` : ''}/>`;
const text = (x: number, y: number, s: string, size = 12, extra = '') =>
  `<text x="${x}" y="${y}" font-size="${size}"${extra ? ` ${extra}` : ''}>${esc(s)}</text>`;

export function reportSvg(whole: Outcome): string {
  const parts: string[] = [];
  let y = 20;
  parts.push(text(8, y, 'ordinal axes: each edge evenly spaced, not to scale', 11, 'fill="#57606a"'));
  y += 12;
  if (whole.resolved.kind === 'bind') return svgOf(parts, bindSection(whole, whole.resolved, parts, y + 8));
  const views = viewOutcomes(whole);
  for (const { view, outcome } of views) {
    if (views.length > 1) {
      parts.push(text(8, y + 12, `view ${view}: ${outcome.layout.vmType === 'tdx' ? 'a TDX VM' : 'a default VM'}`, 13, 'font-weight="bold"'));
      y += 22;
    }
    y = viewSection(outcome, view, parts, y);
  }
  const legend = [['invalidated', COLOURS.punch], ['must unmap', COLOURS.expected], ['unmap call', COLOURS.unmapped], ['missed', COLOURS.missed], ['extra', COLOURS.extra]];
  legend.forEach(([name, colour], i) => {
    parts.push(rect(LEFT + i * 130, LEFT + i * 130 + 14, y - 12, 12, colour));
    parts.push(text(LEFT + i * 130 + 18, y - 2, name, 11));
  });
  return svgOf(parts, y);
}

function svgOf(parts: readonly string[], y: number): string {
  const height = y + 10;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="monospace">` +
    `<rect width="${W}" height="${height}" fill="#ffffff"/>${parts.join('')}</svg>\n`;
}

/** A bind request on the file index axis: the file, its bindings, the binding asked for, and each one the variant stored. Returns the next y. */
function bindSection(o: Outcome, r: BindRequest, parts: string[], y: number): number {
  const filePages = r.i_size >> PAGE_SHIFT;
  const stores = o.bound?.stores ?? [];
  const points = [0n, filePages, r.slot.pgoff, r.slot.pgoff + r.slot.npages, ...o.layout.slots.flatMap((s) => [s.pgoff, s.pgoff + s.npages]), ...stores.flatMap((s) => [s.first, s.last + 1n])];
  const fx = axis(points);
  const row = (name: string, items: ReadonlyArray<readonly [bigint, bigint, string, string]>) => {
    parts.push(text(8, y + 13, name));
    for (const [a, z, what, fill] of items) {
      parts.push(rect(fx(a), fx(z), y, BAR, fill, 'stroke="#57606a"'));
      parts.push(text((fx(a) + fx(z)) / 2, y + 13, what, 11, 'text-anchor="middle"'));
    }
    y += BAR + GAP + 4;
  };
  row('file', [[0n, filePages, `${filePages} page${filePages === 1n ? '' : 's'}`, COLOURS.slot]]);
  if (o.layout.slots.length) row('bindings', o.layout.slots.map((s) => [s.pgoff, s.pgoff + s.npages, `slot ${s.id}`, COLOURS.binding] as const));
  row('asked', [[r.slot.pgoff, r.slot.pgoff + r.slot.npages, r.expected ? `slot ${r.slot.id} (-${r.expected.errno})` : `slot ${r.slot.id}`, r.expected ? COLOURS.extra : COLOURS.expected]]);
  row('stored', stores.map((s) => [s.first, s.last + 1n, s.last >= filePages ? 'past the end of the file' : `slot ${s.slot}`, s.last >= filePages ? COLOURS.missed : COLOURS.unmapped] as const));
  parts.push(ticks(points, fx, y + 6));
  return y + 24;
}

/** One view's rows, from `y`: its bindings on the file axis, then its slots' lanes. Returns the next y. */
function viewSection(o: Outcome, view: number, parts: string[], y: number): number {
  const r = o.resolved;
  const slots = o.layout.slots;
  // file index row
  const filePoints = [0n, o.layout.filePages, ...slots.flatMap((s) => [s.pgoff, s.pgoff + s.npages])];
  // a release invalidates the view it closes only
  const punch: Range | null = r.kind === 'invalidate' && (r.view ?? view) === view ? { start: r.start, end: r.end } : null;
  if (punch) filePoints.push(punch.start, punch.end);
  // a conversion brackets whole huge pages around the pages it converts: both are drawn
  const bracket: Range | null = r.kind === 'invalidate' && r.convert ? r.convert.bracket : null;
  if (bracket) filePoints.push(bracket.start, bracket.end);
  const fx = axis(filePoints);
  parts.push(text(8, y + 13, 'file index'));
  for (const s of slots) {
    parts.push(rect(fx(s.pgoff), fx(s.pgoff + s.npages), y, BAR, COLOURS.binding, 'stroke="#57606a"'));
    parts.push(text((fx(s.pgoff) + fx(s.pgoff + s.npages)) / 2, y + 13, `slot ${s.id}`, 11, 'text-anchor="middle"'));
  }
  if (punch) {
    parts.push(text(8, y + BAR + GAP + 10, bracket ? 'converted' : 'invalidated', 11));
    parts.push(rect(fx(punch.start), fx(punch.end), y + BAR + GAP, LANE - 4, COLOURS.punch));
  }
  if (bracket) {
    y += LANE;
    parts.push(text(8, y + BAR + GAP + 10, 'bracketed', 11));
    parts.push(rect(fx(bracket.start), fx(bracket.end), y + BAR + GAP, LANE - 4, COLOURS.bracket));
  }
  parts.push(ticks(filePoints, fx, y + BAR + LANE + GAP + 10));
  y += BAR + LANE + GAP + 26;
  // per slot: its gfns, must unmap, each unmap call, missed and extra
  const diffs = diff(o);
  for (const s of slots) {
    const d = diffs.find((x) => x.slot === s.id);
    const own = { start: s.base_gfn, end: s.base_gfn + s.npages };
    const calls = o.events.flatMap((e) => (e.op === 'unmap' && e.slot === s.id && e.start < e.end ? [{ start: e.start, end: e.end }] : []));
    const lanes: Array<[string, readonly Range[], string]> = [
      ['must unmap', d?.expected ?? [], COLOURS.expected],
      ...calls.map((c, i): [string, readonly Range[], string] => [`unmap call ${i + 1}`, [c], COLOURS.unmapped]),
      ...(d?.missed.length ? [['missed', d.missed, COLOURS.missed] as [string, readonly Range[], string]] : []),
      ...(d?.extra.length ? [['extra', d.extra, COLOURS.extra] as [string, readonly Range[], string]] : []),
    ];
    const points = [own.start, own.end, ...lanes.flatMap(([, rs]) => rs.flatMap((q) => [q.start, q.end]))];
    const gx = axis(points);
    parts.push(text(8, y + 13, `slot ${s.id} gfns`));
    parts.push(rect(gx(own.start), gx(own.end), y, BAR, COLOURS.slot, 'stroke="#8c959f"'));
    y += BAR + GAP;
    for (const [name, rs, colour] of lanes) {
      parts.push(text(20, y + LANE - 3, name, 11, 'fill="#57606a"'));
      for (const q of rs) parts.push(rect(gx(q.start), gx(q.end), y, LANE, colour));
      y += LANE + GAP;
    }
    parts.push(ticks(points, gx, y + 10));
    y += 30;
  }
  return y;
}
