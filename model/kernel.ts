// The kernel a variant runs against: the inode and its views (struct kvm_gmem, later struct
// gmem_file: each VM's kvm and bindings), the xarray walk, the word helpers and the KVM calls,
// each named as in the kernel so that a port of kvm_gmem_invalidate_begin()/_end() of any era
// reads line for line like the C it came from (KERNEL-FACTS §6 for the views).
import { Layout, slotById, viewsOf } from './layout';
import { recent } from './recent';
import { EventLog, KvmGfnRange, KvmMemorySlot, KvmRecorder, VariantFault, requireWord } from './kvm';
import { Visit, walk, xaFind } from './xarray';
import { KVM_FILTER_PRIVATE, KVM_FILTER_SHARED } from './vm';
import { ERRNO_NUMBERS } from './errno';
import { PAGE_SHIFT, PAGE_SIZE, pageAligned } from './rules';
import { Word, s64 } from './word';

declare const opaque: unique symbol;
/** struct kvm, as a handle: a variant passes it back, it never looks inside. */
export type Kvm = { readonly [opaque]: 'kvm' };
/** The file's bindings xarray, as a handle for xa_for_each_range() and xa_find(). */
export type Bindings = { readonly [opaque]: 'xarray' };

/** struct address_space, as a handle for filemap_invalidate_lock(). */
export type Mapping = { readonly [opaque]: 'mapping' };

/** A list_head of views, as a handle for list_for_each_entry(). */
export type GmemList = { readonly [opaque]: 'list' };

/** struct kvm_gmem (6.8 to 2025), struct gmem_file (2026): one VM's view, the fields the invalidation touches. */
export interface KvmGmem {
  readonly kvm: Kvm;
  readonly bindings: Bindings;
}
export type GmemFile = KvmGmem;

/** struct inode of a guest_memfd: the fields the 2025 bodies read (the views' list, the flags in i_private). */
export interface Inode {
  readonly i_mapping: { readonly i_private_list: GmemList } & Mapping;
  readonly i_private: bigint;
  /** The file's size in bytes (i_size_read()). */
  readonly i_size: bigint;
}

/** struct gmem_inode (2026): GMEM_I(inode); page_order is the HugeTLB series' (0: 4 KiB pages). */
export interface GmemInode {
  readonly flags: bigint;
  readonly gmem_file_list: GmemList;
  readonly page_order: number;
}

/** What xa_for_each_range() was asked and what it yielded: the data a C variant replays. */
export interface WalkRecord {
  /** The view whose bindings were walked; absent: the first. */
  readonly view?: number;
  readonly start: bigint;
  readonly last: bigint;
  readonly visits: readonly Visit[];
}

export const XA_PRESENT = 'XA_PRESENT';

/**
 * The struct kvm_memory_slot kvm_gmem_bind() is given: the new slot __kvm_set_memory_region()
 * made, not yet bound; the body sets gmem.pgoff (slot->gmem.pgoff = start) when it binds.
 */
export interface NewMemslot {
  readonly id: number;
  readonly base_gfn: bigint;
  readonly npages: bigint;
  readonly gmem: { pgoff: bigint };
}

/** One xa_store_range(&bindings, first, last, slot) a bind made: the view, the range and the slot's id. */
export interface BindStore {
  readonly view?: number;
  readonly first: bigint;
  readonly last: bigint;
  readonly slot: number;
}

/** include/uapi/linux/kvm.h: guest_memfd creation flags (§6). The model's files are created with neither. */
export const GUEST_MEMFD_FLAG_MMAP = 1n;
export const GUEST_MEMFD_FLAG_INIT_SHARED = 2n;

