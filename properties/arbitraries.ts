// Generators of kernel-reachable cases, drawn choice by choice (properties/draw.ts) so they shrink
// toward small layouts and punches: 1-6 slots, adjacent or gapped, sizes at xarray chunk edges,
// file offsets up to 2^51 pages and gfns up to 2^52, punches anchored at slot edges +-1.

import fc from 'fast-check';
import {
  FALLOC_FL_COLLAPSE_RANGE, FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE, FALLOC_FL_ZERO_RANGE,
  MAX_FOLIO_ORDER, Operation,
} from '../model/callers';
import { extend } from '../model/extend';
import { KVM_MEM_MAX_NR_PAGES, LLONG_MAX, PAGE_SHIFT, PAGE_SIZE } from '../model/layout';
import { alignDown, alignUp } from '../model/ranges';
import { Variant } from '../model/variant';
import { VmType, runsIn } from '../model/vm';
import { Case, LayoutSpec, SlotSpec, ViewSpec, inBindEra, inVm } from './case';
import { Draw, Gen, arbitrary, big, int, oneof, oneofWith } from './draw';

export { big, int, oneof } from './draw';

/** The largest guest_memfd: i_size <= LLONG_MAX, page aligned, so 2^51 - 1 pages. */
export const MAX_FILE_PAGES = LLONG_MAX >> PAGE_SHIFT;
/** gpa + size must not wrap a u64 (a sum of exactly 2^64 wraps to 0), so a slot ends below gfn 2^52. */
export const MAX_GFN_END = (1n << 52n) - 1n;
/** A punch ends at or below (LLONG_MAX >> 12) pages: offset + len <= LLONG_MAX. */
const MAX_PUNCH_END = LLONG_MAX >> PAGE_SHIFT;

/** fast-check's `fc.constantFrom(...values)`, as a draw. */
export const from = <T>(...values: T[]): Gen<T> => (d) => d.from(values);
/** fast-check's `fc.constant(value)`: no draw. */
export const constant = <T>(value: T): Gen<T> => () => value;

/*
 * The constant lists below start with 0, 1 or 2: a draw shrinks toward its first value and a
 * oneof toward its first branch, so a case found with a 63-page punch can still shrink to 2 pages.
 */

/** Sizes that sit on xarray chunk edges (one unit of 64 and of 64^2, +-1), small, and huge. */
const npagesOf = oneof(
  [3, from(1n, 2n, 63n, 64n, 65n, 4095n, 4096n, 4097n)],
  [3, big(1n, 300n)],
  [1, big(1n, KVM_MEM_MAX_NR_PAGES)],
);

/** The gap before a binding: adjacent, a page or a few, chunk-sized, or far away. */
const gapOf = oneof(
  [4, constant(0n)],
  [3, big(1n, 70n)],
  [1, from(0n, 1n, 63n, 64n, 65n, 4096n)],
  [1, big(0n, 1n << 40n)],
);

const firstPgoffOf = oneof(
  [3, constant(0n)],
  [3, from(0n, 1n, 63n, 64n, 65n, 4095n, 4096n, 4097n, 1n << 18n)],
  [2, big(0n, 300n)],
  [1, big(0n, MAX_FILE_PAGES)],
);

/** gfn 0 first: guest memory at GPA 0 is common, and a range start one below it wraps. */
const baseGfnOf = oneof(
  [2, constant(0n)],
  [3, big(0n, 4096n)],
  [1, big(0n, MAX_GFN_END)],
);

const gfnGapOf = oneof([3, constant(0n)], [2, big(1n, 1n << 40n)]);
/** The file's pages past its last binding. */
export const tailOf = oneof([1, constant(0n)], [1, big(1n, 100n)]);

/** A slot as drawn, before the layout places it. */
export interface RawSlot {
  readonly npages: bigint;
  readonly gap: bigint;
  /** Slots are laid out in gfn space in the order of these keys: every order of bases. */
  readonly gfnKey: number;
  readonly gfnGap: bigint;
}

/** A slot of the case, by its index (the draws wrap it around the slots there are). */
export const slotIndexOf = int(0, 5);

const slotOf: Gen<RawSlot> = (d) => ({ npages: npagesOf(d), gap: gapOf(d), gfnKey: slotIndexOf(d), gfnGap: gfnGapOf(d) });

