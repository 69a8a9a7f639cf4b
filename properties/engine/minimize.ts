// A domain-aware pass after fast-check's shrinking, which can stop in a local minimum (an
// anchor that only fails with its 63-page length, say). It greedily tries smaller concrete
// cases (a default VM, a view dropped, a slot dropped, a shorter punch, a smaller slot, everything pulled toward 0) and keeps
// each one that still fails, until none does. Every candidate goes through bind() again.

import { Operation, resolve } from '../../model/callers';
import { WORD64 } from '../../model/word';
import { PAGE_SHIFT } from '../../model/layout';
import { alignDown, alignUp } from '../../model/ranges';
import { Case, LayoutSpec, SlotSpec, ViewSpec, materialize } from '../case';

/** A candidate the kernel accepts: bind() takes the layout and the caller takes the operation. */
const valid = (c: Case): boolean => {
  try {
    resolve(materialize(c.layout), c.op, WORD64);
    return true;
  } catch {
    return false;
  }
};

function* smallerOps(op: Operation, huge = 1n): Generator<Operation> {
  if (op.kind === 'bind') {
    // fewer pages at the same offset, or ending where it ended (an overflow is of offset + size: a
    // request ending at 2^63 keeps it with one page), then a guest address at 0
    const n = op.memory_size >> PAGE_SHIFT;
    for (const pages of [1n, 2n, n / 2n, n - 1n]) {
      if (pages < 1n || pages >= n) continue;
      yield { ...op, memory_size: pages << PAGE_SHIFT };
      yield { ...op, memory_size: pages << PAGE_SHIFT, guest_memfd_offset: op.guest_memfd_offset + ((n - pages) << PAGE_SHIFT) };
    }
    if (op.guest_phys_addr > 0n) yield { ...op, guest_phys_addr: 0n };
    return;
  }
  if (op.kind === 'convert' && op.size > 0n) {
    const page = 1n << PAGE_SHIFT;
    const s = op.offset >> PAGE_SHIFT, n = op.size >> PAGE_SHIFT;
    const conv = (start: bigint, pages: bigint): Operation => ({ ...op, offset: start * page, size: pages * page });
    // a conversion across huge pages: the fewest pages that still cross the first or the last edge
    const firstEdge = alignDown(s, huge) + huge, lastEdge = alignDown(s + n - 1n, huge);
    if (huge > 1n && firstEdge < s + n) { yield conv(s, firstEdge + 1n - s); yield conv(firstEdge - 1n, 2n); }
    if (huge > 1n && lastEdge > s) yield conv(lastEdge - 1n, s + n - lastEdge + 1n);
    for (const pages of [1n, 2n, n / 2n, n - 1n]) if (pages >= 1n && pages < n) { yield conv(s, pages); yield conv(s + n - pages, pages); }
    for (const start of [0n, s / 2n, s - 1n]) if (start >= 0n && start < s) yield conv(start, n);
    return;
  }
  if (op.kind === 'memory-failure' && op.order > 0) {
    for (const order of [0, op.order - 1]) {
      const nr = 1n << BigInt(order);
      for (const index of [op.index, op.index + (1n << BigInt(op.order)) - nr]) yield { ...op, index, order };
    }
  }
  if (op.kind !== 'punch' || op.offset < 0n || op.len <= 0n) return;
  const page = 1n << PAGE_SHIFT;
  const s = op.offset >> PAGE_SHIFT, n = op.len >> PAGE_SHIFT;
  const punch = (start: bigint, pages: bigint): Operation => ({ ...op, offset: start * page, len: pages * page });
  for (const pages of [1n, 2n, n / 2n, n - 1n]) if (pages >= 1n && pages < n) { yield punch(s, pages); yield punch(s + n - pages, pages); }
  for (const start of [0n, s / 2n, s - 1n]) if (start >= 0n && start < s) yield punch(start, n);
}

