// The prover held to the engine on concrete inputs: generated cases run through the transformed
// variant on the symbolic kernel, with every input symbolic and its shadow the case's value, must
// meet the prover's input rules (the rules it proves under are the model's) and give, for every
// correctness property, the violation formula's value that properties/properties.ts gives the
// engine's outcome of the same case. No solver runs here: each formula's value on the run's own
// input is known. FC_SEED chooses the cases, as in every suite.

import fc from 'fast-check';
import { resolve } from '../model/callers';
import { CORRECTNESS } from '../model/variant';
import { WORD64 } from '../model/word';
import { storeRangeChunks } from '../model/xarray';
import { violation } from '../prover/encode';
import { loadHarness, runOnce } from '../prover/explore';
import { assignmentOf } from '../prover/inputs';
import { loadSymbolicVariant } from '../prover/prove';
import { Shape } from '../prover/shapes';
import { cBool } from '../prover/term';
import { symbolicLoader } from '../prover/transform';
import { caseArbFor } from '../properties/arbitraries';
import { Case, materialize } from '../properties/case';
import { execute } from '../properties/engine/execute';
import { optionsFromEnv } from '../properties/engine/engine';
import { property, violations } from '../properties/properties';
import { loadVariantFile } from '../properties/registry';

const { seed } = optionsFromEnv();
const CASES = 150;
const VARIANTS = ['early', 'buggy', 'fixed', 'hybrid', 'mike-index', 'mike-base', 'filter-shared-always', 'upstream-2026', 'first-view-only', 'release-all-views', 'conversion-2026', 'convert-zap-aligned', 'convert-bracket-exact', 'convert-batch-skip'];

/** The chunk edges lib/xarray.c gives a binding: the first index of each chunk after the first. */
const edgesOf = (p: bigint, n: bigint) => storeRangeChunks(p, p + n - 1n).slice(1).map(([first]) => first);

/** The shape a case lies in, or null when the prover's shapes do not hold it (a mode the invalidation never sees). */
function shapeOf(c: Case): Shape | null {
  const views = [c.layout, ...(c.layout.otherViews ?? [])];
  const r = resolve(materialize(c.layout), c.op, WORD64);
  if (r.kind !== 'invalidate') return null;
  const chunks = Math.max(1, ...views.flatMap((v) => v.slots.map((s) => edgesOf(s.pgoff, s.npages).length + 1)));
  return {
    slots: views.map((v) => v.slots.length), vmTypes: views.map((v) => v.vmType ?? 'default'), chunks, pageOrder: c.layout.pageOrder ?? 0,
    op: c.op.kind, ...(c.op.kind === 'release' && r.view ? { releaseView: r.view } : {}),
    ...(c.op.kind === 'convert' && c.layout.pageOrder ? { hugePages: 1 << 20 } : {}),
  };
}

const load = symbolicLoader();
const harness = loadHarness(load);

describe.each(VARIANTS)('%s, symbolic on concrete inputs', (name) => {
  const file = `${__dirname}/../variants/${name}.ts`;
  const concrete = loadVariantFile(file);
  const symbolic = loadSymbolicVariant(file, load);

  test(`${CASES} generated cases: the input rules hold and every property's formula has the engine's verdict (FC_SEED=${seed})`, () => {
    const cases = fc.sample(caseArbFor(concrete), { numRuns: CASES, seed });
    let compared = 0;
    const differ: string[] = [];
    for (const c of cases) {
      const shape = shapeOf(c);
      if (!shape) continue;
      const a = assignmentOf(shape, c, edgesOf)!;
      const run = runOnce(symbolic, harness, shape, a, 100_000);
      expect([name, c, run.cut]).toEqual([name, c, undefined]);
      expect([name, c, 'input rules', cBool(run.inputs.pre)]).toEqual([name, c, 'input rules', true]);
      const outcome = execute(concrete, c);
      for (const id of CORRECTNESS) {
        const engine = violations(property(id), outcome).length > 0;
        const prover = cBool(violation(id, run.facts));
        if (engine !== prover) differ.push(`${id}: engine ${engine}, prover ${prover} on ${JSON.stringify(c, (_, v) => (typeof v === 'bigint' ? `${v}` : v))}`);
      }
      compared++;
    }
    expect(differ.slice(0, 3)).toEqual([]);
    expect(compared).toBeGreaterThan(CASES / 2);
  });
});