/** 1 to 6 slots, adjacent or gapped in the file and in gfn space, in every order of their gfns. */
export const layoutOf: Gen<LayoutSpec> = (d) => {
  const raw = d.list(1, 6, slotOf);
  const firstPgoff = firstPgoffOf(d), baseGfn = baseGfnOf(d), tail = tailOf(d);
  // (loops, not callbacks: every case draws a layout)
  // file indices: bindings in array order, each after its gap; shift down to fit the file
  const n = raw.length;
  let span = tail, gfnSpan = 0n;
  for (let i = 0; i < n; i++) {
    span += raw[i].npages + (i > 0 ? raw[i].gap : 0n);
    gfnSpan += raw[i].npages + raw[i].gfnGap;
  }
  let pgoff = firstPgoff < MAX_FILE_PAGES - span ? firstPgoff : MAX_FILE_PAGES - span;
  const pgoffs = new Array<bigint>(n);
  for (let i = 0; i < n; i++) {
    if (i > 0) pgoff += raw[i].gap;
    pgoffs[i] = pgoff;
    pgoff += raw[i].npages;
  }
  const filePages = pgoff + tail;
  // gfns: slots in gfnKey order, each after its gfn gap, shifted down to end by 2^52
  // by gfnKey, then index: an insertion sort of the at most 6 (the order sort() with that
  // comparator gives, the keys and indices being a total order), without its call per comparison
  const order: number[] = [];
  for (let i = 0; i < n; i++) {
    let j = order.length;
    for (; j > 0 && raw[order[j - 1]].gfnKey > raw[i].gfnKey; j--) order[j] = order[j - 1];
    order[j] = i;
  }
  let gfn = baseGfn < MAX_GFN_END - gfnSpan ? baseGfn : MAX_GFN_END - gfnSpan;
  const bases = new Array<bigint>(n);
  for (const i of order) {
    gfn += raw[i].gfnGap;
    bases[i] = gfn;
    gfn += raw[i].npages;
  }
  const slots: SlotSpec[] = [];
  for (let i = 0; i < n; i++) slots.push({ id: i, pgoff: pgoffs[i], npages: raw[i].npages, base_gfn: bases[i] });
  return { filePages, slots };
};

/** A file index named by a slot edge (or the file's ends) plus a small delta, biased to +-1. */
export interface Anchor {
  readonly slot: number;
  readonly edge: 'start' | 'end' | 'zero' | 'file-end';
  readonly delta: bigint;
}

/** Anchors; `far` adds deltas of up to 2^20 (the live generators, whose files are small, leave them out). */
export function anchorOf(far: boolean): Gen<Anchor> {
  const edge = oneof<Anchor['edge']>([4, from('start', 'end')], [1, from('zero', 'file-end')]);
  const delta = oneof(
    [1, constant(0n)],
    [4, big(-1n, 1n)],
    [3, big(-70n, 70n)],
    ...(far ? [[1, big(-(1n << 20n), 1n << 20n)] as const] : []),
  );
  return (d) => ({ slot: slotIndexOf(d), edge: edge(d), delta: delta(d) });
}

function resolveAnchor(layout: LayoutSpec, a: Anchor): bigint {
  const s = layout.slots[a.slot % layout.slots.length];
  const at = a.edge === 'start' ? s.pgoff : a.edge === 'end' ? s.pgoff + s.npages : a.edge === 'zero' ? 0n : layout.filePages;
  const x = at + a.delta;
  return x < 0n ? 0n : x > MAX_PUNCH_END ? MAX_PUNCH_END : x;
}

/** A punch [s, e): from one anchor to another, or an anchor and a length in pages. */
export interface PunchSpec {
  readonly from: Anchor;
  readonly to: { readonly kind: 'anchor'; readonly a: Anchor } | { readonly kind: 'len'; readonly n: bigint };
}

/** Punches between anchors, or of a length drawn by `lenOf`. */
export function punchSpecOf(anchor: Gen<Anchor>, lenOf: Gen<bigint>): Gen<PunchSpec> {
  const to = oneof<PunchSpec['to']>([3, (d) => ({ kind: 'anchor', a: anchor(d) })], [2, (d) => ({ kind: 'len', n: lenOf(d) })]);
  return (d) => ({ from: anchor(d), to: to(d) });
}

