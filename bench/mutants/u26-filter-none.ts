// u26-filter-none: upstream-2026 passing no filter bits (an enum left zero-initialised): a TDX VM WARNs in kvm_gfn_range_filter_to_root_types() and unmaps nothing.

import { defineVariant, expectations } from '../../model/variant';
import upstream2026, { __kvm_gmem_invalidate_begin, __kvm_gmem_invalidate_end } from '../../variants/upstream-2026';

export default defineVariant({
  ...upstream2026,
  bind: undefined, // only the invalidation is mutated: upstream-2026's kvm_gmem_bind() is judged there
  name: 'u26-filter-none',
  origin: 'mutant of upstream-2026',
  expect: expectations({ 'no-stale-mapping': 'fail', 'no-warn': 'fail', 'no-redundant-unmap': 'report' }),

  invalidate_begin(k, start, end) {
    const attr_filter = 0; // mutated: declared, never assigned from the inode's flags

    for (const f of k.kvm_gmem_for_each_file(k.inode))
      __kvm_gmem_invalidate_begin(k, f, start, end, attr_filter);
  },
});
