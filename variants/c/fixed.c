// SPDX-License-Identifier: GPL-2.0
/*
 * harness: name=fixed-c
 *   origin="googleprodkernel/linux-cc virt/kvm/guest_mem.c @bcc304e3 (June 2023), written from variants/fixed.ts"
 *   expect=mmu-bookkeeping:fail,no-redundant-unmap:fail
 *
 * fixed in C: Ackerley Tng's June 2023 fix of the range math, which clamps the punched range
 * to the binding instead of warning and skipping.  Its tree still has the 2023 imbalance:
 * _begin() begins unconditionally, _end() ends only if a binding is present.
 */

static void kvm_gmem_invalidate_begin(struct kvm *kvm, struct kvm_gmem *gmem,
				      pgoff_t start, pgoff_t end)
{
	struct kvm_memory_slot *slot;
	unsigned long index;
	bool flush = false;

	KVM_MMU_LOCK(kvm);

	kvm_mmu_invalidate_begin(kvm);

	xa_for_each_range(&gmem->bindings, index, slot, start, end - 1) {
		pgoff_t index_start = max(slot->gmem.index, start);
		pgoff_t index_end = min(slot->gmem.index + slot->npages, end);
		struct kvm_gfn_range gfn_range = {
			.start = slot->base_gfn + index_start - slot->gmem.index,
			.end = slot->base_gfn + index_end - slot->gmem.index,
			.slot = slot,
			.pte = __pte(0),
			.may_block = true,
		};

		kvm_mmu_invalidate_range_add(kvm, gfn_range.start, gfn_range.end);

		flush |= kvm_unmap_gfn_range(kvm, &gfn_range);
	}

	if (flush)
		kvm_flush_remote_tlbs(kvm);

	KVM_MMU_UNLOCK(kvm);
}

static void kvm_gmem_invalidate_end(struct kvm *kvm, struct kvm_gmem *gmem,
				    pgoff_t start, pgoff_t end)
{
	KVM_MMU_LOCK(kvm);
	if (xa_find(&gmem->bindings, &start, end - 1, XA_PRESENT))
		kvm_mmu_invalidate_end(kvm);
	KVM_MMU_UNLOCK(kvm);
}
