// The properties of properties/properties.ts as formulas over one path: each is the condition
// under which that path violates it. "Some gfn is in these ranges and in none of those" (a stale
// mapping, a collateral unmap, a gfn left out of the invalidation's ranges) needs no quantifier:
// the least such gfn is a start of the first ranges or an end of the second, so the formula
// tries those points. Every formula has a concrete value on the run's own input too, which is
// what test/prove-differential.test.ts holds to properties.ts's verdicts.

import { ERRNO_NUMBERS, errnoName } from '../model/errno';
import { memoryRoot } from '../model/vm';
import { PropertyId } from '../model/variant';
import { SymBindRequest } from './inputs';
import { SymEvent, SymLayout, SymStore } from './kernel';
import { BoolVal, IntVal, Sym, add, and, cInt, eqInt, ge, isSym, le, lt, not, or, sub } from './term';

/** What the reference says one slot of one view must lose, on this path. */
export interface SymExpected {
  readonly view: number;
  readonly slot: { readonly id: number };
  readonly gfns: { readonly start: IntVal; readonly end: IntVal };
}

export interface PathFacts {
  readonly layout: SymLayout;
  readonly events: readonly SymEvent[];
  readonly expected: readonly SymExpected[];
  /** The conversion's bracket, as the reference must cover it (bracketCoverage). */
  readonly bracketExpected?: readonly SymExpected[];
  /** The variant did not finish the path: every property of the path's kind fails on it. */
  readonly fault?: string;
  /** A bind shape's path: the request, what kvm_gmem_bind() returned (absent if it did not) and stored. */
  readonly bind?: SymBindFacts;
}

export interface SymBindFacts {
  readonly request: SymBindRequest;
  readonly ret?: number;
  /** slot->gmem.pgoff as the body left it. */
  readonly pgoff?: IntVal;
  readonly stores: readonly SymStore[];
}

type Unmap = Extract<SymEvent, { op: 'unmap' }>;
type Range = { start: IntVal; end: IntVal };

const inside = (x: IntVal, r: Range): BoolVal => and(le(r.start, x), lt(x, r.end));

/**
 * The integers a violation formula says exist (a stale gfn, a collateral one): each a fresh name
 * the solver chooses, declared in the query that asks. A formula with witnesses holds only where
 * it is asserted, never under a negation.
 */
export class Witnesses {
  private readonly names: string[] = [];
  constructor(private readonly prefix = 'w') {}
  fresh(): Sym {
    const n = `${this.prefix}${this.names.length}`;
    this.names.push(n);
    return new Sym('Int', n, 0n);
  }
  decls(): string {
    return this.names.map((n) => `(declare-fun ${n} () Int)`).join('');
  }
}

/**
 * Some integer lies in a range of `plus` and in none of `minus`: a witness the solver picks (a
 * formula linear in the ranges, where trying every candidate point was quadratic and measured
 * slower). Its value on the run's own input is computed on the candidates: the least such
 * integer is a start of `plus` or an end of `minus`.
 */
export function someIn(plus: readonly Range[], minus: readonly Range[], w: Witnesses): BoolVal {
  const holds = (x: IntVal, ps: readonly Range[], ms: readonly Range[]) => and(or(...ps.map((r) => inside(x, r))), ...ms.map((m) => not(inside(x, m))));
  const shadow = (r: Range): Range => ({ start: cInt(r.start), end: cInt(r.end) });
  const [ps, ms] = [plus.map(shadow), minus.map(shadow)];
  const known = [...ps.map((r) => r.start), ...ms.map((m) => m.end)].some((x) => holds(x, ps, ms) === true);
  if (![...plus, ...minus].some((r) => isSym(r.start) || isSym(r.end))) return known;
  const t = holds(w.fresh(), plus, minus);
  return isSym(t) ? new Sym('Bool', t.smt, known) : t;
}

/** Per view, as properties.ts judges (diff.ts viewOutcomes): the events made on its VM. */
const eventsOf = (f: PathFacts, view: number) => f.events.filter((e) => e.view === view);

function unmapsReaching(f: PathFacts, view: number): Unmap[] {
  const root = memoryRoot(f.layout.views[view].vmType);
  return eventsOf(f, view).filter((e): e is Unmap => e.op === 'unmap' && (!e.roots || e.roots.includes(root)));
}

/** diff.ts: per slot of each view, a gfn expected and not unmapped in time (stale), or unmapped and not expected (collateral). */
function slotDiffs(f: PathFacts, kind: 'stale' | 'collateral', w: Witnesses): BoolVal {
  const out: BoolVal[] = [];
  f.layout.views.forEach((v, view) => {
    const unmaps = unmapsReaching(f, view);
    const ids = new Set<number>([...f.expected.filter((e) => e.view === view).map((e) => e.slot.id), ...unmaps.map((u) => u.slot)]);
    for (const id of ids) {
      const expected = f.expected.filter((e) => e.view === view && e.slot.id === id).map((e) => e.gfns);
      const mine = unmaps.filter((u) => u.slot === id);
      out.push(kind === 'stale' ? someIn(expected, mine.filter((u) => u.phase !== 'end'), w) : someIn(mine, expected, w));
    }
  });
  return or(...out);
}

function wellFormed(f: PathFacts): BoolVal {
  return or(...f.layout.views.flatMap((v, view) => eventsOf(f, view).filter((e): e is Unmap => e.op === 'unmap').map((u) => {
    const s = v.slots.find((x) => x.id === u.slot)!;
    return or(lt(u.end, u.start), and(le(u.start, u.end), le(u.end, u.start)), lt(u.start, s.base_gfn), lt(add(s.base_gfn, s.npages), u.end));
  })));
}

