// first-view-only: upstream-2026 with the view loop cut to the first gmem_file on the inode's
// list, as a body written for one view per inode (what upstream creates today) would do. Right
// while there is one view; once a second VM's view is bound (the intra-host migration series),
// a punch or a memory failure leaves every other VM's mappings of the freed pages in place
// (KERNEL-FACTS §6). A mistake of today's code, shipped to show the harness catches it.

import { defineVariant, expectations } from '../model/variant';
import upstream2026, { __kvm_gmem_invalidate_begin, __kvm_gmem_invalidate_end, kvm_gmem_get_invalidate_filter } from './upstream-2026';

export default defineVariant({
  ...upstream2026,
  bind: undefined, // only the invalidation is this variant: upstream-2026's kvm_gmem_bind() is judged there
  name: 'first-view-only',
  origin: 'buggy on purpose: upstream-2026 invalidating only the first view of the inode',
  expect: expectations({
    'no-stale-mapping': 'fail',
    'no-redundant-unmap': 'fail',
  }),

  invalidate_begin(k, start, end) {
    const inode = k.inode;
    const attr_filter = kvm_gmem_get_invalidate_filter(k, inode);

    for (const f of k.kvm_gmem_for_each_file(inode)) {
      __kvm_gmem_invalidate_begin(k, f, start, end, attr_filter);
      break; // the bug: one view per inode assumed
    }
  },

  invalidate_end(k, start, end) {
    for (const f of k.kvm_gmem_for_each_file(k.inode)) {
      __kvm_gmem_invalidate_end(k, f, start, end);
      break;
    }
  },
});
