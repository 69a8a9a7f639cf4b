// A recorder of the KVM side effects an invalidation performs, named after the kernel's
// functions (virt/kvm/kvm_main.c): MMU lock, the mmu_invalidate_in_progress count, range
// bookkeeping, unmaps, TLB flushes and WARNs. It judges nothing; the properties read its log.

import { Layout, Memslot, slotById } from './layout';
import { Range, cutFrom, normalize } from './ranges';
import { recent } from './recent';
import { slotGfns } from './reference';
import { Root, VmType, filterToRoots, hasMirroredTdp, memoryRoot } from './vm';
import { Word } from './word';

/**
 * One recorded call. `phase` says which variant function made it; `view`, in a file with several
 * views, which VM it was made on (absent: the first, model/layout.ts viewsOf).
 */
export type KvmEvent = (
  | { readonly op: 'lock' | 'unlock' | 'invalidate_begin' | 'invalidate_end' | 'flush'; readonly phase: Phase }
  | { readonly op: 'range_add'; readonly phase: Phase; readonly start: bigint; readonly end: bigint }
  | {
      readonly op: 'unmap';
      readonly phase: Phase;
      readonly slot: number;
      readonly start: bigint;
      readonly end: bigint;
      /** What kvm_unmap_gfn_range returned: something in the range was mapped (a flush is due). */
      readonly flush: boolean;
      /** On a VM with mirrored TDP only: the roots its attribute filter selected (model/vm.ts). */
      readonly roots?: readonly Root[];
    }
  /** A WARN splat: from the variant's own WARN_ON_ONCE, or from a KVM helper it called. */
  | { readonly op: 'warn'; readonly phase: Phase; readonly source: 'variant' | 'kvm'; readonly message: string }
) & { readonly view?: number };

/**
 * Which function of the variant made a call: invalidate_begin, zap (the split era's own unmap
 * step, KERNEL-FACTS §6), invalidate_end, a conversion's whole run (its begin/zap/end per
 * huge page), or kvm_gmem_bind() (a bind request, judged by bind-within-file).
 */
export type Phase = 'begin' | 'zap' | 'end' | 'convert' | 'bind';
export const PHASES: readonly Phase[] = ['begin', 'zap', 'end', 'convert', 'bind'];

/** The function a phase names, as messages say it. */
export const phaseName = (p: Phase): string => (p === 'begin' || p === 'end' ? `invalidate_${p}` : p);

/** The log the recorders of one case's views write to, in call order, and the phase it is in. */
export class EventLog {
  readonly events: KvmEvent[] = [];
  phase: Phase = 'begin';
}

/** struct kvm_gfn_range, the fields the invalidation sets. */
export interface KvmGfnRange {
  start: bigint;
  end: bigint;
  slot: KvmMemorySlot;
  may_block?: boolean;
  attr_filter?: number;
}

/** struct kvm_memory_slot as a variant sees it; gmem.index is the 2023 name of gmem.pgoff. */
export interface KvmMemorySlot {
  readonly id: number;
  readonly base_gfn: bigint;
  readonly npages: bigint;
  readonly gmem: { readonly pgoff: bigint; readonly index: bigint };
}

/** A variant called a KVM function with something the kernel's types cannot hold. */
export class VariantFault extends Error {
  constructor(readonly call: string, detail: string) {
    super(`${call}: ${detail}`);
    this.name = 'VariantFault';
  }
}

/** Every slot's frames, as a VM starts a case with them mapped (kept for a layout's cases; cutFrom() replaces ranges, never changes one). */
const mappedAtFirst = recent(8, (layout: Layout) => normalize(layout.slots.map(slotGfns)));

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** One VM's side of a case: its MMU lock, its mmu_invalidate_in_progress, its mappings. */
export class KvmRecorder {
  get events(): KvmEvent[] { return this.log.events; }
  get phase(): Phase { return this.log.phase; }
  set phase(p: Phase) { this.log.phase = p; }
  /**
   * gfns with a live mapping, in the root that maps the VM's guest_memfd memory; every slot's
   * frames start out mapped. Made here, before the variant runs, not at its first unmap: in a
   * variant's child the model's code that runs inside the variant's call should be as little as
   * can be, as a built-in the variant replaces for the length of its call would change it.
   */
  private mapped: Range[];
  private readonly vmType: VmType;
  private readonly slots: readonly Memslot[];
  /** kvm->mmu_invalidate_in_progress, and whether a range was added since it left 0. */
  private inProgress = 0;
  private rangeAdded = false;

  constructor(layout: Layout, readonly word: Word, readonly view = 0, readonly log: EventLog = new EventLog()) {
    this.mapped = mappedAtFirst(layout).slice();
    this.vmType = layout.vmType ?? 'default';
    this.slots = layout.slots;
  }

  KVM_MMU_LOCK(): void { this.push({ op: 'lock', phase: this.phase }); }
  KVM_MMU_UNLOCK(): void { this.push({ op: 'unlock', phase: this.phase }); }
  // kvm_main.c (6.8): begin counts up and, from 0, forgets the range; end counts down, is a
  // KVM_BUG_ON below 0 and WARNs if no range was added in between.
  kvm_mmu_invalidate_begin(): void {
    this.push({ op: 'invalidate_begin', phase: this.phase });
    if (++this.inProgress === 1) this.rangeAdded = false;
  }
  kvm_mmu_invalidate_end(): void {
    this.push({ op: 'invalidate_end', phase: this.phase });
    if (--this.inProgress < 0) this.kvmWarn('kvm_mmu_invalidate_end: KVM_BUG_ON(mmu_invalidate_in_progress < 0)');
    if (!this.rangeAdded) this.kvmWarn('kvm_mmu_invalidate_end: WARN_ON_ONCE(mmu_invalidate_range_start == INVALID_GPA)');
  }
  kvm_flush_remote_tlbs(): void { this.push({ op: 'flush', phase: this.phase }); }

