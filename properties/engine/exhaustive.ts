// Exhaustive small scope: every layout of up to 3 slots in a file of N pages (every placement,
// every order of gfn bases, adjacent or gapped) against every punch [s, e) with
// 0 <= s < e <= N + 1, release and every folio, each case checked as the engine checks it
// (execute, then every property). Shardable by layout, so CI machines can split the job.
//
// The symmetry cut. Two layouts equal up to a shift of every gfn, or of every file index (with
// the operation), are the same to a correct variant, and a wrong one can tell them apart only
// where a value is 0 or is not (a `- 1` that wraps below index or gfn 0; a dropped `- pgoff` or
// `base_gfn`, which adds nothing at 0) or where a binding meets an xarray node's edge (a window
// that crosses index 64: there no file shift is cut). So the scope keeps, of each family:
// - the gfns whose lowest is gfn 0 (the slots' order and gaps kept), where a second slot lies
//   off 0 and above or below its file indices; a layout of one slot also at gfn 1, the other
//   side of its file index (base_gfn - pgoff is where a wrong end wraps);
// - the layouts whose lowest binding starts at one of the window's first three indices: at 0
//   for what is wrong at zero; at 1 so that a punch, a release's walk or a folio can start a
//   page below it; at 2 so that one can end a page short of it, with a page of file under that
//   (u-walk-all fails only there).
// What the cut cannot keep is a bug that depends on an absolute value other than 0 and the
// node edges (a comparison with 5, say): the scope's pages are few and small, so a variant
// that misbehaves only at large values is the generated check's to find in any case.
// And a folio whose range a punch of the scope has is that punch to the variant (the caller
// hands both to invalidate_begin/_end as [start, end)), so only the folios that reach past the
// punches are kept. test/exhaustive.test.ts holds the cut against the scope without it, mutant
// by mutant.

import { FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE, MAX_FOLIO_ORDER, Operation } from '../../model/callers';
import { PAGE_SHIFT } from '../../model/layout';
import { phaseName } from '../../model/kvm';
import { Expectation, PropertyId, Variant, expectationOf } from '../../model/variant';
import { VM_TYPES, runsIn } from '../../model/vm';
import { WORD64, Word } from '../../model/word';
import { Case, LayoutSpec, SlotSpec, inVm } from '../case';
import type { Executor, VariantInfo } from './executor';
import { inProcess } from './engine';
import { Outcome } from './execute';
import { PROPERTIES, violations } from '../properties';
import { Shard, WHOLE } from './shard';

export { parseShard, WHOLE } from './shard';
export type { Shard } from './shard';

export interface Scope {
  /** N: the file has N pages past `origin`, and punches end at most at origin + N + 1. */
  readonly maxPages: number;
  readonly maxSlots?: number;
  /** The fewest slots (default 0; the generators never make fewer than 1). */
  readonly minSlots?: number;
  /**
   * The first file index of the window (default 0). A window across index 64, say origin 60,
   * makes bindings of two xarray chunks, which a window at 0 never has for N < 64.
   */
  readonly origin?: bigint;
  /** Every case, without the symmetry cut (see the header): what the cut is held against. */
  readonly uncut?: boolean;
}

export interface ExhaustiveOptions extends Scope {
  readonly shard?: Shard;
  readonly word?: Word;
  /** The properties to check (default: all of them). */
  readonly properties?: readonly PropertyId[];
  /** Stop checking a property at its first failure, and stop when every property has failed. */
  readonly firstFailureOnly?: boolean;
  /**
   * Where the variant runs: its own process (the command's), sent `runMany` batches ahead of
   * the checks; in this process when absent (the variant's functions are needed then).
   */
  readonly exec?: { readonly run: Executor; readonly runMany?: (items: readonly Case[]) => unknown };
}

/** Cases sent to a variant's process at once. */
const BATCH = 512;

/**
 * One property's verdict over the scope, with the fields of the engine's Verdict but seed, path
 * and numShrinks (numRuns is the number of cases this shard checked). A pass proves the property
 * for every case of the scope; a 'fail' expectation is never contradicted by a pass, since the
 * scope may be too small to reach the failure (multi-chunk bindings, say).
 */
