// The checking engine: every property of a variant run through fast-check (fc.check, so a
// failure is a verdict, not a throw), shrunk by fast-check and then by minimize(), and
// compared with the variant's expectation. Seeds and run counts come from FC_SEED and FC_NUM_RUNS.

import fc from 'fast-check';
import path from 'path';
import { Expectation, PropertyId, Variant } from '../model/variant';
import { WORD64, Word } from '../model/word';
import { caseArb } from './arbitraries';
import { Case, XarrayChoice, xarrayMode } from './case';
import { XarrayMode } from '../model/xarray';
import { Outcome, execute, faultOutcome } from './execute';
import { minimize } from './minimize';
import { PROPERTIES, Property, violations } from './properties';
import { isShipped, variantFile, variantSourceHash } from './registry';
import { reportPage } from './reports/page';
import { Found, buildRecord } from './reports/record';
import { savedCasesFor } from './reports/replay';
import { SavedReport, saveReport } from './reports/store';
import { reportSvg } from './reports/svg';

/** Runs one case of one variant: in this process by default, or isolated (properties/isolate). */
export type Executor = (c: Case, mode: XarrayMode) => Outcome;

/** An executor that can stop a variant that never returns: the case it hung on, once it has. */
export interface Isolated {
  readonly run: Executor;
  /**
   * The case it hung on, if any. `first: false` says an earlier property already reported this
   * hang (the runner was not restarted); absent or true, this property reports it.
   */
  hungOn(): { readonly case: Case; readonly mode: XarrayMode; readonly message: string; readonly first?: boolean } | undefined;
}

export interface CheckOptions {
  readonly numRuns: number;
  readonly seed: number;
  readonly xarray: XarrayChoice;
  readonly word?: Word;
  /** fast-check's replay path, with the seed that produced it. */
  readonly path?: string;
  readonly properties?: readonly PropertyId[];
  /** Saved reports: replayed first, and where a failure is written (none: nothing is saved). */
  readonly reports?: { readonly dir: string; readonly saved: readonly SavedReport[] };
  /** Where the variant runs; in this process when absent. */
  readonly isolated?: Isolated;
  /** Called once per case run, for progress on a terminal. */
  readonly onCase?: () => void;
}

export interface Verdict {
  readonly variant: string;
  readonly property: PropertyId;
  readonly expected: Expectation;
  readonly actual: 'pass' | 'fail';
  /** The actual verdict is what the variant expects ('report' always matches). */
  readonly matches: boolean;
  readonly seed: number;
  readonly numRuns: number;
  /** Set on failure: the shrunk case, what happened, and how to replay it. */
  readonly counterexample?: Outcome;
  readonly violations?: readonly string[];
  readonly path?: string;
  readonly numShrinks?: number;
  /** The harness itself broke on this case (not the variant): a bug to fix here. */
  readonly harnessError?: string;
  /** The report written (or already saved) for this failure. */
  readonly report?: { readonly stem: string; readonly written: boolean };
  /** Saved reports of this variant and property that no longer fail: fixed. */
  readonly fixedReports?: readonly string[];
  /** The failure was found by replaying a saved report, not by a generated case. */
  readonly fromSavedReport?: boolean;
}

export const DEFAULT_NUM_RUNS = 1000;

/** FC_SEED and FC_NUM_RUNS, or a fresh seed and the default run count. */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): { numRuns: number; seed: number } {
  const num = (name: string, fallback: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isSafeInteger(n)) throw new Error(`${name} must be an integer, got "${raw}"`);
    return n;
  };
  return { numRuns: num('FC_NUM_RUNS', DEFAULT_NUM_RUNS), seed: num('FC_SEED', Date.now() ^ (Math.random() * 0x7fffffff)) };
}

