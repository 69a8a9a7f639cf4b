// The shrink-reports folder: each report is <stem>.json (the record), <stem>.md (the page) and
// <stem>.svg (its picture). Files are written atomically (a temporary file, then rename; none is
// left when that fails), a report is saved whole or not at all, a report whose body is already
// saved is left alone, and a broken file is refused by name.

import fs from 'fs';
import path from 'path';
import { resolve } from '../../model/callers';
import { expectedUnmapsOfViews } from '../../model/reference';
import { WORD64 } from '../../model/word';
import { materialize } from '../case';
import { ReportRecord, body, caseOf, legacyReportStem, reportStem, schemaFault, upgradeRecord, viewField } from './record';
import { makeFolder as makeFolderOf } from '../isolation/make-folder';

export const REPORTS_DIR = path.join(__dirname, '..', '..', 'shrink-reports');

/** The reports folder: REPORTS_DIR in the environment, or shrink-reports/ in the repo. */
export const reportsDir = (): string => process.env.REPORTS_DIR || REPORTS_DIR;

export class ReportFileError extends Error {
  constructor(readonly file: string, fault: string) {
    super(`${file}: ${fault}`);
    this.name = 'ReportFileError';
  }
}

/** A report's file, or its folder, that could not be written or made (a full disk, say): which, and why. */
export class WriteError extends Error {
  constructor(readonly file: string, message: string) {
    super(message);
    this.name = 'WriteError';
  }

  static of(file: string, cause: unknown): WriteError {
    return new WriteError(file, `${file} cannot be written: ${(cause as Error).message}`);
  }
}

export interface SavedReport {
  readonly file: string;
  readonly stem: string;
  readonly record: ReportRecord;
}

/** Why parsed JSON is no report of this harness in any format (not an object, no format field), or null. */
function notAReport(x: unknown): string | null {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) {
    return `is not a report of this harness (it is ${Array.isArray(x) ? 'an array' : x === null ? 'null' : `a ${typeof x}`}, not an object with a format field)`;
  }
  return 'format' in x ? null : 'is not a report of this harness (it has no format field)';
}

