// Shrink quality: for each expected failure of a shipped variant, the engine's shrunk
// counterexample (fast-check, then minimize) beside the smallest counterexample the exhaustive
// small scope holds, and the time spent shrinking (the whole check less the detection).

import { PropertyId, Variant } from '../model/variant';
import { DEFAULT_NUM_RUNS, checkProperty } from '../properties/engine/engine';
import { checkExhaustive, compareCases } from '../properties/engine/exhaustive';
import { property } from '../properties/properties';
import { caseText, sizeText } from './case-text';
import { detect } from './detect';
import { bugsOf } from './detection';
import { median } from './stats';

export interface ShrinkConfig {
  readonly seeds: number;
  /** The exhaustive scope searched for the smallest counterexample. */
  readonly maxPages: number;
}

export interface ShrinkRow {
  readonly variant: string;
  readonly property: PropertyId;
  /** Seed 1's shrunk counterexample. */
  readonly shrunk: { readonly text: string; readonly size: string } | null;
  readonly smallest: { readonly text: string; readonly size: string } | null;
  /** Seeds whose shrunk counterexample is as small as the smallest (caseSize order). */
  readonly minimalSeeds: number;
  readonly seeds: number;
  readonly maxPages: number;
  readonly shrinkMs: number | null;
  readonly shrinks: number | null;
}

/** The expected failures the exhaustive scope can hold a smallest counterexample of: not bind-within-file's bind requests. */
export const shrinkable = (v: Variant): PropertyId[] => bugsOf(v).filter((id) => !property(id).draws);

export function shrinkRows(v: Variant, cfg: ShrinkConfig): ShrinkRow[] {
  return shrinkable(v).map((id) => {
    // at least one slot: the generators never make a file with no binding, so nothing smaller is reachable
    const smallestCase = checkExhaustive(v, { maxPages: cfg.maxPages, minSlots: 1, properties: [id] })[0].counterexample?.case;
    const times: Array<number | null> = [], shrinks: Array<number | null> = [];
    let first: ShrinkRow['shrunk'] = null, minimal = 0;
    for (let seed = 1; seed <= cfg.seeds; seed++) {
      const t0 = performance.now();
      detect(v, { seed, cap: DEFAULT_NUM_RUNS, properties: [id] });
      const t1 = performance.now();
      const verdict = checkProperty(v, property(id), { seed, numRuns: DEFAULT_NUM_RUNS });
      const t2 = performance.now();
      const c = verdict.counterexample?.case;
      if (!c) continue;
      times.push(Math.max(0, t2 - t1 - (t1 - t0)));
      shrinks.push(verdict.numShrinks ?? null);
      if (seed === 1) first = { text: caseText(c), size: sizeText(c) };
      if (smallestCase && compareCases(c, smallestCase) <= 0) minimal++;
    }
    return {
      variant: v.name, property: id, shrunk: first,
      smallest: smallestCase ? { text: caseText(smallestCase), size: sizeText(smallestCase) } : null,
      minimalSeeds: minimal, seeds: cfg.seeds, maxPages: cfg.maxPages, shrinkMs: median(times), shrinks: median(shrinks),
    };
  });
}
