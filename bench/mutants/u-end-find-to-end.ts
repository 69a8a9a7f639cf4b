// u-end-find-to-end: upstream's end half looking for a binding in [start, end] instead of [start, end - 1].

import { XA_PRESENT } from '../../model/kernel';
import { defineVariant, expectations } from '../../model/variant';

export default defineVariant({
  name: 'u-end-find-to-end',
  origin: 'mutant of upstream',
  expect: expectations({ 'no-warn': 'fail', 'mmu-bookkeeping': 'fail', 'no-redundant-unmap': 'report' }),

  invalidate_begin(k, start, end) {
    const { gmem, kvm, ul, min, max, xa_for_each_range } = k;
    const { KVM_MMU_LOCK, KVM_MMU_UNLOCK, kvm_mmu_invalidate_begin } = k;
    const { kvm_mmu_unmap_gfn_range, kvm_flush_remote_tlbs } = k;
    let flush = false, found_memslot = false;

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

      flush = kvm_mmu_unmap_gfn_range(kvm, gfn_range) || flush;
    }

    if (flush)
      kvm_flush_remote_tlbs(kvm);

    if (found_memslot)
      KVM_MMU_UNLOCK(kvm);
  },

  invalidate_end(k, start, end) {
    const { gmem, kvm, xa_find, KVM_MMU_LOCK, KVM_MMU_UNLOCK, kvm_mmu_invalidate_end } = k;

    if (xa_find(gmem.bindings, start, end, XA_PRESENT)) {  // mutated
      KVM_MMU_LOCK(kvm);
      kvm_mmu_invalidate_end(kvm);
      KVM_MMU_UNLOCK(kvm);
    }
  },
});
