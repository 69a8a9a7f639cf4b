// u-start-reassociated: upstream with the start gfn written base_gfn - pgoff + max(pgoff, start), a refactor that reorders the terms.
// Equivalent: unsigned arithmetic is a ring modulo 2^64, so reordering + and - before the single conversion gives the same word.

import { defineVariant, expectations } from '../../model/variant';
import { kvm_gmem_invalidate_end_6_8 } from '../../variants/upstream';

export default defineVariant({
  name: 'u-start-reassociated',
  origin: 'mutant of upstream; equivalent: unsigned arithmetic is a ring modulo 2^64, so reordering + and - before the single conversion gives the same word',
  expect: expectations({ 'no-redundant-unmap': 'report' }),

  invalidate_begin(k, start, end) {
    const { gmem, kvm, ul, min, max, xa_for_each_range } = k;
    const { KVM_MMU_LOCK, KVM_MMU_UNLOCK, kvm_mmu_invalidate_begin } = k;
    const { kvm_mmu_unmap_gfn_range, kvm_flush_remote_tlbs } = k;
    let flush = false, found_memslot = false;

    for (const [, slot] of xa_for_each_range(gmem.bindings, start, ul(end - 1n))) {
      const pgoff = slot.gmem.pgoff;

      const gfn_range = {
        start: ul(slot.base_gfn - pgoff + max(pgoff, start)),  // mutated
        end: ul(slot.base_gfn + min(pgoff + slot.npages, end) - pgoff),
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
