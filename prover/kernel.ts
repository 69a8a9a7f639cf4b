// The symbolic kernel: model/kernel.ts's Kernel for a layout whose numbers are symbolic. It
// records the same calls as model/kvm.ts's recorder (lock, begin/end, range_add, unmap, flush,
// WARN), with symbolic ranges; an unmap returns whether it hit a mapped gfn as a formula. The
// xarray walk visits each binding's chunks as model/xarray.ts walk() does, over symbolic chunk
// edges: a binding of up to K chunks, its edges any multiples of 64 inside it (KERNEL-FACTS §4:
// every chunk after a binding's first starts at a multiple of 64), which covers every chunking
// lib/xarray.c makes of a binding into at most K chunks.

import { GmemFile, GmemInode, GmemList, Inode, Kernel, Kvm, Machine, Bindings, Mapping, NewMemslot, XA_PRESENT, GUEST_MEMFD_FLAG_INIT_SHARED, GUEST_MEMFD_FLAG_MMAP } from '../model/kernel';
import { ERRNO_NUMBERS } from '../model/errno';
import { PAGE_SHIFT, PAGE_SIZE } from '../model/rules';
import { modelRules } from './rules';
import { KvmGfnRange, KvmMemorySlot, Phase, VariantFault } from '../model/kvm';
import { KVM_FILTER_PRIVATE, KVM_FILTER_SHARED, Root, VmType, filterToRoots, hasMirroredTdp, memoryRoot } from '../model/vm';
import { Path, bin, path, s64, ul, umax, umin } from './runtime';
import { BoolVal, IntVal, Sym, Unsupported, U64_MAX, and, ge, isSym, ite, le, lt, not, or, add } from './term';

/** One binding of a symbolic layout: slot `id` backs gfns [b, b + n) with file indices [p, p + n). */
export interface SymSlot {
  readonly id: number;
  readonly pgoff: IntVal;
  readonly npages: IntVal;
  readonly base_gfn: IntVal;
  /** Chunks - 1 of its xarray entry, and the first index of each chunk after the first (KERNEL-FACTS §4). */
  readonly extraChunks: IntVal;
  readonly edges: readonly IntVal[];
}

export interface SymView {
  readonly vmType: VmType;
  /** In file order: the xarray holds them sorted by pgoff. */
  readonly slots: readonly SymSlot[];
}

export interface SymLayout {
  readonly filePages: IntVal;
  readonly pageOrder: number;
  readonly views: readonly SymView[];
}

type SymEventBody =
  | { readonly op: 'lock' | 'unlock' | 'invalidate_begin' | 'invalidate_end' | 'flush'; readonly phase: Phase }
  | { readonly op: 'range_add'; readonly phase: Phase; readonly start: IntVal; readonly end: IntVal }
  | { readonly op: 'unmap'; readonly phase: Phase; readonly slot: number; readonly start: IntVal; readonly end: IntVal; readonly flush: BoolVal; readonly roots?: readonly Root[] }
  | { readonly op: 'warn'; readonly phase: Phase; readonly source: 'variant' | 'kvm'; readonly message: string };
export type SymEvent = SymEventBody & { readonly view: number };

export interface SymLog {
  readonly events: SymEvent[];
  phase: Phase;
}

const isIntValue = (x: unknown): x is IntVal => typeof x === 'bigint' || (x instanceof Sym && x.sort === 'Int');

/** A value crossing into the kernel must be a word; a symbolic one that may not be is a decision. */
function requireWord(call: string, what: string, x: unknown): IntVal {
  if (!isIntValue(x)) throw new VariantFault(call, `${what} must be a 64-bit unsigned bigint, got ${typeof x}`);
  if (!isSym(x)) {
    if (x < 0n || x > U64_MAX) throw new VariantFault(call, `${what} = ${x} is not a 64-bit unsigned value (wrap it with ul() as C would)`);
    return x;
  }
  if (x.word) return x;
  if (!path().decide(and(ge(x, 0n), le(x, U64_MAX)), `${call}: ${what} a 64-bit word?`)) {
    throw new VariantFault(call, `${what} is not a 64-bit unsigned value (wrap it with ul() as C would)`);
  }
  return x;
}

/** One VM's side, as model/kvm.ts KvmRecorder keeps it. */
class SymRecorder {
  private inProgress = 0;
  private rangeAdded = false;
  /** Unmaps that reached the VM's memory root so far: what is no longer mapped. */
  private readonly cuts: Array<{ start: IntVal; end: IntVal }> = [];

