// u-dedupe-break: upstream skipping repeated visits of a multi-chunk binding with `break` where `continue` belongs, which also drops every later slot.

import { defineVariant, expectations } from '../../model/variant';
import { kvm_gmem_invalidate_end_6_8 } from '../../variants/upstream';

export default defineVariant({
  name: 'u-dedupe-break',
  origin: 'mutant of upstream',
  expect: expectations({ 'no-stale-mapping': 'fail', 'no-redundant-unmap': 'report' }),

  invalidate_begin(k, start, end) {
    const { gmem, kvm, ul, min, max, xa_for_each_range } = k;
    const { KVM_MMU_LOCK, KVM_MMU_UNLOCK, kvm_mmu_invalidate_begin } = k;
    const { kvm_mmu_unmap_gfn_range, kvm_flush_remote_tlbs } = k;
    let flush = false, found_memslot = false;

    let last: unknown = null;

    for (const [, slot] of xa_for_each_range(gmem.bindings, start, ul(end - 1n))) {
      if (slot === last)
        break;  // mutated: was continue
      last = slot;

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
