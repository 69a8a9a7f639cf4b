// The kernel a variant runs against: struct kvm_gmem with its kvm and bindings, the xarray
// walk, the word helpers and the KVM calls, each named as in the kernel so that a port of
// kvm_gmem_invalidate_begin()/_end() reads line for line like the C it came from.

import { Layout } from './layout';
import { KvmGfnRange, KvmMemorySlot, KvmRecorder, VariantFault, requireWord } from './kvm';
import { Visit, XarrayMode, walk, xaFind } from './xarray';
import { KVM_FILTER_PRIVATE, KVM_FILTER_SHARED } from './vm';
import { Word } from './word';

declare const opaque: unique symbol;
/** struct kvm, as a handle: a variant passes it back, it never looks inside. */
export type Kvm = { readonly [opaque]: 'kvm' };
/** The file's bindings xarray, as a handle for xa_for_each_range() and xa_find(). */
export type Bindings = { readonly [opaque]: 'xarray' };

/** struct kvm_gmem: the fields the invalidation touches. */
export interface KvmGmem {
  readonly kvm: Kvm;
  readonly bindings: Bindings;
}

/** What xa_for_each_range() was asked and what it yielded: the data a C variant replays. */
export interface WalkRecord {
  readonly start: bigint;
  readonly last: bigint;
  readonly visits: readonly Visit[];
}

export const XA_PRESENT = 'XA_PRESENT';

export interface Kernel {
  readonly gmem: KvmGmem;
  readonly kvm: Kvm;
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
  readonly kernel: Kernel;
  readonly recorder: KvmRecorder;
  readonly walks: WalkRecord[];
}

/** A fresh kernel for one case: the layout's slots, an empty recorder, the walk in `mode`. */
export function makeKernel(layout: Layout, word: Word, mode: XarrayMode): Machine {
  const recorder = new KvmRecorder(layout, word);
  const walks: WalkRecord[] = [];
  const kvm = Object.freeze({}) as Kvm;
  const bindings = Object.freeze({}) as Bindings;
  const view = new Map<number, KvmMemorySlot>(
    layout.slots.map((s) => [
      s.id,
      Object.freeze({
        id: s.id,
        base_gfn: s.base_gfn,
        npages: s.npages,
        gmem: Object.freeze({ pgoff: s.pgoff, index: s.pgoff }),
      }),
    ]),
  );
  const slotOf = (v: Visit) => view.get(v.slot.id)!;
  const needKvm = (call: string, k: unknown) => {
    if (k !== kvm) throw new VariantFault(call, 'kvm is not this VM');
  };
  const needXa = (call: string, xa: unknown) => {
    if (xa !== bindings) throw new VariantFault(call, 'xa is not the file\'s bindings (gmem->bindings)');
  };
  const pgoff = (call: string, what: string, x: unknown) => requireWord(word, call, what, x);

  const kernel: Kernel = Object.freeze({
    gmem: Object.freeze({ kvm, bindings }),
    kvm,
    ULONG_MAX: word.MAX,
    KVM_FILTER_SHARED,
    KVM_FILTER_PRIVATE,
    ul: word.ul,
    min: word.min,
    max: word.max,
    xa_for_each_range(xa: Bindings, start: bigint, last: bigint) {
      needXa('xa_for_each_range', xa);
      const from = pgoff('xa_for_each_range', 'start', start);
      const to = pgoff('xa_for_each_range', 'last', last);
      const visits = walk(layout, from, to, mode);
      walks.push(Object.freeze({ start: from, last: to, visits }));
      return visits.map((v) => Object.freeze([v.index, slotOf(v)] as const));
    },
    xa_find(xa: Bindings, index: bigint, max: bigint, filter: typeof XA_PRESENT) {
      needXa('xa_find', xa);
      if (filter !== XA_PRESENT) throw new VariantFault('xa_find', 'only XA_PRESENT is modelled');
      const hit = xaFind(layout, pgoff('xa_find', 'index', index), pgoff('xa_find', 'max', max), mode);
      return hit ? slotOf(hit) : null;
    },
    KVM_MMU_LOCK: (k: Kvm) => { needKvm('KVM_MMU_LOCK', k); recorder.KVM_MMU_LOCK(); },
    KVM_MMU_UNLOCK: (k: Kvm) => { needKvm('KVM_MMU_UNLOCK', k); recorder.KVM_MMU_UNLOCK(); },
    kvm_mmu_invalidate_begin: (k: Kvm) => { needKvm('kvm_mmu_invalidate_begin', k); recorder.kvm_mmu_invalidate_begin(); },
    kvm_mmu_invalidate_end: (k: Kvm) => { needKvm('kvm_mmu_invalidate_end', k); recorder.kvm_mmu_invalidate_end(); },
    kvm_mmu_invalidate_range_add: (k: Kvm, start: bigint, end: bigint) => {
      needKvm('kvm_mmu_invalidate_range_add', k);
      recorder.kvm_mmu_invalidate_range_add(start, end);
    },
    kvm_mmu_unmap_gfn_range: (k: Kvm, range: KvmGfnRange) => {
      needKvm('kvm_mmu_unmap_gfn_range', k);
      return recorder.kvm_mmu_unmap_gfn_range(range);
    },
    kvm_unmap_gfn_range: (k: Kvm, range: KvmGfnRange) => {
      needKvm('kvm_unmap_gfn_range', k);
      return recorder.kvm_unmap_gfn_range(range);
    },
    kvm_flush_remote_tlbs: (k: Kvm) => { needKvm('kvm_flush_remote_tlbs', k); recorder.kvm_flush_remote_tlbs(); },
    WARN_ON_ONCE: (cond: boolean) => recorder.WARN_ON_ONCE(cond),
  });
  return { kernel, recorder, walks };
}
