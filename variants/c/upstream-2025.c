// SPDX-License-Identifier: GPL-2.0
/*
 * harness: name=upstream-2025-c
 *   origin="torvalds/linux virt/kvm/guest_memfd.c @0f94e51b (2025), written from variants/upstream-2025.ts"
 *   expect=no-redundant-unmap:fail
 *
 * upstream-2025 in C: _begin()/_end() take the inode and call the per-view helpers for every
 * struct kvm_gmem on inode->i_mapping->i_private_list, with the filter from the creation flags
 * kept in inode->i_private.  The harness calls the helpers
 * itself for a release, on the view whose file is closed, as kvm_gmem_release() does.
 */

static enum kvm_gfn_range_filter kvm_gmem_get_invalidate_filter(struct inode *inode)
{
	if ((u64)inode->i_private & GUEST_MEMFD_FLAG_INIT_SHARED)
		return KVM_FILTER_SHARED;

	return KVM_FILTER_PRIVATE;
}

static void __kvm_gmem_invalidate_begin(struct kvm_gmem *gmem, pgoff_t start,
					pgoff_t end,
					enum kvm_gfn_range_filter attr_filter)
{
	bool flush = false, found_memslot = false;
	struct kvm_memory_slot *slot;
	struct kvm *kvm = gmem->kvm;
	unsigned long index;

	xa_for_each_range(&gmem->bindings, index, slot, start, end - 1) {
		pgoff_t pgoff = slot->gmem.pgoff;

		struct kvm_gfn_range gfn_range = {
			.start = slot->base_gfn + max(pgoff, start) - pgoff,
			.end = slot->base_gfn + min(pgoff + slot->npages, end) - pgoff,
			.slot = slot,
			.may_block = true,
			.attr_filter = attr_filter,
		};

		if (!found_memslot) {
			found_memslot = true;

			KVM_MMU_LOCK(kvm);
			kvm_mmu_invalidate_begin(kvm);
		}

		flush |= kvm_mmu_unmap_gfn_range(kvm, &gfn_range);
	}

	if (flush)
		kvm_flush_remote_tlbs(kvm);

	if (found_memslot)
		KVM_MMU_UNLOCK(kvm);
}

static void kvm_gmem_invalidate_begin(struct inode *inode, pgoff_t start,
				      pgoff_t end)
{
	struct list_head *gmem_list = &inode->i_mapping->i_private_list;
	enum kvm_gfn_range_filter attr_filter;
	struct kvm_gmem *gmem;

	attr_filter = kvm_gmem_get_invalidate_filter(inode);

	list_for_each_entry(gmem, gmem_list, entry)
		__kvm_gmem_invalidate_begin(gmem, start, end, attr_filter);
}

static void __kvm_gmem_invalidate_end(struct kvm_gmem *gmem, pgoff_t start,
				      pgoff_t end)
{
	struct kvm *kvm = gmem->kvm;

	if (xa_find(&gmem->bindings, &start, end - 1, XA_PRESENT)) {
		KVM_MMU_LOCK(kvm);
		kvm_mmu_invalidate_end(kvm);
		KVM_MMU_UNLOCK(kvm);
	}
}

static void kvm_gmem_invalidate_end(struct inode *inode, pgoff_t start,
				    pgoff_t end)
{
	struct list_head *gmem_list = &inode->i_mapping->i_private_list;
	struct kvm_gmem *gmem;

	list_for_each_entry(gmem, gmem_list, entry)
		__kvm_gmem_invalidate_end(gmem, start, end);
}
