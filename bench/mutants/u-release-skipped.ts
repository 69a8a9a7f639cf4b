// u-release-skipped: upstream returning early on release (0, ULONG_MAX) in both halves, "the VM is going away anyway" (it is not: the slots outlive the file).

import { XA_PRESENT } from '../../model/kernel';
import { defineVariant, expectations } from '../../model/variant';

export default defineVariant({
  name: 'u-release-skipped',
  origin: 'mutant of upstream',
  expect: expectations({ 'no-stale-mapping': 'fail', 'no-redundant-unmap': 'report' }),

  invalidate_begin(k, start, end) {
    const { gmem, kvm, ul, min, max, ULONG_MAX, xa_for_each_range } = k;
    const { KVM_MMU_LOCK, KVM_MMU_UNLOCK, kvm_mmu_invalidate_begin } = k;
    const { kvm_mmu_unmap_gfn_range, kvm_flush_remote_tlbs } = k;
    let flush = false, found_memslot = false;

    if (start === 0n && end === ULONG_MAX)  // mutated
      return;

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
    const { gmem, kvm, ul, xa_find, ULONG_MAX, KVM_MMU_LOCK, KVM_MMU_UNLOCK, kvm_mmu_invalidate_end } = k;

    if (start === 0n && end === ULONG_MAX)  // mutated
      return;

    if (xa_find(gmem.bindings, start, ul(end - 1n), XA_PRESENT)) {
      KVM_MMU_LOCK(kvm);
      kvm_mmu_invalidate_end(kvm);
      KVM_MMU_UNLOCK(kvm);
    }
  },
});
