// Saved counterexamples run again: one report against a variant (does it still reproduce?), and
// the saved cases a check runs before generating any (properties/engine.ts).

import { PropertyId, Variant } from '../../model/variant';
import { WORD64 } from '../../model/word';
import { XarrayMode } from '../../model/xarray';
import { Case, XarrayChoice, xarrayMode } from '../case';
import { Outcome, execute } from '../execute';
import { property, violations } from '../properties';
import { caseOf } from './record';
import { SavedReport } from './store';

export interface Replayed {
  readonly outcome: Outcome;
  readonly violations: readonly string[];
}

type Exec = (c: Case, mode: XarrayMode) => Outcome;

/** The report's case run on `variant` (in this process, or by `exec`), judged by its property. */
export function replay(saved: SavedReport, variant: Variant, exec?: Exec): Replayed {
  const run = exec ?? ((c: Case, mode: XarrayMode) => execute(variant, c, mode, WORD64));
  const c = caseOf(saved.record.counterexample);
  const outcome = run(c, xarrayMode(c, saved.record.counterexample.xarray));
  const found = violations(property(saved.record.property), outcome, (pick) => run(c, { kind: 'contract', pick }));
  return { outcome, violations: found };
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
 */
export function savedCasesFor(variant: Variant, id: PropertyId, xarray: XarrayChoice, saved: readonly SavedReport[]): SavedCase[] {
  const same = saved.filter((s) => s.record.property === id && s.record.counterexample.xarray === xarray);
  const own = same.filter((s) => s.record.variant.name === variant.name);
  const others = variant.expect[id] === 'pass' ? same.filter((s) => s.record.variant.name !== variant.name) : [];
  return [...own.map((s) => ({ s, own: true })), ...others.map((s) => ({ s, own: false }))]
    .map(({ s, own: mine }) => ({ stem: s.stem, own: mine, case: caseOf(s.record.counterexample) }));
}
