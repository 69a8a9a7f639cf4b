// The command (npm run check): checks every variant in variants/ against every property and
// prints the verdict table, then each unexpected verdict's shrunk counterexample. Exit 0 when
// every verdict matches its variant's expectation, 1 when one does not, 2 on a broken command.

import { XarrayChoice } from './case';
import { Verdict, checkVariant, optionsFromEnv } from './engine';
import { formatFailure, formatOutcome } from './format';
import { loadVariants } from './registry';
import { replay } from './reports/replay';
import { loadReport, loadReports, reportsDir } from './reports/store';
import { verdictTable } from './table';

const USAGE = `usage: npm run check -- [--runs N] [--seed S] [--xarray faithful|contract] [--verbose]
       npm run check -- --report shrink-reports/<name>.json
  --runs N      cases per property (default FC_NUM_RUNS or 1000)
  --seed S      fast-check seed (default FC_SEED or random); printed so a run can be replayed
  --xarray M    walk the bindings as lib/xarray.c does (faithful, default) or as its contract allows
  --verbose     print every failure's counterexample, expected ones too
  --report F    replay one saved report against its variant and say whether it still reproduces
Failures are saved under shrink-reports/ (or REPORTS_DIR), and saved reports are replayed first.`;

function parse(argv: string[]) {
  const env = optionsFromEnv();
  const opts = { numRuns: env.numRuns, seed: env.seed, xarray: 'faithful' as XarrayChoice, verbose: false, report: '' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const int = (v: string) => { const n = Number(v); if (!Number.isSafeInteger(n)) throw new Error(`${a} needs an integer, got "${v}"`); return n; };
    if (a === '--runs') opts.numRuns = int(value());
    else if (a === '--seed') opts.seed = int(value());
    else if (a === '--xarray') {
      const m = value();
      if (m !== 'faithful' && m !== 'contract') throw new Error(`--xarray is faithful or contract, got "${m}"`);
      opts.xarray = m;
    } else if (a === '--verbose') opts.verbose = true;
    else if (a === '--report') opts.report = value();
    else if (a === '--help' || a === '-h') { console.log(USAGE); process.exit(0); }
    else throw new Error(`unknown argument "${a}"`);
  }
  return opts;
}

function main(): number {
  let opts;
  try {
    opts = parse(process.argv.slice(2));
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (opts.report) return replayOne(opts.report);
  const dir = reportsDir();
  const reports = { dir, saved: loadReports(dir) };
  const verdicts: Verdict[] = [];
  for (const variant of loadVariants()) verdicts.push(...checkVariant(variant, { ...opts, reports }));
  console.log(`seed ${opts.seed}, ${opts.numRuns} cases per property, xarray ${opts.xarray}\n`);
  console.log(verdictTable(verdicts));
  const shown = verdicts.filter((v) => v.actual === 'fail' && (opts.verbose || !v.matches));
  for (const v of shown) console.log(`\n${formatFailure(v)}`);
  const written = verdicts.filter((v) => v.report?.written).map((v) => v.report!.stem);
  if (written.length) console.log(`\nnew reports in ${dir}:\n${written.map((s) => `  ${s}.md`).join('\n')}`);
  const fixed = verdicts.flatMap((v) => v.fixedReports ?? []);
  if (fixed.length) console.log(`\nfixed (the variant now passes; npm run reports:prune removes them):\n${fixed.map((s) => `  ${s}`).join('\n')}`);
  const bad = verdicts.filter((v) => !v.matches);
  console.log(bad.length === 0 ? '\nevery verdict matches its expectation' : `\n${bad.length} verdict(s) differ from their expectation (marked !)`);
  return bad.length === 0 ? 0 : 1;
}

/** --report: the saved case run again on today's variant of that name. */
function replayOne(file: string): number {
  const saved = loadReport(file);
  const { name } = saved.record.variant;
  const variant = loadVariants().find((v) => v.name === name);
  if (!variant) {
    console.error(`${file}: no variant named "${name}" in variants/`);
    return 2;
  }
  const { outcome, violations } = replay(saved, variant);
  console.log(formatOutcome(outcome));
  const expected = variant.expect[saved.record.property];
  if (violations.length > 0) {
    console.log(`\n${name} still fails ${saved.record.property}:\n${violations.map((v) => `  - ${v}`).join('\n')}`);
    return expected === 'pass' ? 1 : 0;
  }
  console.log(`\n${name} now passes ${saved.record.property} on this case: the report is fixed (npm run reports:prune removes it)`);
  return expected === 'fail' ? 1 : 0;
}

try {
  process.exitCode = main();
} catch (e) {
  // a broken report or variant file: one clear paragraph, not a stack trace
  console.error((e as Error).message);
  process.exitCode = 2;
}
