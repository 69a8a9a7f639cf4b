// The difference between what the reference says each slot must lose and what the variant
// unmapped: missed gfns (stale mappings), extra gfns (collateral), per slot.

import { KvmEvent } from '../model/kvm';
import { Range, normalize, subtract } from '../model/ranges';
import { Outcome } from './execute';

export type Unmap = Extract<KvmEvent, { op: 'unmap' }>;

export interface SlotDiff {
  readonly slot: number;
  readonly expected: readonly Range[];
  readonly unmapped: readonly Range[];
  readonly missed: readonly Range[];
  readonly extra: readonly Range[];
}

export const unmapsOf = (o: Outcome): Unmap[] => o.events.filter((e): e is Unmap => e.op === 'unmap');

/** Per slot named by the reference or by an unmap: expected, unmapped (under that slot), missed, extra. */
export function diff(o: Outcome): SlotDiff[] {
  const unmaps = unmapsOf(o);
  const ids = new Set<number>([...o.expected.map((e) => e.slot.id), ...unmaps.map((u) => u.slot)]);
  return [...ids].sort((a, b) => a - b).map((slot) => {
    const expected = o.expected.filter((e) => e.slot.id === slot).map((e) => e.gfns);
    const unmapped = normalize(unmaps.filter((u) => u.slot === slot).map((u) => ({ start: u.start, end: u.end })));
    return { slot, expected, unmapped, missed: subtract(expected, unmapped), extra: subtract(unmapped, expected) };
  });
}
