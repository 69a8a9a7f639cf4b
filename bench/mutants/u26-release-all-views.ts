// u26-release-all-views: upstream-2026 whose release calls kvm_gmem_invalidate_begin()/_end() on the inode, as 6.8's release did with one view per file: closing one VM's file unmaps every other VM's memory too.

import { defineVariant, expectations } from '../../model/variant';
import upstream2026 from '../../variants/upstream-2026';

export default defineVariant({
  ...upstream2026,
  bind: undefined, // only the invalidation is mutated: upstream-2026's kvm_gmem_bind() is judged there
  name: 'u26-release-all-views',
  origin: 'mutant of upstream-2026',
  expect: expectations({ 'no-collateral-unmap': 'fail', 'no-redundant-unmap': 'report' }),

  release_begin: (k) => upstream2026.invalidate_begin(k, 0n, k.ULONG_MAX), // mutated: every view
  release_end: (k) => upstream2026.invalidate_end(k, 0n, k.ULONG_MAX),
});