const anchor = anchorOf(true);
const punchSpec = punchSpecOf(anchor, oneof([1, big(1n, 3n)], [1, from(1n, 2n, 63n, 64n, 65n, 4096n)], [1, big(1n, 1n << 32n)]));

/** The punch's [start, end) in pages: never empty, never past what fallocate accepts. */
export function punchRange(layout: LayoutSpec, p: PunchSpec): [bigint, bigint] {
  let s = resolveAnchor(layout, p.from);
  let e = p.to.kind === 'anchor' ? resolveAnchor(layout, p.to.a) : s + p.to.n;
  if (e < s) [s, e] = [e, s];
  if (e === s) e = s + 1n;
  if (e > MAX_PUNCH_END) e = MAX_PUNCH_END;
  if (s >= e) s = e - 1n;
  return [s, e];
}

export const PUNCH = FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE;

/** The ways userspace gets fallocate wrong, each refused before any invalidation (§3). */
export const CORRUPTIONS = [
  'no-keep-size', 'zero-range', 'unknown-mode', 'collapse', 'allocate',
  'offset-unaligned', 'len-unaligned', 'len-zero', 'len-negative', 'offset-negative', 'too-big',
] as const;
export type Corruption = (typeof CORRUPTIONS)[number];

/** A punch made wrong in one of the CORRUPTIONS ways (`by` for an unaligned one). */
export function corrupt(offset: bigint, len: bigint, how: Corruption, by: bigint): Operation {
  const punch = (mode: number, o: bigint, l: bigint): Operation => ({ kind: 'punch', mode, offset: o, len: l });
  switch (how) {
    case 'no-keep-size': return punch(FALLOC_FL_PUNCH_HOLE, offset, len);
    case 'zero-range': return punch(FALLOC_FL_KEEP_SIZE | FALLOC_FL_ZERO_RANGE, offset, len);
    case 'unknown-mode': return punch(PUNCH | 0x100, offset, len);
    case 'collapse': return punch(PUNCH | FALLOC_FL_COLLAPSE_RANGE, offset, len);
    case 'allocate': return punch(FALLOC_FL_KEEP_SIZE, offset, len);
    case 'offset-unaligned': return punch(PUNCH, offset + by, len);
    case 'len-unaligned': return punch(PUNCH, offset, len + by);
    case 'len-zero': return punch(PUNCH, offset, 0n);
    case 'len-negative': return punch(PUNCH, offset, -len);
    case 'offset-negative': return punch(PUNCH, -offset - PAGE_SIZE, len);
    case 'too-big': return punch(PUNCH, LLONG_MAX - (LLONG_MAX % PAGE_SIZE), len);
  }
}

/** A punch made wrong: the punch, how, and by how much for an unaligned one. */
const unalignedBy = big(1n, PAGE_SIZE - 1n);
export const badPunchOf = (p: Gen<PunchSpec>) => (d: Draw) => ({ p: p(d), how: d.from(CORRUPTIONS), by: unalignedBy(d) });

/** How far past the last binding, how far into a slot, how many pages: of the punches that meet none or start inside a slot. */
export const beyondOf = big(0n, 3n), insideOf = big(0n, 70n), fewOf = big(1n, 3n);

/** The caller's operation of a case, drawn against its layout. */
const operationOf = oneofWith<LayoutSpec, Operation>(
  [10, (d, layout) => {
    const [s, e] = punchRange(layout, punchSpec(d));
    return pages(s, e - s);
  }],
  [2, (d, layout) => {
    const { p, how, by } = badPunchOf(punchSpec)(d);
    const [s, e] = punchRange(layout, p);
    return corrupt(s << PAGE_SHIFT, (e - s) << PAGE_SHIFT, how, by);
  }],
  [2, () => ({ kind: 'release' })],
  // a punch just past the last binding: it meets none (where begin/end imbalances show)
  [5, (d, layout) => {
    const dist = beyondOf(d), n = fewOf(d);
    const last = layout.slots.reduce((m, s) => (s.pgoff + s.npages > m ? s.pgoff + s.npages : m), 0n);
    let s = last + dist;
    if (s + n > MAX_PUNCH_END) s = MAX_PUNCH_END - n;
    return pages(s, n);
  }],
  // a punch that starts strictly inside a slot (where over-invalidating from base_gfn shows)
  [4, (d, layout) => {
    const slot = slotIndexOf(d), dist = insideOf(d), n = fewOf(d);
    const sl = layout.slots[slot % layout.slots.length];
    return pages(sl.npages > 1n ? sl.pgoff + 1n + (dist % (sl.npages - 1n)) : sl.pgoff, n);
  }],
  [2, (d, layout) => {
    const at = anchor(d), order = folioOrderOf(d);
    const nr = 1n << BigInt(order);
    let i = resolveAnchor(layout, at);
    if (i >= layout.filePages) i = layout.filePages - 1n;
    return { kind: 'memory-failure', index: i - (i % nr), order };
  }],
);

