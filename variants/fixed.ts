// fixed: Ackerley Tng's June 2023 fix of the range math ("KVM: guest_mem: Prevent overflows in
// kvm_gmem_invalidate_begin()"): clamp to the binding, no WARN, no skip. Its tree still has
// the 2023 begin/end imbalance. Ported from googleprodkernel/linux-cc @bcc304e3 (§2, "fixed").

import { defineVariant, expectations } from '../model/variant';
import { kvm_gmem_invalidate_end_2023 } from './early';

export default defineVariant({
  name: 'fixed',
  origin: 'googleprodkernel/linux-cc virt/kvm/guest_mem.c @bcc304e3 (June 2023)',
  expect: expectations({
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
      const index_start = max(slot.gmem.index, start);
      const index_end = min(slot.gmem.index + slot.npages, end);
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
