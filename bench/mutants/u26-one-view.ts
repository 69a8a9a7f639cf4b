// u26-one-view: upstream-2026 whose begin and end stop after the first gmem_file, as code written when an inode had one view: every other VM keeps its mappings.

import { defineVariant, expectations } from '../../model/variant';
import upstream2026, { __kvm_gmem_invalidate_begin, __kvm_gmem_invalidate_end, kvm_gmem_get_invalidate_filter } from '../../variants/upstream-2026';

export default defineVariant({
  ...upstream2026,
  bind: undefined, // only the invalidation is mutated: upstream-2026's kvm_gmem_bind() is judged there
  name: 'u26-one-view',
  origin: 'mutant of upstream-2026',
  expect: expectations({ 'no-stale-mapping': 'fail', 'no-redundant-unmap': 'report' }),

  invalidate_begin(k, start, end) {
    const [f] = k.kvm_gmem_for_each_file(k.inode); // mutated: the first view only
    __kvm_gmem_invalidate_begin(k, f, start, end, kvm_gmem_get_invalidate_filter(k, k.inode));
  },

  invalidate_end(k, start, end) {
    const [f] = k.kvm_gmem_for_each_file(k.inode);
    __kvm_gmem_invalidate_end(k, f, start, end);
  },
});
