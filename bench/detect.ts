// Time to detection: for one variant and one seed, the number of generated cases until each
// property first fails, counted exactly as fc.check counts them in the engine (same arbitrary,
// same seed, so case i here is case i there), all properties judged on one execution per case.

import fc from 'fast-check';
import { PropertyId, Variant } from '../model/variant';
import { WORD64 } from '../model/word';
import { caseArbFor } from '../properties/arbitraries';
import { Case } from '../properties/case';
import { execute } from '../properties/engine/execute';
import { property, violations } from '../properties/properties';

export interface DetectOptions {
  readonly seed: number;
  /** Give up after this many cases. */
  readonly cap: number;
  readonly properties: readonly PropertyId[];
  /** The generator (default: the project's, in the VMs the variant runs in). */
  readonly arb?: fc.Arbitrary<Case>;
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
    fc.check(fc.property(opts.arb ?? caseArbFor(variant), judge), { seed: opts.seed, numRuns: opts.cap, endOnFailure: true });
  }
  return { first, cases: i, harnessError };
}
