// The inputs of one shape as symbols, the rules the kernel puts on them (the precondition of
// every proof), and the concrete case a model of the solver's stands for. The rules are
// model/rules.ts's own functions run on the symbols (prover/rules.ts), in the order the model's
// callers apply them (model/layout.ts createGmem() and bind(), model/callers.ts fallocate(),
// memoryFailure(), convert() and bindRequest()); what this file adds is how a shape lays its
// inputs out (pages, slots in file order, xarray chunks), never a rule of the kernel's.

import { Operation } from '../model/callers';
import { ERRNO_NUMBERS } from '../model/errno';
import { Memslot } from '../model/layout';
import { BindEra, FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE, LLONG_MAX, MAX_FOLIO_ORDER, PAGE_SHIFT } from '../model/rules';
import { Case, LayoutSpec } from '../properties/case';
import { SymLayout, SymSlot } from './kernel';
import { RuleFormulas, RulesModule, accepts, modelRules } from './rules';
import { activePath } from './runtime';
import { Shape } from './shapes';
import { BoolVal, IntVal, Sym, U64_MAX, add, and, eqInt, implies, intVar, le, lt, mul, not, or, sub } from './term';

export type Assignment = ReadonlyMap<string, bigint>;

/** A bind shape's request: KVM_SET_USER_MEMORY_REGION2 of slot `id` that reached kvm_gmem_bind(), in pages. */
export interface SymBindRequest {
  readonly id: number;
  readonly pgoff: IntVal;
  readonly npages: IntVal;
  readonly base_gfn: IntVal;
  /** guest_memfd_offset in bytes, as kvm_gmem_bind() is given it. */
  readonly offset: IntVal;
  readonly era: BindEra;
  /** What kvm_gmem_bind() must answer (model/rules.ts kvmGmemBindExpected): where it accepts, and where it refuses with each errno. */
  readonly accept: BoolVal;
  readonly refuse: ReadonlyMap<string, BoolVal>;
}

export interface ShapeInputs {
  readonly layout: SymLayout;
  /** What the caller hands the invalidation. */
  readonly start: IntVal;
  readonly end: IntVal;
  /** A release closes this view (absent: every view is invalidated). */
  readonly view?: number;
  /** A conversion's huge-page bracket (kvm_gmem_compute_invalidate_start/_end). */
  readonly bracket?: { readonly start: IntVal; readonly end: IntVal };
  /** A bind shape's request. */
  readonly bind?: SymBindRequest;
  /** The input rules. */
  readonly pre: BoolVal;
  /** Rules a counterexample meets so that lib/xarray.c chunks its bindings as the path assumed. */
  readonly realistic: BoolVal;
  /** What a counterexample is asked to meet first, when it can: the smallest case of its kind, as a report shows it best. */
  readonly prefer: BoolVal;
  /** Every input's name. */
  readonly names: readonly string[];
  /** Declarations and definitions of the names the rules' formulas use (after the inputs', before `pre`). */
  readonly defs: readonly string[];
}

const FALLOC_PUNCH = FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE; // the one mode that reaches the invalidation
const CHUNK = 64n; // XA_CHUNK_SIZE (KERNEL-FACTS §4)
const PAGE = 1n << PAGE_SHIFT;
/** A page number of a __u64 byte value: [0, 2^52). The rules narrow every domain; this only says what the uapi can hold. */
const U64_PAGES = (1n << 52n) - 1n;
/** The rules are written over bigints; a symbol stands in for one (the transform routes their operators to the runtime). */
const big = (x: IntVal): bigint => x as unknown as bigint;