const folioOrderOf = oneof([1, constant(0)], [1, from(0, 1, 9, MAX_FOLIO_ORDER)], [1, int(0, MAX_FOLIO_ORDER)]);

/** A punch of pages [s, s + n). */
export const pages = (s: bigint, n: bigint): Operation => ({ kind: 'punch', mode: PUNCH, offset: s << PAGE_SHIFT, len: n << PAGE_SHIFT });

/** A case in a default VM with one view: a layout and what the caller does to it. */
export const drawCase: Gen<Case> = (d) => {
  const layout = layoutOf(d);
  return { layout, op: operationOf(d, layout) };
};

/** The cases of drawCase, as an arbitrary (a default VM, one view, 4 KiB pages). */
export const caseArb: fc.Arbitrary<Case> = arbitrary(drawCase);

/** How a variant's cases pick their VM type among those it runs in (naive: unbiased). */
export type VmChoice = (d: Draw, types: readonly VmType[]) => VmType;

/**
 * `gen`'s cases in each VM type a variant runs in (model/vm.ts runsIn), drawn by `choose`:
 * `gen` itself for a default VM only, so the eras before 6.14 draw nothing more; else shrinking
 * toward a default VM.
 */
export function inVms(gen: Gen<Case>, vmTypes: readonly VmType[] | undefined, choose: VmChoice = (d, ts) => d.from(ts)): Gen<Case> {
  const types = runsIn(vmTypes);
  if (types.length === 1 && types[0] === 'default') return gen;
  return (d) => inVm(gen(d), choose(d, types));
}

/**
 * Where a variant's cases run: the VM types, whether its functions take the inode (several
 * views), whether it is of the split era (zap: files with a page order) and converts.
 */
export type CaseSpace = Pick<Variant, 'vmTypes' | 'takes' | 'zap' | 'convert' | 'bindEra'>;

/** What another view keeps of the first view's bindings, and how it is moved. */
interface RawView {
  readonly keep: ReadonlyArray<{ readonly drop: boolean; readonly trim: bigint }>;
  readonly slide: bigint;
  readonly shift: bigint;
  readonly vmType: VmType;
}

/**
 * Another VM's view of the first view's file (§6): some of the first view's bindings, each
 * whole or with its head trimmed, slid along the file by one amount (so the views' bindings
 * overlap in the file without being equal, and a view may bind what the first leaves unbound),
 * at gfns moved by one shift (so the slots of the view stay disjoint in gfn space).
 */
const viewOf = (types: readonly VmType[]): Gen<RawView> => {
  const trim = oneof([1, constant(0n)], [1, big(1n, 70n)]);
  const slide = oneof([3, constant(0n)], [2, big(-70n, 70n)], [1, from(64n, -64n, 4096n, -4096n)]);
  const shift = oneof([2, constant(0n)], [3, big(-(1n << 12n), 1n << 12n)], [1, big(-(1n << 40n), 1n << 40n)]);
  return (d) => ({ keep: d.list(6, 6, (e) => ({ drop: e.bool(), trim: trim(e) })), slide: slide(d), shift: shift(d), vmType: d.from(types) });
};

