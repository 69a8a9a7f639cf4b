// SPDX-License-Identifier: GPL-2.0
/*
 * harness: name=buggy-c
 *   origin="lore ZGuh1J6AOw5v2R1W@google.com (22 May 2023); googleprodkernel/linux-cc virt/kvm/guest_mem.c @003030da, written from variants/buggy.ts"
 *   expect=no-stale-mapping:fail,no-warn:fail,mmu-bookkeeping:fail,no-redundant-unmap:fail
 *
 * buggy in C: Sean Christopherson's posting of 22 May 2023.  A slot that does not contain
 * the whole punched range fires the WARN and is skipped, so its frames stay mapped.  The
 * 2023 _end() ends the invalidation only if a binding is present, while _begin() began it
 * unconditionally.
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
		struct kvm_gfn_range gfn_range = {
			.start = slot->base_gfn + start - slot->gmem.index,
			.end = slot->base_gfn + min(end - slot->gmem.index, slot->npages),
			.slot = slot,
			.pte = __pte(0),
			.may_block = true,
		};

		if (WARN_ON_ONCE(start < slot->gmem.index ||
				 end > slot->gmem.index + slot->npages))
			continue;

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
