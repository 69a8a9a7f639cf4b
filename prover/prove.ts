// The driver: a variant file, loaded through the transform, explored over every shape of its
// era within the bound, and each path asked, per correctness property, whether some input on it
// violates the property. Proved only when every path of every shape was explored to its end and
// every query answered unsat; a cut path, an undecided flip or an undecided query makes the
// properties it could have refuted unknown, with the reason.

import { PROPERTY_IDS, PropertyId, Variant } from '../model/variant';
import { notJudged, property } from '../properties/properties';
import { threwAtImport } from '../properties/registry';
import { Witnesses, violation } from './encode';
import { ExploreLimits, Harness, Run, explore, loadHarness, pathQuery } from './explore';
import { Bound, FULL_BOUND, Shape, boundWords, shapeWords, shapesFor } from './shapes';
import { Solver } from './solver';
import { PropertyProof, VariantProof } from './verdicts';
import { symbolicLoader } from './transform';
import { BoolVal, and, boolSmt } from './term';

export interface ProveOptions {
  readonly bound?: Bound;
  readonly properties?: readonly PropertyId[];
  readonly solver: Solver;
  /** How far a shape's exploration may go before it is cut (and its verdicts unknown). */
  readonly limits?: ExploreLimits;
  /** Only the shapes this keeps (npm test proves a few). */
  readonly shapeFilter?: (s: Shape) => boolean;
  /** Called as each shape is done, for progress. */
  readonly onShape?: (shape: Shape, ms: number) => void;
}

/** What the prover judges: every property; bind-within-file only a variant with a bind() (else not judged, never a pass). */
export const PROVER_PROPERTIES: readonly PropertyId[] = PROPERTY_IDS;

/** Loads a variant file symbolically: its default export, with operators routed through the runtime. */
export function loadSymbolicVariant(file: string, load = symbolicLoader()): Variant {
  let mod: { default?: Variant };
  try {
    mod = load(file) as { default?: Variant };
  } catch (e) {
    // what its top-level code throws is the file's fault, said as the check says it
    throw new Error(`${file}: ${threwAtImport(e)}`);
  }
  const v = mod.default;
  if (!v || typeof v.invalidate_begin !== 'function') throw new Error(`${file}: does not default-export a variant`);
  return v;
}

export async function proveVariant(file: string, opts: ProveOptions, loaded?: { variant: Variant; harness: Harness }): Promise<VariantProof> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage(), solverCpu0 = opts.solver.cpuMs;
  const load = symbolicLoader();
  const variant = loaded?.variant ?? loadSymbolicVariant(file, load);
  const harness = loaded?.harness ?? loadHarness(load);
  const bound = opts.bound ?? FULL_BOUND;
  const ids = opts.properties ?? PROVER_PROPERTIES;
  const settled = new Map<PropertyId, PropertyProof>();
  /** Why each open property cannot be proved, once something was left undecided. */
  const doubts = new Map<PropertyId, string>();
  /** The doubts that are the prover's own fault. */
  const bugs = new Set<PropertyId>();
  const queriesBefore = opts.solver.queries, cachedBefore = opts.solver.cached;
  let paths = 0;
  for (const id of ids) {
    const why = notJudged(property(id), variant);
    if (why) settled.set(id, { property: id, status: 'not-judged', reason: why, ms: 0 });
  }
  const shapes = shapesFor(variant, bound).filter(opts.shapeFilter ?? (() => true));
  const open = () => ids.filter((id) => !settled.has(id));

  for (const shape of shapes) {
    if (open().length === 0) break;
    // a bind shape is judged by bind-within-file only, an invalidation shape by the others
    const judgedHere = () => open().filter((id) => (id === 'bind-within-file') === (shape.op === 'bind'));
    if (!judgedHere().length) continue;
    const ts = performance.now();
    // what a shape leaves undecided casts doubt on its own properties only
    /** A query of this shape the solver gave up on: the rest of the shape is not explored. */
    let gaveUp = false;
    const doubt = (why: string) => { for (const id of judgedHere()) if (!doubts.has(id)) doubts.set(id, `${why} (in ${shapeWords(shape)})`); };
    const onPath = async (run: Run) => {
      paths++;
      // a run cut short recorded only part of what the variant does: nothing it shows may be a counterexample
      if (run.cut) return doubt(run.cut);
      // one query for every open property the path may violate; a model says which it violates
      const w = new Witnesses();
      let asked = open().map((id) => ({ id, f: violation(id, run.facts, w) })).filter((x) => x.f !== false);
      while (asked.length) {
        const flags = asked.map((_, i) => `pv${i}`);
        // pv_i implies property i's violation (its witnesses are free names: no equivalence), and one holds
        const goal = `${w.decls()}${asked.map((x, i) => `(declare-fun ${flags[i]} () Bool)(assert (=> ${flags[i]} ${boolSmt(x.f)}))`).join('')}(assert (or ${flags.join(' ')}))`;
        const q = pathQuery(run, run.branches.length, [], flags);
        const ans = await opts.solver.check({ ...q, goal: `${q.goal}${goal}` });
        if (ans.status === 'unsat') break;
        if (ans.status === 'unknown') {
          // the shape's exploration ends here: every property it judges is in doubt, not only those this path might violate
          doubt(`the solver gave up on a path (${ans.reason})`);
          gaveUp = true;
          break;
        }
        const violated = asked.filter((_, i) => ans.flags.get(flags[i]) === true);
        if (violated.length === 0) throw new Error('prover: a model of "some property is violated" violates none of them');
        for (const { id, f } of violated) {
          // a counterexample lib/xarray.c can make, the smallest of its kind if the path has one; else the model's
          const ask = (extra: BoolVal) => opts.solver.check({ ...q, flags: [], goal: `${q.goal}${w.decls()}(assert ${boolSmt(f)})(assert ${boolSmt(extra)})` });
          let real = run.inputs.prefer === true ? undefined : await ask(and(run.inputs.realistic, run.inputs.prefer));
          if (real?.status !== 'sat') real = await ask(run.inputs.realistic);
          const values = real.status === 'sat' ? real.values : ans.values;
          settled.set(id, { property: id, status: 'counterexample', shape, assignment: values, ms: performance.now() - t0, ...(run.abstractions.length ? { abstractions: run.abstractions } : {}) });
        }
        asked = asked.filter((x) => !settled.has(x.id));
      }
    };

    const onBug = (why: string) => { for (const id of judgedHere()) if (!doubts.has(id)) bugs.add(id); doubt(why); };
    await explore(variant, harness, shape, opts.solver, { onPath, onUnknown: doubt, onBug, done: () => gaveUp || open().length === 0 }, opts.limits);
    opts.onShape?.(shape, performance.now() - ts);
  }
  const ms = performance.now() - t0;
  const results = ids.map((id): PropertyProof => settled.get(id) ?? (doubts.has(id)
    ? { property: id, status: 'unknown', reason: doubts.get(id)!, ms, ...(bugs.has(id) ? { proverBug: true } : {}) }
    : { property: id, status: 'proved', ms }));
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000 + opts.solver.cpuMs - solverCpu0;
  return { variant: variant.name, file, bound: boundWords(variant, bound), shapes: shapes.length, paths, queries: opts.solver.queries - queriesBefore, cached: opts.solver.cached - cachedBefore, ms, cpuMs, results };
}
