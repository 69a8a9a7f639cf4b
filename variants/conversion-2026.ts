// conversion-2026: guest_memfd of the in-place conversion + HugeTLB series (2025-26, KERNEL-FACTS §6).
// Invalidation is split in three per view: __kvm_gmem_invalidate_begin() only adds each binding's
// gfn range to the invalidation, __kvm_gmem_zap() unmaps under its own MMU lock with the filter
// SHARED | PRIVATE, and __kvm_gmem_invalidate_end() ends it. A punch, a memory failure and a
// release call begin, zap, end; a conversion (KVM_SET_MEMORY_ATTRIBUTES2 on the file) goes one
// huge page at a time, bracketing the whole huge page and zapping only the pages converted.

import { GmemFile, Inode, Kernel, XA_PRESENT } from '../model/kernel';
import { SplitFunctions, defineVariant, expectations } from '../model/variant';
import { pgoff_t } from '../model/word';

export function kvm_gmem_get_invalidate_filter(k: Kernel): number {
  // the series' TODO: limit it to what the range can map; until then both
  return k.KVM_FILTER_SHARED | k.KVM_FILTER_PRIVATE;
}

export function __kvm_gmem_zap(k: Kernel, f: GmemFile, start: pgoff_t, end: pgoff_t, attr_filter: number): void {
  const { ul, min, max, xa_for_each_range, KVM_MMU_LOCK, KVM_MMU_UNLOCK, kvm_unmap_gfn_range, kvm_flush_remote_tlbs } = k;
  let flush = false, locked = false;
  const kvm = f.kvm;

  for (const [, slot] of xa_for_each_range(f.bindings, start, ul(end - 1n))) {
    const pgoff = slot.gmem.pgoff;

    const gfn_range = {
      start: ul(slot.base_gfn + max(pgoff, start) - pgoff),
      end: ul(slot.base_gfn + min(pgoff + slot.npages, end) - pgoff),
      slot,
      may_block: true,
      attr_filter,
    };

    if (!locked) {
      KVM_MMU_LOCK(kvm);
      locked = true;
    }

    flush = kvm_unmap_gfn_range(kvm, gfn_range) || flush;
  }

  if (flush)
    kvm_flush_remote_tlbs(kvm);

  if (locked)
    KVM_MMU_UNLOCK(kvm);
}

export function __kvm_gmem_invalidate_begin(k: Kernel, f: GmemFile, start: pgoff_t, end: pgoff_t): void {
  const { ul, min, max, xa_for_each_range, KVM_MMU_LOCK, KVM_MMU_UNLOCK, kvm_mmu_invalidate_begin, kvm_mmu_invalidate_range_add } = k;
  let found_memslot = false;
  const kvm = f.kvm;

  for (const [, slot] of xa_for_each_range(f.bindings, start, ul(end - 1n))) {
    const pgoff = slot.gmem.pgoff;
    const range_start = ul(slot.base_gfn + max(pgoff, start) - pgoff);
    const range_end = ul(slot.base_gfn + min(pgoff + slot.npages, end) - pgoff);

    if (!found_memslot) {
      KVM_MMU_LOCK(kvm);
      found_memslot = true;

      kvm_mmu_invalidate_begin(kvm);
    }

    kvm_mmu_invalidate_range_add(kvm, range_start, range_end);
  }

  if (found_memslot)
    KVM_MMU_UNLOCK(kvm);
}

export function __kvm_gmem_invalidate_end(k: Kernel, f: GmemFile, start: pgoff_t, end: pgoff_t): void {
  const kvm = f.kvm;

  if (k.xa_find(f.bindings, start, k.ul(end - 1n), XA_PRESENT)) {
    k.KVM_MMU_LOCK(kvm);
    k.kvm_mmu_invalidate_end(kvm);
    k.KVM_MMU_UNLOCK(kvm);
  }
}

