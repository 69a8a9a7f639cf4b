// Concolic exploration of one variant over one shape: run it on a concrete input with symbolic
// shadows, record each decision on a symbolic condition, then ask the solver for an input that
// keeps the first j decisions and flips the next; run that, and so on (a depth-first
// generational search), so every feasible path is run exactly once. A path cut short (a limit,
// an unsupported construct) or a flip the solver could not decide is reported, never dropped; a
// limit (decisions or loop iterations per run, paths per shape: counts, never time) ends the shape.

import path from 'path';
import type { Resolved } from '../model/callers';
import type { Memslot } from '../model/layout';
import type { overlapGfns as OverlapGfns } from '../model/reference';
import type { Variant } from '../model/variant';
import type { NewMemslot } from '../model/kernel';
import type { callsOf as CallsOf } from '../properties/engine/execute';
import { VariantFault } from '../model/kvm';
import { PathFacts, SymExpected } from './encode';
import { Assignment, ShapeInputs, SymBindRequest, inputsOf } from './inputs';
import { SymLayout, SymMachine, makeSymKernel } from './kernel';
import { Branch, Path, PathCut, RUN_LIMITS, RunLimits, mostFrequent, onPath } from './runtime';
import { Shape } from './shapes';
import { Answer, Query, Solver } from './solver';
import { BoolVal, IntVal, Sym, Unsupported, boolSmt } from './term';
import { symbolicLoader } from './transform';

export interface Run {
  readonly inputs: ShapeInputs;
  readonly branches: readonly Branch[];
  readonly defs: readonly string[];
  readonly abstractions: readonly string[];
  /** rulesLevel(inputs), once per run. */
  readonly rules: string;
  readonly facts: PathFacts;
  /** Why the run stopped before its end, where. */
  readonly cut?: string;
  /** The cut was a limit of the run's (RunLimits), not a construct the runtime cannot follow. */
  readonly limited?: boolean;
}

/** The harness's own code a run needs, loaded through the transform so its arithmetic takes symbols. */
export interface Harness {
  readonly overlapGfns: typeof OverlapGfns;
  readonly callsOf: typeof CallsOf;
}

export function loadHarness(load: (file: string) => unknown = symbolicLoader()): Harness {
  const root = path.resolve(__dirname, '..');
  const ref = load(path.join(root, 'model', 'reference.ts')) as { overlapGfns: typeof OverlapGfns };
  const exec = load(path.join(root, 'properties', 'engine', 'execute.ts')) as { callsOf: typeof CallsOf };
  return { overlapGfns: ref.overlapGfns, callsOf: exec.callsOf };
}

/**
 * What the reference says each slot of each view must lose (model/reference.ts overlapGfns(), a
 * formula: a slot the range misses gets an empty range, which no property counts, so the run
 * takes no decision of the reference's own): in every view, or in the one a release closes.
 */
function expectedOf(h: Harness, layout: SymLayout, start: IntVal, end: IntVal, only?: number): SymExpected[] {
  return layout.views.flatMap((v, view) => (only === undefined || only === view
    ? v.slots.map((s) => ({ view, slot: { id: s.id }, gfns: h.overlapGfns({ id: s.id, pgoff: s.pgoff, npages: s.npages, base_gfn: s.base_gfn } as Memslot, start as bigint, end as bigint) }))
    : []));
}

