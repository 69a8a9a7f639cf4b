// release-all-views: upstream-2026 whose release invalidates through kvm_gmem_invalidate_begin()
// on the inode, as 6.8's release did when a file had one view, instead of the closed view's
// helpers. Closing one VM's file then tears down every other VM's mappings of the whole file:
// memory that lives on with the inode and that those VMs still use, refaulted for nothing
// (KERNEL-FACTS §6: release of one view's file invalidates only that view). Shipped buggy.

import { defineVariant, expectations } from '../model/variant';
import upstream2026 from './upstream-2026';

export default defineVariant({
  ...upstream2026,
  bind: undefined, // only the invalidation is this variant: upstream-2026's kvm_gmem_bind() is judged there
  name: 'release-all-views',
  origin: 'buggy on purpose: upstream-2026 whose release invalidates every view of the inode',
  expect: expectations({
    'no-collateral-unmap': 'fail',
    'no-redundant-unmap': 'fail',
  }),

  release_begin: (k) => upstream2026.invalidate_begin(k, 0n, k.ULONG_MAX),
  release_end: (k) => upstream2026.invalidate_end(k, 0n, k.ULONG_MAX),
});
