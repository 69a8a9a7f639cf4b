// upstream-6.14: Linux 6.14 virt/kvm/guest_memfd.c, 6.8's range math with the attribute filter:
// each range is tagged KVM_FILTER_PRIVATE, since guest_memfd backs only private memory there
// (dca6c8853232, KERNEL-FACTS §6 "The attribute filter"). On a TDX VM that filter is what makes
// kvm_unmap_gfn_range() reach the mirror roots at all; on any other VM it is ignored.

import { defineVariant, expectations } from '../model/variant';
import { kvm_gmem_invalidate_end_6_8 } from './upstream';

export default defineVariant({
  name: 'upstream-6.14',
  origin: 'torvalds/linux virt/kvm/guest_memfd.c, 6.14 (dca6c8853232: .attr_filter = KVM_FILTER_PRIVATE)',
  expect: expectations({
    'no-redundant-unmap': 'fail',
  }),
  vmTypes: ['default', 'tdx'],

  invalidate_begin(k, start, end) {
    const { gmem, kvm, ul, min, max, xa_for_each_range, KVM_FILTER_PRIVATE } = k;
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
        // guest_memfd backs private memory only
        attr_filter: KVM_FILTER_PRIVATE,
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
