// npm run reports:index and reports:prune [-- FOLDER]: regenerate a reports folder's README.md (and
// re-render the pages from their records, rename reports of an older format, and write the
// format's JSON Schema, report.schema.json),
// and delete the reports whose variant now passes (the only way a report is ever deleted). The
// folder is shrink-reports/ (or REPORTS_DIR) unless named, as the one beside a variant checked by path.

import fs from 'fs';
import path from 'path';
import { indexPage, indexRows, rerenderPages } from './index-page';
import { childResolver } from './variant-of';
import { reportJsonSchema } from './schema';
import { SCHEMA_FILE, deleteReport, loadReports, reportsDir, upgradeReports, writeAtomic } from './store';

function main(argv: string[]): number {
  const [command, folder, ...rest] = argv;
  if (rest.length) return usage();
  const dir = folder !== undefined ? path.resolve(folder) : reportsDir();
  const fault = folderFault(dir);
  if (fault) {
    console.error(`${dir}: ${fault}`);
    return 2;
  }
  // reports of an older format take the names their content has today, before anything is replayed
  if (command === 'index') for (const m of upgradeReports(dir)) console.log(`upgraded ${m}`);
  // each variant in its own process, as a check runs it
  const rows = indexRows(loadReports(dir), childResolver({ timeoutMs: 2000 }));
  if (command === 'prune') {
    // a hang report whose case returns now goes too (its hang is gone), and a report whose
    // variant is gone (its file removed, or a kernel tree's file changed since)
    const why: Record<string, string> = {
      fixed: 'now passes', 'returns now': 'now returns on the case it hung on, for', 'no such variant': 'is gone; it was checked on',
    };
    const fixed = rows.filter((r) => r.status in why);
    for (const r of fixed) {
      deleteReport(dir, r.report.stem);
      console.log(`pruned ${r.report.stem} (${r.report.record.variant.name} ${why[r.status]} ${r.report.record.property})`);
    }
    if (fixed.length === 0) console.log('no fixed reports to prune');
    writeAtomic(path.join(dir, 'README.md'), indexPage(dir, rows.filter((r) => !(r.status in why))));
    return 0;
  }
  if (command === 'index') {
    if (writeAtomic(path.join(dir, SCHEMA_FILE), `${JSON.stringify(reportJsonSchema(), null, 2)}\n`)) console.log(`wrote ${SCHEMA_FILE}`);
    const pages = rerenderPages(dir, rows);
    if (pages) console.log(`re-rendered ${pages} report pages`);
    writeAtomic(path.join(dir, 'README.md'), indexPage(dir, rows));
    const by = (s: string) => rows.filter((r) => r.status === s).length;
    console.log(`${rows.length} reports: ${by('reproduces')} reproduce, ${by('fixed')} fixed, ${by('no such variant')} of unknown variants`);
    return 0;
  }
  return usage();
}

/** Why `dir` is no reports folder to index or prune (it is not there, or not a folder), or null. */
function folderFault(dir: string): string | null {
  try {
    return fs.statSync(dir).isDirectory() ? null : 'is not a folder';
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(e as Error).message})`;
  }
}

function usage(): number {
  console.error('usage: npm run reports:index [-- FOLDER] | npm run reports:prune [-- FOLDER]   (default: shrink-reports/, or REPORTS_DIR)');
  return 2;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  console.error((e as Error).message);
  process.exitCode = 2;
}
