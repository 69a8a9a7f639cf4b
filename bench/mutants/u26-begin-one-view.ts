// u26-begin-one-view: upstream-2026 whose begin loop stops after the first view while end still walks them all: the other views stay mapped, and their end has no begin to close.

import { defineVariant, expectations } from '../../model/variant';
import upstream2026, { __kvm_gmem_invalidate_begin, kvm_gmem_get_invalidate_filter } from '../../variants/upstream-2026';

export default defineVariant({
  ...upstream2026,
  bind: undefined, // only the invalidation is mutated: upstream-2026's kvm_gmem_bind() is judged there
  name: 'u26-begin-one-view',
  origin: 'mutant of upstream-2026',
  expect: expectations({ 'no-stale-mapping': 'fail', 'no-warn': 'fail', 'mmu-bookkeeping': 'fail', 'no-redundant-unmap': 'report' }),

  invalidate_begin(k, start, end) {
    const attr_filter = kvm_gmem_get_invalidate_filter(k, k.inode);

    for (const f of k.kvm_gmem_for_each_file(k.inode)) {
      __kvm_gmem_invalidate_begin(k, f, start, end, attr_filter);
      break; // mutated
    }
  },
});