/** kvm_gmem_compute_invalidate_start()/_end(): the huge page's edges, or the index itself at order 0. */
export function kvm_gmem_compute_invalidate_start(k: Kernel, inode: Inode, index: pgoff_t): pgoff_t {
  const order = k.GMEM_I(inode).page_order;
  return order === 0 ? index : k.round_down(index, 1n << BigInt(order));
}

export function kvm_gmem_compute_invalidate_end(k: Kernel, inode: Inode, index: pgoff_t): pgoff_t {
  const order = k.GMEM_I(inode).page_order;
  return order === 0 ? index : k.round_up(index, 1n << BigInt(order));
}

/** kvm_gmem_convert(): one batch, at most one huge page; the attribute store and the folio restructure are not invalidation. */
export function kvm_gmem_convert(k: Kernel, fns: SplitFunctions, start: pgoff_t, nr_pages: bigint): void {
  const end = k.ul(start + nr_pages);
  const invalidate_start = kvm_gmem_compute_invalidate_start(k, k.inode, start);
  const invalidate_end = kvm_gmem_compute_invalidate_end(k, k.inode, end);

  fns.kvm_gmem_invalidate_begin(invalidate_start, invalidate_end);
  // to shared: kvm_gmem_split_private() splits the private leaves first; it unmaps nothing
  fns.kvm_gmem_zap(start, end);
  fns.kvm_gmem_invalidate_end(invalidate_start, invalidate_end);
}

/** __kvm_gmem_set_attributes(): for page_order > 0, one huge page at a time. */
export function __kvm_gmem_set_attributes(k: Kernel, fns: SplitFunctions, start: pgoff_t, nr_pages: bigint): void {
  const order = k.GMEM_I(k.inode).page_order;
  const end = k.ul(start + nr_pages);
  const batch_size = order > 0 ? 1n << BigInt(order) : k.inode.i_size >> 12n;
  let batch_nr_pages: bigint;

  for (let batch_start = start; batch_start < end; batch_start = k.ul(batch_start + batch_nr_pages)) {
    const batch_end = k.min(k.round_up(k.ul(batch_start + 1n), batch_size), end);
    batch_nr_pages = k.ul(batch_end - batch_start);

    kvm_gmem_convert(k, fns, batch_start, batch_nr_pages);
  }
}

export default defineVariant({
  name: 'conversion-2026',
  origin: 'the in-place conversion + HugeTLB series (2025-26): __kvm_gmem_invalidate_begin/__kvm_gmem_zap/__kvm_gmem_invalidate_end, kvm_gmem_convert, __kvm_gmem_set_attributes',
  expect: expectations({
    'no-redundant-unmap': 'fail',
  }),
  vmTypes: ['default', 'tdx'],
  takes: 'inode',

  invalidate_begin(k, start, end) {
    for (const f of k.kvm_gmem_for_each_file(k.inode))
      __kvm_gmem_invalidate_begin(k, f, start, end);
  },

  zap(k, start, end) {
    const attr_filter = kvm_gmem_get_invalidate_filter(k);

    for (const f of k.kvm_gmem_for_each_file(k.inode))
      __kvm_gmem_zap(k, f, start, end, attr_filter);
  },

  invalidate_end(k, start, end) {
    for (const f of k.kvm_gmem_for_each_file(k.inode))
      __kvm_gmem_invalidate_end(k, f, start, end);
  },

  release_begin: (k, f) => __kvm_gmem_invalidate_begin(k, f, 0n, k.ULONG_MAX),
  release_zap: (k, f) => __kvm_gmem_zap(k, f, 0n, k.ULONG_MAX, kvm_gmem_get_invalidate_filter(k)),
  release_end: (k, f) => __kvm_gmem_invalidate_end(k, f, 0n, k.ULONG_MAX),

  convert: (k, fns, start, nr_pages) => __kvm_gmem_set_attributes(k, fns, start, nr_pages),
});
