// u-flush-dropped: upstream with the TLB flush dropped ("the MMU notifier flushes anyway").

import { defineVariant, expectations } from '../../model/variant';
import { kvm_gmem_invalidate_end_6_8 } from '../../variants/upstream';

export default defineVariant({
  name: 'u-flush-dropped',
  origin: 'mutant of upstream',
  expect: expectations({ 'mmu-bookkeeping': 'fail', 'no-redundant-unmap': 'report' }),

  invalidate_begin(k, start, end) {
    const { gmem, kvm, ul, min, max, xa_for_each_range } = k;
    const { KVM_MMU_LOCK, KVM_MMU_UNLOCK, kvm_mmu_invalidate_begin } = k;
    const { kvm_mmu_unmap_gfn_range } = k;
    let found_memslot = false;

    for (const [, slot] of xa_for_each_range(gmem.bindings, start, ul(end - 1n))) {
      const pgoff = slot.gmem.pgoff;

      const gfn_range = {
        start: ul(slot.base_gfn + max(pgoff, start) - pgoff),
        end: ul(slot.base_gfn + min(pgoff + slot.npages, end) - pgoff),
        slot,
        may_block: true,
      };

      if (!found_memslot) {
        found_memslot = true;

        KVM_MMU_LOCK(kvm);
        kvm_mmu_invalidate_begin(kvm);
      }

      kvm_mmu_unmap_gfn_range(kvm, gfn_range);  // mutated: flush dropped
    }


    if (found_memslot)
      KVM_MMU_UNLOCK(kvm);
  },

  invalidate_end: kvm_gmem_invalidate_end_6_8,
});