export interface Kernel {
  /** The view a 6.8-era function is called on (its struct kvm_gmem), and its VM: the first view's, or the one a caller loop is at. */
  readonly gmem: KvmGmem;
  readonly kvm: Kvm;
  /** The file's inode (2025 on): its views are on i_mapping->i_private_list (2025) and GMEM_I(inode)->gmem_file_list (2026). */
  readonly inode: Inode;
  GMEM_I(inode: Inode): GmemInode;
  /** kvm_gmem_for_each_file(f, inode), as `for (const f of k.kvm_gmem_for_each_file(inode))`. */
  kvm_gmem_for_each_file(inode: Inode): Iterable<GmemFile>;
  /** list_for_each_entry(gmem, list, entry) over a list of views, as `for (const gmem of ...)`. */
  list_for_each_entry(list: GmemList): Iterable<KvmGmem>;
  readonly GUEST_MEMFD_FLAG_MMAP: bigint;
  readonly GUEST_MEMFD_FLAG_INIT_SHARED: bigint;
  /** round_up()/round_down() of include/linux/math.h (their arithmetic assumes a power-of-two `y`). */
  round_up(x: bigint, y: bigint): bigint;
  round_down(x: bigint, y: bigint): bigint;
  readonly ULONG_MAX: bigint;
  /** enum kvm_gfn_range_filter (6.14 on), for a range's attr_filter. */
  readonly KVM_FILTER_SHARED: number;
  readonly KVM_FILTER_PRIVATE: number;
  /** (unsigned long)x: the conversion C makes implicitly, written out in a port. */
  ul(x: bigint): bigint;
  min(a: bigint, b: bigint): bigint;
  max(a: bigint, b: bigint): bigint;
  /** xa_for_each_range(xa, index, entry, start, last), as `for (const [index, slot] of ...)`. */
  xa_for_each_range(xa: Bindings, start: bigint, last: bigint): Iterable<readonly [bigint, KvmMemorySlot]>;
  /** xa_find(xa, &index, max, XA_PRESENT); JavaScript has no pointer, so index is not written back. */
  xa_find(xa: Bindings, index: bigint, max: bigint, filter: typeof XA_PRESENT): KvmMemorySlot | null;
  // kvm_gmem_bind() (the bind-within-file property): the file's size, the bindings xarray's store
  /** i_size_read(inode): the file's size in bytes, a loff_t. */
  i_size_read(inode: Inode): bigint;
  /** xa_empty(xa): the view has no binding. */
  xa_empty(xa: Bindings): boolean;
  /** xa_store_range(xa, first, last, slot, GFP_KERNEL): recorded, for the property to judge; the walk of this case does not see it. */
  xa_store_range(xa: Bindings, first: bigint, last: bigint, entry: NewMemslot): void;
  /** filemap_invalidate_lock()/_unlock() of the inode's mapping: held around the bindings' update. */
  filemap_invalidate_lock(mapping: Mapping): void;
  filemap_invalidate_unlock(mapping: Mapping): void;
  readonly PAGE_SHIFT: bigint;
  readonly PAGE_SIZE: bigint;
  /** PAGE_ALIGNED(x) of a byte value (of any sign: a loff_t is aligned or not as its bits say). */
  PAGE_ALIGNED(x: bigint): boolean;
  /** (loff_t)x: C's conversion to a signed 64-bit type, and what a loff_t sum wraps to (-fno-strict-overflow). */
  s64(x: bigint): bigint;
  /** include/uapi/asm-generic/errno-base.h, for `return -EINVAL`. */
  readonly EINVAL: number;
  readonly EEXIST: number;
  KVM_MMU_LOCK(kvm: Kvm): void;
  KVM_MMU_UNLOCK(kvm: Kvm): void;
  kvm_mmu_invalidate_begin(kvm: Kvm): void;
  kvm_mmu_invalidate_end(kvm: Kvm): void;
  kvm_mmu_invalidate_range_add(kvm: Kvm, start: bigint, end: bigint): void;
  kvm_mmu_unmap_gfn_range(kvm: Kvm, range: KvmGfnRange): boolean;
  kvm_unmap_gfn_range(kvm: Kvm, range: KvmGfnRange): boolean;
  kvm_flush_remote_tlbs(kvm: Kvm): void;
  WARN_ON_ONCE(cond: boolean): boolean;
}

export interface Machine {
  /** The kernel as the first view's function sees it (k.gmem is view 0). */
  readonly kernel: Kernel;
  /** The kernel as the 6.8-era function called on view `v` sees it (k.gmem, k.kvm are that view's). */
  kernelFor(v: number): Kernel;
  /** The first view's recorder; `phase` on it is the phase of every view's. */
  readonly recorder: KvmRecorder;
  /** Each view's recorder, in view order. */
  readonly recorders: readonly KvmRecorder[];
  /** The memslot `id` of view `v` as the kernel hands it out (a replayed log names slots by id). */
  slot(v: number, id: number): KvmMemorySlot | undefined;
  readonly walks: WalkRecord[];
  /** What a kvm_gmem_bind() stored, in order. */
  readonly stores: BindStore[];
}

interface ViewState {
  readonly index: number;
  readonly layout: Layout;
  readonly gmem: KvmGmem;
  readonly recorder: KvmRecorder;
  /** The memslots as the kernel hands them out, in bind order. */
  readonly slots: readonly KvmMemorySlot[];
}

// A variant sees its memslots frozen: a port that writes to one (C would change the kernel's
// memslot) fails at that line. The other objects of a case are made fresh for it and unfrozen
// (Object.freeze is a runtime call, and a case makes dozens of objects): what a variant writes
// into them dies with the case.
const slotView = (s: Layout['slots'][number]): KvmMemorySlot =>
  Object.freeze({ id: s.id, base_gfn: s.base_gfn, npages: s.npages, gmem: Object.freeze({ pgoff: s.pgoff, index: s.pgoff }) });
