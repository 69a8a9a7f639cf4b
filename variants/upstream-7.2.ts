// upstream-7.2: Linux 7.2's guest_memfd, after the pull "KVM guest_memfd changes for 7.2" (merge
// 06ba195f136a): kvm_gmem_bind() takes the offset as an unsigned value (uoff_t) and sums offset +
// size unsigned (eba85fee7fc6, "KVM: guest_memfd: Treat memslot binding offset+size as unsigned
// values"), and a second binding of a range is -EEXIST (7ea987a90585, "KVM: guest_memfd: Return
// -EEXIST for overlapping bindings"); KERNEL-FACTS §3, "Bind in 7.2". Nothing in that pull reaches
// the invalidation, which stays @01f492e1's (upstream-2026).

import { Kernel, NewMemslot, XA_PRESENT } from '../model/kernel';
import { defineVariant, expectations } from '../model/variant';
import upstream2026 from './upstream-2026';

/**
 * 7.2's kvm_gmem_bind(): `offset + size > i_size_read(inode)` in unsigned 64-bit arithmetic, which
 * cannot wrap because __kvm_set_memory_region() refused an offset + size past 2^64 before the
 * call; the negative-offset test is gone with the signed type. The file is the harness's, of this
 * VM: fget(), the f_op and f->kvm checks, and fput() have nothing to refuse and are left out.
 */
export function kvm_gmem_bind_7_2(k: Kernel, slot: NewMemslot, offset: bigint): number {
  const { gmem: f, inode, ul, PAGE_SHIFT, PAGE_ALIGNED, EINVAL, EEXIST } = k;
  const { i_size_read, xa_empty, xa_find, xa_store_range, filemap_invalidate_lock, filemap_invalidate_unlock } = k;
  const size = slot.npages << PAGE_SHIFT; // uoff_t size = slot->npages << PAGE_SHIFT

  if (!PAGE_ALIGNED(offset) || ul(offset + size) > i_size_read(inode))
    return -EINVAL;

  filemap_invalidate_lock(inode.i_mapping);

  const start = ul(offset >> PAGE_SHIFT);
  const end = ul(start + slot.npages);

  if (!xa_empty(f.bindings) &&
      xa_find(f.bindings, start, ul(end - 1n), XA_PRESENT)) {
    filemap_invalidate_unlock(inode.i_mapping);
    return -EEXIST;
  }

  slot.gmem.pgoff = start;

  xa_store_range(f.bindings, start, ul(end - 1n), slot);
  filemap_invalidate_unlock(inode.i_mapping);

  return 0;
}

export default defineVariant({
  ...upstream2026,
  name: 'upstream-7.2',
  origin: 'torvalds/linux virt/kvm/guest_memfd.c after merge 06ba195f136a (Linux 7.2: eba85fee7fc6, 7ea987a90585); the invalidation as @01f492e1',
  expect: expectations({
    'no-redundant-unmap': 'fail',
  }),
  bind: kvm_gmem_bind_7_2,
  bindEra: '7.2',
});