/** properties.ts bookkeeping(), replayed over one view's symbolic log. */
function bookkeeping(events: readonly SymEvent[]): BoolVal {
  const bad: BoolVal[] = [];
  let locked = false, inProgress = 0;
  let flushDue: BoolVal = false;
  // the hull of the ranges added since the count left 0, kept as the ranges: min <= x and x <= max as disjunctions
  let added: Range[] | null = null;
  const need = (ok: BoolVal) => bad.push(not(ok));
  const phaseEnd = () => {
    if (locked) bad.push(true);
    bad.push(flushDue);
    flushDue = false;
  };
  events.forEach((e, i) => {
    switch (e.op) {
      case 'lock': need(!locked); locked = true; break;
      case 'unlock': need(locked); need(not(flushDue)); locked = false; flushDue = false; break;
      case 'invalidate_begin': need(locked); if (++inProgress === 1) added = null; break;
      case 'invalidate_end': need(locked); need(inProgress > 0); inProgress--; break;
      case 'range_add':
        need(locked);
        need(inProgress > 0);
        added = [...(added ?? []), { start: e.start, end: e.end }];
        break;
      case 'unmap': {
        need(e.phase !== 'end');
        need(locked);
        need(inProgress > 0);
        const a: Range[] | null = added;
        need(or(ge(e.start, e.end), a ? and(or(...a.map((r) => le(r.start, e.start))), or(...a.map((r) => le(e.end, r.end)))) : false));
        if (e.flush !== false) flushDue = or(flushDue, e.flush);
        break;
      }
      case 'flush': flushDue = false; break;
      case 'warn': break;
    }
    const next = events[i + 1];
    if (next === undefined || next.phase !== e.phase) phaseEnd();
  });
  if (inProgress !== 0) bad.push(true);
  return or(...bad);
}

/** properties.ts no-redundant-unmap: two non-empty unmaps of one view meet (whatever their roots). */
function twice(events: readonly SymEvent[]): BoolVal {
  const us = events.filter((e): e is Unmap => e.op === 'unmap');
  return or(...us.flatMap((a, i) => us.slice(i + 1).map((b) => and(lt(a.start, a.end), lt(b.start, b.end), lt(a.start, b.end), lt(b.start, a.end)))));
}

/** properties.ts bracketCoverage(): every gfn the converted huge pages back is in some range added. */
function bracketCoverage(f: PathFacts, view: number, w: Witnesses): BoolVal {
  if (!f.bracketExpected) return false;
  const adds = eventsOf(f, view).filter((e): e is Extract<SymEvent, { op: 'range_add' }> => e.op === 'range_add');
  return or(...f.bracketExpected.filter((n) => n.view === view).map((need) => someIn([need.gfns], adds, w)));
}

/**
 * The condition under which this path violates property `id`; the integers it says exist are
 * `w`'s names, so it may only be asserted, never negated.
 */
export function violation(id: PropertyId, f: PathFacts, w: Witnesses = new Witnesses()): BoolVal {
  // a bind request is judged by bind-within-file only, and an invalidation by the others (as the engine draws them)
  if ((id === 'bind-within-file') !== (f.bind !== undefined)) return false;
  if (f.fault !== undefined) return true;
  switch (id) {
    case 'no-stale-mapping': return slotDiffs(f, 'stale', w);
    case 'no-collateral-unmap': return slotDiffs(f, 'collateral', w);
    case 'ranges-well-formed': return wellFormed(f);
    case 'no-warn': return f.events.some((e) => e.op === 'warn');
    case 'mmu-bookkeeping': return or(...f.layout.views.map((_, view) => or(bookkeeping(eventsOf(f, view)), bracketCoverage(f, view, w))));
    case 'no-redundant-unmap': return or(...f.layout.views.map((_, view) => twice(eventsOf(f, view))));
    case 'bind-within-file': return bindWrong(f.layout, f.bind!);
  }
}

/**
 * properties.ts bindViolations(): an accepted binding must lie wholly inside the file, over no
 * other binding of the view, be the one asked for and be the only store; the reference
 * (model/rules.ts kvmGmemBindExpected, run symbolically in prover/inputs.ts) must accept it; a
 * refusal must store nothing and carry the reference's errno.
 */
function bindWrong(layout: SymLayout, b: SymBindFacts): BoolVal {
  const r = b.request;
  if (b.ret === undefined) return true;
  if (b.ret > 0) return true;
  if (b.ret < 0) {
    if (b.stores.length) return true;
    const name = errnoName(-b.ret);
    const same = name in ERRNO_NUMBERS ? r.refuse.get(name) ?? false : false;
    return or(r.accept, not(same));
  }
  if (b.stores.length !== 1 || b.stores[0].slot !== r.id) return true;
  const s = b.stores[0];
  const outside = or(lt(s.last, s.first), ge(s.last, layout.filePages));
  const over = or(...layout.views[0].slots.map((o) => and(le(s.first, s.last), lt(s.first, add(o.pgoff, o.npages)), le(o.pgoff, s.last))));
  const notAsked = and(r.accept, or(not(eqInt(s.first, r.pgoff)), not(eqInt(s.last, sub(add(r.pgoff, r.npages), 1n)))));
  const pgoff = not(eqInt(b.pgoff ?? 0n, s.first));
  return or(outside, over, not(r.accept), notAsked, pgoff);
}
