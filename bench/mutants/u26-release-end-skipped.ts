// u26-release-end-skipped: upstream-2026 whose release never calls __kvm_gmem_invalidate_end(), as if the file's VM were going away with it: the VM's invalidation stays in progress.

import { defineVariant, expectations } from '../../model/variant';
import upstream2026 from '../../variants/upstream-2026';

export default defineVariant({
  ...upstream2026,
  bind: undefined, // only the invalidation is mutated: upstream-2026's kvm_gmem_bind() is judged there
  name: 'u26-release-end-skipped',
  origin: 'mutant of upstream-2026',
  expect: expectations({ 'mmu-bookkeeping': 'fail', 'no-redundant-unmap': 'report' }),

  release_end: () => undefined, // mutated
});
