// upstream-2025: torvalds/linux virt/kvm/guest_memfd.c @0f94e51b (2025). _begin()/_end() take the
// inode and walk the struct kvm_gmem instances on inode->i_mapping->i_private_list, one per VM
// view, calling the per-view helpers on each; the filter comes from the creation flags kept in
// inode->i_private. Release closes one view's file and calls the helpers on that view only,
// over (0, -1ul) (KERNEL-FACTS §6). The per-view helpers are 2026's with kvm_gmem for gmem_file.

import { Inode, Kernel } from '../model/kernel';
import { defineVariant, expectations } from '../model/variant';
import { __kvm_gmem_invalidate_begin, __kvm_gmem_invalidate_end } from './upstream-2026';

function kvm_gmem_get_invalidate_filter(k: Kernel, inode: Inode): number {
  if (inode.i_private & k.GUEST_MEMFD_FLAG_INIT_SHARED)
    return k.KVM_FILTER_SHARED;

  return k.KVM_FILTER_PRIVATE;
}

export default defineVariant({
  name: 'upstream-2025',
  origin: 'torvalds/linux virt/kvm/guest_memfd.c @0f94e51b (kvm_gmem views on i_private_list, filter from i_private)',
  expect: expectations({
    'no-redundant-unmap': 'fail',
  }),
  vmTypes: ['default', 'tdx'],
  takes: 'inode',

  invalidate_begin(k, start, end) {
    const gmem_list = k.inode.i_mapping.i_private_list;
    const attr_filter = kvm_gmem_get_invalidate_filter(k, k.inode);

    for (const gmem of k.list_for_each_entry(gmem_list))
      __kvm_gmem_invalidate_begin(k, gmem, start, end, attr_filter);
  },

  invalidate_end(k, start, end) {
    const gmem_list = k.inode.i_mapping.i_private_list;

    for (const gmem of k.list_for_each_entry(gmem_list))
      __kvm_gmem_invalidate_end(k, gmem, start, end);
  },

  release_begin: (k, gmem) => __kvm_gmem_invalidate_begin(k, gmem, 0n, k.ULONG_MAX, kvm_gmem_get_invalidate_filter(k, k.inode)),
  release_end: (k, gmem) => __kvm_gmem_invalidate_end(k, gmem, 0n, k.ULONG_MAX),
});