  kvm_mmu_invalidate_range_add(start: unknown, end: unknown): void {
    const call = 'kvm_mmu_invalidate_range_add';
    this.push({ op: 'range_add', phase: this.phase, start: this.gfn(call, 'start', start), end: this.gfn(call, 'end', end) });
    if (this.inProgress === 0) this.kvmWarn('kvm_mmu_invalidate_range_add: WARN_ON_ONCE(!mmu_invalidate_in_progress)');
    this.rangeAdded = true;
  }

  /** 6.8's helper: records the range for the retry check, then unmaps. */
  kvm_mmu_unmap_gfn_range(range: KvmGfnRange): boolean {
    this.checkRange('kvm_mmu_unmap_gfn_range', range);
    this.kvm_mmu_invalidate_range_add(range.start, range.end);
    return this.unmap(range);
  }

  /** The arch unmap alone, as the 2023 code called it after its own range_add. */
  kvm_unmap_gfn_range(range: KvmGfnRange): boolean {
    this.checkRange('kvm_unmap_gfn_range', range);
    return this.unmap(range);
  }

  /** The variant's WARN_ON_ONCE: reported every time it fires (the splat is once, the skip is not). */
  WARN_ON_ONCE(cond: unknown): boolean {
    if (typeof cond !== 'boolean') throw new VariantFault('WARN_ON_ONCE', `condition must be a boolean, got ${typeof cond}`);
    if (cond) this.push({ op: 'warn', phase: this.phase, source: 'variant', message: 'WARN_ON_ONCE in the variant' });
    return cond;
  }

  private kvmWarn(message: string): void {
    this.push({ op: 'warn', phase: this.phase, source: 'kvm', message });
  }

  private unmap(range: KvmGfnRange): boolean {
    const start = range.start, end = range.end;
    // kvm_unmap_gfn_range() zaps only the roots the range's attribute filter selects (§6)
    const { roots, empty } = filterToRoots(this.vmType, range.attr_filter ?? 0);
    if (empty) this.kvmWarn('kvm_gfn_range_filter_to_root_types: WARN_ON_ONCE(!ret), an empty attribute filter');
    const reaches = roots.includes(memoryRoot(this.vmType));
    // The TDP MMU zaps by gfn whatever the slot: a range outside the slot is a wild unmap.
    const hit = reaches && cutFrom(this.mapped, { start, end });
    // the record's fields in this order, roots last and only on a VM with mirrored TDP (assigned,
    // not spread in: every unmap of every case is recorded here)
    const e: Mutable<Extract<KvmEvent, { op: 'unmap' }>> = { op: 'unmap', phase: this.phase, slot: range.slot.id, start, end, flush: hit };
    if (hasMirroredTdp(this.vmType)) e.roots = roots;
    this.push(e);
    return hit;
  }

  private checkRange(call: string, range: KvmGfnRange): void {
    if (typeof range !== 'object' || range === null) throw new VariantFault(call, 'range must be a struct kvm_gfn_range');
    this.gfn(call, 'range->start', range.start);
    this.gfn(call, 'range->end', range.end);
    const filter = (range as { attr_filter?: unknown }).attr_filter;
    if (filter !== undefined && !(Number.isSafeInteger(filter) && (filter as number) >= 0)) {
      throw new VariantFault(call, `range->attr_filter must be an enum kvm_gfn_range_filter (KVM_FILTER_SHARED, KVM_FILTER_PRIVATE), got ${typeof filter} ${String(filter)}`);
    }
    const slot = range.slot as unknown;
    const id = typeof slot === 'object' && slot !== null ? (slot as { id?: unknown }).id : undefined;
    if (typeof id !== 'number' || slotById(this.slots, id) === null) {
      throw new VariantFault(call, `range->slot is not a memslot of this VM${this.view ? ` (view ${this.view})` : ''} bound to the file`);
    }
  }

  /** A gfn_t argument: a bigint the word holds. C converts implicitly; a port writes ul(). */
  private gfn(call: string, what: string, x: unknown): bigint {
    return requireWord(this.word, call, what, x);
  }

  /** Logs `e`, a record made for this call, naming the VM when it is not the first view's. */
  private push(e: KvmEvent): void {
    if (this.view) (e as { view?: number }).view = this.view;
    this.log.events.push(e);
  }
}

/**
 * A value crossing into the kernel API must already be a word. JavaScript bigints do not wrap;
 * where C converts implicitly (a struct field, a parameter), the port writes ul().
 */
export function requireWord(word: Word, call: string, what: string, x: unknown): bigint {
  if (typeof x !== 'bigint') {
    throw new VariantFault(call, `${what} must be a ${word.bits}-bit unsigned bigint, got ${typeof x} ${String(x)}`);
  }
  if (!word.fits(x)) {
    throw new VariantFault(call, `${what} = ${x} is not a ${word.bits}-bit unsigned value (wrap it with ul() as C would)`);
  }
  return x;
}
