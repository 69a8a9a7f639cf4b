// shrink-reports/README.md: every saved report with its one-line verdict and whether it still
// reproduces against the variant of that name today.

import path from 'path';
import { Variant } from '../../model/variant';
import { XarrayMode } from '../../model/xarray';
import { Case } from '../case';
import { Outcome } from '../execute';
import { variantSourceHash } from '../registry';
import { reportPage } from './page';
import { ReportStatus, replay, status } from './replay';
import { reportSvg } from './svg';
import { variantOf } from './variant-of';
import { SavedReport, loadReports, writeAtomic } from './store';

export interface IndexRow {
  readonly report: SavedReport;
  readonly status: ReportStatus;
  /** The variant's source changed since the report was saved. */
  readonly sourceChanged: boolean;
}

/** How a variant's cases run: in this process unless an isolated executor is given for it. */
export type ExecFor = (v: Variant) => ((c: Case, mode: XarrayMode) => Outcome) | undefined;

export function indexRows(saved: readonly SavedReport[], variants: readonly Variant[], execFor: ExecFor = () => undefined): IndexRow[] {
  return saved.map((report) => {
    // a shipped variant by name, or the file the record names (TypeScript, or C in a child);
    // a file that is gone or broken makes that report's variant unknown, not the index fail
    let found: ReturnType<typeof variantOf>;
    try {
      found = report.record.variant.file ? variantOf(report, variants) : undefined;
    } catch {
      return { report, status: 'no such variant' as const, sourceChanged: false };
    }
    const pool = found ? [found.variant] : variants;
    const exec = found?.exec ? () => found.exec : execFor;
    try {
      const v = pool.find((x) => x.name === report.record.variant.name);
      return { report, status: status(report, pool, exec), sourceChanged: v !== undefined && variantSourceHash(v) !== report.record.variant.sourceHash };
    } finally {
      found?.close();
    }
  });
}

export function indexPage(rows: readonly IndexRow[]): string {
  const lines = [
    '# Shrink reports',
    '',
    'One report per (variant, property, counterexample), named by its content. Each has a page',
    '(`.md`, with its picture `.svg`) and a record (`.json`). Regenerate this index with',
    '`npm run reports:index`; remove reports whose variant now passes with `npm run reports:prune`;',
    'replay one with `npm run check -- --report shrink-reports/<name>.json`.',
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

/** Regenerates <dir>/README.md from the reports on disk. */
export function writeIndex(dir: string, variants: readonly Variant[], execFor?: ExecFor): IndexRow[] {
  const rows = indexRows(loadReports(dir), variants, execFor);
  writeAtomic(path.join(dir, 'README.md'), indexPage(rows));
  return rows;
}

/** Re-renders each report's page and picture from its record (after the renderer changed). */
export function rerenderPages(dir: string, variants: readonly Variant[]): number {
  let n = 0;
  for (const saved of loadReports(dir)) {
    const found = variantOf(saved, variants);
    if (!found) continue;
    const v = found.variant;
    const { outcome } = replay(saved, v, found.exec);
    found.close();
    if (writeAtomic(path.join(dir, `${saved.stem}.md`), reportPage(dir, saved.stem, saved.record, outcome, v.expect[saved.record.property]))) n++;
    writeAtomic(path.join(dir, `${saved.stem}.svg`), reportSvg(outcome));
  }
  return n;
}
