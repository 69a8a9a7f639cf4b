// The inputs of one shape as symbols, the rules the kernel puts on them (the precondition of
// every proof), and the concrete case a model of the solver's stands for.
//
// SEAM: these rules restate the model's (model/layout.ts createGmem() and bind(), model/callers.ts
// fallocate(), release(), memoryFailure() and convert()), each line naming the check it encodes;
// test/prove-inputs.test.ts holds them to the model, case by case. They go once the model states
// its rules as scalar functions in the subset prover/transform.ts runs symbolically (issue 20a):
// then this file calls those instead.

import { Operation } from '../model/callers';
import { KVM_MEM_MAX_NR_PAGES, LLONG_MAX, PAGE_SHIFT } from '../model/layout';
import { MAX_FOLIO_ORDER } from '../model/callers';
import { Case, LayoutSpec } from '../properties/case';
import { SymLayout, SymSlot } from './kernel';
import { activePath } from './runtime';
import { Shape } from './shapes';
import { BoolVal, IntVal, Sym, TWO64, U64_MAX, add, and, eqInt, ge, implies, intVar, le, lt, mul, not, or, sub } from './term';

export type Assignment = ReadonlyMap<string, bigint>;

export interface ShapeInputs {
  readonly layout: SymLayout;
  /** What the caller hands the invalidation. */
  readonly start: IntVal;
  readonly end: IntVal;
  /** A release closes this view (absent: every view is invalidated). */
  readonly view?: number;
  /** A conversion's huge-page bracket (kvm_gmem_compute_invalidate_start/_end). */
  readonly bracket?: { readonly start: IntVal; readonly end: IntVal };
  /** The input rules. */
  readonly pre: BoolVal;
  /** Rules a counterexample meets so that lib/xarray.c chunks its bindings as the path assumed. */
  readonly realistic: BoolVal;
  /** Every input's name. */
  readonly names: readonly string[];
}

const FALLOC_PUNCH = 0x01 | 0x02; // FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE: the one mode that reaches the invalidation
const CHUNK = 64n; // XA_CHUNK_SIZE (KERNEL-FACTS §4)

