// u26-release-filter-shared: upstream-2026 whose release passes KVM_FILTER_SHARED, as the hva-based notifier does: closing a TDX VM's file leaves its private memory mapped.

import { defineVariant, expectations } from '../../model/variant';
import upstream2026, { __kvm_gmem_invalidate_begin } from '../../variants/upstream-2026';

export default defineVariant({
  ...upstream2026,
  bind: undefined, // only the invalidation is mutated: upstream-2026's kvm_gmem_bind() is judged there
  name: 'u26-release-filter-shared',
  origin: 'mutant of upstream-2026',
  expect: expectations({ 'no-stale-mapping': 'fail', 'no-redundant-unmap': 'report' }),

  release_begin: (k, f) => __kvm_gmem_invalidate_begin(k, f, 0n, k.ULONG_MAX, k.KVM_FILTER_SHARED), // mutated
});
