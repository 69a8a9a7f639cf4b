// The exhaustive small scope as a benchmark: the largest N one core checks within a time budget
// (N grows while the next scope's predicted time fits), and fixed-N runs for the buggy variants.

import { PropertyId, Variant } from '../model/variant';
import { checkExhaustive, countScope } from '../properties/engine/exhaustive';
import { caseText } from './case-text';

export interface ScopeVerdict {
  readonly property: PropertyId;
  readonly expected: string;
  readonly actual: 'pass' | 'fail' | 'not-judged';
  readonly matches: boolean;
  readonly failures: number;
  /** The smallest failing case, on one line. */
  readonly example: string | null;
}

export interface ScopeRun {
  readonly variant: string;
  readonly maxPages: number;
  /** As a decimal string: JSON has no bigint. */
  readonly origin: string;
  readonly cases: number;
  readonly ms: number;
  readonly verdicts: ScopeVerdict[];
}

export function scopeRun(v: Variant, maxPages: number, origin = 0n): ScopeRun {
  const t = performance.now();
  const verdicts = checkExhaustive(v, { maxPages, origin });
  const ms = performance.now() - t;
  return {
    variant: v.name, maxPages, origin: String(origin), cases: verdicts[0].numRuns, ms,
    verdicts: verdicts.map((x) => ({
      property: x.property, expected: x.expected, actual: x.actual, matches: x.matches, failures: x.failures,
      example: x.counterexample ? caseText(x.counterexample.case) : null,
    })),
  };
}

/** N = 1, 2, ... while the next N's case count at the last measured rate fits the budget; every run is kept. */
export function largestWithin(v: Variant, budgetMs: number, origin = 0n): ScopeRun[] {
  const runs: ScopeRun[] = [];
  for (let n = 1; ; n++) {
    const last = runs[runs.length - 1];
    if (last) {
      const predicted = (countScope({ maxPages: n, origin }).cases * last.ms) / last.cases;
      if (predicted > budgetMs) return runs;
    }
    runs.push(scopeRun(v, n, origin));
  }
}
