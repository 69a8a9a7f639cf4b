// shrink-reports/README.md: every saved report with its one-line verdict and whether it still
// reproduces against the variant of that name today.

import { Variant } from '../../model/variant';
import { variantSourceHash } from '../registry';
import { ReportStatus, status } from './replay';
import { SavedReport } from './store';

export interface IndexRow {
  readonly report: SavedReport;
  readonly status: ReportStatus;
  /** The variant's source changed since the report was saved. */
  readonly sourceChanged: boolean;
}

export function indexRows(saved: readonly SavedReport[], variants: readonly Variant[]): IndexRow[] {
  return saved.map((report) => {
    const v = variants.find((x) => x.name === report.record.variant.name);
    return { report, status: status(report, variants), sourceChanged: v !== undefined && variantSourceHash(v) !== report.record.variant.sourceHash };
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
