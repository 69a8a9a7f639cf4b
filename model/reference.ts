// The reference: which gfns each slot must lose when file indices [start, end) are
// invalidated (KERNEL-FACTS §1), computed with unbounded integers so nothing can wrap,
// plus a page-by-page oracle for small layouts that the reference is held against.

import { Layout, Memslot, viewsOf } from './layout';
import { Range } from './ranges';

export interface SlotGfns {
  /** The view (VM) the slot belongs to: 0 for the first (model/layout.ts viewsOf). */
  readonly view: number;
  readonly slot: Memslot;
  /** The gfns backed by the overlap of [start, end) with the slot's binding. */
  readonly gfns: Range;
}

/**
 * The gfns backed by the overlap of the slot's binding [p, p+n) with [start, end):
 * [b + max(p,start) - p, b + min(p+n,end) - p), empty (start >= end) when they do not meet. A
 * formula without decisions: the prover (prover/explore.ts) runs it on symbolic values.
 */
export function overlapGfns(slot: Memslot, start: bigint, end: bigint): Range {
  const { pgoff: p, npages: n, base_gfn: b } = slot;
  const is = p > start ? p : start;
  const ie = p + n < end ? p + n : end;
  return { start: b + is - p, end: b + ie - p };
}

/** For every slot whose binding [p, p+n) overlaps [start, end), the gfns it must lose (overlapGfns). */
export function expectedUnmaps(layout: Layout, start: bigint, end: bigint, view = 0): SlotGfns[] {
  const out: SlotGfns[] = [];
  // an indexed loop: a layout's slots are a frozen array, which a for-of walks 2 to 3 times slower
  for (let i = 0; i < layout.slots.length; i++) {
    const slot = layout.slots[i];
    const gfns = overlapGfns(slot, start, end);
    if (gfns.start < gfns.end) out.push({ view, slot, gfns });
  }
  return out;
}

/**
 * What every view must lose (§6): a punch or a memory failure invalidates the range in every VM
 * bound to the inode; a release (`only`) in the one view whose file is closed.
 */
export function expectedUnmapsOfViews(layout: Layout, start: bigint, end: bigint, only?: number): SlotGfns[] {
  if (!layout.otherViews?.length) return only === undefined || only === 0 ? expectedUnmaps(layout, start, end, 0) : [];
  const out: SlotGfns[] = [];
  const views = viewsOf(layout);
  for (let i = 0; i < views.length; i++) if (only === undefined || only === i) out.push(...expectedUnmaps(views[i], start, end, i));
  return out;
}

/** The gfns of the slot's own frames: [base_gfn, base_gfn + npages). */
export const slotGfns = (slot: Memslot): Range => ({ start: slot.base_gfn, end: slot.base_gfn + slot.npages });

/**
 * The oracle: walk [start, end) one file index at a time, find the binding that holds it and
 * the gfn it backs (index i of slot s backs b + (i - p)). Only for small ranges.
 */
export function oracleGfns(layout: Layout, start: bigint, end: bigint, limit = 1n << 16n): Map<number, bigint[]> {
  const lo = start > 0n ? start : 0n;
  const hi = end < layout.filePages ? end : layout.filePages; // no binding lies past the file
  if (hi - lo > limit) throw new RangeError(`oracle asked to walk ${hi - lo} indices (limit ${limit})`);
  const out = new Map<number, bigint[]>();
  for (let i = lo; i < hi; i++) {
    const s = layout.slots.find((x) => x.pgoff <= i && i < x.pgoff + x.npages);
    if (!s) continue;
    const list = out.get(s.id) ?? [];
    list.push(s.base_gfn + (i - s.pgoff));
    out.set(s.id, list);
  }
  return out;
}