export function inputsOf(shape: Shape, a: Assignment, rules: RulesModule = modelRules()): ShapeInputs {
  const names: string[] = [];
  const domains: BoolVal[] = [];
  const rf = new RuleFormulas('i');
  const ruled: BoolVal[] = [];
  /** One rule, by name: the condition under which `f` holds, over every path of the model's code. */
  const rule = (what: string, f: () => boolean | BoolVal) => ruled.push(rf.holds(f, what));
  /** An input in [lo, hi], the values of its type (its bound also tells the wrap it needs no modulo). */
  const v = (name: string, hi: bigint, lo = 0n): Sym => {
    names.push(name);
    const x = intVar(name, a.get(name) ?? lo, true, hi, lo);
    domains.push(le(lo, x), le(x, hi));
    return x;
  };
  const shapeOrder: BoolVal[] = [];
  const real: BoolVal[] = [];
  const prefer: BoolVal[] = [];
  const guarded: string[] = [];
  const bytes = (x: IntVal) => mul(x, PAGE);
  const era: BindEra = shape.bindEra ?? '6.8';

  // kvm_gmem_create(): the file's size, a loff_t, in pages
  const F = v('F', U64_PAGES);
  rule('kvmGmemCreate', () => accepts(rules.kvmGmemCreate(big(bytes(F)), shape.pageOrder)));
  const iSize = bytes(F);

  /** __kvm_set_memory_region() then kvm_gmem_bind() of slot `id` over the view's earlier bindings: the request reaches the bind, and the kernel of the era accepts it. */
  const region = (what: string, id: number, s: Pick<Memslot, 'pgoff' | 'npages' | 'base_gfn'>, before: readonly Memslot[]) => {
    rule(`${what}: kvmSetMemoryRegion`, () => accepts(rules.kvmSetMemoryRegion(id, big(bytes(s.base_gfn)), big(bytes(s.npages)), big(bytes(s.pgoff)), before)));
  };
  const bindTaken = (before: readonly Memslot[], s: Pick<Memslot, 'pgoff' | 'npages'>) => rules.bindingMeeting(before, s.pgoff, s.npages) !== null;

  const views = shape.slots.map((count, vi) => {
    const slots: SymSlot[] = [];
    const bound: Memslot[] = [];
    for (let i = 0; i < count; i++) {
      const key = `v${vi}s${i}`;
      const p = v(`${key}p`, U64_PAGES), n = v(`${key}n`, U64_PAGES), b = v(`${key}b`, U64_PAGES), x = v(`${key}x`, BigInt(shape.chunks - 1));
      const edges = Array.from({ length: shape.chunks - 1 }, (_, j) => v(`${key}e${j + 1}`, 1n << 52n));
      const slot: Memslot = { id: i, pgoff: big(p), npages: big(n), base_gfn: big(b) };
      region(`view ${vi} slot ${i}`, i, slot, bound);
      rule(`view ${vi} slot ${i}: kvmGmemBind`, () => accepts(rules.kvmGmemBind(era, big(iSize), big(bytes(p)), big(bytes(n)), bindTaken(bound, slot))));
      bound.push(slot);
      // the shape's own layout of lib/xarray.c's chunks (not a kernel rule): 1 to K of them, each after the first at a multiple of 64
      let prev: IntVal = p;
      edges.forEach((e, j) => {
        const used = le(BigInt(j + 1), x);
        const w = v(`${key}w${j + 1}`, 1n << 46n);
        shapeOrder.push(implies(used, and(eqInt(e, mul(w, CHUNK)), lt(prev, e), le(e, sub(add(p, n), 1n)))), implies(not(used), eqInt(e, 0n)));
        prev = e;
      });
      // what lib/xarray.c does: one chunk within a 64-block; two when it crosses one multiple of 64 by under 64
      // (with q the 64-block p lies in: 64q <= p < 64q + 64)
      const q = mul(v(`${key}q`, 1n << 46n), CHUNK);
      shapeOrder.push(le(q, p), lt(p, add(q, CHUNK)));
      real.push(implies(eqInt(x, 0n), lt(sub(add(p, n), 1n), add(q, CHUNK))));
      if (edges.length) {
        real.push(implies(eqInt(x, 1n), and(lt(q, p), eqInt(edges[0], add(q, CHUNK)), lt(sub(add(p, n), 1n), add(edges[0], CHUNK)))));
      }
      real.push(le(x, 1n));
      slots.push({ id: i, pgoff: p, npages: n, base_gfn: b, extraChunks: x, edges });
    }
    // the shape names a view's slots in file order, as the xarray holds them (not a kernel rule)
    for (let i = 0; i + 1 < slots.length; i++) shapeOrder.push(lt(slots[i].pgoff, slots[i + 1].pgoff));
    return { vmType: shape.vmTypes[vi], slots, bound };
  });
  const layout: SymLayout = { filePages: F, pageOrder: shape.pageOrder, views: views.map(({ vmType, slots }) => ({ vmType, slots })) };

  let start: IntVal = 0n, end: IntVal = 0n, view: number | undefined, bracket: ShapeInputs['bracket'], bind: SymBindRequest | undefined;
  if (shape.op === 'release') {
    // kvm_gmem_release: (0, ULONG_MAX) on the view whose file is closed
    start = 0n;
    end = U64_MAX;
    view = shape.releaseView ?? 0;
  } else if (shape.op === 'memory-failure') {
    // kvm_gmem_error_folio: a folio the page cache can hold, of one of the orders (a number the rule takes concrete)
    const s = v('s', U64_PAGES), nr = v('nr', 1n << BigInt(MAX_FOLIO_ORDER), 1n);
    // one formula per order, the paths of one call not multiplying another's, and its names (a
    // division of s by the folio's size) defined only where the folio is of that order
    ruled.push(or(...Array.from({ length: MAX_FOLIO_ORDER + 1 }, (_, o) => {
      const isOrder = eqInt(nr, 1n << BigInt(o));
      const at = new RuleFormulas(`i${o}o`, isOrder);
      const ok = at.holds(() => rules.folioFault(big(F), shape.pageOrder, big(s), o) === null, `folioFault at order ${o}`);
      guarded.push(...at.defs);
      return and(isOrder, ok);
    })));
    start = s;
    end = add(s, nr);
  } else if (shape.op === 'bind') {
    // KVM_SET_USER_MEMORY_REGION2 of a new slot on the first view: it reaches kvm_gmem_bind()
    const id = shape.slots[0];
    const p = v('o', U64_PAGES), n = v('rn', U64_PAGES), b = v('rb', U64_PAGES);
    const slot: Memslot = { id, pgoff: big(p), npages: big(n), base_gfn: big(b) };
    const before = views[0].bound;
    region('the request', id, slot, before);
    const offset = bytes(p);
    const expected = () => rules.kvmGmemBindExpected(era, big(iSize), big(offset), big(bytes(n)), bindTaken(before, slot));
    const accept = rf.holds(() => accepts(expected()), 'kvmGmemBindExpected');
    const refuse = new Map<string, BoolVal>();
    for (const errno of Object.keys(ERRNO_NUMBERS)) refuse.set(errno, rf.holds(() => expected()?.errno === errno, `kvmGmemBindExpected: ${errno}`));
    bind = { id, pgoff: p, npages: n, base_gfn: b, offset, era, accept, refuse };
    // a one-page request on a file of at most 2 MiB (the finding's), if the path has one
    prefer.push(eqInt(n, 1n), le(F, 512n));
  } else {
    const s = v('s', U64_PAGES), e = v('e', U64_PAGES + 1n);
    start = s;
    end = e;
    const len = bytes(sub(e, s));
    // the byte values the call takes, within their types: a punch's len a loff_t, a conversion's size a __u64
    domains.push(...(shape.op === 'punch' ? [le(-(1n << 63n), len), le(len, LLONG_MAX)] : [le(0n, len), le(len, U64_MAX)]));
    if (shape.op === 'punch') {
      // vfs_fallocate() then kvm_gmem_fallocate()
      rule('vfsFallocate', () => accepts(rules.vfsFallocate(FALLOC_PUNCH, big(bytes(s)), big(len))));
      rule('kvmGmemFallocate', () => accepts(rules.kvmGmemFallocate(FALLOC_PUNCH, big(bytes(s)), big(len), big(iSize), shape.pageOrder)));
    } else {
      // kvm_gmem_set_attributes() of a range to shared (to private changes nothing)
      rule('kvmGmemSetAttributes', () => accepts(rules.kvmGmemSetAttributes(big(bytes(s)), big(len), big(iSize))));
      // the bracket (model/ranges.ts alignDown(s, huge) and alignUp(e, huge)) as inputs tied to s and e
      const huge = 1n << BigInt(shape.pageOrder);
      const qS = v('qS', U64_PAGES), qE = v('qE', U64_PAGES, 1n);
      const lo = mul(qS, huge), hi = mul(qE, huge);
      shapeOrder.push(le(lo, s), lt(s, add(lo, huge)), lt(sub(hi, huge), e), le(e, hi));
      // round_down(s) and round_up(e) ((e - 1) | (huge - 1)) + 1 in the variant are these very quotients
      activePath()?.knownDivision(s, huge, qS);
      activePath()?.knownDivision(sub(e, 1n) as Sym, huge, sub(qE, 1n));
      bracket = { start: lo, end: hi };
      // the bound: a conversion spans at most this many huge pages
      if (shape.pageOrder && shape.hugePages) shapeOrder.push(le(sub(hi, lo), BigInt(shape.hugePages) * huge));
    }
  }
  const pre = and(...domains, ...shapeOrder, ...ruled);
  return {
    layout, start, end, ...(view !== undefined ? { view } : {}), ...(bracket ? { bracket } : {}), ...(bind ? { bind } : {}),
    pre, realistic: and(...real), prefer: and(...prefer), names, defs: [...rf.defs, ...guarded],
  };
}

