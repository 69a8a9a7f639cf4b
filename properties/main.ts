// The command (npm run check): checks every variant in variants/ against every property and
// prints the verdict table, then each unexpected verdict's shrunk counterexample. Exit 0 when
// every verdict matches its variant's expectation, 1 when one does not, 2 on a broken command.

import { XarrayChoice } from './case';
import { Verdict, checkVariant, optionsFromEnv } from './engine';
import { formatFailure } from './format';
import { loadVariants } from './registry';
import { verdictTable } from './table';

const USAGE = `usage: npm run check -- [--runs N] [--seed S] [--xarray faithful|contract] [--verbose]
  --runs N      cases per property (default FC_NUM_RUNS or 1000)
  --seed S      fast-check seed (default FC_SEED or random); printed so a run can be replayed
  --xarray M    walk the bindings as lib/xarray.c does (faithful, default) or as its contract allows
  --verbose     print every failure's counterexample, expected ones too`;

function parse(argv: string[]) {
  const env = optionsFromEnv();
  const opts = { numRuns: env.numRuns, seed: env.seed, xarray: 'faithful' as XarrayChoice, verbose: false };
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
  const verdicts: Verdict[] = [];
  for (const variant of loadVariants()) verdicts.push(...checkVariant(variant, opts));
  console.log(`seed ${opts.seed}, ${opts.numRuns} cases per property, xarray ${opts.xarray}\n`);
  console.log(verdictTable(verdicts));
  const shown = verdicts.filter((v) => v.actual === 'fail' && (opts.verbose || !v.matches));
  for (const v of shown) console.log(`\n${formatFailure(v)}`);
  const bad = verdicts.filter((v) => !v.matches);
  console.log(bad.length === 0 ? '\nevery verdict matches its expectation' : `\n${bad.length} verdict(s) differ from their expectation (marked !)`);
  return bad.length === 0 ? 0 : 1;
}

process.exitCode = main();
