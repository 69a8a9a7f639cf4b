// Saved counterexamples run again: one report against a variant (does it still reproduce?), and
// the saved cases a check runs before generating any (properties/engine.ts).

import { PropertyId, Variant, expectationOf } from '../../model/variant';
import { Case, XarrayChoice, xarrayMode } from '../case';
import type { Executor, Ran } from '../engine';
import { Outcome } from '../execute';
import { property, violations } from '../properties';
import { caseOf, CaseRecord } from './record';
import { SavedReport } from './store';
import type { ReportVariant } from './variant-of';

export interface Replayed {
  readonly outcome: Outcome;
  readonly violations: readonly string[];
}

/** A case record with its xarray mode, as a history entry or a counterexample runs. */
export function ranOf(r: CaseRecord): Ran {
  const c = caseOf(r);
  return [c, xarrayMode(c, r.xarray)];
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
    const found = violations(property(saved.record.property), outcome, (pick) => run(c, { kind: 'contract', pick }));
    return { outcome, violations: found };
  } finally {
    fresh?.close();
  }
}

/** A saved case to run before generating: whose report it is, and whether it is this variant's own. */
export interface SavedCase {
  readonly stem: string;
  readonly own: boolean;
  readonly case: Case;
}

/**
 * The saved cases to try first for (variant, property): the variant's own reports, then, if the
 * variant must pass the property, every other variant's: a bug one had is a regression test for all.
 * A report that needs a history is left to --report and the index: alone, its case proves nothing.
 */
export function savedCasesFor(variant: Pick<Variant, 'name' | 'expect' | 'expectContract'>, id: PropertyId, xarray: XarrayChoice, saved: readonly SavedReport[]): SavedCase[] {
  const same = saved.filter((s) => s.record.property === id && s.record.counterexample.xarray === xarray && !s.record.history?.length);
  const own = same.filter((s) => s.record.variant.name === variant.name);
  const others = expectationOf(variant, id, xarray) === 'pass' ? same.filter((s) => s.record.variant.name !== variant.name) : [];
  return [...own.map((s) => ({ s, own: true })), ...others.map((s) => ({ s, own: false }))]
    .map(({ s, own: mine }) => ({ stem: s.stem, own: mine, case: caseOf(s.record.counterexample) }));
}
