// The report's picture: the file index axis with each binding and the punched range, then one
// gfn row per slot with its frames, what had to be unmapped, what was, and what was missed or
// unmapped for nothing. Axes are ordinal (each edge evenly spaced), so 2^51 and 3 both fit.

import { Range } from '../../model/ranges';
import { diff } from '../diff';
import { Outcome } from '../engine/execute';

const W = 760, LEFT = 120, ROW = 46, BAR = 16;
const COLOURS = { binding: '#d0d7de', punch: '#8250df', slot: '#eaeef2', expected: '#1a7f37', unmapped: '#0969da', missed: '#cf222e', extra: '#bc4c00' };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const label = (x: bigint) => (x < 100000n ? `${x}` : `0x${x.toString(16)}`);

/** Maps each distinct edge of a row to evenly spaced x positions. */
function axis(points: bigint[]): (x: bigint) => number {
  const sorted = [...new Set(points.map(String))].map(BigInt).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const step = sorted.length > 1 ? (W - LEFT - 30) / (sorted.length - 1) : 0;
  return (x) => LEFT + sorted.findIndex((p) => p === x) * step;
}

function ticks(points: bigint[], x: (v: bigint) => number, y: number): string {
  return [...new Set(points.map(String))].map(BigInt)
    .map((p) => `<text x="${x(p).toFixed(1)}" y="${y}" font-size="9" text-anchor="middle" fill="#57606a">${label(p)}</text>`).join('');
}

const rect = (x0: number, x1: number, y: number, h: number, fill: string, extra = '') =>
  `<rect x="${x0.toFixed(1)}" y="${y}" width="${Math.max(x1 - x0, 2).toFixed(1)}" height="${h}" fill="${fill}" ${extra}/>`;

export function reportSvg(o: Outcome): string {
  const parts: string[] = [];
  const r = o.resolved;
  const slots = o.layout.slots;
  // file index row
  const filePoints = [0n, o.layout.filePages, ...slots.flatMap((s) => [s.pgoff, s.pgoff + s.npages])];
  const punch: Range | null = r.kind === 'invalidate' ? { start: r.start, end: r.end } : null;
  if (punch) filePoints.push(punch.start, punch.end);
  const fx = axis(filePoints);
  let y = 24;
  parts.push(`<text x="8" y="${y + 12}" font-size="11">file index</text>`);
  for (const s of slots) {
    parts.push(rect(fx(s.pgoff), fx(s.pgoff + s.npages), y, BAR, COLOURS.binding, 'stroke="#57606a"'));
    parts.push(`<text x="${((fx(s.pgoff) + fx(s.pgoff + s.npages)) / 2).toFixed(1)}" y="${y + 12}" font-size="10" text-anchor="middle">slot ${s.id}</text>`);
  }
  if (punch) parts.push(rect(fx(punch.start), fx(punch.end), y + BAR + 2, 5, COLOURS.punch));
  parts.push(ticks(filePoints, fx, y + BAR + 18));
  // one gfn row per slot
  const diffs = diff(o);
  for (const s of slots) {
    y += ROW;
    const d = diffs.find((x) => x.slot === s.id);
    const own = { start: s.base_gfn, end: s.base_gfn + s.npages };
    const rows: Array<[readonly Range[], string, number, number]> = d
      ? [[d.expected, COLOURS.expected, 0, 4], [d.unmapped, COLOURS.unmapped, 5, 5], [d.missed, COLOURS.missed, 11, 5], [d.extra, COLOURS.extra, 11, 5]]
      : [];
    const points = [own.start, own.end, ...rows.flatMap(([rs]) => rs.flatMap((q) => [q.start, q.end]))];
    const gx = axis(points);
    parts.push(`<text x="8" y="${y + 12}" font-size="11">slot ${s.id} gfns</text>`);
    parts.push(rect(gx(own.start), gx(own.end), y, BAR, COLOURS.slot, 'stroke="#8c959f"'));
    for (const [rs, colour, dy, h] of rows) for (const q of rs) parts.push(rect(gx(q.start), gx(q.end), y + dy, h, colour));
    parts.push(ticks(points, gx, y + BAR + 12));
  }
  y += ROW;
  const legend = [['punched', COLOURS.punch], ['must unmap', COLOURS.expected], ['unmapped', COLOURS.unmapped], ['missed', COLOURS.missed], ['extra', COLOURS.extra]];
  legend.forEach(([name, colour], i) => {
    parts.push(rect(LEFT + i * 120, LEFT + i * 120 + 12, y - 10, 10, colour));
    parts.push(`<text x="${LEFT + i * 120 + 16}" y="${y - 1}" font-size="10">${esc(name)}</text>`);
  });
  const height = y + 10;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="monospace">` +
    `<rect width="${W}" height="${height}" fill="#ffffff"/>${parts.join('')}</svg>\n`;
}
