// The difference between what the reference says each slot must lose and what the variant
// unmapped: missed gfns (stale mappings), extra gfns (collateral), per slot. An unmap counts
// only in the roots it zapped: on a TDX VM, one whose filter leaves out the mirror roots
// unmaps none of its guest_memfd memory.

import { KvmEvent } from '../model/kvm';
import { Range, normalize, subtract } from '../model/ranges';
import { memoryRoot } from '../model/vm';
import { Outcome } from './engine/execute';

export type Unmap = Extract<KvmEvent, { op: 'unmap' }>;

export interface SlotDiff {
  readonly slot: number;
  readonly expected: readonly Range[];
  readonly unmapped: readonly Range[];
  readonly missed: readonly Range[];
  readonly extra: readonly Range[];
}

export const unmapsOf = (o: Outcome): Unmap[] => o.events.filter((e): e is Unmap => e.op === 'unmap');

/**
 * Per slot named by the reference or by an unmap: expected, unmapped (under that slot), missed,
 * extra. Only unmaps made in invalidate_begin cover anything: the caller truncates the folios
 * between begin and end, so an unmap in invalidate_end comes after the host freed the pages.
 * Every unmap, early or late, counts toward extra.
 */
export function diff(o: Outcome): SlotDiff[] {
  // an unmap whose attribute filter left out the roots that map the memory unmapped nothing there (model/vm.ts)
  const root = memoryRoot(o.layout.vmType ?? 'default');
  const unmaps = unmapsOf(o).filter((u) => !u.roots || u.roots.includes(root));
  const ids = new Set<number>([...o.expected.map((e) => e.slot.id), ...unmaps.map((u) => u.slot)]);
  const ranges = (us: Unmap[]) => normalize(us.map((u) => ({ start: u.start, end: u.end })));
  return [...ids].sort((a, b) => a - b).map((slot) => {
    const expected = o.expected.filter((e) => e.slot.id === slot).map((e) => e.gfns);
    const mine = unmaps.filter((u) => u.slot === slot);
    const inTime = ranges(mine.filter((u) => u.phase === 'begin'));
    const unmapped = ranges(mine);
    return { slot, expected, unmapped, missed: subtract(expected, inTime), extra: subtract(unmapped, expected) };
  });
}
