// The reporter: what becomes of the engine's verdicts on disk. A failure is saved as a report
// (record, page, picture) only once it is confirmed, and an expected failure that the variant's
// reports already show for that property is not saved again, so re-running a check leaves the
// tree as it was.

import path from 'path';
import { Expectation, PropertyId } from '../../model/variant';
import { Verdict, VariantInfo } from '../engine/engine';
import { Outcome } from '../engine/execute';
import { isShipped } from '../registry';
import { reportPage } from './page';
import { Found, buildRecord, caseRecord, reportStem } from './record';
import { SavedReport, saveReport } from './store';
import { reportSvg } from './svg';

/** The variant a report speaks of: its name and source hash, and its file when it is not found by name. */
export interface ReportedVariant {
  readonly name: string;
  readonly sourceHash: string;
  /** The variant's file; recorded (relative to the reports folder) unless `byName`. */
  readonly file?: string;
  /** A shipped TypeScript variant: found again by its name, not its file. */
  readonly byName: boolean;
  readonly expected: (id: PropertyId) => Expectation;
}

/** The variant as its reports name it: a shipped TypeScript variant (or one with no file) by its name, any other by its file. */
export function reportedVariant(info: Pick<VariantInfo, 'name' | 'expect'>, sourceHash: string, file?: string): ReportedVariant {
  return {
    name: info.name, sourceHash, ...(file === undefined ? {} : { file: path.resolve(file) }),
    byName: file === undefined || (isShipped(file) && file.endsWith('.ts')),
    expected: (id: PropertyId) => info.expect[id],
  };
}

export interface SaveContext {
  readonly dir: string;
  /** The reports in `dir`; a report saved now is added, so the next verdict sees it. */
  readonly saved: SavedReport[];
}

/** A failure confirmed enough to save: by a fresh process, a confirmed hang, or run in this process. */
export const confirmed = (v: Verdict): boolean =>
  v.actual === 'fail' && v.counterexample !== undefined && !v.notRun && v.harnessError === undefined
  && v.confirmation !== undefined && v.confirmation !== 'not-reproduced';

/** The saved reports that already show this expected (or advisory) failure: same variant and property. */
function alreadyShown(v: Verdict, saved: readonly SavedReport[]): SavedReport[] {
  if (!(v.matches && v.expected !== 'pass')) return [];
  return saved.filter((s) => s.record.variant.name === v.variant && s.record.property === v.property);
}

/**
 * The verdict with its report: saved now if it is a confirmed failure not already shown, else
 * the saved report that shows it (the one of the same case if there is one), else none.
 */
export function reportVerdict(v: Verdict, who: ReportedVariant, ctx: SaveContext): Verdict {
  const shown = v.counterexample && !v.notRun ? alreadyShown(v, ctx.saved) : [];
  if (shown.length) {
    const stem = reportStem(v.variant, v.property, caseRecord(v.counterexample!.case));
    return { ...v, report: { stem: shown.find((s) => s.stem === stem)?.stem ?? shown[0].stem, written: false } };
  }
  if (!confirmed(v)) return v;
  const found = { seed: v.seed, path: v.path ?? '', numRuns: v.numRuns, numShrinks: v.numShrinks ?? 0, ...(v.savedReport ? { fromReport: v.savedReport } : {}) };
  const how = v.confirmation as 'reproduced' | 'history' | 'hang' | 'in-process';
  const report = saveFailure(ctx.dir, who, v.property, v.counterexample!, [...(v.violations ?? [])], found, how, v.history);
  if (!ctx.saved.some((s) => s.stem === report.stem)) ctx.saved.push({ file: path.join(ctx.dir, `${report.stem}.json`), stem: report.stem, record: report.record });
  return { ...v, report: { stem: report.stem, written: report.written } };
}

/** Saves a failure as a report (its page rendered now), beside the others in `dir`. */
export function saveFailure(
  dir: string, who: ReportedVariant, id: PropertyId, o: Outcome, violations: string[], found: Found,
  confirmation?: 'reproduced' | 'history' | 'hang' | 'in-process', history?: Verdict['history'],
) {
  const variant = { name: who.name, sourceHash: who.sourceHash, ...(who.byName || !who.file ? {} : { file: path.relative(dir, who.file) }) };
  const historyRecords = history?.map(caseRecord);
  const record = buildRecord(variant, id, o, violations, found, { confirmation, history: historyRecords });
  return { ...saveReport(dir, record, (stem) => ({ markdown: reportPage(dir, stem, record, o, who.expected(id)), svg: reportSvg(o) })), record };
}
