// The saved cases a check runs before generating any (engine.ts): a variant's own
// reports, then, for a property it must pass, every other variant's, so a bug one variant had is
// a regression test for all. Reports are read as data; the engine knows nothing of their files.

import { PropertyId, Variant, expectationOf } from '../../model/variant';
import { Case, XarrayChoice } from '../case';
import { caseOf } from '../reports/record';
import type { CaseRecord } from '../reports/schema';

/** What the engine reads of a saved report. */
export interface SavedReportLike {
  readonly stem: string;
  readonly record: {
    readonly variant: { readonly name: string };
    readonly property: PropertyId;
    readonly counterexample: CaseRecord;
    readonly history?: readonly CaseRecord[];
  };
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
export function savedCasesFor(variant: Pick<Variant, 'name' | 'expect' | 'expectContract'>, id: PropertyId, xarray: XarrayChoice, saved: readonly SavedReportLike[]): SavedCase[] {
  const same = saved.filter((s) => s.record.property === id && s.record.counterexample.xarray === xarray && !s.record.history?.length);
  const own = same.filter((s) => s.record.variant.name === variant.name);
  const others = expectationOf(variant, id, xarray) === 'pass' ? same.filter((s) => s.record.variant.name !== variant.name) : [];
  return [...own.map((s) => ({ s, own: true })), ...others.map((s) => ({ s, own: false }))]
    .map(({ s, own: mine }) => ({ stem: s.stem, own: mine, case: caseOf(s.record.counterexample) }));
}
