// A verdict saved as a report by the command. A report that cannot be saved (its folder full, say)
// does not end the run: the verdicts are already known and are printed. It is listed with the
// broken files instead (exit 2: the harness could not do its job), naming the file and the cause,
// and its verdict has no report.

import { Verdict } from '../engine/engine';
import { ReportedVariant, SaveContext, reportVerdict } from '../reports/reporter';
import { WriteError } from '../reports/store';

/** What could not be saved, as the command lists a broken file. */
export interface SaveError {
  readonly file: string;
  readonly message: string;
}

/** reportVerdict(), with a failure to save told in `saveError` rather than thrown. */
export function saveVerdict(v: Verdict, who: ReportedVariant, ctx: SaveContext): Verdict & { saveError?: SaveError } {
  try {
    return reportVerdict(v, who, ctx);
  } catch (e) {
    return { ...v, saveError: saveErrorOf(e, v.variant, v.property) };
  }
}

/** A report of `variant` failing `property` not saved, as the broken files list it; anything but a WriteError (a bug, not a full disk) is thrown on. */
export function saveErrorOf(e: unknown, variant: string, property: string): SaveError {
  if (!(e instanceof WriteError)) throw e;
  return { file: e.file, message: `the report of ${variant} failing ${property} was not saved: ${e.message}` };
}

/** The broken files, then the reports that could not be saved. */
export const withSaveErrors = (broken: readonly SaveError[], verdicts: ReadonlyArray<{ saveError?: SaveError }>): SaveError[] =>
  [...broken, ...verdicts.flatMap((v) => (v.saveError ? [v.saveError] : []))];
