// A saved counterexample run again against a variant: does it still reproduce? (The cases a
// check runs before generating any are properties/saved-cases.ts.)

import { xarrayMode } from '../case';
import type { Executor } from '../engine/executor';
import { Outcome } from '../engine/execute';
import { contractRerun, property, violations } from '../properties';
import { caseOf, ranOf } from './record';
import { SavedReport } from './store';
import type { ReportVariant } from './variant-of';

export interface Replayed {
  readonly outcome: Outcome;
  readonly violations: readonly string[];
}

/**
 * The report's case run on the variant and judged by its property. A report with a history
 * runs it first, in a fresh process when the variant has one (in order, as the check did).
 */
export function replay(saved: SavedReport, v: Pick<ReportVariant, 'exec' | 'probe'>): Replayed {
  const c = caseOf(saved.record.counterexample);
  const history = (saved.record.history ?? []).map(ranOf);
  const fresh = history.length && v.probe ? v.probe(history) : undefined;
  try {
    const run: Executor = fresh?.run ?? v.exec;
    if (!fresh) for (const [h, mode] of history) run(h, mode);
    const outcome = run(c, xarrayMode(c, saved.record.counterexample.xarray));
    const found = violations(property(saved.record.property), outcome, contractRerun(run, c));
    return { outcome, violations: found };
  } finally {
    fresh?.close();
  }
}
