// A naive generator, the baseline the bench compares the project's generators with: the same
// case shape (1-6 slots, a punch, release or a folio), every number uniform over its
// kernel-valid range, with no bias toward small values, slot edges or xarray chunk sizes.

import fc from 'fast-check';
import { MAX_FOLIO_ORDER, Operation } from '../model/callers';
import { KVM_MEM_MAX_NR_PAGES, LLONG_MAX, PAGE_SHIFT } from '../model/layout';
import { CaseSpace, MAX_FILE_PAGES, MAX_GFN_END, inSpace } from '../properties/arbitraries';
import { Case, SlotSpec, inBindEra, materialize } from '../properties/case';

const U64 = (1n << 64n) - 1n;
/** A uniform unsigned 64-bit value: fast-check's bias toward small values switched off. */
const u64 = fc.noBias(fc.bigInt({ min: 0n, max: U64 }));
/** x uniform in [lo, hi], from a uniform 64-bit draw (the modulo bias is below 2^-13 here). */
const within = (x: bigint, lo: bigint, hi: bigint): bigint => lo + (x % (hi - lo + 1n));

const PUNCH_END = LLONG_MAX >> PAGE_SHIFT;

const slotDraw = fc.tuple(u64, u64, u64);

export const naiveCaseArb: fc.Arbitrary<Case> = fc
  .tuple(fc.array(slotDraw, { minLength: 1, maxLength: 6 }), u64, fc.noBias(fc.nat(2)), u64, u64)
  .map(([raw, fileDraw, kind, a, b]): Case => {
    const slots: SlotSpec[] = raw.map(([n, p, g], id) => {
      const npages = within(n, 1n, KVM_MEM_MAX_NR_PAGES);
      return { id, npages, pgoff: within(p, 0n, MAX_FILE_PAGES - npages), base_gfn: within(g, 0n, MAX_GFN_END - npages) };
    });
    const used = slots.reduce((m, s) => (s.pgoff + s.npages > m ? s.pgoff + s.npages : m), 1n);
    const filePages = within(fileDraw, used, MAX_FILE_PAGES);
    let op: Operation;
    if (kind === 0) {
      const s = within(a, 0n, PUNCH_END - 1n);
      const e = within(b, s + 1n, PUNCH_END);
      op = { kind: 'punch', mode: 3, offset: s << PAGE_SHIFT, len: (e - s) << PAGE_SHIFT };
    } else if (kind === 1) {
      op = { kind: 'release' };
    } else {
      const order = Number(within(b, 0n, BigInt(MAX_FOLIO_ORDER)));
      const at = within(a, 0n, filePages - 1n);
      op = { kind: 'memory-failure', index: at - (at % (1n << BigInt(order))), order };
    }
    return { layout: { filePages, slots }, op };
  })
  // the kernel refuses overlapping bindings or gfn ranges; uniform draws over 2^51 pages rarely make one
  .filter((c) => {
    try { materialize(c.layout); return true; } catch { return false; }
  });

/**
 * In the variant's VMs, drawn without bias; for a variant that takes the inode, with the other
 * views the project's generator adds, and for one of the split era with its page orders and
 * conversions (no generator finds a view or conversion bug without views and conversions).
 */
export const naiveCaseArbFor = (space: CaseSpace = {}): fc.Arbitrary<Case> =>
  inSpace(naiveCaseArb, space, (ts) => fc.noBias(fc.constantFrom(...ts)));

/**
 * Bind requests drawn the same way: a file of any size a loff_t holds, with no binding, and a
 * request of any page count at any page-aligned guest_memfd_offset __kvm_set_memory_region()
 * lets through (offset + size below 2^64), uniform, with no bias toward 2^63 or the file's end.
 */
export const naiveBindArb: fc.Arbitrary<Case> = fc.tuple(u64, u64, u64).map(([f, n, o]): Case => {
  const npages = within(n, 1n, KVM_MEM_MAX_NR_PAGES);
  const pgoff = within(o, 0n, (1n << 52n) - npages - 1n);
  return {
    layout: { filePages: within(f, 1n, MAX_FILE_PAGES), slots: [] },
    op: { kind: 'bind', slot: 0, guest_phys_addr: 0n, memory_size: npages << PAGE_SHIFT, guest_memfd_offset: pgoff << PAGE_SHIFT },
  };
});

/** The naive bind requests of a variant's bind era. */
export const naiveBindArbFor = (space: Pick<CaseSpace, 'bindEra'> = {}): fc.Arbitrary<Case> => naiveBindArb.map((c) => inBindEra(c, space.bindEra));
