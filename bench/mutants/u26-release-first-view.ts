// u26-release-first-view: upstream-2026 whose release calls the helpers on the first view (k.gmem) instead of the file being closed: closing a later view's file leaves that VM mapped and unmaps the first VM.

import { defineVariant, expectations } from '../../model/variant';
import upstream2026, { __kvm_gmem_invalidate_begin, __kvm_gmem_invalidate_end, kvm_gmem_get_invalidate_filter } from '../../variants/upstream-2026';

export default defineVariant({
  ...upstream2026,
  bind: undefined, // only the invalidation is mutated: upstream-2026's kvm_gmem_bind() is judged there
  name: 'u26-release-first-view',
  origin: 'mutant of upstream-2026',
  expect: expectations({ 'no-stale-mapping': 'fail', 'no-collateral-unmap': 'fail', 'no-redundant-unmap': 'report' }),

  // mutated: k.gmem, the first view, for f
  release_begin: (k) => __kvm_gmem_invalidate_begin(k, k.gmem, 0n, k.ULONG_MAX, kvm_gmem_get_invalidate_filter(k, k.inode)),
  release_end: (k) => __kvm_gmem_invalidate_end(k, k.gmem, 0n, k.ULONG_MAX),
});