export function checkProperty(variant: Variant, prop: Property, opts: CheckOptions): Verdict {
  const word = opts.word ?? WORD64;
  const mode = (c: Case) => xarrayMode(c, opts.xarray);
  const exec: Executor = opts.isolated?.run ?? ((c, m) => execute(variant, c, m, word));
  /** The case's outcome and the property's violations on it. */
  const judge = (c: Case) => {
    opts.onCase?.();
    const outcome = exec(c, mode(c));
    return { outcome, found: violations(prop, outcome, (pick) => exec(c, { kind: 'contract', pick })) };
  };
  const fails = (c: Case) => judge(c).found.length > 0;
  const expected = variant.expect[prop.id];
  // Saved cases run first, in a pass of their own: as fast-check examples they would take up
  // runs and shift the replay path. The variant's own reports that pass now are fixed.
  const fixedReports: string[] = [];
  let fromSaved: Case | undefined;
  let savedRuns = 0;
  if (!opts.path) {
    for (const s of savedCasesFor(variant, prop.id, opts.xarray, opts.reports?.saved ?? [])) {
      if (fromSaved && !s.own) break; // another variant's case is only needed to find a failure
      savedRuns++;
      if (fails(s.case)) fromSaved ??= s.case;
      else if (s.own) fixedReports.push(s.stem);
    }
  }
  const details = fromSaved ? undefined : fc.check(fc.property(caseArb, (c) => !fails(c)), {
    numRuns: opts.numRuns,
    seed: opts.seed,
    path: opts.path,
    endOnFailure: false,
  });
  const base = { variant: variant.name, property: prop.id, expected, seed: opts.seed, numRuns: details ? details.numRuns : savedRuns, fixedReports };
  if (details && !details.failed) {
    return { ...base, actual: 'pass', matches: expected !== 'fail' };
  }
  // A predicate that threw (rather than found violations) means the harness broke on this case.
  let c = fromSaved ?? details!.counterexample![0];
  let found: string[] = [], harnessError: string | undefined, counterexample: Outcome | undefined;
  let hung = opts.isolated?.hungOn();
  try {
    if (!hung) {
      judge(c); // throws here, outside minimize's guard, if the harness breaks on this case
      c = minimize(c, (x) => { try { return fails(x); } catch { return false; } });
      ({ outcome: counterexample, found } = judge(c));
      // a hang while re-running or minimizing: that case is the counterexample, unshrunk
      hung = opts.isolated?.hungOn();
    }
    if (hung) {
      c = hung.case;
      counterexample = faultOutcome(c, hung.mode, hung.message, word);
      found = hung.first === false
        ? [`not run: the variant hung on an earlier case (${hung.message}); see the report of the first property`]
        : [`invalidate_begin/_end did not return: ${hung.message}`];
    }
  } catch (e) {
    harnessError = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    counterexample = undefined;
  }
  const replayPath = details?.counterexamplePath ?? '';
  const numShrinks = details?.numShrinks ?? 0;
  const report = counterexample && opts.reports && hung?.first !== false
    ? saveFailure(opts.reports.dir, variant, prop.id, counterexample, opts.xarray, found, { seed: opts.seed, path: replayPath, numRuns: base.numRuns, numShrinks })
    : undefined;
  // a crash or a hang is never the failure a variant is expected to have
  const crashed = counterexample?.fault !== undefined;
  return {
    ...base,
    actual: 'fail',
    matches: harnessError === undefined && (expected === 'report' || (expected === 'fail' && !crashed)),
    counterexample,
    violations: harnessError ? [harnessError] : found,
    path: replayPath,
    numShrinks,
    harnessError,
    report,
    fromSavedReport: fromSaved !== undefined,
  };
}

/** Saves a failure as a report (its page rendered now), beside the others in `dir`. */
export function saveFailure(dir: string, variant: Variant, id: PropertyId, o: Outcome, xarray: XarrayChoice, violations: string[], found: Found) {
  const file = variantFile(variant);
  // a shipped TypeScript variant is found by name; any other by the file the record names
  const byName = file === undefined || (isShipped(file) && file.endsWith('.ts'));
  const who = { name: variant.name, sourceHash: variantSourceHash(variant), ...(byName ? {} : { file: path.relative(dir, file) }) };
  const record = buildRecord(who, id, o, xarray, violations, found);
  return saveReport(dir, record, (stem) => ({ markdown: reportPage(dir, stem, record, o, variant.expect[id]), svg: reportSvg(o) }));
}

export function checkVariant(variant: Variant, opts: CheckOptions): Verdict[] {
  const props = opts.properties ? PROPERTIES.filter((p) => opts.properties!.includes(p.id)) : PROPERTIES;
  return props.map((p) => checkProperty(variant, p, opts));
}
