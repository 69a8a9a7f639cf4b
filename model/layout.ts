// A layout: one guest_memfd file and the memslots bound to it, built only through the
// kernel's own checks (KERNEL-FACTS §3 "Bind"): kvm_gmem_create(), __kvm_set_memory_region()
// and kvm_gmem_bind(), in the order the kernel applies them, each stated once in model/rules.ts.
// kvm_gmem_bind()'s checks have eras (6.8 to 7.1, 7.2 on): a layout is made by the kernel of its
// era. From 2025 one inode may have several views, one per VM, each with its own bindings
// (KERNEL-FACTS §6): the layout is the first view, `otherViews` the rest.

import { KernelError, ModelInputError, requireU64 } from './errno';
import {
  BIND_TAKEN_EEXIST, BIND_TAKEN_EINVAL, BindEra, GFNS_TAKEN, Memslot, PAGE_SHIFT, SLOT_ID,
  bindingMeeting, kvmGmemBind, kvmGmemCreate, kvmSetMemoryRegion, slotMeetingGfns, slotWithId,
} from './rules';
import { extend } from './extend';
import { recent } from './recent';
import { VmType } from './vm';

export { KVM_MEM_MAX_NR_PAGES, KVM_USER_MEM_SLOTS, LLONG_MAX, PAGE_SHIFT, PAGE_SIZE } from './rules';
export type { BindEra, Memslot } from './rules';

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
  /** The era of the kernel that bound the slots (model/rules.ts BindEra); absent: '6.8', which is every era before 7.2. */
  readonly bindEra?: '7.2';
}

/** The kvm_gmem_bind() era a layout's kernel has. */
export const bindEraOf = (l: Pick<Layout, 'bindEra'>): BindEra => l.bindEra ?? '6.8';

/** Every view of the inode, the first one first; a view is a Layout without otherViews. */
export function viewsOf(layout: Layout): Layout[] {
  if (!layout.otherViews?.length) return [layout];
  // one first-view object per layout while it is among the last few split, so what is cached per
  // view (its xarray's chunks) is found again
  return [...viewsCache(layout)];
}
// kept for the last few layouts (model/recent.ts), as the per-view caches are: a WeakMap entry
// per case's layout cost the collector more than the split
const viewsCache = recent(8, (layout: Layout): readonly Layout[] => {
  const { otherViews, ...first } = layout;
  return [Object.freeze(first), ...(otherViews ?? [])];
});

/**
 * Another VM's view of the file: a new struct gmem_file on the inode's list (__kvm_gmem_create()
 * adds one per file it makes; the in-flight intra-host migration series add one per VM).
 */
export function addView(layout: Layout, vmType?: VmType): Layout {
  return Object.freeze({ ...layout, otherViews: Object.freeze([...(layout.otherViews ?? []), newView(layout, vmType)]) });
}

/** The view addView() adds to `layout`'s file, on its own: no bindings yet. */
export function newView(layout: Layout, vmType?: VmType): Layout {
  return viewWith(layout, vmType, Object.freeze([]));
}

/**
 * newView(file, vmType) with each region bound in turn: what bindEach(newView(file, vmType),
 * regions) makes, without making the empty view first (a case with views binds one per view).
 */
export function bindNewView(file: Layout, vmType: VmType | undefined, regions: readonly Region2[]): Layout {
  return viewWith(file, vmType, boundSlots({ filePages: file.filePages, slots: [], bindEra: file.bindEra }, regions));
}