  constructor(readonly view: number, readonly layout: SymView, readonly log: SymLog, readonly slotIds: ReadonlySet<number>) {}

  private push(e: SymEventBody): void {
    this.log.events.push({ ...e, view: this.view } as SymEvent);
  }
  private kvmWarn(message: string): void {
    this.push({ op: 'warn', phase: this.log.phase, source: 'kvm', message });
  }

  KVM_MMU_LOCK(): void { this.push({ op: 'lock', phase: this.log.phase }); }
  KVM_MMU_UNLOCK(): void { this.push({ op: 'unlock', phase: this.log.phase }); }
  kvm_flush_remote_tlbs(): void { this.push({ op: 'flush', phase: this.log.phase }); }
  kvm_mmu_invalidate_begin(): void {
    this.push({ op: 'invalidate_begin', phase: this.log.phase });
    if (++this.inProgress === 1) this.rangeAdded = false;
  }
  kvm_mmu_invalidate_end(): void {
    this.push({ op: 'invalidate_end', phase: this.log.phase });
    if (--this.inProgress < 0) this.kvmWarn('kvm_mmu_invalidate_end: KVM_BUG_ON(mmu_invalidate_in_progress < 0)');
    if (!this.rangeAdded) this.kvmWarn('kvm_mmu_invalidate_end: WARN_ON_ONCE(mmu_invalidate_range_start == INVALID_GPA)');
  }
  kvm_mmu_invalidate_range_add(start: unknown, end: unknown): void {
    const call = 'kvm_mmu_invalidate_range_add';
    this.push({ op: 'range_add', phase: this.log.phase, start: requireWord(call, 'start', start), end: requireWord(call, 'end', end) });
    if (this.inProgress === 0) this.kvmWarn('kvm_mmu_invalidate_range_add: WARN_ON_ONCE(!mmu_invalidate_in_progress)');
    this.rangeAdded = true;
  }
  kvm_mmu_unmap_gfn_range(range: KvmGfnRange): BoolVal {
    this.checkRange('kvm_mmu_unmap_gfn_range', range);
    this.kvm_mmu_invalidate_range_add(range.start, range.end);
    return this.unmap(range);
  }
  kvm_unmap_gfn_range(range: KvmGfnRange): BoolVal {
    this.checkRange('kvm_unmap_gfn_range', range);
    return this.unmap(range);
  }
  WARN_ON_ONCE(cond: unknown): BoolVal {
    if (typeof cond !== 'boolean' && !(cond instanceof Sym && cond.sort === 'Bool')) throw new VariantFault('WARN_ON_ONCE', `condition must be a boolean, got ${typeof cond}`);
    if (path().decide(cond as BoolVal, 'WARN_ON_ONCE')) this.push({ op: 'warn', phase: this.log.phase, source: 'variant', message: 'WARN_ON_ONCE in the variant' });
    return cond as BoolVal;
  }

  /**
   * Whether [start, end) meets a gfn still mapped: a slot's frames less every earlier cut. If it
   * does, the least such gfn is start, a slot's first gfn or a cut's end: a formula without quantifiers.
   */
  private hit(start: IntVal, end: IntVal): BoolVal {
    const frames = this.layout.slots.map((s) => ({ start: s.base_gfn, end: add(s.base_gfn, s.npages) }));
    const points = [start, ...frames.map((f) => f.start), ...this.cuts.map((c) => c.end)];
    const inside = (x: IntVal, r: { start: IntVal; end: IntVal }) => and(le(r.start, x), lt(x, r.end));
    return or(...points.map((x) => and(inside(x, { start, end }), or(...frames.map((f) => inside(x, f))), ...this.cuts.map((c) => not(inside(x, c))))));
  }

  private unmap(range: KvmGfnRange): BoolVal {
    const start = range.start as IntVal, end = range.end as IntVal;
    const filter = range.attr_filter ?? 0;
    if (typeof filter !== 'number') throw new Unsupported('a symbolic attribute filter');
    const { roots, empty } = filterToRoots(this.layout.vmType, filter);
    if (empty) this.kvmWarn('kvm_gfn_range_filter_to_root_types: WARN_ON_ONCE(!ret), an empty attribute filter');
    const reaches = roots.includes(memoryRoot(this.layout.vmType));
    let hit: BoolVal = false;
    if (reaches) {
      const h = this.hit(start, end);
      hit = isSym(h) ? path().name(h) : h;
      this.cuts.push({ start, end });
    }
    this.push({ op: 'unmap', phase: this.log.phase, slot: range.slot.id, start, end, flush: hit, ...(hasMirroredTdp(this.layout.vmType) ? { roots } : {}) });
    return hit;
  }

