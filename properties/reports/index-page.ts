// shrink-reports/README.md: every saved report with its one-line verdict and whether it still
// reproduces against its variant today; the same replay re-renders the pages.

import fs from 'fs';
import path from 'path';
import { Expectation } from '../../model/variant';
import { Outcome } from '../engine/execute';
import { shellWord } from '../format';
import { reportPage, shown } from './page';
import { replay } from './replay';
import { reportSvg } from './svg';
import { Resolver } from './variant-of';
import { REPORTS_DIR, SavedReport, loadReports, writeAtomic } from './store';

export type ReportStatus = 'reproduces' | 'fixed' | 'returns now' | 'no such variant';

export interface IndexRow {
  readonly report: SavedReport;
  readonly status: ReportStatus;
  /** The variant's source changed since the report was saved. */
  readonly sourceChanged: boolean;
  /** The case replayed today, with the expectation of the variant it ran on (absent: no variant). */
  readonly replayed?: { readonly outcome: Outcome; readonly expected: Expectation };
}

/**
 * Every report replayed once against its variant (a shipped one by name, or the file its record
 * names, as `resolve` finds it); a variant file that is gone or broken makes that report's
 * variant unknown, not the index fail.
 */
export function indexRows(saved: readonly SavedReport[], resolve: Resolver): IndexRow[] {
  return saved.map((report) => {
    let of: ReturnType<Resolver>;
    try {
      of = resolve(report);
    } catch {
      of = undefined;
    }
    if (!of) return { report, status: 'no such variant', sourceChanged: false };
    try {
      const { outcome, violations } = replay(report, of);
      // a hang report is about the hang: a case that now returns is not called fixed for that
      const status: ReportStatus = report.record.confirmation === 'hang'
        ? (outcome.fault?.hang ? 'reproduces' : 'returns now')
        : violations.length > 0 ? 'reproduces' : 'fixed';
      return {
        report,
        status,
        sourceChanged: of.sourceHash !== report.record.variant.sourceHash,
        replayed: { outcome, expected: of.expected(report.record.property) },
      };
    } finally {
      of.close();
    }
  });
}

/**
 * The index of the reports folder `dir`. Its commands name the folder as a report page does (from
 * the repo, or absolute): reports:index and reports:prune take shrink-reports/ unless told another.
 */
export function indexPage(dir: string, rows: readonly IndexRow[]): string {
  const folder = shellWord(shown(dir, ''));
  const other = path.resolve(dir) === REPORTS_DIR ? '' : ` -- ${folder}`;
  const lines = [
    '# Shrink reports',
    '',
    'One report per (variant, property, counterexample), named by its content. Each has a page',
    '(`.md`, with its picture `.svg`) and a record (`.json`). Regenerate this index with',
    `\`npm run reports:index${other}\`; remove reports whose variant now passes with \`npm run reports:prune${other}\`;`,
    `replay one with \`npm run check -- --report ${folder}/<name>.json\`.`,
    '',
    '| report | variant | property | verdict | status |',
    '|---|---|---|---|---|',
  ];
  for (const { report, status: st, sourceChanged } of rows) {
    const r = report.record;
    const verdict = (r.difference.violations[0] ?? '').replace(/\|/g, '\\|');
    const shown = st === 'reproduces' ? 'reproduces' : `**${st}**`;
    lines.push(`| [${report.stem}](${report.stem}.md) | ${r.variant.name} | ${r.property} | ${verdict} | ${shown}${sourceChanged ? ' (variant changed since)' : ''} |`);
  }
  if (rows.length === 0) lines.push('| (none) | | | | |');
  return `${lines.join('\n')}\n`;
}

/** What a check already knows of a report, so the index need not replay it. */
export interface AfterCheck {
  /** The variants it checked: only their reports are replayed (the others keep their last status). */
  readonly checked: ReadonlySet<string>;
  /** Reports it has just saved: each a failure it confirmed on today's source, so it reproduces. */
  readonly justSaved: ReadonlySet<string>;
}

/** Regenerates <dir>/README.md from the reports on disk (after a check, replaying only what it does not know). */
export function writeIndex(dir: string, resolve: Resolver, after?: AfterCheck): IndexRow[] {
  const saved = loadReports(dir);
  // npm run reports:index replays every report
  const before = after ? lastStatuses(path.join(dir, 'README.md')) : new Map<string, { status: ReportStatus; sourceChanged: boolean }>();
  const rows = saved.map((report): IndexRow => {
    if (after?.justSaved.has(report.stem)) return { report, status: 'reproduces', sourceChanged: false };
    const kept = after && !after.checked.has(report.record.variant.name) ? before.get(report.stem) : undefined;
    return kept ? { report, ...kept } : indexRows([report], resolve)[0];
  });
  writeAtomic(path.join(dir, 'README.md'), indexPage(dir, rows));
  return rows;
}

/** The status column of an index page already written, by report stem. */
function lastStatuses(file: string): Map<string, { status: ReportStatus; sourceChanged: boolean }> {
  const out = new Map<string, { status: ReportStatus; sourceChanged: boolean }>();
  let text = '';
  try { text = fs.readFileSync(file, 'utf8'); } catch { return out; }
  for (const m of text.matchAll(/^\| \[([^\]]+)\]\([^)]*\) \|.*\| \**(reproduces|fixed|returns now|no such variant)\**( \(variant changed since\))? \|$/gm)) {
    out.set(m[1], { status: m[2] as ReportStatus, sourceChanged: m[3] !== undefined });
  }
  return out;
}

/** Re-renders each report's page and picture from its record and replay (after the renderer changed). */
export function rerenderPages(dir: string, rows: readonly IndexRow[]): number {
  let n = 0;
  for (const { report, replayed } of rows) {
    if (!replayed) continue;
    if (writeAtomic(path.join(dir, `${report.stem}.md`), reportPage(dir, report.stem, report.record, replayed.outcome, replayed.expected))) n++;
    writeAtomic(path.join(dir, `${report.stem}.svg`), reportSvg(replayed.outcome));
  }
  return n;
}