/** The case a model of the solver's stands for, as the engine takes it. */
export function caseOf(shape: Shape, a: Assignment): Case {
  const get = (n: string) => a.get(n) ?? 0n;
  const slotsOf = (vi: number) => Array.from({ length: shape.slots[vi] }, (_, i) => ({ id: i, pgoff: get(`v${vi}s${i}p`), npages: get(`v${vi}s${i}n`), base_gfn: get(`v${vi}s${i}b`) }));
  const vm = (vi: number) => (shape.vmTypes[vi] === 'tdx' ? { vmType: 'tdx' as const } : {});
  const layout: LayoutSpec = {
    filePages: get('F'),
    slots: slotsOf(0),
    ...vm(0),
    ...(shape.slots.length > 1 ? { otherViews: shape.slots.slice(1).map((_, i) => ({ slots: slotsOf(i + 1), ...vm(i + 1) })) } : {}),
    ...(shape.pageOrder ? { pageOrder: shape.pageOrder } : {}),
    ...(shape.bindEra === '7.2' ? { bindEra: shape.bindEra } : {}),
  };
  const page = (x: bigint) => x << PAGE_SHIFT;
  const op: Operation = shape.op === 'bind' ? { kind: 'bind', slot: shape.slots[0], guest_phys_addr: page(get('rb')), memory_size: page(get('rn')), guest_memfd_offset: page(get('o')) }
    : shape.op === 'release' ? { kind: 'release', ...(shape.releaseView ? { view: shape.releaseView } : {}) }
    : shape.op === 'memory-failure' ? { kind: 'memory-failure', index: get('s'), order: get('nr').toString(2).length - 1 }
    : shape.op === 'punch' ? { kind: 'punch', mode: FALLOC_PUNCH, offset: page(get('s')), len: page(get('e') - get('s')) }
    : { kind: 'convert', offset: page(get('s')), size: page(get('e') - get('s')), toPrivate: false };
  return { layout, op };
}