function* smallerLayouts(l: LayoutSpec): Generator<LayoutSpec> {
  for (let i = 0; i < l.slots.length && l.slots.length > 1; i++) yield { ...l, slots: l.slots.filter((_, j) => j !== i).map((x, id) => ({ ...x, id })) };
  for (const [i, s] of l.slots.entries()) {
    const put = (t: SlotSpec): LayoutSpec => ({ ...l, slots: l.slots.map((x, j) => (j === i ? t : x)) });
    for (const n of [1n, 2n, s.npages / 2n]) if (n >= 1n && n < s.npages) yield put({ ...s, npages: n });
    // or its last pages kept: the part that fails may be the end of the binding
    for (const n of [1n, 2n, s.npages / 2n]) if (n >= 1n && n < s.npages) yield put({ ...s, pgoff: s.pgoff + s.npages - n, npages: n, base_gfn: s.base_gfn + s.npages - n });
    // one page off either end, last: a unit step taken first would stand in for every bigger one
    if (s.npages > 1n) {
      yield put({ ...s, npages: s.npages - 1n });
      yield put({ ...s, pgoff: s.pgoff + 1n, npages: s.npages - 1n, base_gfn: s.base_gfn + 1n });
    }
    for (const g of [0n, s.base_gfn / 2n, s.base_gfn - 1n]) if (g >= 0n && g < s.base_gfn) yield put({ ...s, base_gfn: g });
    // one binding moved toward index 0 on its own (bind() refuses it if it lands on another)
    for (const p of [0n, s.pgoff / 2n, s.pgoff - 1n]) if (p >= 0n && p < s.pgoff) yield put({ ...s, pgoff: p });
    // its id toward its place, as a later view's slots are: a view made the whole file keeps its ids
    if (s.id !== i) yield put({ ...s, id: i });
  }
  const used = l.slots.reduce((m, s) => (s.pgoff + s.npages > m ? s.pgoff + s.npages : m), 1n);
  for (const f of [used, l.filePages - 1n]) if (f >= used && f < l.filePages) yield { ...l, filePages: f };
}

/** Fewer or simpler other views: one dropped (a release of a later view follows it), one in a default VM, one with a slot fewer or smaller. */
function* smallerViews(c: Case): Generator<Case> {
  const others = c.layout.otherViews ?? [];
  const withViews = (vs: readonly ViewSpec[]): LayoutSpec => {
    const { otherViews: _, ...first } = c.layout;
    return vs.length ? { ...first, otherViews: vs } : first;
  };
  // one view alone as the whole file (one VM is the simpler world), if a release does not close another
  for (const [i, v] of others.entries()) {
    if (c.op.kind === 'release' && (c.op.view ?? 0) !== i + 1) continue;
    if (v.slots.length === 0) continue; // a file with no binding at all shows nothing
    const alone: LayoutSpec = { filePages: c.layout.filePages, slots: v.slots, ...(v.vmType ? { vmType: v.vmType } : {}), ...(c.layout.pageOrder ? { pageOrder: c.layout.pageOrder } : {}) };
    yield { ...c, layout: alone, op: c.op.kind === 'release' ? { kind: 'release' } : c.op };
  }
  for (let i = 0; i < others.length; i++) {
    const view = i + 1;
    const op = c.op.kind === 'release' && c.op.view ? (c.op.view === view ? null : { ...c.op, view: c.op.view > view ? c.op.view - 1 : c.op.view }) : c.op;
    if (op) yield { ...c, layout: withViews(others.filter((_, j) => j !== i)), op: op.kind === 'release' && !op.view ? { kind: 'release' } : op };
  }
  for (const [i, v] of others.entries()) {
    const put = (t: ViewSpec) => ({ ...c, layout: withViews(others.map((x, j) => (j === i ? t : x))) });
    if (v.vmType && v.vmType !== 'default') yield put({ slots: v.slots });
    for (let k = 0; k < v.slots.length; k++) yield put({ ...v, slots: v.slots.filter((_, j) => j !== k) });
    for (const [k, s] of v.slots.entries()) {
      const slot = (t: SlotSpec) => put({ ...v, slots: v.slots.map((x, j) => (j === k ? t : x)) });
      if (s.npages > 1n) yield slot({ ...s, npages: 1n });
      if (s.base_gfn > 0n) yield slot({ ...s, base_gfn: 0n });
      if (s.id !== k) yield slot({ ...s, id: k });
    }
  }
}

