// The prover held to the engine on concrete inputs (the differential test): generated cases run
// through the transformed variant on the symbolic kernel, every input symbolic and its shadow the
// case's value, must meet the prover's input rules (the rules it proves under are the model's) and
// give, for every property, the violation formula's value that properties/properties.ts gives
// the engine's outcome of the same case. No solver runs: each formula's value on the run's own
// input is known. npm test runs a few hundred cases; `npm run prove -- --self-test` thousands.

import fc from 'fast-check';
import { resolve } from '../model/callers';
import { PROPERTY_IDS } from '../model/variant';
import { WORD64 } from '../model/word';
import { storeRangeChunks } from '../model/xarray';
import { bindCaseArbFor, caseArbFor } from '../properties/arbitraries';
import { Case, materialize } from '../properties/case';
import { execute } from '../properties/engine/execute';
import { property, violations } from '../properties/properties';
import { loadVariantFile } from '../properties/registry';
import { PathFacts, violation } from './encode';
import { loadHarness, runOnce } from './explore';
import { assignmentOf } from './inputs';
import { loadSymbolicVariant } from './prove';
import { Shape } from './shapes';
import { RUN_LIMITS } from './runtime';
import { cBool } from './term';
import { symbolicLoader } from './transform';

/** The chunk edges lib/xarray.c gives a binding: the first index of each chunk after the first. */
const edgesOf = (p: bigint, n: bigint) => storeRangeChunks(p, p + n - 1n).slice(1).map(([first]) => first);

/** The shape a case lies in, or null when neither the invalidation nor kvm_gmem_bind() sees it (the caller refused it). */
export function shapeOf(c: Case): Shape | null {
  const views = [c.layout, ...(c.layout.otherViews ?? [])];
  const r = resolve(materialize(c.layout), c.op, WORD64);
  const chunks = Math.max(1, ...views.flatMap((v) => v.slots.map((s) => edgesOf(s.pgoff, s.npages).length + 1)));
  const era = c.layout.bindEra ? { bindEra: c.layout.bindEra } : {};
  if (r.kind === 'bind') return { slots: [c.layout.slots.length], vmTypes: ['default'], chunks, pageOrder: 0, op: 'bind', ...era };
  if (r.kind !== 'invalidate') return null;
  return {
    ...era,
    slots: views.map((v) => v.slots.length), vmTypes: views.map((v) => v.vmType ?? 'default'), chunks, pageOrder: c.layout.pageOrder ?? 0,
    op: c.op.kind as Shape['op'], ...(c.op.kind === 'release' && r.view ? { releaseView: r.view } : {}),
    ...(c.op.kind === 'convert' && c.layout.pageOrder ? { hugePages: 1 << 20 } : {}),
  };
}

export interface SelfTestOptions {
  readonly cases: number;
  readonly seed: number;
  /** The runtime the variant's transformed code calls (a deliberately broken one, to show the test fails). */
  readonly runtime?: string;
  /** A change to what the symbolic kernel recorded, before the properties read it (likewise). */
  readonly facts?: (f: PathFacts) => PathFacts;
}

export interface SelfTestResult {
  /** Cases the invalidation sees, run both ways. */
  readonly compared: number;
  /** Each disagreement, in words; a case cut short or outside the input rules is one too. */
  readonly differences: readonly string[];
}

const show = (c: Case) => JSON.stringify(c, (_, v) => (typeof v === 'bigint' ? `${v}` : v));

/** Runs `cases` generated cases of the variant file both ways and lists where they disagree. */
export function selfTest(file: string, opts: SelfTestOptions): SelfTestResult {
  const load = symbolicLoader(require, opts.runtime);
  const harness = loadHarness(load);
  const concrete = loadVariantFile(file);
  const symbolic = loadSymbolicVariant(file, load);
  const differences: string[] = [];
  let compared = 0;
  // the invalidation cases of its era, and as many bind requests when it has a kvm_gmem_bind()
  const cases = [...fc.sample(caseArbFor(concrete), { numRuns: opts.cases, seed: opts.seed }), ...(concrete.bind ? fc.sample(bindCaseArbFor(concrete), { numRuns: opts.cases, seed: opts.seed }) : [])];
  for (const c of cases) {
    const shape = shapeOf(c);
    if (!shape) continue;
    compared++;
    const run = runOnce(symbolic, harness, shape, assignmentOf(shape, c, edgesOf)!, { ...RUN_LIMITS, decisions: 100_000 });
    if (run.cut) { differences.push(`${concrete.name}: the symbolic run was cut (${run.cut}) on ${show(c)}`); continue; }
    if (!cBool(run.inputs.pre)) { differences.push(`${concrete.name}: a case the model accepts breaks the prover's input rules: ${show(c)}`); continue; }
    const facts = opts.facts ? opts.facts(run.facts) : run.facts;
    const outcome = execute(concrete, c);
    for (const id of PROPERTY_IDS) {
      const engine = violations(property(id), outcome).length > 0;
      const prover = cBool(violation(id, facts));
      if (engine !== prover) differences.push(`${concrete.name} ${id}: engine ${engine ? 'fails' : 'passes'}, prover ${prover ? 'fails' : 'passes'} on ${show(c)}`);
    }
  }
  return { compared, differences };
}
