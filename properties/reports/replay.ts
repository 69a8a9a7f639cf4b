// A saved counterexample run again against a variant: does it still reproduce? (The cases a
// check runs before generating any are properties/saved-cases.ts.)

import type { PropertyId } from '../../model/variant';
import type { Case } from '../case';
import type { Executor } from '../engine/executor';
import { Outcome } from '../engine/execute';
import { property, violations } from '../properties';
import { caseOf } from './record';
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
  return replayCase(caseOf(saved.record.counterexample), (saved.record.history ?? []).map(caseOf), saved.record.property, v);
}

/** A case run on the variant after its history (in a fresh process when the variant has one) and judged by a property. */
export function replayCase(c: Case, history: readonly Case[], id: PropertyId, v: Pick<ReportVariant, 'exec' | 'probe'>): Replayed {
  const fresh = history.length && v.probe ? v.probe(history) : undefined;
  try {
    const run: Executor = fresh?.run ?? v.exec;
    if (!fresh) for (const h of history) run(h);
    const outcome = run(c);
    return { outcome, violations: violations(property(id), outcome) };
  } finally {
    fresh?.close();
  }
}
