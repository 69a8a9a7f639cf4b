// u26-filter-shared: upstream-2026 whose kvm_gmem_get_invalidate_filter() answers SHARED for every file, as if INIT_SHARED were always set: a TDX VM keeps its private memory mapped.

import { defineVariant, expectations } from '../../model/variant';
import upstream2026, { __kvm_gmem_invalidate_begin, __kvm_gmem_invalidate_end } from '../../variants/upstream-2026';

export default defineVariant({
  ...upstream2026,
  bind: undefined, // only the invalidation is mutated: upstream-2026's kvm_gmem_bind() is judged there
  name: 'u26-filter-shared',
  origin: 'mutant of upstream-2026',
  expect: expectations({ 'no-stale-mapping': 'fail', 'no-redundant-unmap': 'report' }),

  invalidate_begin(k, start, end) {
    const attr_filter = k.KVM_FILTER_SHARED; // mutated: the file's flags not read

    for (const f of k.kvm_gmem_for_each_file(k.inode))
      __kvm_gmem_invalidate_begin(k, f, start, end, attr_filter);
  },

  release_begin: (k, f) => __kvm_gmem_invalidate_begin(k, f, 0n, k.ULONG_MAX, k.KVM_FILTER_SHARED),
  release_end: (k, f) => __kvm_gmem_invalidate_end(k, f, 0n, k.ULONG_MAX),
});