/** The case's inputs as an assignment of the shape's names (the chunk edges as lib/xarray.c makes them, when at most K). */
export function assignmentOf(shape: Shape, c: Case, chunkEdges: (pgoff: bigint, npages: bigint) => bigint[]): Map<string, bigint> | null {
  const a = new Map<string, bigint>([['F', c.layout.filePages]]);
  const views = [c.layout.slots, ...(c.layout.otherViews ?? []).map((v) => v.slots)];
  for (const [vi, slots] of views.entries()) {
    const inFile = [...slots].sort((x, y) => (x.pgoff < y.pgoff ? -1 : 1));
    for (const [i, s] of inFile.entries()) {
      const key = `v${vi}s${i}`;
      const edges = chunkEdges(s.pgoff, s.npages);
      if (edges.length > shape.chunks - 1) return null;
      a.set(`${key}p`, s.pgoff).set(`${key}n`, s.npages).set(`${key}b`, s.base_gfn).set(`${key}x`, BigInt(edges.length)).set(`${key}q`, s.pgoff / CHUNK);
      for (let j = 1; j < shape.chunks; j++) {
        const e = edges[j - 1] ?? 0n;
        a.set(`${key}e${j}`, e).set(`${key}w${j}`, e / CHUNK);
      }
    }
  }
  const op = c.op;
  const huge = 1n << BigInt(shape.pageOrder);
  const range = (s: bigint, e: bigint) => a.set('s', s).set('e', e).set('qS', s / huge).set('qE', (e + huge - 1n) / huge);
  if (op.kind === 'punch') range(op.offset >> PAGE_SHIFT, (op.offset + op.len) >> PAGE_SHIFT);
  if (op.kind === 'convert') range(op.offset >> PAGE_SHIFT, (op.offset + op.size) >> PAGE_SHIFT);
  if (op.kind === 'memory-failure') a.set('s', op.index).set('nr', 1n << BigInt(op.order));
  if (op.kind === 'bind') a.set('o', op.guest_memfd_offset >> PAGE_SHIFT).set('rn', op.memory_size >> PAGE_SHIFT).set('rb', op.guest_phys_addr >> PAGE_SHIFT);
  return a;
}

