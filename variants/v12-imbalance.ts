// v12-imbalance: RFC v11/v12 (Jul-Sep 2023), upstream's range math with begin unconditional and
// end conditional, so a punch that meets no binding leaves an invalidation in progress forever.
// Ported from the v12 patch as quoted in Binbin Wu's review and in "KVM: Fix MMU invalidation
// bookkeeping in guest_memfd" (20230921203331.3746712-6) (KERNEL-FACTS §2, end half).

import { defineVariant, expectations } from '../model/variant';
import { kvm_gmem_invalidate_end_2023 } from './early';

export default defineVariant({
  name: 'v12-imbalance',
  origin: 'RFC v12 virt/kvm/guest_memfd.c, before lore 20230921203331.3746712-6 (21 Sep 2023)',
  expect: expectations({
    'mmu-bookkeeping': 'fail',
    'no-redundant-unmap': 'fail',
  }),

  invalidate_begin(k, start, end) {
    const { gmem, kvm, ul, min, max, xa_for_each_range } = k;
    const { KVM_MMU_LOCK, KVM_MMU_UNLOCK, kvm_mmu_invalidate_begin } = k;
    const { kvm_mmu_unmap_gfn_range, kvm_flush_remote_tlbs } = k;
    let flush = false;

    KVM_MMU_LOCK(kvm);
    kvm_mmu_invalidate_begin(kvm);

    for (const [, slot] of xa_for_each_range(gmem.bindings, start, ul(end - 1n))) {
      const pgoff = slot.gmem.pgoff;

      const gfn_range = {
        start: ul(slot.base_gfn + max(pgoff, start) - pgoff),
        end: ul(slot.base_gfn + min(pgoff + slot.npages, end) - pgoff),
        slot,
        may_block: true,
      };

      flush = kvm_mmu_unmap_gfn_range(kvm, gfn_range) || flush;
    }

    if (flush)
      kvm_flush_remote_tlbs(kvm);

    KVM_MMU_UNLOCK(kvm);
  },

  // The same statements as the 2023 end: lock, end only if a binding is present, unlock.
  invalidate_end: kvm_gmem_invalidate_end_2023,
});