  private checkRange(call: string, range: KvmGfnRange): void {
    if (typeof range !== 'object' || range === null) throw new VariantFault(call, 'range must be a struct kvm_gfn_range');
    requireWord(call, 'range->start', range.start);
    requireWord(call, 'range->end', range.end);
    const filter = (range as { attr_filter?: unknown }).attr_filter;
    if (filter !== undefined && !(Number.isSafeInteger(filter) && (filter as number) >= 0)) {
      throw new VariantFault(call, `range->attr_filter must be an enum kvm_gfn_range_filter, got ${typeof filter}`);
    }
    const slot = range.slot as unknown;
    const id = typeof slot === 'object' && slot !== null ? (slot as { id?: unknown }).id : undefined;
    if (typeof id !== 'number' || !this.slotIds.has(id)) throw new VariantFault(call, 'range->slot is not a memslot of this VM bound to the file');
  }
}

interface ViewState {
  readonly index: number;
  readonly view: SymView;
  readonly gmem: { readonly kvm: Kvm; readonly bindings: Bindings };
  readonly recorder: SymRecorder;
  readonly slots: Map<number, KvmMemorySlot>;
}

/** A chunk of a binding: [first, last] inclusive, `exists` when the binding has that many chunks. */
interface SymChunk { readonly exists: BoolVal; readonly first: IntVal; readonly last: IntVal; readonly slot: KvmMemorySlot }

/** Each binding's chunks in file order; chunk j exists when j <= extraChunks. */
function chunksOf(v: ViewState): SymChunk[] {
  return v.view.slots.flatMap((s) => {
    const lastIndex = bin('-', add(s.pgoff, s.npages), 1n, 'xarray') as IntVal;
    const firsts = [s.pgoff, ...s.edges];
    return firsts.map((first, j) => ({
      exists: j === 0 ? true : le(BigInt(j), s.extraChunks),
      first,
      // the chunk ends where the next begins, if the binding has a next
      last: j + 1 < firsts.length ? ite(le(BigInt(j + 1), s.extraChunks), bin('-', firsts[j + 1], 1n, 'xarray') as IntVal, lastIndex) : lastIndex,
      slot: v.slots.get(s.id)!,
    }));
  });
}

/** One xa_store_range() a kvm_gmem_bind() made: [first, last] of the first view's bindings, and the slot's id. */
export interface SymStore {
  readonly first: IntVal;
  readonly last: IntVal;
  readonly slot: number;
}

export interface SymMachine extends Omit<Machine, 'recorder' | 'recorders' | 'walks' | 'stores'> {
  readonly recorder: { phase: Phase };
  readonly log: SymLog;
  /** What a kvm_gmem_bind() stored, in order (model/kernel.ts's stores). */
  readonly stores: SymStore[];
}

