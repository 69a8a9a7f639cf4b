// upstream: Linux 6.8 virt/kvm/guest_memfd.c, the range math of RFC v11 plus the 21 Sep 2023
// bookkeeping fix: lock and begin at the first overlapping slot, end only if a binding is
// present. Ported from torvalds/linux @a7800aa8 (KERNEL-FACTS §2, "upstream"), with its
// kvm_gmem_bind(), whose signed offset + size lets a binding past the end of the file through
// (KERNEL-FACTS §3 and §7, findings/bind-offset-overflow.md).

import { Kernel, NewMemslot, XA_PRESENT } from '../model/kernel';
import { defineVariant, expectations } from '../model/variant';
import { pgoff_t } from '../model/word';

/** 6.8's kvm_gmem_invalidate_end(): lock and end only if begin found a binding to start. */
export function kvm_gmem_invalidate_end_6_8(k: Kernel, start: pgoff_t, end: pgoff_t): void {
  const { gmem, kvm, ul, xa_find, KVM_MMU_LOCK, KVM_MMU_UNLOCK, kvm_mmu_invalidate_end } = k;

  if (xa_find(gmem.bindings, start, ul(end - 1n), XA_PRESENT)) {
    KVM_MMU_LOCK(kvm);
    kvm_mmu_invalidate_end(kvm);
    KVM_MMU_UNLOCK(kvm);
  }
}

/**
 * 6.8's kvm_gmem_bind() (unchanged in substance through 7.1): the offset and the size are loff_t,
 * so their sum wraps negative for an offset just below 2^63 and passes the size check; a second
 * binding of a range is -EINVAL. The file is the harness's, of this VM: fget(), the f_op and
 * the gmem->kvm checks, and fput() have nothing to refuse and are left out.
 */
export function kvm_gmem_bind_6_8(k: Kernel, slot: NewMemslot, guest_memfd_offset: bigint): number {
  const { gmem, inode, s64, ul, PAGE_SHIFT, PAGE_ALIGNED, EINVAL } = k;
  const { i_size_read, xa_empty, xa_find, xa_store_range, filemap_invalidate_lock, filemap_invalidate_unlock } = k;
  const offset = s64(guest_memfd_offset); // the caller's __u64, taken as a loff_t
  const size = s64(slot.npages << PAGE_SHIFT); // loff_t size = slot->npages << PAGE_SHIFT
  const r = -EINVAL;

  if (offset < 0n || !PAGE_ALIGNED(offset) ||
      s64(offset + size) > i_size_read(inode))
    return r;

  filemap_invalidate_lock(inode.i_mapping);

  const start = ul(offset >> PAGE_SHIFT);
  const end = ul(start + slot.npages);

  if (!xa_empty(gmem.bindings) &&
      xa_find(gmem.bindings, start, ul(end - 1n), XA_PRESENT)) {
    filemap_invalidate_unlock(inode.i_mapping);
    return r;
  }

  slot.gmem.pgoff = start;

  xa_store_range(gmem.bindings, start, ul(end - 1n), slot);
  filemap_invalidate_unlock(inode.i_mapping);

  return 0;
}

export default defineVariant({
  name: 'upstream',
  origin: 'torvalds/linux virt/kvm/guest_memfd.c @a7800aa8 (Linux 6.8)',
  expect: expectations({
    'no-redundant-unmap': 'fail',
    // a binding at guest_memfd_offset 2^63 - 4096 is accepted past the end of the file (findings/bind-offset-overflow.md)
    'bind-within-file': 'fail',
  }),

  invalidate_begin(k, start, end) {
    const { gmem, kvm, ul, min, max, xa_for_each_range } = k;
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

  bind: kvm_gmem_bind_6_8,
});
