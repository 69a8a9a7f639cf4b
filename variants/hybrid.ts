// hybrid: a hugetlb+SNP downstream tree that took the fixed math but kept the skip of any slot
// not containing the whole range, warning unless the call is release (0, -1). Ported from an
// unidentified downstream guest_mem.c (KERNEL-FACTS §2, "hybrid"); 2023-era begin and end.

import { defineVariant, expectations } from '../model/variant';
import { kvm_gmem_invalidate_end_2023 } from './early';

export default defineVariant({
  name: 'hybrid',
  origin: 'hugetlb+SNP downstream tree, virt/kvm/guest_mem.c (repository unidentified)',
  expect: expectations({
    'no-stale-mapping': 'fail',
    'no-warn': 'fail',
    'mmu-bookkeeping': 'fail',
    'no-redundant-unmap': 'fail',
  }),

  invalidate_begin(k, start, end) {
    const { gmem, kvm, ul, min, max, ULONG_MAX, xa_for_each_range, WARN_ON_ONCE } = k;
    const { KVM_MMU_LOCK, KVM_MMU_UNLOCK, kvm_mmu_invalidate_begin, kvm_mmu_invalidate_range_add } = k;
    const { kvm_unmap_gfn_range, kvm_flush_remote_tlbs } = k;
    let flush = false;

    KVM_MMU_LOCK(kvm);
    kvm_mmu_invalidate_begin(kvm);

    for (const [, slot] of xa_for_each_range(gmem.bindings, start, ul(end - 1n))) {
      const index_start = max(slot.gmem.index, start);
      const index_end = min(slot.gmem.index + slot.npages, end);
      const gfn_range = {
        start: ul(slot.base_gfn + index_start - slot.gmem.index),
        end: ul(slot.base_gfn + index_end - slot.gmem.index),
        slot,
        may_block: true,
      };

      if (start < slot.gmem.index || end > ul(slot.gmem.index + slot.npages)) {
        WARN_ON_ONCE(!(start === 0n && end === ULONG_MAX));
        continue;
      }

      kvm_mmu_invalidate_range_add(kvm, gfn_range.start, gfn_range.end);

      flush = kvm_unmap_gfn_range(kvm, gfn_range) || flush;
    }

    if (flush)
      kvm_flush_remote_tlbs(kvm);

    KVM_MMU_UNLOCK(kvm);
  },

  invalidate_end: kvm_gmem_invalidate_end_2023,
});
