// upstream-2026: torvalds/linux virt/kvm/guest_memfd.c @01f492e1 (2026). The inode owns the
// memory and lists one struct gmem_file per VM bound to it; _begin()/_end() take the inode and
// call the per-view helpers for every file, with the attribute filter the inode's flags choose
// (SHARED for an INIT_SHARED file, else PRIVATE). Release closes one view's file and calls the
// helpers on that view only, over (0, -1ul) (KERNEL-FACTS §6). Its kvm_gmem_bind() still sums
// offset + size as a signed loff_t (KERNEL-FACTS §7: "still so at torvalds @01f492e1").

import { GmemFile, Inode, Kernel, XA_PRESENT } from '../model/kernel';
import { defineVariant, expectations } from '../model/variant';
import { pgoff_t } from '../model/word';
import { kvm_gmem_bind_6_8 } from './upstream';

export function kvm_gmem_get_invalidate_filter(k: Kernel, inode: Inode): number {
  if (k.GMEM_I(inode).flags & k.GUEST_MEMFD_FLAG_INIT_SHARED)
    return k.KVM_FILTER_SHARED;

  return k.KVM_FILTER_PRIVATE;
}

export function __kvm_gmem_invalidate_begin(k: Kernel, f: GmemFile, start: pgoff_t, end: pgoff_t, attr_filter: number): void {
  const { ul, min, max, xa_for_each_range, KVM_MMU_LOCK, KVM_MMU_UNLOCK } = k;
  const { kvm_mmu_invalidate_begin, kvm_mmu_unmap_gfn_range, kvm_flush_remote_tlbs } = k;
  let flush = false, found_memslot = false;
  const kvm = f.kvm;

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

    flush = kvm_mmu_unmap_gfn_range(kvm, gfn_range) || flush;
  }

  if (flush)
    kvm_flush_remote_tlbs(kvm);

  if (found_memslot)
    KVM_MMU_UNLOCK(kvm);
}

export function __kvm_gmem_invalidate_end(k: Kernel, f: GmemFile, start: pgoff_t, end: pgoff_t): void {
  const kvm = f.kvm;

  if (k.xa_find(f.bindings, start, k.ul(end - 1n), XA_PRESENT)) {
    k.KVM_MMU_LOCK(kvm);
    k.kvm_mmu_invalidate_end(kvm);
    k.KVM_MMU_UNLOCK(kvm);
  }
}

export default defineVariant({
  name: 'upstream-2026',
  origin: 'torvalds/linux virt/kvm/guest_memfd.c @01f492e1 (gmem_file views, kvm_gmem_for_each_file, filter from INIT_SHARED)',
  expect: expectations({
    'no-redundant-unmap': 'fail',
    // the 6.8 overflow, still there (findings/bind-offset-overflow.md)
    'bind-within-file': 'fail',
  }),
  vmTypes: ['default', 'tdx'],
  takes: 'inode',

  invalidate_begin(k, start, end) {
    const inode = k.inode;
    const attr_filter = kvm_gmem_get_invalidate_filter(k, inode);

    for (const f of k.kvm_gmem_for_each_file(inode))
      __kvm_gmem_invalidate_begin(k, f, start, end, attr_filter);
  },

  invalidate_end(k, start, end) {
    for (const f of k.kvm_gmem_for_each_file(k.inode))
      __kvm_gmem_invalidate_end(k, f, start, end);
  },

  release_begin: (k, f) => __kvm_gmem_invalidate_begin(k, f, 0n, k.ULONG_MAX, kvm_gmem_get_invalidate_filter(k, k.inode)),
  release_end: (k, f) => __kvm_gmem_invalidate_end(k, f, 0n, k.ULONG_MAX),

  // @01f492e1's kvm_gmem_bind() is 6.8's but for its names (the view is a struct gmem_file f) and
  // the KVM_MEMSLOT_GMEM_ONLY flag it sets for a file created with GUEST_MEMFD_FLAG_MMAP, which the
  // model never creates: the same checks, in the same order
  bind: kvm_gmem_bind_6_8,
});