export function inputsOf(shape: Shape, a: Assignment): ShapeInputs {
  const names: string[] = [];
  const rules: BoolVal[] = [];
  /** An input in [0, hi]: the bound is a rule, and tells the wrap it needs no modulo. */
  const v = (name: string, hi: bigint, lo = 0n): Sym => {
    names.push(name);
    const x = intVar(name, a.get(name) ?? lo, true, hi, lo);
    rules.push(ge(x, lo), le(x, hi));
    return x;
  };
  /** x is a multiple of m: x = m * k for an input k (far faster for z3 than x mod m = 0). */
  const multiple = (x: IntVal, m: bigint, name: string): BoolVal => (m === 1n ? true : eqInt(x, mul(v(name, (1n << 64n) / m), m)));
  const real: BoolVal[] = [];
  const huge = 1n << BigInt(shape.pageOrder);

  // kvm_gmem_create (createGmem): 0 < size, a multiple of the page, a loff_t
  const F = v('F', LLONG_MAX >> PAGE_SHIFT);
  rules.push(ge(F, 1n), multiple(F, huge, 'kF'));

  const views = shape.slots.map((count, vi) => {
    const slots: SymSlot[] = [];
    for (let i = 0; i < count; i++) {
      const key = `v${vi}s${i}`;
      const p = v(`${key}p`, LLONG_MAX >> PAGE_SHIFT), n = v(`${key}n`, KVM_MEM_MAX_NR_PAGES), b = v(`${key}b`, (1n << 52n) - 1n), x = v(`${key}x`, BigInt(shape.chunks - 1));
      const edges = Array.from({ length: shape.chunks - 1 }, (_, j) => v(`${key}e${j + 1}`, 1n << 52n));
      rules.push(
        // __kvm_set_memory_region: 1 <= npages <= KVM_MEM_MAX_NR_PAGES; gpa + size and offset + size do not wrap
        ge(n, 1n), le(n, KVM_MEM_MAX_NR_PAGES), ge(b, 0n), lt(mul(add(b, n), 4096n), TWO64),
        ge(p, 0n), lt(mul(add(p, n), 4096n), TWO64),
        // kvm_gmem_bind: offset not negative as a loff_t, and the signed sum offset + size at most i_size
        le(mul(p, 4096n), LLONG_MAX),
        or(le(add(p, n), F), ge(mul(add(p, n), 4096n), 1n << 63n)),
        // xa_store_range's chunks: 1 to K of them, each after the first starting at a multiple of 64
        ge(x, 0n), le(x, BigInt(shape.chunks - 1)),
      );
      let prev: IntVal = p;
      edges.forEach((e, j) => {
        const used = le(BigInt(j + 1), x);
        const w = v(`${key}w${j + 1}`, 1n << 46n);
        rules.push(implies(used, and(eqInt(e, mul(w, CHUNK)), lt(prev, e), le(e, sub(add(p, n), 1n)))), implies(not(used), eqInt(e, 0n)));
        prev = e;
      });
      // what lib/xarray.c does: one chunk within a 64-block; two when it crosses one multiple of 64 by under 64
      // (with q the 64-block p lies in: 64q <= p < 64q + 64)
      const q = mul(v(`${key}q`, 1n << 46n), CHUNK);
      rules.push(le(q, p), lt(p, add(q, CHUNK)));
      real.push(implies(eqInt(x, 0n), lt(sub(add(p, n), 1n), add(q, CHUNK))));
      if (edges.length) {
        real.push(implies(eqInt(x, 1n), and(lt(q, p), eqInt(edges[0], add(q, CHUNK)), lt(sub(add(p, n), 1n), add(edges[0], CHUNK)))));
      }
      real.push(le(x, 1n));
      slots.push({ id: i, pgoff: p, npages: n, base_gfn: b, extraChunks: x, edges });
    }
    // bind: a view's bindings do not overlap in the file (here in file order), nor its slots in gfns
    for (let i = 0; i + 1 < slots.length; i++) rules.push(le(add(slots[i].pgoff, slots[i].npages), slots[i + 1].pgoff));
    for (let i = 0; i < slots.length; i++) {
      for (let j = i + 1; j < slots.length; j++) {
        const s = slots[i], t = slots[j];
        rules.push(or(le(add(s.base_gfn, s.npages), t.base_gfn), le(add(t.base_gfn, t.npages), s.base_gfn)));
      }
    }
    return { vmType: shape.vmTypes[vi], slots };
  });
  const layout: SymLayout = { filePages: F, pageOrder: shape.pageOrder, views };

  let start: IntVal, end: IntVal, view: number | undefined, bracket: ShapeInputs['bracket'];
  if (shape.op === 'release') {
    // kvm_gmem_release: (0, ULONG_MAX) on the view whose file is closed
    start = 0n;
    end = U64_MAX;
    view = shape.releaseView ?? 0;
  } else if (shape.op === 'memory-failure') {
    // kvm_gmem_error_folio: a folio inside the file, aligned to its size, of order <= 18 (or the file's huge page)
    const s = v('s', LLONG_MAX >> PAGE_SHIFT), nr = v('nr', 1n << BigInt(MAX_FOLIO_ORDER));
    const orders = shape.pageOrder ? [0, shape.pageOrder] : Array.from({ length: MAX_FOLIO_ORDER + 1 }, (_, o) => o);
    const k = v('kS', LLONG_MAX >> PAGE_SHIFT);
    rules.push(lt(s, F), or(...orders.map((o) => and(eqInt(nr, 1n << BigInt(o)), eqInt(s, mul(k, 1n << BigInt(o)))))));
    start = s;
    end = add(s, nr);
  } else {
    const s = v('s', LLONG_MAX >> PAGE_SHIFT), e = v('e', LLONG_MAX >> PAGE_SHIFT, 1n);
    start = s;
    end = e;
    if (shape.op === 'punch') {
      // vfs_fallocate + kvm_gmem_fallocate: offset >= 0, len > 0, offset + len <= LLONG_MAX, both multiples of the inode's page
      rules.push(lt(s, e), le(mul(e, 4096n), LLONG_MAX), multiple(s, huge, 'kS'), multiple(e, huge, 'kE'));
    } else {
      // kvm_gmem_set_attributes: size > 0, page aligned, inside the file; to shared (to private changes nothing)
      rules.push(lt(s, e), le(e, F));
      // alignDown(s, huge) and alignUp(e, huge), as inputs tied to s and e
      const qS = v('qS', LLONG_MAX >> PAGE_SHIFT), qE = v('qE', LLONG_MAX >> PAGE_SHIFT, 1n);
      const lo = mul(qS, huge), hi = mul(qE, huge);
      rules.push(le(lo, s), lt(s, add(lo, huge)), lt(sub(hi, huge), e), le(e, hi));
      // round_down(s) and round_up(e) ((e - 1) | (huge - 1)) + 1 in the variant are these very quotients
      activePath()?.knownDivision(s, huge, qS);
      activePath()?.knownDivision(sub(e, 1n) as Sym, huge, sub(qE, 1n));
      bracket = { start: lo, end: hi };
      if (shape.pageOrder && shape.hugePages) rules.push(le(sub(hi, lo), BigInt(shape.hugePages) * huge));
    }
  }
  return { layout, start, end, ...(view !== undefined ? { view } : {}), ...(bracket ? { bracket } : {}), pre: and(...rules), realistic: and(...real), names };
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
  };
  const page = (x: bigint) => x << PAGE_SHIFT;
  const op: Operation = shape.op === 'release' ? { kind: 'release', ...(shape.releaseView ? { view: shape.releaseView } : {}) }
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
  a.set('kF', c.layout.filePages / huge);
  const range = (s: bigint, e: bigint) => a.set('s', s).set('e', e).set('kS', s / huge).set('kE', e / huge).set('qS', s / huge).set('qE', (e + huge - 1n) / huge);
  if (op.kind === 'punch') range(op.offset >> PAGE_SHIFT, (op.offset + op.len) >> PAGE_SHIFT);
  if (op.kind === 'convert') range(op.offset >> PAGE_SHIFT, (op.offset + op.size) >> PAGE_SHIFT);
  if (op.kind === 'memory-failure') a.set('s', op.index).set('nr', 1n << BigInt(op.order)).set('kS', op.index >> BigInt(op.order));
  return a;
}

