// upstream: Linux 6.8 virt/kvm/guest_memfd.c, the range math of RFC v11 plus the 21 Sep 2023
// bookkeeping fix: lock and begin at the first overlapping slot, end only if a binding is
// present. Ported from torvalds/linux @a7800aa8 (KERNEL-FACTS §2, "upstream").

import { Kernel, XA_PRESENT } from '../model/kernel';
import { defineVariant, expectations } from '../model/variant';
import { pgoff_t } from '../model/word';

/** 6.8's kvm_gmem_invalidate_end(): lock and end only if begin found a binding to start. */
export function kvm_gmem_invalidate_end_6_8(k: Kernel, start: pgoff_t, end: pgoff_t): void {
  const { gmem, kvm, ul, xa_find, KVM_MMU_LOCK, KVM_MMU_UNLOCK, kvm_mmu_invalidate_end } = k;

  if (xa_find(gmem.bindings, start, ul(end - 1n), XA_PRESENT)) {
    KVM_MMU_LOCK(kvm);
    kvm_mmu_invalidate_end(kvm);
    KVM_MMU_UNLOCK(kvm);
  }
}

export default defineVariant({
  name: 'upstream',
  origin: 'torvalds/linux virt/kvm/guest_memfd.c @a7800aa8 (Linux 6.8)',
  expect: expectations({
    'no-redundant-unmap': 'fail',
  }),

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

  invalidate_end: kvm_gmem_invalidate_end_6_8,
});
