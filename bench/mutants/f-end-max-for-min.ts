// f-end-max-for-min: fixed with max() where min() clamps index_end.

import { defineVariant, expectations } from '../../model/variant';
import { kvm_gmem_invalidate_end_2023 } from '../../variants/early';

export default defineVariant({
  name: 'f-end-max-for-min',
  origin: 'mutant of fixed',
  expect: expectations({ 'no-stale-mapping': 'fail', 'no-collateral-unmap': 'fail', 'ranges-well-formed': 'fail', 'mmu-bookkeeping': 'fail', 'no-redundant-unmap': 'report' }),

  invalidate_begin(k, start, end) {
    const { gmem, kvm, ul, max, xa_for_each_range } = k;
    const { KVM_MMU_LOCK, KVM_MMU_UNLOCK, kvm_mmu_invalidate_begin, kvm_mmu_invalidate_range_add } = k;
    const { kvm_unmap_gfn_range, kvm_flush_remote_tlbs } = k;
    let flush = false;

    KVM_MMU_LOCK(kvm);
    kvm_mmu_invalidate_begin(kvm);

    for (const [, slot] of xa_for_each_range(gmem.bindings, start, ul(end - 1n))) {
      const index_start = max(slot.gmem.index, start);
      const index_end = max(slot.gmem.index + slot.npages, end);  // mutated
      const gfn_range = {
        start: ul(slot.base_gfn + index_start - slot.gmem.index),
        end: ul(slot.base_gfn + index_end - slot.gmem.index),
        slot,
        may_block: true,
      };

      kvm_mmu_invalidate_range_add(kvm, gfn_range.start, gfn_range.end);

      flush = kvm_unmap_gfn_range(kvm, gfn_range) || flush;
    }

    if (flush)
      kvm_flush_remote_tlbs(kvm);

    KVM_MMU_UNLOCK(kvm);
  },

  invalidate_end: kvm_gmem_invalidate_end_2023,
});