/** A layout's memslots as variants see them: frozen, so the cases of one layout (the exhaustive scope's) share them. */
const slotViews = recent(8, (layout: Layout) => layout.slots.map(slotView));

/** A fresh kernel for one case: every view's slots, empty recorders. */
export function makeKernel(layout: Layout, word: Word): Machine {
  const log = new EventLog();
  const walks: WalkRecord[] = [];
  const stores: BindStore[] = [];
  const views: ViewState[] = viewsOf(layout).map((v, index) => ({
    index,
    layout: v,
    gmem: { kvm: {} as Kvm, bindings: {} as Bindings },
    recorder: new KvmRecorder(v, word, index, log),
    slots: slotViews(v),
  }));
  const several = views.length > 1;
  /** Which VM a memslot object belongs to: an unmap names its slot, and must be made in that VM. */
  const ownerOf = (slot: unknown) => {
    for (const v of views) if (v.slots.includes(slot as KvmMemorySlot)) return v;
    return undefined;
  };
  const files = views.map((v) => v.gmem);
  const list = {} as GmemList;
  const mapping = { i_private_list: list } as Inode['i_mapping'];
  const inode: Inode = { i_mapping: mapping, i_private: 0n, i_size: word.ul(layout.filePages << PAGE_SHIFT) };
  const gmemInode: GmemInode = { flags: 0n, gmem_file_list: list, page_order: layout.pageOrder ?? 0 };
  const mask = (call: string, y: unknown) => word.ul(requireWord(word, call, 'y', y) - 1n);

  const vmOf = (call: string, k: unknown): ViewState => {
    for (const v of views) if (v.gmem.kvm === k) return v;
    throw new VariantFault(call, several ? 'kvm is not a VM bound to this file' : 'kvm is not this VM');
  };
  const viewOf = (call: string, xa: unknown): ViewState => {
    for (const v of views) if (v.gmem.bindings === xa) return v;
    throw new VariantFault(call, several ? 'xa is not the bindings of a view of this file (f->bindings)' : 'xa is not the file\'s bindings (gmem->bindings)');
  };
  const needInode = (call: string, i: unknown) => {
    if (i !== inode) throw new VariantFault(call, 'inode is not the file\'s inode');
  };
  const needMapping = (call: string, m: unknown) => {
    if (m !== mapping) throw new VariantFault(call, 'mapping is not the inode\'s (inode->i_mapping)');
  };
  const needList = (call: string, l: unknown) => {
    if (l !== list) throw new VariantFault(call, 'not the inode\'s list of views');
  };
  const pgoff = (call: string, what: string, x: unknown) => requireWord(word, call, what, x);
  /** The unmap's range must name a memslot of the VM it is made on: the TDP MMU zaps by gfn in that VM. */
  const unmapIn = (call: string, k: unknown, range: KvmGfnRange) => {
    const v = vmOf(call, k);
    const owner = ownerOf((range as { slot?: KvmMemorySlot } | null)?.slot);
    if (owner && owner !== v) throw new VariantFault(call, `range->slot is a memslot of view ${owner.index}, not of the VM (view ${v.index}) it is unmapped in`);
    return v.recorder;
  };

  // the first view's kernel; another view's is this one with that view's gmem and kvm
  const first: Kernel = {
    gmem: views[0].gmem,
    kvm: views[0].gmem.kvm,
    inode,
    ULONG_MAX: word.MAX,
    KVM_FILTER_SHARED,
    KVM_FILTER_PRIVATE,
    GUEST_MEMFD_FLAG_MMAP,
    GUEST_MEMFD_FLAG_INIT_SHARED,
    ul: word.ul,
    min: word.min,
    max: word.max,
    // the macros' own arithmetic, ((x - 1) | (y - 1)) + 1 and x & ~(y - 1), in the word: meant for a
    // power-of-two y, and computed the same for any other, as C does (a round_up past the top wraps)
    round_up: (x: bigint, y: bigint) => word.ul((word.ul(requireWord(word, 'round_up', 'x', x) - 1n) | mask('round_up', y)) + 1n),
    round_down: (x: bigint, y: bigint) => requireWord(word, 'round_down', 'x', x) & (word.MAX ^ mask('round_down', y)),
    GMEM_I(i: Inode) { needInode('GMEM_I', i); return gmemInode; },
    kvm_gmem_for_each_file(i: Inode) { needInode('kvm_gmem_for_each_file', i); return files; },
    list_for_each_entry(l: GmemList) { needList('list_for_each_entry', l); return files; },
    xa_for_each_range(xa: Bindings, start: bigint, last: bigint) {
      const v = viewOf('xa_for_each_range', xa);
      const from = pgoff('xa_for_each_range', 'start', start);
      const to = pgoff('xa_for_each_range', 'last', last);
      const visits = walk(v.layout, from, to);
      walks.push(v.index ? { view: v.index, start: from, last: to, visits } : { start: from, last: to, visits });
      return visits.map((x) => [x.index, slotById(v.slots, x.slot.id)!] as const);
    },
    xa_find(xa: Bindings, index: bigint, max: bigint, filter: typeof XA_PRESENT) {
      const v = viewOf('xa_find', xa);
      if (filter !== XA_PRESENT) throw new VariantFault('xa_find', 'only XA_PRESENT is modelled');
      const hit = xaFind(v.layout, pgoff('xa_find', 'index', index), pgoff('xa_find', 'max', max));
      return hit ? slotById(v.slots, hit.slot.id)! : null;
    },
    i_size_read(i: Inode) { needInode('i_size_read', i); return inode.i_size; },
    xa_empty(xa: Bindings) { return viewOf('xa_empty', xa).layout.slots.length === 0; },
    xa_store_range(xa: Bindings, first: bigint, last: bigint, entry: NewMemslot) {
      const v = viewOf('xa_store_range', xa);
      const id = (entry as { id?: unknown } | null)?.id;
      if (typeof id !== 'number') throw new VariantFault('xa_store_range', 'entry must be the memslot being bound');
      const from = pgoff('xa_store_range', 'first', first), to = pgoff('xa_store_range', 'last', last);
      stores.push(Object.freeze({ ...(v.index ? { view: v.index } : {}), first: from, last: to, slot: id }));
    },
    filemap_invalidate_lock(m: Mapping) { needMapping('filemap_invalidate_lock', m); },
    filemap_invalidate_unlock(m: Mapping) { needMapping('filemap_invalidate_unlock', m); },
    PAGE_SHIFT,
    PAGE_SIZE,
    PAGE_ALIGNED: pageAligned,
    s64,
    EINVAL: ERRNO_NUMBERS.EINVAL,
    EEXIST: ERRNO_NUMBERS.EEXIST,
    KVM_MMU_LOCK: (k: Kvm) => vmOf('KVM_MMU_LOCK', k).recorder.KVM_MMU_LOCK(),
    KVM_MMU_UNLOCK: (k: Kvm) => vmOf('KVM_MMU_UNLOCK', k).recorder.KVM_MMU_UNLOCK(),
    kvm_mmu_invalidate_begin: (k: Kvm) => vmOf('kvm_mmu_invalidate_begin', k).recorder.kvm_mmu_invalidate_begin(),
    kvm_mmu_invalidate_end: (k: Kvm) => vmOf('kvm_mmu_invalidate_end', k).recorder.kvm_mmu_invalidate_end(),
    kvm_mmu_invalidate_range_add: (k: Kvm, start: bigint, end: bigint) =>
      vmOf('kvm_mmu_invalidate_range_add', k).recorder.kvm_mmu_invalidate_range_add(start, end),
    kvm_mmu_unmap_gfn_range: (k: Kvm, range: KvmGfnRange) => unmapIn('kvm_mmu_unmap_gfn_range', k, range).kvm_mmu_unmap_gfn_range(range),
    kvm_unmap_gfn_range: (k: Kvm, range: KvmGfnRange) => unmapIn('kvm_unmap_gfn_range', k, range).kvm_unmap_gfn_range(range),
    kvm_flush_remote_tlbs: (k: Kvm) => vmOf('kvm_flush_remote_tlbs', k).recorder.kvm_flush_remote_tlbs(),
    // a WARN is the kernel's, not a VM's: it goes on the first view's record
    WARN_ON_ONCE: (cond: boolean) => views[0].recorder.WARN_ON_ONCE(cond),
  };
  // the first view's kernel now, another's when a caller asks for it (most cases have one view)
  const kernels: Kernel[] = [first];
  const kernelFor = (v: number): Kernel => {
    const view = views[v];
    if (!view) throw new RangeError(`the file has no view ${v}`);
    return (kernels[v] ??= { ...first, gmem: view.gmem, kvm: view.gmem.kvm });
  };
  const slot = (v: number, id: number) => (views[v] ? slotById(views[v].slots, id) ?? undefined : undefined);
  return { kernel: first, kernelFor, recorder: views[0].recorder, recorders: views.map((v) => v.recorder), slot, walks, stores };
}
