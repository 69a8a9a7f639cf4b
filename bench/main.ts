// The bench (npm run bench): mutant kill matrix, time to detection, shrink quality, exhaustive
// small scope on worker processes, then throughput alone on one core; writes bench/RESULTS.md.
// Exit 0 when every measurement agrees with the declarations, 1 when one does not, 2 on a bad command.

import fs from 'fs';
import os from 'os';
import path from 'path';
import { parseArgs } from 'util';
import { loadVariants } from '../properties/registry';
import { loadMutants } from './catalogue';
import { bugsOf } from './detection';
import { ScopeRun } from './exhaustive-scope';
import { Job, JobResult } from './jobs';
import { runPool } from './pool';
import { BenchConfig, BenchResults, problemsOf, render, summary } from './report';
import { ms } from './stats';
import { measureThroughput } from './throughput';
import { proveShipped, renderProve, writeProveSection } from './prove';
import { FULL_BOUND } from '../prover/shapes';

const USAGE = `usage: npm run bench -- [--quick] [--prove] [--workers N] [--out FILE]
  --quick      fewer seeds and a 5 s exhaustive budget: a smoke run, not the reference figures
  --prove      only the proof section (every TypeScript variant proved at the full bound, in this
               process: pin it with taskset -c 0), written into the results file in place of the last
  --workers N  worker processes (default: 2, or 1 on a single core)
  --out FILE   where to write the results (default bench/RESULTS.md)`;

const FULL: BenchConfig = {
  kill: { scanSeeds: 3, seeds: 100, cap: 10_000 },
  detection: { seeds: 200, cap: 10_000, naiveCap: 1000 },
  shrink: { seeds: 5, maxPages: 5 },
  scope: { budgetMs: 60_000, windowOrigin: '61', windowPages: 6, buggyPages: 5 },
  throughput: { cases: 3000, seed: 1, reps: 200 },
};

const QUICK: BenchConfig = {
  kill: { scanSeeds: 1, seeds: 10, cap: 10_000 },
  detection: { seeds: 20, cap: 10_000, naiveCap: 300 },
  shrink: { seeds: 1, maxPages: 4 },
  scope: { budgetMs: 5000, windowOrigin: '61', windowPages: 4, buggyPages: 4 },
  throughput: { cases: 500, seed: 1, reps: 50 },
};

function parse(argv: string[]) {
  const { values: o } = parseArgs({
    args: argv,
    options: { quick: { type: 'boolean' }, prove: { type: 'boolean' }, workers: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (o.help) { console.log(USAGE); process.exit(0); }
  const workers = o.workers === undefined ? Math.min(2, os.cpus().length) : Number(o.workers);
  if (!Number.isSafeInteger(workers) || workers < 1) throw new Error('--workers needs a positive integer');
  return { quick: o.quick ?? false, prove: o.prove ?? false, workers, out: o.out !== undefined ? path.resolve(o.out) : path.join(__dirname, 'RESULTS.md') };
}

async function main(): Promise<number> {
  let opts;
  try { opts = parse(process.argv.slice(2)); } catch (e) { console.error(`${(e as Error).message}\n${USAGE}`); return 2; }
  if (opts.prove) return proveSection(opts.out);
  const cfg = opts.quick ? QUICK : FULL;
  const t0 = performance.now();
  const shipped = loadVariants();
  const buggy = shipped.filter((v) => bugsOf(v).length > 0);
  const mutants = loadMutants();
  const LARGEST = ['upstream', 'fixed'];

  // longest first: the two exhaustive searches, then detection (the naive generator is slow), then the rest
  const jobs: Job[] = [
    ...LARGEST.map((variant): Job => ({ kind: 'scope-largest', variant, budgetMs: cfg.scope.budgetMs, origin: '0' })),
    ...buggy.map((v): Job => ({ kind: 'detection', variant: v.name, cfg: cfg.detection })),
    ...buggy.map((v): Job => ({ kind: 'shrink', variant: v.name, cfg: cfg.shrink })),
    ...mutants.map((m): Job => ({ kind: 'kill', mutant: m.variant.name, cfg: cfg.kill })),
    ...LARGEST.map((variant): Job => ({ kind: 'scope', variant, maxPages: cfg.scope.windowPages, origin: cfg.scope.windowOrigin })),
    ...shipped.filter((v) => !LARGEST.includes(v.name)).map((v): Job => ({ kind: 'scope', variant: v.name, maxPages: cfg.scope.buggyPages, origin: '0' })),
  ];
  let done = 0;
  console.log(`bench: ${jobs.length} jobs on ${opts.workers} worker(s)${opts.quick ? ' (quick)' : ''}`);
  const results = await runPool(jobs, opts.workers, (job, t) => {
    done++;
    const name = 'mutant' in job ? job.mutant : job.variant;
    if (job.kind !== 'kill' || done % 10 === 0 || t > 5000) console.log(`  [${done}/${jobs.length}] ${job.kind} ${name} ${ms(t)}`);
  });
  const of = <K extends JobResult['kind']>(kind: K) => results.filter((r): r is Extract<JobResult, { kind: K }> => r.kind === kind);
  const scopes = of('scope');
  const largest = scopes.slice(0, LARGEST.length).map((r) => r.runs);
  const rest: ScopeRun[] = scopes.slice(LARGEST.length).flatMap((r) => r.runs);

  console.log('  throughput (alone on one core)');
  const throughput = measureThroughput(shipped, cfg.throughput);

  const r: Omit<BenchResults, 'wallMs'> = {
    config: cfg,
    quick: opts.quick,
    date: new Date().toISOString().slice(0, 10),
    machine: `${os.cpus().length} x ${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}`,
    kills: of('kill').map((x) => x.row),
    detections: of('detection').flatMap((x) => x.rows),
    shrinks: of('shrink').flatMap((x) => x.rows),
    largest,
    window: rest.filter((x) => x.origin !== '0'),
    buggyScopes: rest.filter((x) => x.origin === '0'),
    ...throughput,
  };
  const final: BenchResults = { ...r, wallMs: performance.now() - t0 };
  fs.writeFileSync(opts.out, render(final));
  console.log(`\n${summary(final).join('\n')}\n\nwrote ${path.relative(process.cwd(), opts.out)} in ${ms(final.wallMs)}`);
  return problemsOf(final).length === 0 ? 0 : 1;
}

/** --prove: the proof section alone; exit 1 when a verdict is not the expected one. */
async function proveSection(out: string): Promise<number> {
  const load = `load average ${os.loadavg().map((x) => x.toFixed(1)).join(', ')} at the start`;
  const r = await proveShipped(FULL_BOUND, ({ proof, mismatches }) => console.log(`  ${proof.variant}: ${proof.paths} paths, ${proof.queries} queries, ${ms(proof.ms)} wall, ${ms(proof.cpuMs)} CPU${mismatches.length ? `, NOT EXPECTED: ${mismatches.join(', ')}` : ''}`));
  writeProveSection(out, renderProve(r, FULL_BOUND, `${load}, ${os.loadavg()[0].toFixed(1)} at the end`));
  console.log(`proof: ${ms(r.wallMs)} wall, ${ms(r.cpuMs)} CPU; wrote ${path.relative(process.cwd(), out)}`);
  return r.rows.some((x) => x.mismatches.length) ? 1 : 0;
}

main().then((code) => { process.exitCode = code; }, (e) => { console.error(e); process.exitCode = 2; });