/** A fresh symbolic kernel for one run of one shape. */
export function makeSymKernel(layout: SymLayout): SymMachine {
  const log: SymLog = { events: [], phase: 'begin' };
  const views: ViewState[] = layout.views.map((view, index) => {
    const slots = new Map(view.slots.map((s) => [s.id, Object.freeze({ id: s.id, base_gfn: s.base_gfn, npages: s.npages, gmem: Object.freeze({ pgoff: s.pgoff, index: s.pgoff }) }) as unknown as KvmMemorySlot]));
    return {
      index, view, slots,
      gmem: Object.freeze({ kvm: Object.freeze({}) as Kvm, bindings: Object.freeze({}) as Bindings }),
      recorder: new SymRecorder(index, view, log, new Set(view.slots.map((s) => s.id))),
    };
  });
  const several = views.length > 1;
  const ownerOf = new Map<unknown, ViewState>(views.flatMap((v) => [...v.slots.values()].map((s) => [s, v] as const)));
  const byKvm = new Map<unknown, ViewState>(views.map((v) => [v.gmem.kvm, v]));
  const byXa = new Map<unknown, ViewState>(views.map((v) => [v.gmem.bindings, v]));
  const chunks = new Map<ViewState, SymChunk[]>();
  const chunksFor = (v: ViewState) => chunks.get(v) ?? (chunks.set(v, chunksOf(v)), chunks.get(v)!);
  const files = Object.freeze(views.map((v) => v.gmem));
  const list = Object.freeze({}) as GmemList;
  const iSize = bin('<<', layout.filePages, 12n, 'i_size') as IntVal;
  const mapping = Object.freeze({ i_private_list: list }) as Inode['i_mapping'];
  const inode: Inode = Object.freeze({ i_mapping: mapping, i_private: 0n, i_size: iSize as bigint });
  const stores: SymStore[] = [];
  const needMapping = (call: string, m: unknown) => { if (m !== mapping) throw new VariantFault(call, 'mapping is not the inode\'s (inode->i_mapping)'); };
  const gmemInode: GmemInode = Object.freeze({ flags: 0n, gmem_file_list: list, page_order: layout.pageOrder });
  const decide = (c: BoolVal, where: string) => path().decide(c, where);

  const vmOf = (call: string, k: unknown): ViewState => {
    const v = byKvm.get(k);
    if (!v) throw new VariantFault(call, several ? 'kvm is not a VM bound to this file' : 'kvm is not this VM');
    return v;
  };
  const viewOf = (call: string, xa: unknown): ViewState => {
    const v = byXa.get(xa);
    if (!v) throw new VariantFault(call, several ? 'xa is not the bindings of a view of this file (f->bindings)' : 'xa is not the file\'s bindings (gmem->bindings)');
    return v;
  };
  const needInode = (call: string, i: unknown) => { if (i !== inode) throw new VariantFault(call, 'inode is not the file\'s inode'); };
  const unmapIn = (call: string, k: unknown, range: KvmGfnRange) => {
    const v = vmOf(call, k);
    const owner = ownerOf.get((range as { slot?: unknown } | null)?.slot);
    if (owner && owner !== v) throw new VariantFault(call, `range->slot is a memslot of view ${owner.index}, not of the VM (view ${v.index}) it is unmapped in`);
    return v.recorder;
  };
  /** model/xarray.ts walk() over the symbolic chunks: each chunk overlapping [start, last], in order. */
  const walk = (v: ViewState, start: IntVal, last: IntVal): Array<readonly [IntVal, KvmMemorySlot]> => {
    const out: Array<readonly [IntVal, KvmMemorySlot]> = [];
    if (decide(lt(last, start), 'xa_for_each_range: start > last')) return out;
    // chunks lie in index order (the input rules): once one ends at or after start, every later one does
    for (const c of chunksFor(v)) {
      if (!decide(c.exists, 'xarray: the binding has this chunk')) continue;
      if (out.length === 0 && decide(lt(c.last, start), 'xa_for_each_range: chunk before start')) continue;
      if (decide(lt(last, c.first), 'xa_for_each_range: chunk after last')) break;
      const first = out.length === 0 ? ite(lt(start, c.first), c.first, start) : c.first;
      out.push(Object.freeze([isSym(first) && out.length === 0 ? path().name(first) : first, c.slot] as const));
    }
    return out;
  };
  const find = (v: ViewState, index: IntVal, max: IntVal): KvmMemorySlot | null => {
    if (decide(lt(max, index), 'xa_find: index > max')) return null;
    for (const c of chunksFor(v)) {
      if (!decide(c.exists, 'xarray: the binding has this chunk')) continue;
      if (decide(lt(c.last, index), 'xa_find: chunk before index')) continue;
      if (decide(lt(max, c.first), 'xa_find: chunk after max')) return null;
      return c.slot;
    }
    return null;
  };

  const base = {
    inode,
    ULONG_MAX: U64_MAX,
    KVM_FILTER_SHARED,
    KVM_FILTER_PRIVATE,
    GUEST_MEMFD_FLAG_MMAP,
    GUEST_MEMFD_FLAG_INIT_SHARED,
    ul: (x: IntVal) => ul(x),
    s64: (x: IntVal) => s64(x),
    min: (a: IntVal, b: IntVal) => umin(a, b),
    max: (a: IntVal, b: IntVal) => umax(a, b),
    // include/linux/math.h's arithmetic, as model/kernel.ts computes it
    round_up: (x: IntVal, y: IntVal) => {
      const m = ul(bin('-', requireWord('round_up', 'y', y), 1n, 'round_up') as IntVal);
      return ul(bin('+', bin('|', ul(bin('-', requireWord('round_up', 'x', x), 1n, 'round_up') as IntVal), m, 'round_up'), 1n, 'round_up') as IntVal);
    },
    round_down: (x: IntVal, y: IntVal) => {
      const yy = requireWord('round_down', 'y', y);
      if (isSym(yy)) throw new Unsupported('round_down() to a symbolic size', 'round_down');
      return bin('&', requireWord('round_down', 'x', x), U64_MAX ^ BigInt.asUintN(64, yy - 1n), 'round_down') as IntVal;
    },
    GMEM_I(i: Inode) { needInode('GMEM_I', i); return gmemInode; },
    kvm_gmem_for_each_file(i: Inode) { needInode('kvm_gmem_for_each_file', i); return files; },
    list_for_each_entry(l: GmemList) { if (l !== list) throw new VariantFault('list_for_each_entry', 'not the inode\'s list of views'); return files; },
    xa_for_each_range(xa: Bindings, start: bigint, last: bigint) {
      const v = viewOf('xa_for_each_range', xa);
      return walk(v, requireWord('xa_for_each_range', 'start', start), requireWord('xa_for_each_range', 'last', last));
    },
    xa_find(xa: Bindings, index: bigint, max: bigint, filter: typeof XA_PRESENT) {
      const v = viewOf('xa_find', xa);
      if (filter !== XA_PRESENT) throw new VariantFault('xa_find', 'only XA_PRESENT is modelled');
      return find(v, requireWord('xa_find', 'index', index), requireWord('xa_find', 'max', max));
    },
    // kvm_gmem_bind()'s, as model/kernel.ts has them (PAGE_ALIGNED is model/rules.ts's, run symbolically)
    i_size_read(i: Inode) { needInode('i_size_read', i); return iSize; },
    xa_empty(xa: Bindings) { return viewOf('xa_empty', xa).view.slots.length === 0; },
    xa_store_range(xa: Bindings, first: bigint, last: bigint, entry: NewMemslot) {
      const v = viewOf('xa_store_range', xa);
      const id = (entry as { id?: unknown } | null)?.id;
      if (typeof id !== 'number') throw new VariantFault('xa_store_range', 'entry must be the memslot being bound');
      if (v.index !== 0) throw new Unsupported('xa_store_range() on a view other than the first', 'xa_store_range');
      stores.push(Object.freeze({ first: requireWord('xa_store_range', 'first', first), last: requireWord('xa_store_range', 'last', last), slot: id }));
    },
    filemap_invalidate_lock(m: Mapping) { needMapping('filemap_invalidate_lock', m); },
    filemap_invalidate_unlock(m: Mapping) { needMapping('filemap_invalidate_unlock', m); },
    PAGE_SHIFT,
    PAGE_SIZE,
    PAGE_ALIGNED: (x: IntVal) => modelRules().pageAligned(x as bigint),
    EINVAL: ERRNO_NUMBERS.EINVAL,
    EEXIST: ERRNO_NUMBERS.EEXIST,
    KVM_MMU_LOCK: (k: Kvm) => vmOf('KVM_MMU_LOCK', k).recorder.KVM_MMU_LOCK(),
    KVM_MMU_UNLOCK: (k: Kvm) => vmOf('KVM_MMU_UNLOCK', k).recorder.KVM_MMU_UNLOCK(),
    kvm_mmu_invalidate_begin: (k: Kvm) => vmOf('kvm_mmu_invalidate_begin', k).recorder.kvm_mmu_invalidate_begin(),
    kvm_mmu_invalidate_end: (k: Kvm) => vmOf('kvm_mmu_invalidate_end', k).recorder.kvm_mmu_invalidate_end(),
    kvm_mmu_invalidate_range_add: (k: Kvm, start: bigint, end: bigint) => vmOf('kvm_mmu_invalidate_range_add', k).recorder.kvm_mmu_invalidate_range_add(start, end),
    kvm_mmu_unmap_gfn_range: (k: Kvm, range: KvmGfnRange) => unmapIn('kvm_mmu_unmap_gfn_range', k, range).kvm_mmu_unmap_gfn_range(range),
    kvm_unmap_gfn_range: (k: Kvm, range: KvmGfnRange) => unmapIn('kvm_unmap_gfn_range', k, range).kvm_unmap_gfn_range(range),
    kvm_flush_remote_tlbs: (k: Kvm) => vmOf('kvm_flush_remote_tlbs', k).recorder.kvm_flush_remote_tlbs(),
    WARN_ON_ONCE: (cond: boolean) => views[0].recorder.WARN_ON_ONCE(cond),
  };
  const kernels: Kernel[] = [];
  const kernelFor = (v: number): Kernel => {
    const view = views[v];
    if (!view) throw new RangeError(`the file has no view ${v}`);
    return (kernels[v] ??= Object.freeze(Object.assign(Object.create(null), base, { gmem: view.gmem as GmemFile, kvm: view.gmem.kvm })) as unknown as Kernel);
  };
  return {
    kernel: kernelFor(0),
    kernelFor,
    recorder: log,
    log,
    stores,
    slot: (v: number, id: number) => views[v]?.slots.get(id),
  };
}

export type { Path };
