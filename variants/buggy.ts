// buggy: Sean Christopherson's 22 May 2023 posting, which WARNs and skips any slot that does
// not contain the whole punched range. Ported from lore ZGuh1J6AOw5v2R1W@google.com, the same
// code as googleprodkernel/linux-cc @003030da (KERNEL-FACTS §2, "buggy").

import { defineVariant, expectations } from '../model/variant';
import { kvm_gmem_invalidate_end_2023 } from './early';

export default defineVariant({
  name: 'buggy',
  origin: 'lore ZGuh1J6AOw5v2R1W@google.com (22 May 2023); googleprodkernel/linux-cc virt/kvm/guest_mem.c @003030da',
  expect: expectations({
    'no-stale-mapping': 'fail',
    'no-warn': 'fail',
    'mmu-bookkeeping': 'fail',
    'no-redundant-unmap': 'fail',
  }),

  invalidate_begin(k, start, end) {
    const { gmem, kvm, ul, min, xa_for_each_range, WARN_ON_ONCE } = k;
    const { KVM_MMU_LOCK, KVM_MMU_UNLOCK, kvm_mmu_invalidate_begin, kvm_mmu_invalidate_range_add } = k;
    const { kvm_unmap_gfn_range, kvm_flush_remote_tlbs } = k;
    let flush = false;

    KVM_MMU_LOCK(kvm);
    kvm_mmu_invalidate_begin(kvm);

    for (const [, slot] of xa_for_each_range(gmem.bindings, start, ul(end - 1n))) {
      const gfn_range = {
        start: ul(slot.base_gfn + start - slot.gmem.index),
        end: ul(slot.base_gfn + min(end - slot.gmem.index, slot.npages)),
        slot,
        may_block: true,
      };

      if (WARN_ON_ONCE(start < slot.gmem.index || end > ul(slot.gmem.index + slot.npages)))
        continue;

      kvm_mmu_invalidate_range_add(kvm, gfn_range.start, gfn_range.end);

      flush = kvm_unmap_gfn_range(kvm, gfn_range) || flush;
    }

    if (flush)
      kvm_flush_remote_tlbs(kvm);

    KVM_MMU_UNLOCK(kvm);
  },

  invalidate_end: kvm_gmem_invalidate_end_2023,
});
