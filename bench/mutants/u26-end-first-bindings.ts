// u26-end-first-bindings: upstream-2026 whose end asks the first view's bindings whether each view had a binding in range: a view is ended when another had one, and left in progress when it had one and the first did not.

import { defineVariant, expectations } from '../../model/variant';
import upstream2026 from '../../variants/upstream-2026';
import { XA_PRESENT } from '../../model/kernel';

export default defineVariant({
  ...upstream2026,
  bind: undefined, // only the invalidation is mutated: upstream-2026's kvm_gmem_bind() is judged there
  name: 'u26-end-first-bindings',
  origin: 'mutant of upstream-2026',
  expect: expectations({ 'no-warn': 'fail', 'mmu-bookkeeping': 'fail', 'no-redundant-unmap': 'report' }),

  invalidate_end(k, start, end) {
    for (const f of k.kvm_gmem_for_each_file(k.inode)) {
      const kvm = f.kvm;

      if (k.xa_find(k.gmem.bindings, start, k.ul(end - 1n), XA_PRESENT)) { // mutated: k.gmem is the first view
        k.KVM_MMU_LOCK(kvm);
        k.kvm_mmu_invalidate_end(kvm);
        k.KVM_MMU_UNLOCK(kvm);
      }
    }
  },
});