function otherView(first: LayoutSpec, v: RawView): ViewSpec {
  // the kept bindings, and the extents the slide and the shift are clamped by, in one pass (a
  // case with views draws this for each: no intermediate slot objects)
  const kept: SlotSpec[] = [];
  let first0 = first.filePages, last = 0n, lo = MAX_GFN_END, hi = 0n;
  for (let i = 0; i < first.slots.length; i++) {
    const s = first.slots[i], k = v.keep[i % v.keep.length];
    if (k.drop) continue;
    const trim = k.trim < s.npages ? k.trim : s.npages - 1n;
    const pgoff = s.pgoff + trim, npages = s.npages - trim, base_gfn = s.base_gfn + trim;
    if (pgoff < first0) first0 = pgoff;
    if (pgoff + npages > last) last = pgoff + npages;
    if (base_gfn < lo) lo = base_gfn;
    if (base_gfn + npages > hi) hi = base_gfn + npages;
    kept.push({ id: s.id, pgoff, npages, base_gfn });
  }
  // one slide along the file for the whole view, clamped so that every binding stays inside it
  const slide = v.slide < -first0 ? -first0 : v.slide > first.filePages - last ? first.filePages - last : v.slide;
  // one shift for the whole view, clamped so that every slot stays in [0, 2^52)
  const shift = v.shift < -lo ? -lo : v.shift > MAX_GFN_END - hi ? MAX_GFN_END - hi : v.shift;
  const slots = kept.map((s) => ({ id: s.id, pgoff: s.pgoff + slide, npages: s.npages, base_gfn: s.base_gfn + shift }));
  return v.vmType !== 'default' ? { slots, vmType: v.vmType } : { slots };
}

/**
 * `gen`'s cases with 0 to 2 other views of the inode (a release then closes one of the views),
 * shrinking toward one view: for a variant that takes the inode (2025 on).
 */
const whichOf = int(0, 2);

export function inViews(gen: Gen<Case>, vmTypes: readonly VmType[] | undefined): Gen<Case> {
  const view = viewOf(runsIn(vmTypes));
  const views = oneof<RawView[]>([2, constant([])], [2, (d) => [view(d)]], [1, (d) => [view(d), view(d)]]);
  return (d) => {
    const c = gen(d);
    const vs = views(d), which = whichOf(d);
    if (vs.length === 0) return c;
    const otherViews = vs.map((v) => otherView(c.layout, v));
    const op = c.op.kind === 'release' && which % (vs.length + 1) ? { kind: 'release' as const, view: which % (vs.length + 1) } : c.op;
    return { ...c, layout: extend(c.layout, { otherViews }), op };
  };
}

/** The generated cases of a variant: in the VM types it runs in, with views if it takes the inode. */
export const caseArbFor = (space: CaseSpace = {}): fc.Arbitrary<Case> => {
  const gen = inSpace(drawCase, space);
  // the eras of a default VM and one view draw exactly caseArb's cases
  return gen === drawCase ? caseArb : arbitrary(gen);
};

/** `gen`'s cases in a variant's space: its VM types (drawn by `choose`), its views, its split era. */
export function inSpace(gen: Gen<Case>, space: CaseSpace, choose?: VmChoice): Gen<Case> {
  const inVm = inVms(gen, space.vmTypes, choose);
  const viewed = space.takes === 'inode' ? inViews(inVm, space.vmTypes) : inVm;
  const split = space.zap ? inSplitEra(viewed, space.convert !== undefined) : viewed;
  // a 7.2 kernel binds the layouts (the same ones: every generated binding lies inside its file)
  return space.bindEra === '7.2' ? (d) => inBindEra(split(d), space.bindEra) : split;
}

/** The most huge pages a generated conversion spans (one batch each). */
const MAX_CONVERSION_BATCHES = 16n;

const orderOf = oneof([2, constant(0)], [2, constant(9)], [1, constant(18)]);
const alignedOf = oneof([3, constant(true)], [1, constant(false)]);

/** A conversion of pages [from, to) of the file (clamped into it), mostly to shared: a conversion to private is a no-op on a file that is all private. */
const toPrivateOf = oneof([4, constant(false)], [1, constant(true)]);
const conversionOf = (d: Draw) => ({ p: punchSpec(d), toPrivate: toPrivateOf(d) });
/** fc.option(conversion, { freq: 2 }): as often none as one. */
const maybeConversionOf = oneof<ReturnType<typeof conversionOf> | undefined>([1, constant(undefined)], [1, conversionOf]);