export interface ExhaustiveVerdict {
  readonly variant: string;
  readonly property: PropertyId;
  readonly expected: Expectation;
  /** 'not-judged': a property of bind requests, which the scope has none of (never a pass). */
  readonly actual: 'pass' | 'fail' | 'not-judged';
  readonly matches: boolean;
  readonly numRuns: number;
  /** The smallest failing case found (caseSize order), what happened, and why. */
  readonly counterexample?: Outcome;
  readonly violations?: readonly string[];
  readonly harnessError?: string;
  readonly scope: Required<Scope>;
  readonly shard: Shard;
  /** Cases of this shard that violate the property. */
  readonly failures: number;
  /** Of them, cases on which the variant did not finish (a throw, a crash, a hang). */
  readonly crashes: number;
  /** Where the smallest failing case comes in the whole scope's order. */
  readonly at?: CasePlace;
  /** False when firstFailureOnly stopped the enumeration early. */
  readonly complete: boolean;
}

const PUNCH = FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE;

const scopeOf = (s: Scope): Required<Scope> => {
  if (!Number.isInteger(s.maxPages) || s.maxPages < 1) throw new RangeError(`maxPages must be a positive integer, got ${s.maxPages}`);
  return { maxPages: s.maxPages, maxSlots: s.maxSlots ?? 3, minSlots: s.minSlots ?? 0, origin: s.origin ?? 0n, uncut: s.uncut ?? false };
};

/** Every set of minSlots to maxSlots disjoint bindings [pgoff, pgoff + npages) inside [origin, origin + N), in pgoff order. */
export function* placements(scope: Scope): Generator<Array<[pgoff: bigint, npages: bigint]>> {
  const { maxPages, maxSlots, minSlots, origin } = scopeOf(scope);
  const limit = origin + BigInt(maxPages);
  function* from(at: bigint, k: number): Generator<Array<[bigint, bigint]>> {
    if (k === 0) { yield []; return; }
    for (let p = at; p < limit; p++) {
      for (let e = p + 1n; e <= limit; e++) {
        for (const rest of from(e, k - 1)) yield [[p, e - p], ...rest];
      }
    }
  }
  for (let k = minSlots; k <= maxSlots; k++) yield* from(origin, k);
}

function* permutations(n: number): Generator<number[]> {
  if (n <= 1) { yield Array.from({ length: n }, (_, i) => i); return; }
  for (const rest of permutations(n - 1)) {
    for (let at = 0; at <= rest.length; at++) yield [...rest.slice(0, at), n - 1, ...rest.slice(at)];
  }
}

/**
 * The gfn bases that matter for bindings in pgoff order: every order of the slots in gfn
 * space, each next slot adjacent to the previous one or one page after it, the first at gfn 0
 * (or, `lowest` 2, at gfn 0 or 1: the shift the cut leaves out).
 */
export function* gfnPlacements(bindings: ReadonlyArray<readonly [bigint, bigint]>, lowest = 1): Generator<SlotSpec[]> {
  const k = bindings.length;
  for (let first = 0n; first < BigInt(lowest); first++) {
    for (const order of permutations(k)) {
      for (let gaps = 0; gaps < 1 << Math.max(k - 1, 0); gaps++) {
        const bases = new Array<bigint>(k);
        let gfn = first;
        order.forEach((slot, i) => {
          if (i > 0 && gaps & (1 << (i - 1))) gfn += 1n;
          bases[slot] = gfn;
          gfn += bindings[slot][1];
        });
        yield bindings.map(([pgoff, npages], id) => ({ id, pgoff, npages, base_gfn: bases[id] }));
      }
    }
  }
}

/** Whether a shift of the file can be cut: the window lies in one xarray node, where every binding is one chunk wherever it starts. */
const shiftsFreely = (s: Required<Scope>) => !s.uncut && s.origin / 64n === (s.origin + BigInt(s.maxPages) - 1n) / 64n;

