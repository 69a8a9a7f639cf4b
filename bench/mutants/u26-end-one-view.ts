// u26-end-one-view: upstream-2026 whose end loop stops after the first view: every other VM's invalidation is left in progress, and its vCPUs retry their faults forever.

import { defineVariant, expectations } from '../../model/variant';
import upstream2026, { __kvm_gmem_invalidate_end } from '../../variants/upstream-2026';

export default defineVariant({
  ...upstream2026,
  bind: undefined, // only the invalidation is mutated: upstream-2026's kvm_gmem_bind() is judged there
  name: 'u26-end-one-view',
  origin: 'mutant of upstream-2026',
  expect: expectations({ 'mmu-bookkeeping': 'fail', 'no-redundant-unmap': 'report' }),

  invalidate_end(k, start, end) {
    for (const f of k.kvm_gmem_for_each_file(k.inode)) {
      __kvm_gmem_invalidate_end(k, f, start, end);
      break; // mutated
    }
  },
});
