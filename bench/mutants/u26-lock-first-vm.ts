// u26-lock-first-vm: upstream-2026 whose per-view helper locks and begins on the first view's VM (k.kvm, hoisted out of the loop) while it unmaps in the view's own: the other VMs unmap outside their lock and outside an invalidation.

import { GmemFile, Kernel } from '../../model/kernel';
import { defineVariant, expectations } from '../../model/variant';
import { pgoff_t } from '../../model/word';
import upstream2026, { kvm_gmem_get_invalidate_filter } from '../../variants/upstream-2026';

function __kvm_gmem_invalidate_begin(k: Kernel, f: GmemFile, start: pgoff_t, end: pgoff_t, attr_filter: number): void {
  const { ul, min, max, xa_for_each_range, KVM_MMU_LOCK, KVM_MMU_UNLOCK } = k;
  const { kvm_mmu_invalidate_begin, kvm_mmu_unmap_gfn_range, kvm_flush_remote_tlbs } = k;
  let flush = false, found_memslot = false;
  const kvm = k.kvm; // mutated: the first view's VM, not f->kvm

  for (const [, slot] of xa_for_each_range(f.bindings, start, ul(end - 1n))) {
    const pgoff = slot.gmem.pgoff;

    const gfn_range = {
      start: ul(slot.base_gfn + max(pgoff, start) - pgoff),
      end: ul(slot.base_gfn + min(pgoff + slot.npages, end) - pgoff),
      slot,
      may_block: true,
      attr_filter,
    };

    if (!found_memslot) {
      found_memslot = true;

      KVM_MMU_LOCK(kvm);
      kvm_mmu_invalidate_begin(kvm);
    }

    flush = kvm_mmu_unmap_gfn_range(f.kvm, gfn_range) || flush;
  }

  if (flush)
    kvm_flush_remote_tlbs(f.kvm);

  if (found_memslot)
    KVM_MMU_UNLOCK(kvm);
}

export default defineVariant({
  ...upstream2026,
  bind: undefined, // only the invalidation is mutated: upstream-2026's kvm_gmem_bind() is judged there
  name: 'u26-lock-first-vm',
  origin: 'mutant of upstream-2026',
  expect: expectations({ 'no-warn': 'fail', 'mmu-bookkeeping': 'fail', 'no-redundant-unmap': 'report' }),

  invalidate_begin(k, start, end) {
    const attr_filter = kvm_gmem_get_invalidate_filter(k, k.inode);

    for (const f of k.kvm_gmem_for_each_file(k.inode))
      __kvm_gmem_invalidate_begin(k, f, start, end, attr_filter);
  },

  release_begin: (k, f) => __kvm_gmem_invalidate_begin(k, f, 0n, k.ULONG_MAX, kvm_gmem_get_invalidate_filter(k, k.inode)),
});