/** Moves every file index (bindings of every view, and punch) left by `by` pages, when everything stays >= 0. */
function shiftedLeft(c: Case, by: bigint): Case | null {
  const others = c.layout.otherViews ?? [];
  if ([c.layout, ...others].some((v) => v.slots.some((s) => s.pgoff < by))) return null;
  const left = (ss: readonly SlotSpec[]) => ss.map((s) => ({ ...s, pgoff: s.pgoff - by }));
  const slots = left(c.layout.slots);
  let op = c.op;
  if (op.kind === 'punch') { if (op.offset < by << PAGE_SHIFT) return null; op = { ...op, offset: op.offset - (by << PAGE_SHIFT) }; }
  if (op.kind === 'convert') { if (op.offset < by << PAGE_SHIFT) return null; op = { ...op, offset: op.offset - (by << PAGE_SHIFT) }; }
  if (op.kind === 'memory-failure') return null; // folio alignment would change
  // a huge page's alignment would change (the file's size, a punch's, the conversion's bracket)
  if (c.layout.pageOrder && by % (1n << BigInt(c.layout.pageOrder)) !== 0n) return null;
  const otherViews = others.length ? { otherViews: others.map((v) => ({ ...v, slots: left(v.slots) })) } : {};
  return { ...c, layout: { ...c.layout, filePages: c.layout.filePages - by, slots, ...otherViews }, op };
}

/** A smaller page order: 4 KiB pages, or 2 MiB from 1 GiB; the file shrinks to what the bindings need, in whole pages. */
function* smallerOrders(c: Case): Generator<Case> {
  const order = c.layout.pageOrder ?? 0;
  for (const to of [0, 9].filter((o) => o < order)) {
    const { pageOrder: _, ...rest } = c.layout;
    yield { ...c, layout: to ? { ...rest, pageOrder: to } : rest };
  }
  if (order) {
    const huge = 1n << BigInt(order);
    const views = [c.layout, ...(c.layout.otherViews ?? [])];
    const used = views.flatMap((v) => v.slots).reduce((m, s) => (s.pgoff + s.npages > m ? s.pgoff + s.npages : m), 1n);
    const fit = alignUp(used, huge);
    if (fit < c.layout.filePages) yield { ...c, layout: { ...c.layout, filePages: fit } };
  }
}

function* candidates(c: Case): Generator<Case> {
  // a default VM is the simpler world: a case that fails there too is shown there
  if (c.layout.vmType && c.layout.vmType !== 'default') {
    const { vmType: _, ...inDefault } = c.layout;
    yield { ...c, layout: inDefault };
  }
  yield* smallerOrders(c);
  yield* smallerViews(c);
  // the operation first: its big steps (to the huge-page edge, halving) save many small ones of the layout
  for (const op of smallerOps(c.op, 1n << BigInt(c.layout.pageOrder ?? 0))) yield { ...c, op };
  // a bind request needs no binding before it: even the last one may go
  if (c.op.kind === 'bind' && c.layout.slots.length === 1) yield { ...c, layout: { ...c.layout, slots: [] } };
  for (const layout of smallerLayouts(c.layout)) yield { ...c, layout };
  const low = c.layout.slots.reduce((m, s) => (s.pgoff < m ? s.pgoff : m), c.layout.slots[0]?.pgoff ?? 0n);
  // in a file of huge pages, a shift keeps their alignment: whole huge pages only
  const huge = 1n << BigInt(c.layout.pageOrder ?? 0);
  for (const by of [low, low / 2n, 1n, alignDown(low, huge), alignDown(low, huge) - huge]) if (by > 0n) { const d = shiftedLeft(c, by); if (d) yield d; }
}

/** The smallest case reachable by greedy steps that still `fails`; at most `budget` tries. */
export function minimize(c: Case, fails: (c: Case) => boolean, budget = 3000): Case {
  let best = c;
  const key = (x: Case) => JSON.stringify(x, (_, v) => (typeof v === 'bigint' ? `${v}n` : v));
  for (let tries = 0, improved = true; improved && tries < budget; ) {
    improved = false;
    const at = key(best);
    for (const next of candidates(best)) {
      if (key(next) === at) continue; // no step at all: it would count as one forever
      if (++tries > budget) break;
      if (valid(next) && fails(next)) { best = next; improved = true; break; }
    }
  }
  return best;
}