/** The placements the scope keeps: with the cut, those whose lowest binding starts at the window's first index or the next. */
function* keptPlacements(s: Required<Scope>): Generator<Array<[bigint, bigint]>> {
  const cut = shiftsFreely(s);
  for (const bindings of placements(s)) if (!cut || bindings.length === 0 || bindings[0][0] <= s.origin + 2n) yield bindings;
}

/** How many lowest gfns a placement of k bindings gets: 0, or 0 and 1 (uncut, or one slot). */
const lowestGfns = (s: Required<Scope>, k: number) => (s.uncut || k === 1 ? 2 : 1);

/** The layouts of the scope: each kept placement in every gfn order. */
export function* layouts(scope: Scope): Generator<LayoutSpec> {
  const s = scopeOf(scope);
  const filePages = s.origin + BigInt(s.maxPages);
  for (const bindings of keptPlacements(s)) {
    for (const slots of gfnPlacements(bindings, lowestGfns(s, bindings.length))) yield { filePages, slots };
  }
}

/**
 * Every punch [s, e) of the window, shortest first, then release, then every folio reaching the
 * window (with the cut, only those that reach past the punches: any other is one of them).
 */
export function* operations(scope: Scope): Generator<Operation> {
  const { maxPages, origin, uncut } = scopeOf(scope);
  const top = BigInt(maxPages) + 1n, filePages = origin + BigInt(maxPages);
  for (let len = 1n; len <= top; len++) {
    for (let s = 0n; s + len <= top; s++) {
      yield { kind: 'punch', mode: PUNCH, offset: (origin + s) << PAGE_SHIFT, len: len << PAGE_SHIFT };
    }
  }
  yield { kind: 'release' };
  for (let order = 0; order <= MAX_FOLIO_ORDER; order++) {
    const nr = 1n << BigInt(order);
    for (let index = 0n; index < filePages; index += nr) {
      const aPunch = index >= origin && index + nr <= origin + top;
      if (index + nr > origin && (uncut || !aPunch)) yield { kind: 'memory-failure', index, order };
    }
  }
}

/**
 * The cases of one shard, layout by layout, each in every VM type the variant runs in (a
 * default VM only before 6.14).
 */
export function* cases(scope: Scope, shard: Shard = WHOLE, space: Pick<Variant, 'vmTypes' | 'takes'> = {}): Generator<Case> {
  for (const { c } of numberedCases(scope, shard, space)) yield c;
}

/** Where a case comes in the whole scope's order: its layout's number, and its place among that layout's cases. */
export type CasePlace = readonly [layout: number, index: number];

/** cases(), each with its place in the whole scope (so that shards' smallest cases are ordered as one scan would meet them). */
function* numberedCases(scope: Scope, shard: Shard, space: Pick<Variant, 'vmTypes' | 'takes'>): Generator<{ c: Case; at: CasePlace }> {
  const ops = [...operations(scope)];
  const vms = runsIn(space.vmTypes);
  let n = -1;
  for (const layout of layouts(scope)) {
    if (++n % shard.count !== shard.index) continue;
    let k = 0;
    for (const vmType of vms) {
      // one spec per layout and VM (and one with its second view), so that their cases share one materialized layout
      const inThisVm = inVm({ layout, op: ops[0] }, vmType).layout;
      const twoViews = space.takes === 'inode' ? withSecondView(inThisVm) : undefined;
      for (const op of ops) {
        yield { c: { layout: inThisVm, op }, at: [n, k++] };
        if (!twoViews) continue;
        yield { c: { layout: twoViews, op }, at: [n, k++] };
        if (op.kind === 'release') yield { c: { layout: twoViews, op: { kind: 'release', view: 1 } }, at: [n, k++] };
      }
    }
  }
}

/** Of two failing cases, the one a report shows: the smaller (caseSize order), else the one met first. */
export function shownFirst(a: { c: Case; at: CasePlace }, b: { c: Case; at: CasePlace }): boolean {
  const size = compareCases(a.c, b.c);
  if (size !== 0) return size < 0;
  return a.at[0] !== b.at[0] ? a.at[0] < b.at[0] : a.at[1] < b.at[1];
}