export function loadReport(file: string): SavedReport {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ReportFileError(file, code === 'ENOENT' ? 'does not exist (a report is named by its path, from where the command runs)' : `cannot be read (${(e as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ReportFileError(file, `is not readable JSON (${(e as Error).message})`);
  }
  const stranger = notAReport(parsed);
  if (stranger) throw new ReportFileError(file, stranger);
  // the name covers the content as it was written, in whatever format
  const stem = path.basename(file, '.json');
  const stored = parsed as Partial<ReportRecord> | null;
  const want = stored?.variant && stored.counterexample ? reportStem(stored.variant.name, stored.property!, stored.counterexample, stored.history) : undefined;
  const legacy = stored?.variant && stored.counterexample ? legacyReportStem(stored.variant.name, stored.property!, stored.counterexample, stored.history) : undefined;
  const upgraded = upgradeRecord(parsed);
  if ('fault' in upgraded) throw new ReportFileError(file, upgraded.fault);
  const fault = schemaFault(upgraded.record);
  if (fault) throw new ReportFileError(file, fault);
  const record = upgraded.record as ReportRecord;
  if (stem !== want && stem !== legacy) throw new ReportFileError(file, `its name does not match its content (expected ${want}.json); was it edited by hand?`);
  const derived = derivedFault(record);
  if (derived) throw new ReportFileError(file, `${derived}; was it edited by hand?`);
  return { file, stem, record };
}

/**
 * Renames each report read from an older format to the name its content has in this one (the
 * name hashes the case, whose record changed; or it was named before dots were kept in a variant's
 * name, as upstream-6-14--...): the new record, page and picture are written
 * before the old ones go, so a folder never holds a record without its page. For reports:index,
 * which then renders every page again. Returns "old -> new" for each report moved.
 */
export function upgradeReports(dir: string): string[] {
  const moved: string[] = [];
  for (const r of loadReports(dir)) {
    const stem = reportStem(r.record.variant.name, r.record.property, r.record.counterexample, r.record.history);
    if (stem === r.stem) continue;
    for (const ext of ['svg', 'md']) {
      const old = path.join(dir, `${r.stem}.${ext}`);
      if (fs.existsSync(old)) writeAtomic(path.join(dir, `${stem}.${ext}`), fs.readFileSync(old, 'utf8').split(r.stem).join(stem));
    }
    writeAtomic(path.join(dir, `${stem}.json`), `${JSON.stringify(r.record, null, 2)}\n`);
    deleteReport(dir, r.stem);
    moved.push(`${r.stem} -> ${stem}`);
  }
  return moved;
}

/** The report format's JSON Schema, kept beside the reports (generated from schema.ts by reports:index). */
export const SCHEMA_FILE = 'report.schema.json';

/**
 * What the model derives from the case (the range invalidated, what each slot must lose) must be
 * what the record says: the name covers the case, this covers the rest that is not the variant's.
 */
function derivedFault(record: ReportRecord): string | null {
  let layout, r;
  try {
    layout = materialize(caseOf(record.counterexample).layout);
    r = resolve(layout, caseOf(record.counterexample).op, WORD64);
  } catch (e) {
    return `its case is not one the kernel accepts (${(e as Error).message})`;
  }
  // a report is of a failure, and a case the caller refuses (or that asks nothing) reaches no variant code
  if (r.kind === 'error' && record.counterexample.op.kind === 'bind') return `its bind request never reaches kvm_gmem_bind(): KVM_SET_USER_MEMORY_REGION2 refuses it first (-${r.errno}: ${r.rule})`;
  if (r.kind === 'error') return `its case never reaches the invalidation: the caller refuses it (-${r.errno}: ${r.rule})`;
  if (r.kind === 'bind') {
    if (record.property !== 'bind-within-file') return `its case is a bind request, which only bind-within-file judges, not ${record.property}`;
    return record.invalidated !== null || record.expected.length ? 'a bind request invalidates nothing: its "invalidated" is null and its "expected" empty' : null;
  }
  if (r.kind !== 'invalidate') return 'its case never reaches the invalidation (nothing to invalidate: an allocation, or a conversion to what the pages already are)';
  const invalidated = { start: `${r.start}`, end: `${r.end}` };
  if (JSON.stringify(invalidated) !== JSON.stringify(record.invalidated)) return `its "invalidated" is not the range its case invalidates (${JSON.stringify(invalidated)})`;
  const expected = r.kind === 'invalidate' ? expectedUnmapsOfViews(layout, r.start, r.end, r.view).map((e) => ({ ...viewField(e.view), slot: e.slot.id, gfns: { start: `${e.gfns.start}`, end: `${e.gfns.end}` } })) : [];
  if (JSON.stringify(expected) !== JSON.stringify(record.expected)) return `its "expected" is not what the model says its case must unmap (${JSON.stringify(expected)})`;
  return null;
}

export function loadReports(dir: string = reportsDir()): SavedReport[] {
  if (!fs.existsSync(dir)) return [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    throw new ReportFileError(dir, `the reports folder cannot be read: ${(e as Error).message}`);
  }
  return names.filter((f) => f.endsWith('.json') && f !== SCHEMA_FILE).sort().map((f) => loadReport(path.join(dir, f)));
}

/** Makes the folder `dir` and the missing folders above it; an error names it (`what`: the reports folder, by default). */
export const makeFolder = (dir: string, what = `the reports folder ${dir}`): void => makeFolderOf(dir, what);

/**
 * Write `text` to `file` through a temporary file in the same folder, unless it is already there.
 * A write or rename that fails (a full disk) removes the temporary file and throws a WriteError.
 */
export function writeAtomic(file: string, text: string): boolean {
  return writeAllAtomic([[file, text]]).length > 0;
}

/**
 * Each [file, text] not already there (a file named twice: its last text), all or none: every
 * text goes to a temporary file first, and only when all are written are they renamed, in order
 * (a reader of the last never finds an earlier one missing or old). A failure (a full disk; a
 * folder where a file should be) leaves every file as it was: each file replaced is copied aside
 * first and put back, each file new is removed if it is still the one renamed in; it throws a
 * WriteError naming its file. The files written, in order.
 */
export function writeAllAtomic(parts: ReadonlyArray<readonly [file: string, text: string]>): string[] {
  const changed = [...new Map(parts)].filter(([file, text]) => !holds(file, text));
  const staged: Array<{ file: string; tmp: string; aside?: string; ino?: number }> = [];
  try {
    for (const [file, text] of changed) {
      const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      staged.push({ file, tmp });
      writing(file, () => fs.writeFileSync(tmp, text));
    }
    for (const part of staged) {
      if (fs.existsSync(part.file)) {
        part.aside = `${part.tmp}.old`;
        writing(part.file, () => fs.copyFileSync(part.file, part.aside!));
      }
      writing(part.file, () => fs.renameSync(part.tmp, part.file));
      part.ino = fs.statSync(part.file, { throwIfNoEntry: false })?.ino ?? -1;
    }
  } catch (e) {
    for (const part of [...staged].reverse()) {
      try {
        if (part.ino !== undefined && part.aside) fs.renameSync(part.aside, part.file);
        // a new file is removed only while it is ours: a concurrent writer's may have replaced it
        else if (part.ino !== undefined && fs.statSync(part.file, { throwIfNoEntry: false })?.ino === part.ino) fs.rmSync(part.file);
      } catch { /* put back as far as the disk lets it */ }
      fs.rmSync(part.tmp, { force: true });
    }
    throw e;
  } finally {
    for (const part of staged) if (part.aside) fs.rmSync(part.aside, { force: true });
  }
  return changed.map(([file]) => file);
}

/** Whether `file` holds `text` already; one that cannot be read does not (its write then fails, named). */
function holds(file: string, text: string): boolean {
  try {
    return fs.readFileSync(file, 'utf8') === text;
  } catch {
    return false;
  }
}

/** `f`, its failure a WriteError naming `file`. */
function writing(file: string, f: () => void): void {
  try {
    f();
  } catch (e) {
    throw WriteError.of(file, e);
  }
}

export interface Rendered {
  readonly markdown: string;
  readonly svg: string;
}

/**
 * Saves a report under its content-derived stem. If a report with that stem already says the
 * same thing (everything but how it was found), nothing is written: the first finding stands.
 * Its three files are written all or none (writeAllAtomic), the JSON last, so a reader never sees
 * a record without its page; a folder that cannot be made, or a file not written, is a WriteError.
 */
export function saveReport(dir: string, record: ReportRecord, render: (stem: string) => Rendered): { stem: string; written: boolean } {
  const stem = reportStem(record.variant.name, record.property, record.counterexample, record.history);
  const json = path.join(dir, `${stem}.json`);
  if (fs.existsSync(json)) {
    try {
      if (body(loadReport(json).record) === body(record)) return { stem, written: false };
    } catch {
      // a broken file under this name is replaced by the good record
    }
  }
  try {
    makeFolder(dir);
  } catch (e) {
    throw new WriteError(dir, (e as Error).message);
  }
  const { markdown, svg } = render(stem);
  // all or nothing, the record last
  writeAllAtomic([[path.join(dir, `${stem}.svg`), svg], [path.join(dir, `${stem}.md`), markdown], [json, `${JSON.stringify(record, null, 2)}\n`]]);
  return { stem, written: true };
}

/** Removes a report's three files. */
export function deleteReport(dir: string, stem: string): void {
  for (const ext of ['json', 'md', 'svg']) fs.rmSync(path.join(dir, `${stem}.${ext}`), { force: true });
}
