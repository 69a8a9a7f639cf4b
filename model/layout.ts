// A layout: one guest_memfd file and the memslots bound to it, built only through the
// kernel's own checks (KERNEL-FACTS §3 "Bind"): kvm_gmem_create(), __kvm_set_memory_region()
// and kvm_gmem_bind(), in the order the kernel applies them. From 2025 one inode may have
// several views, one per VM, each with its own bindings (KERNEL-FACTS §6): the layout is the
// first view, `otherViews` the rest.

import { KernelError, ModelInputError, requireU64 } from './errno';
import { VmType } from './vm';

export const PAGE_SHIFT = 12n;
export const PAGE_SIZE = 1n << PAGE_SHIFT;
/** KVM_MEM_MAX_NR_PAGES: (1 << 31) - 1 (§3). */
export const KVM_MEM_MAX_NR_PAGES = (1n << 31n) - 1n;
/** x86's KVM_USER_MEM_SLOTS: SHRT_MAX less the 3 internal slots (kvm_vm_ioctl_set_memory_region). */
export const KVM_USER_MEM_SLOTS = 32764;
/** loff_t's maximum, the largest i_size a guest_memfd can have (kvm_gmem_create takes a loff_t). */
export const LLONG_MAX = (1n << 63n) - 1n;

/** A memslot bound to the file: file indices [pgoff, pgoff+npages) back gfns [base_gfn, base_gfn+npages) (§1). */
export interface Memslot {
  readonly id: number;
  readonly pgoff: bigint;
  readonly npages: bigint;
  readonly base_gfn: bigint;
}

export interface Layout {
  /** i_size of the guest_memfd file, in pages. */
  readonly filePages: bigint;
  /** Bound slots, in the order they were bound. */
  readonly slots: readonly Memslot[];
  /** The type of the VM the slots belong to (model/vm.ts); absent: a default VM. */
  readonly vmType?: VmType;
  /**
   * The inode's page order (the HugeTLB series, KERNEL-FACTS §6): 9 for 2 MiB, 18 for 1 GiB pages;
   * absent: 0, 4 KiB pages. Fallocate's offset and length, and the file's size, are multiples of
   * PAGE_SIZE << order; a conversion works one huge page at a time.
   */
  readonly pageOrder?: number;
  /**
   * The other VMs' views of the same inode (2025 on, §6), each a layout of the same file with
   * its own VM (own slot ids, gfn space and bindings xarray) and no further views. Absent: one view.
   */
  readonly otherViews?: readonly Layout[];
}

/** Every view of the inode, the first one first; a view is a Layout without otherViews. */
export function viewsOf(layout: Layout): Layout[] {
  if (!layout.otherViews?.length) return [layout];
  // one first-view object per layout, so what is cached per view (its xarray's chunks) is found again
  let views = viewsCache.get(layout);
  if (!views) {
    const { otherViews, ...first } = layout;
    viewsCache.set(layout, (views = [Object.freeze(first), ...otherViews]));
  }
  return [...views];
}
const viewsCache = new WeakMap<Layout, readonly Layout[]>();

/**
 * Another VM's view of the file: a new struct gmem_file on the inode's list (__kvm_gmem_create()
 * adds one per file it makes; the in-flight intra-host migration series add one per VM).
 */
export function addView(layout: Layout, vmType?: VmType): Layout {
  const view: Layout = Object.freeze({ filePages: layout.filePages, slots: Object.freeze([]), ...(vmType && vmType !== 'default' ? { vmType } : {}), ...(layout.pageOrder ? { pageOrder: layout.pageOrder } : {}) });
  return Object.freeze({ ...layout, otherViews: Object.freeze([...(layout.otherViews ?? []), view]) });
}

/** The userspace request: struct kvm_userspace_memory_region2 with KVM_MEM_GUEST_MEMFD set. */
export interface Region2 {
  slot: number;
  guest_phys_addr: bigint;
  memory_size: bigint;
  guest_memfd_offset: bigint;
}

const PAGE_MASK = PAGE_SIZE - 1n;
const aligned = (x: bigint) => (x & PAGE_MASK) === 0n;
const U64_MOD = 1n << 64n;

/** The page orders a HugeTLB guest_memfd takes (KERNEL-FACTS §6): 2 MiB and 1 GiB pages. */
export const PAGE_ORDERS: readonly number[] = [0, 9, 18];

/**
 * KVM_CREATE_GUEST_MEMFD: kvm_gmem_create() refuses a size that is not positive or not aligned to
 * its page (PAGE_SIZE << page_order in the HugeTLB series, whose page order must be a valid one).
 */
export function createGmem(size: bigint, pageOrder = 0): Layout {
  if (!PAGE_ORDERS.includes(pageOrder)) {
    throw new KernelError('EINVAL', `kvm_gmem_create: page order ${pageOrder} is not one of ${PAGE_ORDERS.join(', ')} (gmem_hugetlb_valid_order)`);
  }
  const page = PAGE_SIZE << BigInt(pageOrder);
  if (size <= 0n || size % page !== 0n) {
    throw new KernelError('EINVAL', pageOrder ? `kvm_gmem_create: size must be > 0 and a multiple of the page, ${page} bytes at order ${pageOrder}` : 'kvm_gmem_create: size must be > 0 and page aligned');
  }
  if (size > LLONG_MAX) {
    throw new KernelError('EINVAL', 'kvm_gmem_create: size is a loff_t and must not be negative');
  }
  return Object.freeze({ filePages: size >> PAGE_SHIFT, slots: Object.freeze([]), ...(pageOrder ? { pageOrder } : {}) });
}

