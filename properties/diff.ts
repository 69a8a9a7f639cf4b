// The difference between what the reference says each slot must lose and what the variant
// unmapped: missed gfns (stale mappings), extra gfns (collateral), per slot of each view. An
// unmap counts only in the roots it zapped: on a TDX VM, one whose filter leaves out the mirror
// roots unmaps none of its guest_memfd memory.

import { KvmEvent } from '../model/kvm';
import { viewsOf } from '../model/layout';
import { Range, normalize, subtract } from '../model/ranges';
import { memoryRoot } from '../model/vm';
import { recent } from '../model/recent';
import { Outcome } from './engine/execute';

export type Unmap = Extract<KvmEvent, { op: 'unmap' }>;

export interface SlotDiff {
  /** The view the slot belongs to (0: the first). */
  readonly view: number;
  readonly slot: number;
  readonly expected: readonly Range[];
  readonly unmapped: readonly Range[];
  readonly missed: readonly Range[];
  readonly extra: readonly Range[];
}

/** The outcome's unmaps, in order; `nonEmpty`: only those of at least one gfn. */
export function unmapsOf(o: Outcome, nonEmpty = false): Unmap[] {
  const out: Unmap[] = [];
  for (const e of o.events) if (e.op === 'unmap' && (!nonEmpty || e.start < e.end)) out.push(e);
  return out;
}

/**
 * One view's side of a case: its own layout (without other views), the events made on its VM,
 * its walks and what its slots must lose. An outcome of one view is its own only view.
 */
export function viewOutcomes(o: Outcome): ReadonlyArray<{ readonly view: number; readonly outcome: Outcome }> {
  return viewsOfOutcome(o);
}

// An outcome is a value once made, and every property of a case judges the same one (and each
// of its views' outcomes): each view's outcome and difference is computed once.
const viewsOfOutcome = recent(4, splitViews);

function splitViews(o: Outcome): Array<{ readonly view: number; readonly outcome: Outcome }> {
  const views = viewsOf(o.layout);
  if (views.length === 1) return [{ view: 0, outcome: o }];
  const expected = byView(views.length, o.expected);
  const events = byView(views.length, o.events);
  const walks = byView(views.length, o.walks);
  return views.map((layout, view) => ({
    view,
    outcome: { ...o, layout, expected: expected[view], events: events[view], walks: walks[view] },
  }));
}

/**
 * `xs` (expected unmaps, events or walks) parted by view, each part in the order of `xs` (one
 * pass, not a filter per view); an event's or a walk's view is absent for the first, an expected
 * unmap's is always there.
 */
function byView<T extends { readonly view?: number }>(views: number, xs: readonly T[]): T[][] {
  // a loop, not Array.from({ length }): this runs for every case of a file with several views;
  // the view read here, not by a callback per kind (a call per record cost more than the pass)
  const parts: T[][] = [];
  for (let v = 0; v < views; v++) parts.push([]);
  for (const x of xs) parts[x.view ?? 0]?.push(x);
  return parts;
}

/** diff() of every view, each slot with its view. */
export const diff: (o: Outcome) => readonly SlotDiff[] = recent(4, (o: Outcome) => {
  const views = viewOutcomes(o);
  if (views.length === 1) return diffOfView(o, 0);
  const out: SlotDiff[] = [];
  for (const { view, outcome } of views) out.push(...diffOfView(outcome, view));
  return out;
});

/**
 * Per slot of a one-view outcome named by the reference or by an unmap: expected, unmapped (under that slot), missed,
 * extra. Only unmaps made before invalidate_end cover anything (in invalidate_begin, or in the
 * split era's zap): the caller truncates the folios before end, so an unmap in invalidate_end
 * comes after the host freed the pages.
 * Every unmap, early or late, counts toward extra.
 */
function diffOfView(o: Outcome, view: number): SlotDiff[] {
  // a view the reference spares and the variant did not touch has no slot to report
  if (o.expected.length === 0 && !hasUnmap(o.events)) return [];
  // an unmap whose attribute filter left out the roots that map the memory unmapped nothing there (model/vm.ts)
  const root = memoryRoot(o.layout.vmType ?? 'default');
  // one pass over the reference and the log, each slot's ranges gathered in their order; the
  // slots kept in ascending id as they are met (a view has a few: no Map, no sort of its keys)
  const slots: Gathered[] = [];
  const of = (id: number) => {
    let i = 0;
    while (i < slots.length && slots[i].slot < id) i++;
    if (i < slots.length && slots[i].slot === id) return slots[i];
    const x: Gathered = { slot: id, expected: [], all: [], inTime: [] };
    slots.splice(i, 0, x);
    return x;
  };
  for (const e of o.expected) of(e.slot.id).expected.push(e.gfns);
  for (const u of o.events) {
    if (u.op !== 'unmap' || (u.roots && !u.roots.includes(root))) continue;
    const x = of(u.slot), r = { start: u.start, end: u.end };
    x.all.push(r);
    if (u.phase !== 'end') x.inTime.push(r);
  }
  const out: SlotDiff[] = [];
  for (let i = 0; i < slots.length; i++) {
    const { slot, expected, all, inTime } = slots[i];
    const unmapped = normalize(all);
    out.push({ view, slot, expected, unmapped, missed: subtract(expected, normalize(inTime)), extra: subtract(unmapped, expected) });
  }
  return out;
}

/** One slot's ranges in a view: what the reference says it must lose, every unmap under it, and those made in time. */
interface Gathered {
  readonly slot: number;
  readonly expected: Range[];
  readonly all: Range[];
  readonly inTime: Range[];
}

/** Whether the log holds an unmap. */
const hasUnmap = (events: Outcome['events']): boolean => {
  for (const e of events) if (e.op === 'unmap') return true;
  return false;
};