/**
 * The split era's cases (the in-place conversion and HugeTLB series, KERNEL-FACTS §6): the inode
 * may have a page order, so its size, most punches and every memory-failure folio follow the
 * huge page (a punch left unaligned is refused); a variant that converts also gets conversions
 * between shared and private, which batch per huge page. Shrinks toward order 0.
 */
export function inSplitEra(gen: Gen<Case>, converts: boolean): Gen<Case> {
  return (d) => {
    const c = gen(d);
    const x = { order: orderOf(d), aligned: alignedOf(d), conversion: converts ? maybeConversionOf(d) : undefined };
    const huge = 1n << BigInt(x.order);
    const filePages = alignUp(c.layout.filePages, huge);
    // an order whose file would outgrow a loff_t stays at 4 KiB pages
    const order = filePages <= MAX_FILE_PAGES ? x.order : 0;
    const layout = order ? extend(c.layout, { filePages, pageOrder: order }) : c.layout;
    const page = PAGE_SIZE << BigInt(order);
    let op = c.op;
    if (x.conversion) {
      const [s, e] = punchRange(layout, x.conversion.p);
      const from = s < layout.filePages ? s : layout.filePages - 1n;
      // at most 16 huge pages: the series converts one huge page per batch, and a real caller
      // converts what it uses (a million batches is a slow case, not a case of interest)
      const most = from + MAX_CONVERSION_BATCHES * huge;
      const upTo = e <= layout.filePages ? (e > from ? e : from + 1n) : layout.filePages;
      const to = most < upTo ? most : upTo;
      op = { kind: 'convert', offset: from << PAGE_SHIFT, size: (to - from) << PAGE_SHIFT, toPrivate: x.conversion.toPrivate };
    } else if (order && op.kind === 'punch' && x.aligned && op.offset >= 0n && op.len > 0n) {
      const from = alignDown(op.offset, page);
      const to = alignUp(op.offset + op.len, page);
      if (to <= LLONG_MAX) op = { ...op, offset: from, len: to - from };
    } else if (order && op.kind === 'memory-failure' && op.order !== 0) {
      op = { ...op, order, index: alignDown(op.index, huge) };
    }
    return { ...c, layout, op };
  };
}

// ---- bind requests (the bind-within-file property) ----

/**
 * Where a bind request's guest_memfd_offset lies, in pages: at an edge of the file or of a binding
 * already there, or at one of the 64-bit edges of kvm_gmem_bind()'s arithmetic: just below 2^63
 * bytes (where 6.8's loff_t offset + size wraps negative: findings/bind-offset-overflow.md), at or
 * above 2^63 (a negative loff_t), near 2^62, at the top __kvm_set_memory_region() lets through
 * (offset + size just below 2^64), or anywhere.
 */
type OffsetEdge = 'zero' | 'file-end' | 'binding' | 'below-2^63' | 'above-2^63' | '2^62' | 'top' | 'anywhere';

const offsetEdgeOf = oneof<OffsetEdge>(
  [2, from<OffsetEdge>('zero', 'file-end', 'binding')],
  [2, constant<OffsetEdge>('below-2^63')],
  [1, from<OffsetEdge>('above-2^63', '2^62', 'top', 'anywhere')],
);

/** Sizes in pages: one or two, a few, the file's own size (from `slot` 'file'), or anything a memslot may have. */
const bindPagesOf = oneof<bigint | 'file'>(
  [3, from(1n, 2n, 3n)],
  [2, constant<bigint | 'file'>('file')],
  [2, big(1n, 4096n)],
  [1, from(KVM_MEM_MAX_NR_PAGES, KVM_MEM_MAX_NR_PAGES - 1n)],
  [1, big(1n, KVM_MEM_MAX_NR_PAGES)],
);

/** The file: a page, a 2 MiB file (the finding's), a few pages, the largest a loff_t holds, or anything. */
const bindFilePagesOf = oneof(
  [3, from(1n, 2n, 512n)],
  [2, big(1n, 4096n)],
  [1, from(MAX_FILE_PAGES, MAX_FILE_PAGES - 1n)],
  [1, big(1n, MAX_FILE_PAGES)],
);

const boundGapOf = oneof([1, constant(0n)], [1, big(1n, 70n)]);
const boundPagesOf = oneof([1, from(1n, 2n)], [1, big(1n, 300n)]);
const bindSlotOf = int(0, 2);
const bindDeltaOf = oneof([3, constant(0n)], [3, big(-2n, 2n)], [1, big(-(1n << 20n), 1n << 20n)]);

