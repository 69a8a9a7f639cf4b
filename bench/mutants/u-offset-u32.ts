// u-offset-u32: upstream computing each offset into the slot in a u32, as code that keeps npages in an unsigned int does.
// Equivalent: both offsets are at most npages <= KVM_MEM_MAX_NR_PAGES = 2^31 - 1, so they fit in 32 bits and the truncation never changes them.

import { defineVariant, expectations } from '../../model/variant';
import { kvm_gmem_invalidate_end_6_8 } from '../../variants/upstream';

/** (u32)x: C's conversion to a 32-bit unsigned int. */
const u32 = (x: bigint): bigint => BigInt.asUintN(32, x);

export default defineVariant({
  name: 'u-offset-u32',
  origin: 'mutant of upstream; equivalent: both offsets are at most npages <= KVM_MEM_MAX_NR_PAGES = 2^31 - 1, so they fit in 32 bits and the truncation never changes them',
  expect: expectations({ 'no-redundant-unmap': 'report' }),

  invalidate_begin(k, start, end) {
    const { gmem, kvm, ul, min, max, xa_for_each_range } = k;
    const { KVM_MMU_LOCK, KVM_MMU_UNLOCK, kvm_mmu_invalidate_begin } = k;
    const { kvm_mmu_unmap_gfn_range, kvm_flush_remote_tlbs } = k;
    let flush = false, found_memslot = false;

    for (const [, slot] of xa_for_each_range(gmem.bindings, start, ul(end - 1n))) {
      const pgoff = slot.gmem.pgoff;

      const gfn_range = {
        start: ul(slot.base_gfn + u32(max(pgoff, start) - pgoff)),  // mutated
        end: ul(slot.base_gfn + u32(min(pgoff + slot.npages, end) - pgoff)),  // mutated
        slot,
        may_block: true,
      };

      if (!found_memslot) {
        found_memslot = true;

        KVM_MMU_LOCK(kvm);
        kvm_mmu_invalidate_begin(kvm);
      }

      flush = kvm_mmu_unmap_gfn_range(kvm, gfn_range) || flush;
    }

    if (flush)
      kvm_flush_remote_tlbs(kvm);

    if (found_memslot)
      KVM_MMU_UNLOCK(kvm);
  },

  invalidate_end: kvm_gmem_invalidate_end_6_8,
});