/** One run of `variant` on shape `shape` at input `a`. */
export function runOnce(variant: Variant, h: Harness, shape: Shape, a: Assignment, limits: RunLimits): Run {
  const p = new Path(limits);
  return onPath(p, () => {
    const inputs = inputsOf(shape, a);
    let expected: SymExpected[] = [];
    let bracketExpected: SymExpected[] | undefined;
    let fault: string | undefined, cut: string | undefined, limited = false;
    const machine = makeSymKernel(inputs.layout);
    let bound: { ret: number; pgoff: IntVal } | undefined;
    try {
      if (inputs.bind) bound = bindOnce(variant, machine, inputs.bind);
      else invalidate();
    } catch (e) {
      if (e instanceof Unsupported) cut = `unsupported: ${e.message}${e.where ? ` at ${e.where}` : p.at ? ` near ${p.at}` : ''}`;
      else if (!(e instanceof PathCut)) fault = `${machine.recorder.phase}: ${e instanceof VariantFault || e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
    }
    // a limit passed cuts the run even if the variant caught the PathCut and went on
    if (p.passed) {
      cut = `cut: ${p.passed.message}${p.passed.where ? ` at ${p.passed.where}` : ''}`;
      limited = true;
    }
    function invalidate() {
      expected = expectedOf(h, inputs.layout, inputs.start, inputs.end, inputs.view);
      if (inputs.bracket) bracketExpected = expectedOf(h, inputs.layout, inputs.bracket.start, inputs.bracket.end);
      const resolved = {
        kind: 'invalidate', start: inputs.start, end: inputs.end,
        ...(inputs.view !== undefined && shape.op === 'release' ? { view: inputs.view } : {}),
        ...(inputs.bracket ? { convert: { toPrivate: false, bracket: inputs.bracket } } : {}),
      } as unknown as Extract<Resolved, { kind: 'invalidate' }>;
      const { steps } = h.callsOf(variant, machine as never, resolved, (ph) => { machine.recorder.phase = ph; });
      for (const step of steps) {
        machine.recorder.phase = step.phase;
        step.run(inputs.start as bigint, inputs.end as bigint);
      }
    }
    const facts: PathFacts = {
      layout: inputs.layout, events: machine.log.events, expected, ...(bracketExpected ? { bracketExpected } : {}), ...(fault !== undefined ? { fault } : {}),
      ...(inputs.bind ? { bind: { request: inputs.bind, stores: machine.stores, ...(bound ?? {}) } } : {}),
    };
    return { inputs, branches: [...p.branches], defs: [...p.defs], abstractions: [...p.abstractions], rules: rulesLevel(inputs), facts, ...(cut ? { cut } : {}), ...(limited ? { limited } : {}) };
  });
}

/** A bind shape's run: the variant's kvm_gmem_bind() on the new slot, as properties/engine/execute.ts executeBind() calls it. */
function bindOnce(variant: Variant, machine: SymMachine, r: SymBindRequest): { ret: number; pgoff: IntVal } {
  machine.recorder.phase = 'bind';
  if (!variant.bind) throw new Error('the variant has no bind(): it cannot be given a bind request');
  const slot = { id: r.id, base_gfn: r.base_gfn, npages: r.npages, gmem: { pgoff: 0n as IntVal } };
  const ret = variant.bind(machine.kernel, slot as NewMemslot, r.offset as bigint);
  if (typeof ret !== 'number' || !Number.isSafeInteger(ret)) throw new Error(`kvm_gmem_bind() must return an int, got ${typeof ret}`);
  return { ret, pgoff: slot.gmem.pgoff };
}

/** The shape's inputs and their rules: the first level of every query on the shape. */
export const rulesLevel = (inputs: ShapeInputs): string => `${inputs.names.map((n) => `(declare-fun ${n} () Int)`).join('')}${inputs.defs.join('')}(assert ${boolSmt(inputs.pre)})`;

/**
 * The query whether some input takes the run's first `upTo` decisions and meets `extra`: the
 * rules and the path's definitions as levels the solver keeps between the queries of one path
 * (each definition names a total function of the inputs, so all of them may stand beside a prefix).
 */
export function pathQuery(run: Run, upTo = run.branches.length, extra: readonly BoolVal[] = [], flags: readonly string[] = []): Query {
  const taken = run.branches.slice(0, upTo).map((b) => `(assert ${b.taken ? b.smt : `(not ${b.smt})`})`).join('');
  return {
    levels: [run.rules, run.defs.join('')],
    goal: `${taken}${extra.map((x) => `(assert ${boolSmt(x)})`).join('')}`,
    names: run.inputs.names,
    flags,
  };
}

export interface ExploreEvents {
  /** Each path, once run; the explorer waits for it before flipping its decisions. */
  onPath(run: Run): Promise<void>;
  /** A flip the solver could not decide: the paths beyond it are unexplored. */
  onUnknown(reason: string): void;
  /** The prover disagreeing with itself (a run off the path its formulas chose, with nothing to excuse it): unknown, and a prover bug. */
  onBug(reason: string): void;
  /** Stop early: every property is settled. */
  done(): boolean;
}

/** How far the exploration of one shape may go: each run's limits, and how many paths it runs. */
export interface ExploreLimits extends RunLimits {
  readonly paths: number;
}

/** A shipped variant runs at most 52 paths on one shape at the full bound (buggy's two slots). */
export const EXPLORE_LIMITS: ExploreLimits = { ...RUN_LIMITS, paths: 200 };

/**
 * Every feasible path of `variant` over `shape`; false if the shape's rules admit no input at
 * all. A run cut by a limit, or a path past the shape's limit, ends the shape: it can no longer
 * be proved, and a loop that outruns the bound makes a path of every trip count, each flip of its
 * condition a query longer than the one before (the counterexamples on the paths already run stand).
 */
export async function explore(variant: Variant, h: Harness, shape: Shape, solver: Solver, ev: ExploreEvents, limits: ExploreLimits = EXPLORE_LIMITS): Promise<boolean> {
  const empty = inputsOf(shape, new Map());
  const first = await solver.check({ levels: [rulesLevel(empty)], goal: '', names: empty.names });
  if (first.status !== 'sat') {
    if (first.status === 'unknown') ev.onUnknown(`the shape's input rules: ${first.reason}`);
    return false;
  }
  const stack: Array<{ a: Assignment; bound: number; expect?: readonly Branch[]; through?: readonly string[] }> = [{ a: first.values, bound: 0 }];
  let paths = 0;
  /** The place one path decided most often: a loop's condition, if a loop multiplies the paths. */
  let busiest = { where: '', n: 0 };
  while (stack.length && !ev.done()) {
    if (paths++ === limits.paths) {
      ev.onUnknown(`cut: the shape passed ${limits.paths} paths (a loop whose trip count the bound does not limit?), one of them deciding ${busiest.n} times at ${busiest.where}`);
      break;
    }
    const { a, bound, expect, through } = stack.pop()!;
    const run = runOnce(variant, h, shape, a, limits);
    const here = mostFrequent(run.branches.map((b) => b.where));
    if (here.n > busiest.n) busiest = here;
    if (expect && !expect.every((b, i) => run.branches[i]?.smt === b.smt && run.branches[i]?.taken === b.taken)) {
      if (process.env.PROVER_DEBUG) process.stderr.write(`diverged: ${JSON.stringify([...a].map(([k, x]) => `${k}=${x}`))}\n${JSON.stringify(expect.slice(0, 3))}\n${JSON.stringify(run.branches.slice(0, 3))}\n`);
      const at = expect.findIndex((b, i) => run.branches[i]?.smt !== b.smt || run.branches[i]?.taken !== b.taken);
      // an over-approximated operation's formula admits values its concrete result does not: a model may lead elsewhere
      const approx = [...new Set([...(through ?? []), ...run.abstractions])];
      if (approx.length) ev.onUnknown(`a run left the path the solver chose for it (at decision ${at}) after an over-approximation (${approx.join('; ')}): the paths beyond it are unexplored`);
      else ev.onBug(`a run left the path the solver chose for it (at decision ${at}): a prover bug`);
      continue;
    }
    await ev.onPath(run);
    if (run.limited) break;
    for (let j = run.branches.length - 1; j >= bound && !ev.done(); j--) {
      const flip = run.branches[j];
      const ans: Answer = await solver.check(pathQuery(run, j, [flipped(flip)]));
      if (ans.status === 'sat') stack.push({ a: ans.values, bound: j + 1, expect: [...run.branches.slice(0, j), { ...flip, taken: !flip.taken }], through: run.abstractions });
      else if (ans.status === 'unknown') {
        ev.onUnknown(`deciding "${flip.where}" the other way: ${ans.reason}`);
        // the shape is unknown already, and each further query as hard costs the limit again
        return true;
      }
    }
  }
  return true;
}

const flipped = (b: Branch): BoolVal => new Sym('Bool', b.taken ? `(not ${b.smt})` : b.smt, !b.taken);