interface BindSpec {
  readonly filePages: bigint;
  /** The bindings already there, each after a gap, at adjacent gfns from 0. */
  readonly bound: ReadonlyArray<{ readonly gap: bigint; readonly npages: bigint }>;
  readonly pages: bigint | 'file';
  readonly edge: OffsetEdge;
  readonly slot: number;
  readonly delta: bigint;
}

const bindSpecOf: Gen<BindSpec> = (d) => ({
  filePages: bindFilePagesOf(d),
  bound: d.list(0, 3, (e) => ({ gap: boundGapOf(e), npages: boundPagesOf(e) })),
  pages: bindPagesOf(d),
  edge: offsetEdgeOf(d),
  slot: bindSlotOf(d),
  delta: bindDeltaOf(d),
});

/** The largest page offset with offset + size below 2^64, the most __kvm_set_memory_region() lets through. */
const topPgoff = (npages: bigint) => (1n << 52n) - npages - 1n;

/** A bind request from its spec: the layout (bindings clamped into the file) and the region, never wrapping a u64. */
function bindCase(x: BindSpec): Case {
  let pgoff = 0n, gfn = 0n;
  const slots: SlotSpec[] = x.bound.map((b, id) => {
    pgoff += b.gap;
    const s = { id, pgoff, npages: b.npages, base_gfn: gfn };
    pgoff += b.npages;
    gfn += b.npages;
    return s;
  });
  // the file holds its bindings; one larger than a loff_t holds is cut down, and so are they
  const filePages = pgoff > x.filePages ? (pgoff > MAX_FILE_PAGES ? MAX_FILE_PAGES : pgoff) : x.filePages;
  const kept = slots.filter((s) => s.pgoff + s.npages <= filePages);
  const npages = x.pages === 'file' ? (filePages < KVM_MEM_MAX_NR_PAGES ? filePages : KVM_MEM_MAX_NR_PAGES) : x.pages;
  const d = x.delta;
  const anchor = kept[x.slot % Math.max(kept.length, 1)];
  const at: Record<OffsetEdge, () => bigint> = {
    'zero': () => (d < 0n ? -d : d),
    'file-end': () => filePages - npages + d,
    'binding': () => (anchor ? anchor.pgoff + d : d),
    // 2^63 bytes less k pages, k from 1 to npages + 1: with k <= npages the loff_t sum is 2^63 or more
    'below-2^63': () => (1n << 51n) - 1n - ((d < 0n ? -d : d) % (npages + 1n)),
    'above-2^63': () => (1n << 51n) + (d < 0n ? -d : d),
    '2^62': () => (1n << 50n) + d,
    'top': () => topPgoff(npages) - (d < 0n ? -d : d),
    'anywhere': () => (d < 0n ? -d : d) << 31n,
  };
  let offset = at[x.edge]();
  if (offset < 0n) offset = 0n;
  if (offset > topPgoff(npages)) offset = topPgoff(npages);
  return {
    layout: { filePages, slots: kept },
    op: { kind: 'bind', slot: kept.length, guest_phys_addr: gfn << PAGE_SHIFT, memory_size: npages << PAGE_SHIFT, guest_memfd_offset: offset << PAGE_SHIFT },
  };
}

/**
 * KVM_SET_USER_MEMORY_REGION2 of a new guest_memfd slot against a file with 0 to 3 bindings,
 * every request one that __kvm_set_memory_region() lets through to kvm_gmem_bind(), biased to the
 * 64-bit edges of its arithmetic; shrinking toward an empty one-page file and a one-page request.
 */
export const drawBind: Gen<Case> = (d) => bindCase(bindSpecOf(d));
export const bindCaseArb: fc.Arbitrary<Case> = arbitrary(drawBind);

/** The bind requests of a variant: made by the kernel of its bind era, in a default VM with one view (bind knows no other). */
export const bindCaseArbFor = (space: Pick<CaseSpace, 'bindEra'> = {}): fc.Arbitrary<Case> =>
  space.bindEra === '7.2' ? arbitrary((d) => inBindEra(drawBind(d), space.bindEra)) : bindCaseArb;
