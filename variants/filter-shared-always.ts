// filter-shared-always: upstream-6.14 with each range tagged KVM_FILTER_SHARED, as the hva-based
// notifier tags its ranges (kvm_main.c) and as a port of the 2026 body would when it reads the
// file's flags wrongly. Harmless on a default VM, which zaps its direct roots whatever the filter;
// on a TDX VM the unmap never reaches the mirror roots, and every punched private page stays
// mapped (KERNEL-FACTS §6: "a wrong filter is harmless on a default VM and a stale private
// mapping on TDX"). A mistake of today's code, shipped to show the harness catches it.

import { defineVariant, expectations } from '../model/variant';
import { kvm_gmem_invalidate_end_6_8 } from './upstream';

export default defineVariant({
  name: 'filter-shared-always',
  origin: 'buggy on purpose: upstream-6.14 with .attr_filter = KVM_FILTER_SHARED',
  expect: expectations({
    'no-stale-mapping': 'fail',
    'no-redundant-unmap': 'fail',
  }),
  vmTypes: ['default', 'tdx'],

  invalidate_begin(k, start, end) {
    const { gmem, kvm, ul, min, max, xa_for_each_range, KVM_FILTER_SHARED } = k;
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
        attr_filter: KVM_FILTER_SHARED, // the bug: private memory is what guest_memfd backs
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