/**
 * For a variant that takes the inode: the layout with a second VM's view holding the same
 * bindings at the same gfns (each VM has its own gfn space); its cases are every operation, and
 * for a release, the release of either view. The views' other shapes (some bindings, other
 * gfns) are left to the generators.
 */
const withSecondView = (layout: LayoutSpec): LayoutSpec =>
  ({ ...layout, otherViews: [{ slots: layout.slots, ...(layout.vmType ? { vmType: layout.vmType } : {}) }] });

/** How many layouts, operations and cases (in a default VM) the whole scope has, without checking any. */
export function countScope(scope: Scope): { layouts: number; operations: number; cases: number } {
  const s = scopeOf(scope);
  let nLayouts = 0;
  for (const bindings of keptPlacements(s)) nLayouts += layoutsOfPlacement(s, bindings.length);
  let nOps = 0;
  for (const _ of operations(scope)) nOps++;
  return { layouts: nLayouts, operations: nOps, cases: nLayouts * nOps };
}

/**
 * Whether the scope has at least `count` layouts, so that `count` shards each get one (shards
 * split layouts); it stops counting there, so a scope too large to count in full still answers.
 */
export function hasLayouts(scope: Scope, count: number): boolean {
  const s = scopeOf(scope);
  let n = 0;
  for (const bindings of keptPlacements(s)) if ((n += layoutsOfPlacement(s, bindings.length)) >= count) return true;
  return false;
}

/** How many layouts a kept placement of k bindings gives (gfnPlacements): every gfn order, gap choice and lowest gfn. */
function layoutsOfPlacement(s: Required<Scope>, k: number): number {
  let perms = 1;
  for (let i = 2; i <= k; i++) perms *= i;
  return perms * (1 << Math.max(k - 1, 0)) * lowestGfns(s, k);
}

/** How big a case is for a reader: slots, then pages bound, then pages invalidated, then the highest index touched. */
export function caseSize(c: Case): [slots: number, pages: bigint, length: bigint, span: bigint] {
  const slots = c.layout.slots;
  const pages = slots.reduce((n, s) => n + s.npages, 0n);
  const ends = slots.map((s) => s.pgoff + s.npages);
  let length: bigint, last: bigint;
  switch (c.op.kind) {
    case 'punch': length = c.op.len >> PAGE_SHIFT; last = (c.op.offset + c.op.len) >> PAGE_SHIFT; break;
    case 'memory-failure': length = 1n << BigInt(c.op.order); last = c.op.index + length; break;
    case 'release': length = c.layout.filePages; last = c.layout.filePages; break;
    case 'convert': length = c.op.size >> PAGE_SHIFT; last = (c.op.offset + c.op.size) >> PAGE_SHIFT; break;
    case 'bind': length = c.op.memory_size >> PAGE_SHIFT; last = (c.op.guest_memfd_offset >> PAGE_SHIFT) + length; break;
  }
  const span = [last, ...ends].reduce((m, x) => (x > m ? x : m), 0n);
  return [slots.length, pages, length, span];
}

export function compareCases(a: Case, b: Case): number {
  const x = caseSize(a), y = caseSize(b);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  // of two cases of one size, the one with fewer views, then the one in a default VM
  const views = (c: Case) => c.layout.otherViews?.length ?? 0;
  if (views(a) !== views(b)) return views(a) - views(b);
  return VM_TYPES.indexOf(a.layout.vmType ?? 'default') - VM_TYPES.indexOf(b.layout.vmType ?? 'default');
}

interface Tally {
  failures: number;
  /** Cases on which the variant threw (any of them makes the verdict a mismatch, as in engine.ts). */
  crashes: number;
  /** The first case on which the harness itself broke, anywhere in the scope. */
  harnessError?: string;
  smallest?: { c: Case; at: CasePlace; outcome?: Outcome; violations: string[] };
}

