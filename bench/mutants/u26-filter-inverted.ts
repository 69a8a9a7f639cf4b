// u26-filter-inverted: upstream-2026 with the INIT_SHARED test the wrong way round (PRIVATE for a shared file, SHARED otherwise): every file the model creates gets SHARED, and a TDX VM keeps its private memory mapped.

import { Inode, Kernel } from '../../model/kernel';
import { defineVariant, expectations } from '../../model/variant';
import upstream2026, { __kvm_gmem_invalidate_begin, __kvm_gmem_invalidate_end } from '../../variants/upstream-2026';

function kvm_gmem_get_invalidate_filter(k: Kernel, inode: Inode): number {
  if (!(k.GMEM_I(inode).flags & k.GUEST_MEMFD_FLAG_INIT_SHARED)) // mutated: the test inverted
    return k.KVM_FILTER_SHARED;

  return k.KVM_FILTER_PRIVATE;
}

export default defineVariant({
  ...upstream2026,
  bind: undefined, // only the invalidation is mutated: upstream-2026's kvm_gmem_bind() is judged there
  name: 'u26-filter-inverted',
  origin: 'mutant of upstream-2026',
  expect: expectations({ 'no-stale-mapping': 'fail', 'no-redundant-unmap': 'report' }),

  invalidate_begin(k, start, end) {
    const attr_filter = kvm_gmem_get_invalidate_filter(k, k.inode);

    for (const f of k.kvm_gmem_for_each_file(k.inode))
      __kvm_gmem_invalidate_begin(k, f, start, end, attr_filter);
  },

  release_begin: (k, f) => __kvm_gmem_invalidate_begin(k, f, 0n, k.ULONG_MAX, kvm_gmem_get_invalidate_filter(k, k.inode)),
  release_end: (k, f) => __kvm_gmem_invalidate_end(k, f, 0n, k.ULONG_MAX),
});
