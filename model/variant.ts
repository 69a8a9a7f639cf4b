// What a variant of kvm_gmem_invalidate_begin()/_end() is: the two functions, where they come
// from, and the verdict expected of each property. The property ids are stable: reports and
// expectations are keyed by them.

import { GmemFile, Kernel, NewMemslot } from './kernel';
import { BindEra } from './rules';
import { VmType } from './vm';
import { pgoff_t } from './word';

export const CORRECTNESS = ['no-stale-mapping', 'no-collateral-unmap', 'ranges-well-formed', 'no-warn', 'mmu-bookkeeping', 'bind-within-file'] as const;
export const ADVISORY = ['no-redundant-unmap'] as const;
/** The correctness properties of the invalidation itself (all but kvm_gmem_bind()'s): what a bisect of an invalidation regression names. */
export const INVALIDATION = CORRECTNESS.filter((id) => id !== 'bind-within-file');
export const PROPERTY_IDS = [...CORRECTNESS, ...ADVISORY] as const;
export type PropertyId = (typeof PROPERTY_IDS)[number];

/** 'report': an advisory property whose verdict is shown but never fails the run. */
export type Expectation = 'pass' | 'fail' | 'report';
export type Expectations = Readonly<Record<PropertyId, Expectation>>;

export interface Variant {
  readonly name: string;
  /** Where the code comes from: tree, path, commit or message id. */
  readonly origin: string;
  readonly expect: Expectations;
  /**
   * The VM types its cases run in (model/vm.ts): absent, a default VM only. From 6.14 the ranges
   * carry an attribute filter, and a TDX VM is where a wrong one leaves private memory mapped.
   */
  readonly vmTypes?: readonly VmType[];
  /**
   * What the two functions take. Absent: one view's struct kvm_gmem, k.gmem (2023 to 6.14), and
   * its cases have one view. 'inode': the inode, k.inode (2025 on); they loop over its views
   * themselves, and the cases have 1 to 3 views (KERNEL-FACTS §6).
   */
  readonly takes?: 'inode';
  invalidate_begin(k: Kernel, start: pgoff_t, end: pgoff_t): void;
  invalidate_end(k: Kernel, start: pgoff_t, end: pgoff_t): void;
  /**
   * The split era (the in-place conversion series, KERNEL-FACTS §6): kvm_gmem_zap(inode, start,
   * end), the unmap that invalidate_begin no longer does (begin only adds the ranges). Callers
   * call begin, zap, then end. Only with takes: 'inode'.
   */
  zap?(k: Kernel, start: pgoff_t, end: pgoff_t): void;
  /**
   * 'inode' variants only: kvm_gmem_release()'s calls on the view `f` whose file is closed
   * (2025 on, `__kvm_gmem_invalidate_begin(f, 0, -1ul, filter)` then `__kvm_gmem_invalidate_end(f, 0, -1ul)`;
   * the split era puts `__kvm_gmem_zap(f, 0, -1ul, filter)` between them: release_zap).
   */
  release_begin?(k: Kernel, f: GmemFile): void;
  release_zap?(k: Kernel, f: GmemFile): void;
  release_end?(k: Kernel, f: GmemFile): void;
  /**
   * The split era's conversion of file pages [start, start + nr_pages) to private or shared
   * (KVM_SET_MEMORY_ATTRIBUTES2 on the file: __kvm_gmem_set_attributes() batching per huge page
   * and kvm_gmem_convert()'s begin/zap/end), with the variant's own three functions.
   */
  convert?(k: Kernel, fns: SplitFunctions, start: pgoff_t, nr_pages: bigint, to_private: boolean): void;
  /**
   * kvm_gmem_bind()'s checks and binding, ported line for line (KERNEL-FACTS §3): called with the
   * new memslot and the request's guest_memfd_offset (the __u64; a port of an era that takes a
   * loff_t converts it with k.s64(), as C does implicitly) on the file of the first view (k.gmem,
   * file->private_data; k.inode, file_inode(file)). It returns 0 or a negative errno, and binds
   * by setting slot.gmem.pgoff and calling k.xa_store_range(). Judged by bind-within-file; a
   * variant without it is not judged there.
   */
  bind?(k: Kernel, slot: NewMemslot, offset: bigint): number;
  /**
   * The era of its kvm_gmem_bind() (model/rules.ts BindEra): the rule its layouts are bound by
   * and the errnos bind-within-file expects. Absent: '6.8', every kernel from the 6.8 merge to 7.1.
   */
  readonly bindEra?: BindEra;
}

/** A split-era variant's inode-wide functions, as its conversion calls them. */
export interface SplitFunctions {
  kvm_gmem_invalidate_begin(start: pgoff_t, end: pgoff_t): void;
  kvm_gmem_zap(start: pgoff_t, end: pgoff_t): void;
  kvm_gmem_invalidate_end(start: pgoff_t, end: pgoff_t): void;
}

export const isAdvisory = (id: PropertyId): boolean => (ADVISORY as readonly string[]).includes(id);

/** Every correctness property passes and advisory ones are reported, unless said otherwise. */
export function expectations(overrides: Partial<Record<PropertyId, Expectation>> = {}): Expectations {
  const out: Record<string, Expectation> = {};
  for (const id of PROPERTY_IDS) out[id] = overrides[id] ?? (isAdvisory(id) ? 'report' : 'pass');
  // a key naming no property (a typo the type check would catch, but a variant may run without
  // one) is kept for the loader to refuse, naming the file: dropped, its expectation would vanish
  for (const [key, verdict] of Object.entries(overrides)) if (!Object.hasOwn(out, key)) out[key] = verdict;
  return Object.freeze(out) as Expectations;
}

/** The verdict expected of `variant` on property `id`. */
export function expectationOf(variant: Pick<Variant, 'expect'>, id: PropertyId): Expectation {
  return variant.expect[id];
}

export function defineVariant(v: Variant): Variant {
  return Object.freeze({ ...v });
}