/** Checks one variant over the scope (this shard of it); one verdict per property. */
export function checkExhaustive(variant: VariantInfo, opts: ExhaustiveOptions): ExhaustiveVerdict[] {
  const scope = scopeOf(opts);
  const shard = opts.shard ?? WHOLE;
  const word = opts.word ?? WORD64;
  const asked = opts.properties ? PROPERTIES.filter((p) => opts.properties!.includes(p.id)) : PROPERTIES;
  // the scope is of invalidations: a property of its own cases (bind requests) is not judged here
  const props = asked.filter((p) => !p.draws);
  const tallies = new Map(props.map((p) => [p.id, { failures: 0, crashes: 0 } as Tally]));
  let pending = props.length, checked = 0, complete = true;
  const fail = (t: Tally, c: Case, at: CasePlace, found: string[], outcome?: Outcome, harnessError?: string) => {
    if (t.failures++ === 0) pending--;
    if (outcome?.fault) t.crashes++;
    t.harnessError ??= harnessError;
    if (!t.smallest || shownFirst({ c, at }, t.smallest)) t.smallest = { c, at, outcome, violations: found };
  };
  const run: Executor = opts.exec?.run ?? inProcess(variant, word);
  /** A hang stops the scan: the variant runs nothing more, and the case it hung on is every property's failure. */
  let hungOn: Outcome | undefined;
  const one = (c: Case, at: CasePlace) => {
    let o: Outcome;
    try {
      o = run(c);
    } catch (e) {
      checked++;
      const why = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      for (const t of tallies.values()) fail(t, c, at, [why], undefined, why);
      return;
    }
    if (o.fault?.notRun) return;
    checked++;
    if (o.fault?.hang) {
      hungOn = o;
      for (const t of tallies.values()) { t.smallest = undefined; fail(t, c, at, [`${phaseName(o.fault.phase)} did not return: ${o.fault.message}`], o); }
      return;
    }
    for (const p of props) {
      const t = tallies.get(p.id)!;
      if (opts.firstFailureOnly && t.failures > 0) continue;
      const found = violations(p, o);
      if (found.length) fail(t, c, at, found, o);
    }
  };
  // in batches, so that a variant in its own process gets them BATCH at a time
  const all = numberedCases(scope, shard, variant);
  scan: for (;;) {
    const chunk: Array<{ c: Case; at: CasePlace }> = [];
    for (let r = all.next(); !r.done; r = all.next()) if (chunk.push(r.value) === BATCH) break;
    if (chunk.length === 0) break;
    opts.exec?.runMany?.(chunk.map((x) => x.c));
    for (const { c, at } of chunk) {
      if ((opts.firstFailureOnly && pending === 0) || hungOn) { complete = false; break scan; }
      one(c, at);
    }
  }
  return asked.map((p): ExhaustiveVerdict => {
    const expected = expectationOf(variant, p.id);
    const t = tallies.get(p.id);
    if (!t) {
      const why = 'not judged: the exhaustive scope enumerates invalidations; bind requests are judged by the generated check';
      // the mode, not the variant, leaves it unjudged: no mismatch, and never a pass
      return { variant: variant.name, property: p.id, expected, numRuns: 0, scope, shard, failures: 0, crashes: 0, complete, actual: 'not-judged', matches: true, violations: [why] };
    }
    // a shard with no layout of the scope (the command refuses one), or a variant that ran no case: judged nothing, never a pass
    if (checked === 0) return { variant: variant.name, property: p.id, expected, numRuns: 0, scope, shard, failures: 0, crashes: 0, complete, actual: 'not-judged', matches: true, violations: ['not judged: no case of the scope ran (this shard holds none of its layouts)'] };
    const base = { variant: variant.name, property: p.id, expected, numRuns: checked, scope, shard, failures: t.failures, crashes: t.crashes, complete };
    if (!t.smallest) return { ...base, actual: 'pass' as const, matches: true };
    const { outcome, violations: found } = t.smallest;
    const harnessError = t.harnessError;
    return {
      ...base,
      actual: 'fail' as const,
      // the engine's rule: a crash or a broken harness is never the failure a variant expects
      matches: harnessError === undefined && t.crashes === 0 && expected !== 'pass',
      counterexample: outcome,
      at: t.smallest.at,
      violations: found,
      harnessError,
    };
  });
}