/**
 * KVM_SET_USER_MEMORY_REGION2 for a KVM_MEM_GUEST_MEMFD slot bound to this layout's file.
 * Returns the new layout; throws KernelError with the kernel's errno for a refused call.
 * A memory_size of 0 deletes the slot, which unbinds it without invalidating (§3).
 */
export function bind(layout: Layout, r: Region2, view = 0): Layout {
  return bindEach(layout, [r], view);
}

/** bind() of each region in turn, the layout made once at the end. */
export function bindEach(layout: Layout, regions: readonly Region2[], view = 0): Layout {
  if (view !== 0) {
    const others = layout.otherViews ?? [];
    if (!Number.isInteger(view) || view < 0 || view > others.length) throw new ModelInputError(`the file has no view ${view}`);
    const updated = bindEach(others[view - 1], regions);
    return Object.freeze({ ...layout, otherViews: Object.freeze(others.map((o, i) => (i === view - 1 ? updated : o))) });
  }
  let slots = [...layout.slots];
  for (const r of regions) {
    const slot = admit(layout.filePages, slots, r);
    if (slot === 'delete') slots = slots.filter((s) => s.id !== r.slot); // unbind()
    else slots.push(slot);
  }
  return Object.freeze({ ...layout, slots: Object.freeze(slots) });
}

/** The kernel's checks of one region against the slots already bound: the memslot it adds, or 'delete' for a size of 0. */
function admit(filePages: bigint, slots: readonly Memslot[], r: Region2): Memslot | 'delete' {
  requireU64('guest_phys_addr', r.guest_phys_addr);
  requireU64('memory_size', r.memory_size);
  requireU64('guest_memfd_offset', r.guest_memfd_offset);
  if (!Number.isInteger(r.slot) || r.slot < 0 || r.slot > 0xffff) {
    throw new KernelError('EINVAL', `slot id ${r.slot} is not a u16`);
  }

  // kvm_vm_ioctl_set_memory_region
  if (r.slot >= KVM_USER_MEM_SLOTS) {
    throw new KernelError('EINVAL', `slot id must be below KVM_USER_MEM_SLOTS (${KVM_USER_MEM_SLOTS})`);
  }
  // __kvm_set_memory_region, in its order
  if (!aligned(r.memory_size)) {
    throw new KernelError('EINVAL', '__kvm_set_memory_region: memory_size must be page aligned');
  }
  if (!aligned(r.guest_phys_addr)) {
    throw new KernelError('EINVAL', '__kvm_set_memory_region: guest_phys_addr must be page aligned');
  }
  if (!aligned(r.guest_memfd_offset) || r.guest_memfd_offset + r.memory_size >= U64_MOD) {
    throw new KernelError('EINVAL', '__kvm_set_memory_region: guest_memfd_offset must be page aligned and offset + size must not wrap');
  }
  if (r.guest_phys_addr + r.memory_size >= U64_MOD) {
    throw new KernelError('EINVAL', '__kvm_set_memory_region: guest_phys_addr + memory_size must not wrap');
  }
  const npages = r.memory_size >> PAGE_SHIFT;
  if (npages > KVM_MEM_MAX_NR_PAGES) {
    throw new KernelError('EINVAL', '__kvm_set_memory_region: npages must not exceed KVM_MEM_MAX_NR_PAGES (2^31 - 1)');
  }
  const old = slots.find((s) => s.id === r.slot);
  if (npages === 0n) {
    if (!old) throw new KernelError('EINVAL', '__kvm_set_memory_region: deleting a slot that does not exist');
    return 'delete';
  }
  if (old) {
    throw new KernelError('EINVAL', '__kvm_set_memory_region: guest_memfd slots are immutable, they can only be deleted');
  }
  const base_gfn = r.guest_phys_addr >> PAGE_SHIFT;
  const gfnEnd = base_gfn + npages;
  const clash = slots.find((s) => base_gfn < s.base_gfn + s.npages && s.base_gfn < gfnEnd);
  if (clash) {
    throw new KernelError('EEXIST', `__kvm_set_memory_region: gfns overlap slot ${clash.id} in the same address space`);
  }

  // kvm_gmem_bind: offset and size are loff_t there, so a __u64 above LLONG_MAX is negative,
  // and offset + size is a signed sum that wraps negative past LLONG_MAX (the kernel builds
  // with -fno-strict-overflow) and then passes the size check: modelled as the kernel does it.
  const offset = r.guest_memfd_offset;
  if (offset > LLONG_MAX || BigInt.asIntN(64, offset + r.memory_size) > filePages << PAGE_SHIFT) {
    throw new KernelError('EINVAL', 'kvm_gmem_bind: offset must not be negative and offset + size must not exceed the file size');
  }
  const pgoff = offset >> PAGE_SHIFT;
  // the view's own bindings only: another VM's view may bind the same indices (§6)
  const pgoffEnd = pgoff + npages;
  const taken = slots.find((s) => pgoff < s.pgoff + s.npages && s.pgoff < pgoffEnd);
  if (taken) {
    // -EINVAL through the 2026 tip (torvalds/linux @01f492e1), not -EEXIST as §3 says
    throw new KernelError('EINVAL', `kvm_gmem_bind: file range overlaps the binding of slot ${taken.id}`);
  }
  return Object.freeze({ id: r.slot, pgoff, npages, base_gfn });
}

/** Deleting the slot clears its xarray range and does not invalidate (§3 "Unbind"). */
export function unbind(layout: Layout, id: number): Layout {
  return Object.freeze({ ...layout, slots: Object.freeze(layout.slots.filter((s) => s.id !== id)) });
}

/** The bindings in file-index order, as the xarray holds them. */
export function bindingsByPgoff(layout: Layout): Memslot[] {
  return [...layout.slots].sort((a, b) => (a.pgoff < b.pgoff ? -1 : a.pgoff > b.pgoff ? 1 : 0));
}
