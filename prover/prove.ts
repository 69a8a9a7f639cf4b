// The driver: a variant file, loaded through the transform, explored over every shape of its
// era within the bound, and each path asked, per correctness property, whether some input on it
// violates the property. Proved only when every path of every shape was explored to its end and
// every query answered unsat; a cut path, an undecided flip or an undecided query makes the
// properties it could have refuted unknown, with the reason.

import { CORRECTNESS, Variant } from '../model/variant';
import { violation } from './encode';
import { Harness, Run, explore, loadHarness, pathSmt } from './explore';
import { Bound, FULL_BOUND, Shape, boundWords, shapeWords, shapesFor } from './shapes';
import { Solver } from './solver';
import { CorrectnessId, PropertyProof, VariantProof } from './verdicts';
import { symbolicLoader } from './transform';

export interface ProveOptions {
  readonly bound?: Bound;
  readonly properties?: readonly CorrectnessId[];
  readonly solver: Solver;
  /** Decisions one path may take before it is cut (and its verdicts unknown). */
  readonly maxBranches?: number;
  /** Only the shapes this keeps (npm test proves a few). */
  readonly shapeFilter?: (s: Shape) => boolean;
  /** Called as each shape is done, for progress. */
  readonly onShape?: (shape: Shape, ms: number) => void;
}

/** Loads a variant file symbolically: its default export, with operators routed through the runtime. */
export function loadSymbolicVariant(file: string, load = symbolicLoader()): Variant {
  const v = (load(file) as { default?: Variant }).default;
  if (!v || typeof v.invalidate_begin !== 'function') throw new Error(`${file}: does not default-export a variant`);
  return v;
}

export async function proveVariant(file: string, opts: ProveOptions, loaded?: { variant: Variant; harness: Harness }): Promise<VariantProof> {
  const t0 = performance.now();
  const load = symbolicLoader();
  const variant = loaded?.variant ?? loadSymbolicVariant(file, load);
  const harness = loaded?.harness ?? loadHarness(load);
  const bound = opts.bound ?? FULL_BOUND;
  const ids = opts.properties ?? CORRECTNESS;
  const settled = new Map<CorrectnessId, PropertyProof>();
  /** Why each open property cannot be proved, once something was left undecided. */
  const doubts = new Map<CorrectnessId, string>();
  const queriesBefore = opts.solver.queries;
  let paths = 0;
  const shapes = shapesFor(variant, bound).filter(opts.shapeFilter ?? (() => true));
  const open = () => ids.filter((id) => !settled.has(id));

  for (const shape of shapes) {
    if (open().length === 0) break;
    const ts = performance.now();
    const doubt = (why: string) => { for (const id of open()) if (!doubts.has(id)) doubts.set(id, `${why} (in ${shapeWords(shape)})`); };
    const onPath = async (run: Run) => {
      paths++;
      if (run.cut) doubt(run.cut);
      for (const id of open()) {
        const f = violation(id, run.facts);
        if (f === false) continue;
        // a counterexample lib/xarray.c can make first; then any the bound allows
        let ans = await opts.solver.check(pathSmt(run, run.branches.length, [f, run.inputs.realistic]), run.inputs.names);
        if (ans.status !== 'sat') {
          const loose = await opts.solver.check(pathSmt(run, run.branches.length, [f]), run.inputs.names);
          if (loose.status === 'sat' || ans.status === 'unsat') ans = loose;
        }
        if (ans.status === 'sat') {
          settled.set(id, { property: id, status: 'counterexample', shape, assignment: ans.values, ms: performance.now() - t0, ...(run.abstractions.length ? { abstractions: run.abstractions } : {}) });
        } else if (ans.status === 'unknown') {
          if (!doubts.has(id)) doubts.set(id, `the solver gave up on a path (${ans.reason}) (in ${shapeWords(shape)})`);
        }
      }
    };
    await explore(variant, harness, shape, opts.solver, { onPath, onUnknown: doubt, done: () => open().length === 0 }, opts.maxBranches);
    opts.onShape?.(shape, performance.now() - ts);
  }
  const ms = performance.now() - t0;
  const results = ids.map((id): PropertyProof => settled.get(id) ?? (doubts.has(id)
    ? { property: id, status: 'unknown', reason: doubts.get(id)!, ms }
    : { property: id, status: 'proved', ms }));
  return { variant: variant.name, file, bound: boundWords(variant, bound), shapes: shapes.length, paths, queries: opts.solver.queries - queriesBefore, ms, results };
}
