// mike-base: Michael Roth's other suggestion, unmap from the slot's first gfn. Never misses, but
// over-invalidates whenever the punch starts inside the slot (Sean's objection). Judged inside
// the 6.8 body so that nothing but the range math differs from upstream (KERNEL-FACTS §2).

import { defineVariant, expectations } from '../model/variant';
import { kvm_gmem_invalidate_end_6_8 } from './upstream';

export default defineVariant({
  name: 'mike-base',
  origin: 'seed thread suggestion (Michael Roth, 2023), in the Linux 6.8 body',
  expect: expectations({
    'no-collateral-unmap': 'fail',
    'no-redundant-unmap': 'fail',
  }),

  invalidate_begin(k, start, end) {
    const { gmem, kvm, ul, min, xa_for_each_range } = k;
    const { KVM_MMU_LOCK, KVM_MMU_UNLOCK, kvm_mmu_invalidate_begin } = k;
    const { kvm_mmu_unmap_gfn_range, kvm_flush_remote_tlbs } = k;
    let flush = false, found_memslot = false;

    for (const [, slot] of xa_for_each_range(gmem.bindings, start, ul(end - 1n))) {
      const pgoff = slot.gmem.pgoff;

      const gfn_range = {
        start: slot.base_gfn,
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