/** A view of `layout`'s file in a VM of `vmType` with these bound slots: newView()'s fields. */
function viewWith(layout: Layout, vmType: VmType | undefined, slots: readonly Memslot[]): Layout {
  // the fields it has, in this order (assigned, not spread from objects made for the purpose: a
  // case with views makes one per view)
  const view: Mutable<Layout> = { filePages: layout.filePages, slots };
  if (vmType && vmType !== 'default') view.vmType = vmType;
  if (layout.pageOrder) view.pageOrder = layout.pageOrder;
  if (layout.bindEra) view.bindEra = layout.bindEra;
  return Object.freeze(view);
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The userspace request: struct kvm_userspace_memory_region2 with KVM_MEM_GUEST_MEMFD set. */
export interface Region2 {
  slot: number;
  guest_phys_addr: bigint;
  memory_size: bigint;
  guest_memfd_offset: bigint;
}

/**
 * KVM_CREATE_GUEST_MEMFD: kvm_gmem_create() refuses a size that is not positive or not aligned to
 * its page (PAGE_SIZE << page_order in the HugeTLB series, whose page order must be a valid one).
 * `bindEra`: the era of the kernel that makes the file, and binds its slots (absent: 6.8 to 7.1).
 */
export function createGmem(size: bigint, pageOrder = 0, bindEra?: BindEra): Layout {
  const r = kvmGmemCreate(size, pageOrder);
  if (r) throw KernelError.of(r, pageOrder ? `page order ${pageOrder}` : undefined);
  // the fields it has, in this order (as newView makes them)
  const file: Mutable<Layout> = { filePages: size >> PAGE_SHIFT, slots: Object.freeze([]) };
  if (pageOrder) file.pageOrder = pageOrder;
  if (bindEra === '7.2') file.bindEra = bindEra;
  return Object.freeze(file);
}

/** A KVM_MEM_GUEST_MEMFD region's fields as userspace gives them: checked to be what the uapi can hold. */
function requireRegion(r: Region2): void {
  requireU64('guest_phys_addr', r.guest_phys_addr);
  requireU64('memory_size', r.memory_size);
  requireU64('guest_memfd_offset', r.guest_memfd_offset);
  if (!Number.isInteger(r.slot)) throw new ModelInputError(`slot id must be an integer, got ${r.slot}`);
}

/**
 * What of a view the bind's checks read: its bindings, its file's size and its kernel's bind era.
 * A check that needs more (a huge page's alignment, say) adds it here, and bindEach() hands it on.
 */
export type BindView = Pick<Layout, 'slots' | 'filePages' | 'bindEra'>;

/**
 * The checks KVM_SET_USER_MEMORY_REGION2 makes before kvm_gmem_bind(), on view `layout`: throws
 * the kernel's refusal. A region of memory_size 0 that passes deletes its slot.
 */
export function checkRegion(layout: BindView, r: Region2): void {
  requireRegion(r);
  const refused = kvmSetMemoryRegion(r.slot, r.guest_phys_addr, r.memory_size, r.guest_memfd_offset, layout.slots);
  if (!refused) return;
  const clash = refused === GFNS_TAKEN ? slotMeetingGfns(layout.slots, r.guest_phys_addr >> PAGE_SHIFT, r.memory_size >> PAGE_SHIFT) : null;
  throw KernelError.of(refused, clash ? `slot ${clash.id}` : refused === SLOT_ID ? `slot ${r.slot}` : undefined);
}

/**
 * kvm_gmem_bind()'s checks of region `r` against one view, as the kernel of the layout's era makes
 * them (model/rules.ts kvmGmemBind): throws its refusal, else returns the binding it stores.
 */
export function gmemBind(layout: BindView, r: Region2): Memslot {
  const npages = r.memory_size >> PAGE_SHIFT;
  const pgoff = r.guest_memfd_offset >> PAGE_SHIFT;
  // the view's own bindings only: another VM's view may bind the same indices (§6)
  const taken = bindingMeeting(layout.slots, pgoff, npages);
  const refused = kvmGmemBind(bindEraOf(layout), layout.filePages << PAGE_SHIFT, r.guest_memfd_offset, r.memory_size, taken !== null);
  if (refused) throw KernelError.of(refused, taken && (refused === BIND_TAKEN_EINVAL || refused === BIND_TAKEN_EEXIST) ? `slot ${taken.id}` : undefined);
  return Object.freeze({ id: r.slot, pgoff, npages, base_gfn: r.guest_phys_addr >> PAGE_SHIFT });
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
  return Object.freeze(extend(layout, { slots: boundSlots(layout, regions) }));
}

/** The slots of view `layout` after bind() of each region in turn, frozen; throws the kernel's refusal. */
function boundSlots(layout: BindView, regions: readonly Region2[]): readonly Memslot[] {
  // the checks read the slots bound so far through one view object; the layout is made once.
  // The object is the checks' own and has what they read (BindView: a literal of one shape, not a
  // spread of the layout: a spread of layouts of many shapes cost more than the checks)
  const slots = [...layout.slots];
  const sofar: BindView = { filePages: layout.filePages, slots, bindEra: layout.bindEra };
  for (const r of regions) {
    checkRegion(sofar, r);
    if (r.memory_size >> PAGE_SHIFT === 0n) slots.splice(slots.indexOf(slotWithId(slots, r.slot)!), 1); // unbind()
    else slots.push(gmemBind(sofar, r));
  }
  return Object.freeze(slots);
}

/** Deleting the slot clears its xarray range and does not invalidate (§3 "Unbind"). */
export function unbind(layout: Layout, id: number): Layout {
  return Object.freeze({ ...layout, slots: Object.freeze(layout.slots.filter((s) => s.id !== id)) });
}

/**
 * The slot of `slots` with id `id`, or null: model/rules.ts slotWithId() (id_to_memslot()) as an
 * indexed loop, for the harness's own lookups, made on every visit of a walk and every unmap. Its
 * for-of loop meets both frozen arrays (a layout's slots) and plain ones (the memslots a variant
 * sees), and took 2 to 3 times as long as this loop there; rules.ts keeps the for-of its
 * contract with the prover names.
 */
export function slotById<S extends Pick<Memslot, 'id'>>(slots: readonly S[], id: number): S | null {
  for (let i = 0; i < slots.length; i++) if (slots[i].id === id) return slots[i];
  return null;
}

/** The bindings in file-index order, as the xarray holds them. */
export function bindingsByPgoff(layout: Layout): Memslot[] {
  const slots = [...layout.slots];
  // most layouts bind in file order: sorted already (the sort is stable, so the same either way)
  for (let i = 1; i < slots.length; i++) {
    if (slots[i].pgoff < slots[i - 1].pgoff) return slots.sort((a, b) => (a.pgoff < b.pgoff ? -1 : a.pgoff > b.pgoff ? 1 : 0));
  }
  return slots;
}
