// early: the spring 2023 proof of concept, which forgets to subtract the slot's file offset.
// Ported from mdroth/linux virt/kvm/guest_mem.c @04652f07 (KERNEL-FACTS §2, "early").

import { Kernel, XA_PRESENT } from '../model/kernel';
import { defineVariant, expectations } from '../model/variant';
import { pgoff_t } from '../model/word';

/**
 * The 2023 kvm_gmem_invalidate_end(): takes the lock always, but ends the invalidation only
 * if a binding is present, while begin started it unconditionally (fixed on 21 Sep 2023).
 * Shared by every 2023-era variant (early, buggy, fixed, hybrid): their trees all have it.
 */
export function kvm_gmem_invalidate_end_2023(k: Kernel, start: pgoff_t, end: pgoff_t): void {
  const { gmem, kvm, ul, xa_find, KVM_MMU_LOCK, KVM_MMU_UNLOCK, kvm_mmu_invalidate_end } = k;

  KVM_MMU_LOCK(kvm);
  if (xa_find(gmem.bindings, start, ul(end - 1n), XA_PRESENT))
    kvm_mmu_invalidate_end(kvm);
  KVM_MMU_UNLOCK(kvm);
}

export default defineVariant({
  name: 'early',
  origin: 'mdroth/linux virt/kvm/guest_mem.c @04652f07 (spring 2023 POC snapshot)',
  expect: expectations({
    'no-stale-mapping': 'fail',
    'no-collateral-unmap': 'fail',
    'ranges-well-formed': 'fail',
    'mmu-bookkeeping': 'fail',
    'no-redundant-unmap': 'fail',
  }),

  invalidate_begin(k, start, end) {
    const { gmem, kvm, ul, min, max, xa_for_each_range } = k;
    const { KVM_MMU_LOCK, KVM_MMU_UNLOCK, kvm_mmu_invalidate_begin, kvm_mmu_invalidate_range_add } = k;
    const { kvm_unmap_gfn_range, kvm_flush_remote_tlbs } = k;
    let flush = false;

    KVM_MMU_LOCK(kvm);
    kvm_mmu_invalidate_begin(kvm);

    for (const [, slot] of xa_for_each_range(gmem.bindings, start, ul(end - 1n))) {
      const gfn_range = {
        start: ul(slot.base_gfn + max(start, slot.gmem.index)),
        end: ul(slot.base_gfn + min(end, slot.gmem.index + slot.npages)),
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
