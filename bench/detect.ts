// Time to detection: for one variant and one seed, the number of generated cases until each
// property first fails, counted exactly as fc.check counts them in the engine (same arbitrary,
// same seed, so case i here is case i there), all properties judged on one execution per case.
// A property that draws its own cases (bind-within-file: bind requests) counts over those.

import fc from 'fast-check';
import { PropertyId, Variant } from '../model/variant';
import { WORD64 } from '../model/word';
import { bindCaseArbFor, caseArbFor } from '../properties/arbitraries';
import { Case } from '../properties/case';
import { execute } from '../properties/engine/execute';
import { notJudged, property, violations } from '../properties/properties';

export interface DetectOptions {
  readonly seed: number;
  /** Give up after this many cases. */
  readonly cap: number;
  readonly properties: readonly PropertyId[];
  /** The generator (default: the project's, in the VMs the variant runs in). */
  readonly arb?: fc.Arbitrary<Case>;
  /** The generator of bind requests, for a property that draws them (default: the project's, in the variant's bind era). */
  readonly bindArb?: fc.Arbitrary<Case>;
}

export interface Detection {
  /** 1-based index of the first failing case per property; absent when it held for `cap` cases. */
  readonly first: Partial<Record<PropertyId, number>>;
  /** Cases generated (up to the last property found, or cap). */
  readonly cases: number;
  /** The harness threw (not a property verdict): counted as a failure, as the engine does. */
  readonly harnessError?: string;
}

export function detect(variant: Variant, opts: DetectOptions): Detection {
  // a property that does not judge the variant (bind-within-file without a bind()) never fails it
  const ids = opts.properties.filter((id) => !notJudged(property(id), variant));
  const own = ids.filter((id) => property(id).draws === 'bind');
  const main = detectOver(variant, opts.arb ?? caseArbFor(variant), { ...opts, properties: ids.filter((id) => !own.includes(id)) });
  if (own.length === 0) return main;
  const binds = detectOver(variant, opts.bindArb ?? bindCaseArbFor(variant), { ...opts, properties: own });
  return { first: { ...main.first, ...binds.first }, cases: Math.max(main.cases, binds.cases), harnessError: main.harnessError ?? binds.harnessError };
}

function detectOver(variant: Variant, arb: fc.Arbitrary<Case>, opts: DetectOptions): Detection {
  const pending = new Set(opts.properties);
  const props = opts.properties.map(property);
  const first: Partial<Record<PropertyId, number>> = {};
  let i = 0, harnessError: string | undefined;
  const judge = (c: Case): boolean => {
    i++;
    let o;
    try {
      o = execute(variant, c, WORD64);
    } catch (e) {
      harnessError ??= e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      for (const id of pending) first[id] = i;
      pending.clear();
      return false;
    }
    for (const p of props) {
      if (!pending.has(p.id)) continue;
      if (violations(p, o).length > 0) {
        first[p.id] = i;
        pending.delete(p.id);
      }
    }
    return pending.size > 0;
  };
  if (pending.size > 0) {
    fc.check(fc.property(arb, judge), { seed: opts.seed, numRuns: opts.cap, endOnFailure: true });
  }
  return { first, cases: i, harnessError };
}
