// SPDX-License-Identifier: GPL-2.0
/*
 * harness: name=conversion-2026-c
 *   origin="the in-place conversion + HugeTLB series (2025-26), written from variants/conversion-2026.ts"
 *   expect=no-redundant-unmap:fail
 *
 * conversion-2026's invalidation in C, the split era: per view, begin adds the ranges, zap
 * unmaps under its own lock, end ends; the views are the gmem_files on the mapping's
 * i_private_list.  The conversion path itself (batching per huge page) is TypeScript only: the
 * harness gives C variants punches, memory failures and releases, at every page order.
 */

/* the series walks the mapping's list, not the gmem_inode's as the 2026 tip (and the shim) do */
#undef kvm_gmem_for_each_file
#define kvm_gmem_for_each_file(f, mapping) \
	list_for_each_entry(f, &(mapping)->i_private_list, entry)

static enum kvm_gfn_range_filter kvm_gmem_get_invalidate_filter(struct inode *inode)
{
	/* shared and private may both be mapped while pages convert */
	(void)inode;
	return KVM_FILTER_SHARED | KVM_FILTER_PRIVATE;
}

static void __kvm_gmem_zap(struct gmem_file *f, pgoff_t start, pgoff_t end,
			   enum kvm_gfn_range_filter attr_filter)
{
	bool flush = false, locked = false;
	struct kvm_memory_slot *slot;
	struct kvm *kvm = f->kvm;
	unsigned long index;

	xa_for_each_range(&f->bindings, index, slot, start, end - 1) {
		pgoff_t pgoff = slot->gmem.pgoff;
		struct kvm_gfn_range gfn_range = {
			.start = slot->base_gfn + max(pgoff, start) - pgoff,
			.end = slot->base_gfn + min(pgoff + slot->npages, end) - pgoff,
			.slot = slot,
			.may_block = true,
			.attr_filter = attr_filter,
		};

		if (!locked) {
			KVM_MMU_LOCK(kvm);
			locked = true;
		}

		flush |= kvm_unmap_gfn_range(kvm, &gfn_range);
	}

	if (flush)
		kvm_flush_remote_tlbs(kvm);

	if (locked)
		KVM_MMU_UNLOCK(kvm);
}

static void kvm_gmem_zap(struct inode *inode, pgoff_t start, pgoff_t end)
{
	enum kvm_gfn_range_filter attr_filter = kvm_gmem_get_invalidate_filter(inode);
	struct gmem_file *f;

	kvm_gmem_for_each_file(f, inode->i_mapping)
		__kvm_gmem_zap(f, start, end, attr_filter);
}

static void __kvm_gmem_invalidate_begin(struct gmem_file *f, pgoff_t start,
					pgoff_t end)
{
	struct kvm_memory_slot *slot;
	bool found_memslot = false;
	struct kvm *kvm = f->kvm;
	unsigned long index;

	xa_for_each_range(&f->bindings, index, slot, start, end - 1) {
		pgoff_t pgoff = slot->gmem.pgoff;
		gfn_t first = slot->base_gfn + max(pgoff, start) - pgoff;
		gfn_t last = slot->base_gfn + min(pgoff + slot->npages, end) - pgoff;

		if (!found_memslot) {
			KVM_MMU_LOCK(kvm);
			found_memslot = true;
			kvm_mmu_invalidate_begin(kvm);
		}

		kvm_mmu_invalidate_range_add(kvm, first, last);
	}

	if (found_memslot)
		KVM_MMU_UNLOCK(kvm);
}

static void kvm_gmem_invalidate_begin(struct inode *inode, pgoff_t start,
				      pgoff_t end)
{
	struct gmem_file *f;

	kvm_gmem_for_each_file(f, inode->i_mapping)
		__kvm_gmem_invalidate_begin(f, start, end);
}

static void __kvm_gmem_invalidate_end(struct gmem_file *f, pgoff_t start,
				      pgoff_t end)
{
	struct kvm *kvm = f->kvm;

	if (xa_find(&f->bindings, &start, end - 1, XA_PRESENT)) {
		KVM_MMU_LOCK(kvm);
		kvm_mmu_invalidate_end(kvm);
		KVM_MMU_UNLOCK(kvm);
	}
}

static void kvm_gmem_invalidate_end(struct inode *inode, pgoff_t start,
				    pgoff_t end)
{
	struct gmem_file *f;

	kvm_gmem_for_each_file(f, inode->i_mapping)
		__kvm_gmem_invalidate_end(f, start, end);
}
