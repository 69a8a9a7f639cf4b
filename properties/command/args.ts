// The command line of `npm run check`: what to check (variant files or folders, or a saved
// report) and how (properties, runs, seed, path, time limit, output), read by
// node:util's parseArgs (strict: an unknown option is an error) and checked value by value.

import path from 'path';
import { ParseArgsConfig, parseArgs as utilParseArgs } from 'util';
import { INVALIDATION, PROPERTY_IDS, PropertyId } from '../../model/variant';
import { optionsFromEnv } from '../engine/engine';
import { countScope, hasLayouts } from '../engine/exhaustive';
import { IntRule, RUNS, SEED, SettingError, readInt, readSwitch } from '../engine/settings';
import { Shard, parseShard } from '../engine/shard';
import { MIN_LIMIT_MS } from '../isolation/sync-child';
import { isShipped } from '../registry';
import { makeFolder, reportsDir } from '../reports/store';

/** The seed of every --bisect step when none is given (--seed, FC_SEED). */
export const BISECT_SEED = 1;

export const HELP = `Check guest_memfd invalidation variants against the harness's properties.

usage: npm run check -- [options] [variant.ts | variant.c | folder | kernel tree ...]
       npm run check -- --from-kernel TREE --patch FILE... [--review]
       npm run check -- --from-kernel TREE --rev A..B [--review]
       git bisect run npm --prefix HARNESS run -s check -- --from-kernel . --bisect --property ID[,ID]

With no file and no --from-kernel, every TypeScript variant in variants/ is checked. A file or
folder outside variants/ is checked by path; a new file under variants/ is picked up by name. A
.c file is compiled with gcc and checked the same way (see docs/porting.md, "In C"). Each
variant runs in a process of its own; nothing of it runs in the command.

  --property ID[,ID]  only these properties (${PROPERTY_IDS.join(', ')})
  --runs N            cases per property (default FC_NUM_RUNS or 1000)
  --seed S            fast-check seed (default FC_SEED or random); printed, so a run can be replayed
                      (a negative one is written --seed=-S)
  --path P            replay fast-check's path P (like 0:1:3, printed with each failure) of the
                      seed --seed or FC_SEED names, for one --property; saved reports are not
                      replayed first then
  --timeout MS        CPU time a case may use before the variant is suspected of hanging (default
                      2000, at least ${MIN_LIMIT_MS}); a suspected hang is run again alone in a fresh
                      process with twice the limits and only a second hang is reported (a case
                      that uses no CPU is suspected after four limits of wall time)
  --from-kernel PATH  check the invalidation functions of a kernel tree (or its guest_memfd.c),
                      taken as they are, with the era read from their signatures
  --patch FILE...     with --from-kernel TREE: apply these patches in order (format-patch files,
                      a b4 mbox of a series, mails or plain diffs; every file named after it is
                      one too) to a scratch copy of the files they touch, never to TREE, and judge
                      the file before and after each patch that touches it: what each patch fixed
                      or broke. Exit 1 if a patch breaks a property that passed before it
  --rev A..B          with --from-kernel TREE (a git repository): judge the file at A and at every
                      commit of A..B that touches it (read with git show, nothing checked out), a
                      commit x property table and the first commit whose verdict changed
  --bisect            with --from-kernel TREE and --property: a git bisect run step. Exit 0 good
                      (each property named passes), 1 bad (one fails), 125 when the commit cannot
                      be judged (no guest_memfd file, one the harness cannot take, or none of
                      the properties named judged there), 128 (aborts
                      the bisect) when the command line or the machine is wrong. Every step
                      runs seed ${BISECT_SEED} unless --seed or FC_SEED names another
  --review            with --patch or --rev: the result as plain text wrapped at 72 columns, to
                      paste into a mailing-list reply
  --report FILE       replay one saved report against its variant, for its property; exit 0 if
                      the variant's verdict on its case is the declared one (a kernel tree's
                      report: on the tree --from-kernel names, else on the file its record names;
                      a tree whose file changed since is said to have changed); no variant,
                      --property, --runs, --seed, --path or --exhaustive goes with it
  --live              with --report: build the report's self-checking C program instead and run it
                      on this machine's /dev/kvm; exit 0 PASS, 1 FAIL (no usable KVM: one line
                      "live: skipped: <why>", exit 0)
  --require-live      with --live: a live kernel that cannot be used is a failure (exit 2), not a
                      skip (also GMEM_REQUIRE_KVM=1), for a CI whose machines have KVM with guest_memfd
  --reports-dir DIR   where reports are read and written (default: REPORTS_DIR, else shrink-reports/
                      for shipped variants and kernel trees, and a shrink-reports/ folder beside a
                      variant checked by path). A kernel tree's reports, and any of --patch, --rev
                      and --bisect, are written only when this (or REPORTS_DIR) names a folder
  --exhaustive N      instead of random cases, every layout of up to 3 slots in a file of N pages
                      against every punch [s, e) with e <= N + 1, release and every folio
                      (a property a variant must fail may pass in a scope too small to reach its
                      failure); no case is drawn, so no --runs, --seed or --path goes with it
  --shard I/N         check only shard I of N (1/4 is the first of four, as jest --shard counts;
                      GMEM_SHARD=I/N when the flag is not given), to split the job over N machines: a
                      check's cases by index (every shard with one --seed), an --exhaustive
                      scope's layouts; a shard saves no report, and --merge joins the shards'
                      --json output into the whole run's table, reports and exit status
  --merge             the files named are the --json outputs of every shard of one run: print
                      (and save) what that run would have
  --no-typecheck      skip type-checking the variant files before running them
  --no-isolate        run variants in this process: about 4x faster per case, but a variant
                      that never returns then hangs the command (use for trusted variants)
  --prove             prove instead of sample: every input within a bound (npm run prove -- --help)
  --json              print one JSON object instead of the table (use npm run -s, or npx gmem-check,
                      so that npm's own banner does not come before it)
  --verbose           print every failure's counterexample, expected ones too
  -h, --help          this text

exit status: 0 every verdict matches the variant's expectation (a new variant expects to pass
every correctness property); 1 a property verdict differs (with --patch or --rev: a patch or
commit breaks a property that passed before it); 2 a variant file, a tree, a patch or the command
is broken, or something named cannot be judged. A file that is not a variant (.ts, .c), a folder of
them or a kernel tree is refused (2), never skipped; --bisect has its own codes (above).

examples:
  npm run check                                      # every shipped variant, the verdict table
  npm run check -- my-patch.ts                       # a variant of your own, by path
  npm run check -- variants/c/upstream.c             # a variant in C, compiled with gcc
  npm run check -- --from-kernel ~/linux             # the functions of a kernel tree
  npm run check -- --from-kernel ~/linux --patch ~/fix.patch      # what a patch changes
  npm run check -- --from-kernel ~/linux --patch ~/series.mbx --review > reply.txt
  npm run check -- --from-kernel ~/linux --rev v6.8..v6.14        # a commit x property table
  npm run check -- --runs 100000 --property no-stale-mapping variants/upstream.ts
  npm run check -- --seed=42 --path 0 --property no-stale-mapping variants/buggy.ts   # replay a failure
  npm run check -- --report shrink-reports/<name>.json
  npm run check -- --exhaustive 6 --shard 1/4 variants/upstream.ts
  npm run -s check -- --seed 7 --shard 1/4 --json > shard-1.json   # and 2/4, 3/4, 4/4, then:
  npm run check -- --merge shard-1.json shard-2.json shard-3.json shard-4.json`;

export interface Args {
  targets: string[];
  fromKernel: string[];
  /** --patch: the patch files, in the order named (with --patch, every positional is one). */
  patches: string[];
  rev?: string;
  bisect: boolean;
  review: boolean;
  properties?: PropertyId[];
  numRuns: number;
  seed: number;
  path?: string;
  timeoutMs: number;
  report?: string;
  live: boolean;
  /** With --live: a skip is a failure (--require-live, GMEM_REQUIRE_KVM=1). */
  requireLive: boolean;
  reportsDir?: string;
  exhaustive?: number;
  shard?: string;
  merge: boolean;
  typecheck: boolean;
  isolate: boolean;
  json: boolean;
  verbose: boolean;
  help: boolean;
}

export class UsageError extends Error {}

/** The options, as node:util parseArgs() reads them; every value is checked below. */
const OPTIONS = {
  property: { type: 'string' },
  runs: { type: 'string' },
  seed: { type: 'string' },
  path: { type: 'string' },
  timeout: { type: 'string' },
  report: { type: 'string' },
  live: { type: 'boolean' },
  'require-live': { type: 'boolean' },
  'reports-dir': { type: 'string' },
  'from-kernel': { type: 'string', multiple: true },
  patch: { type: 'string', multiple: true },
  rev: { type: 'string' },
  bisect: { type: 'boolean' },
  review: { type: 'boolean' },
  exhaustive: { type: 'string' },
  shard: { type: 'string' },
  merge: { type: 'boolean' },
  'no-typecheck': { type: 'boolean' },
  'no-isolate': { type: 'boolean' },
  json: { type: 'boolean' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

/** node:util's own words for a bad command line, as one sentence of ours. */
export function usageOf(e: unknown): UsageError {
  // not instanceof: node's own errors come from another realm under jest
  const m = typeof (e as Error | undefined)?.message === 'string' ? (e as Error).message : String(e);
  const unknown = /^Unknown option '([^']+)'/.exec(m);
  if (unknown) return new UsageError(`unknown option ${unknown[1]} (see --help)`);
  const missing = /^Option '(--[\w-]+)(?: <value>)?' argument missing/.exec(m);
  if (missing) return new UsageError(`${missing[1]} needs a value`);
  const dashed = /^Option '(--[\w-]+)[^']*' argument is ambiguous/.exec(m);
  if (dashed) return new UsageError(`${dashed[1]} needs a value; one that starts with "-" is written ${dashed[1]}=VALUE`);
  return new UsageError(m.split('\n')[0]);
}

/** A setting read by its rule; a value that breaks it is a usage error. */
function setting<T>(read: () => T): T {
  try {
    return read();
  } catch (e) {
    throw e instanceof SettingError ? new UsageError(e.message) : e;
  }
}

export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Args {
  let parsed: ReturnType<typeof utilParseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true; tokens: true }>>;
  try {
    parsed = utilParseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true, tokens: true });
  } catch (e) {
    throw usageOf(e);
  }
  const o = parsed.values;
  const int = (flag: string, raw: string | undefined, rule: IntRule, fallback: number): number =>
    raw === undefined ? fallback : setting(() => readInt(`--${flag}`, raw, rule));
  // the environment's FC_NUM_RUNS and FC_SEED, under the rules of --runs and --seed
  const { numRuns, seed } = optionsFromEnv(env);
  let properties: PropertyId[] | undefined;
  if (o.property !== undefined) {
    const ids = o.property.split(',');
    const bad = ids.filter((id) => !(PROPERTY_IDS as readonly string[]).includes(id));
    if (bad.length) throw new UsageError(`unknown property ${bad.join(', ')}; the properties are ${PROPERTY_IDS.join(', ')}`);
    properties = ids as PropertyId[];
  }
  // --patch a.patch b.patch (a shell's *.patch): the files after it are patches too, in order
  const patching = o.patch !== undefined;
  const patches = patching ? parsed.tokens.flatMap((t) => (t.kind === 'option' && t.name === 'patch' ? [t.value!] : t.kind === 'positional' ? [t.value] : [])) : [];
  // GMEM_SHARD, set for a whole CI job, shards what shards (a check, --exhaustive); a replay, a
  // merge or a series step of the job is not held to it, as FC_SEED is not (its value still is)
  const sharding = o.report === undefined && !o.merge && !patching && o.rev === undefined && !o.bisect && o.path === undefined;
  if (o.shard === undefined && env.GMEM_SHARD && !sharding) {
    try {
      parseShard(env.GMEM_SHARD);
    } catch (e) {
      throw new UsageError(`GMEM_SHARD: ${(e as Error).message}`);
    }
  }
  const a: Args = {
    targets: patching ? [] : parsed.positionals,
    fromKernel: o['from-kernel'] ?? [],
    patches,
    ...(o.rev !== undefined ? { rev: o.rev } : {}),
    bisect: o.bisect ?? false,
    review: o.review ?? false,
    ...(properties ? { properties } : {}),
    numRuns: int('runs', o.runs, RUNS, numRuns),
    seed: int('seed', o.seed, SEED, seed),
    ...(o.path !== undefined ? { path: o.path } : {}),
    // a day at most: a hang's confirmation waits up to eight limits, and Node's timers stop at 2^31 ms
    timeoutMs: int('timeout', o.timeout, { min: MIN_LIMIT_MS, max: 86_400_000, why: ' (CPU time is counted in 10 ms ticks)' }, 2000),
    ...(o.report !== undefined ? { report: o.report } : {}),
    live: o.live ?? false,
    requireLive: o['require-live'] ?? false,
    ...(o['reports-dir'] !== undefined ? { reportsDir: o['reports-dir'] } : {}),
    ...(o.exhaustive !== undefined ? { exhaustive: int('exhaustive', o.exhaustive, { min: 1, max: Number.MAX_SAFE_INTEGER }, 0) } : {}),
    ...(o.shard !== undefined ? { shard: o.shard } : env.GMEM_SHARD && sharding ? { shard: env.GMEM_SHARD } : {}),
    merge: o.merge ?? false,
    typecheck: !o['no-typecheck'],
    isolate: !o['no-isolate'],
    json: o.json ?? false,
    verbose: o.verbose ?? false,
    help: o.help ?? false,
  };
  if (a.live && a.report === undefined) throw new UsageError('--live runs the program of one saved report: give --report FILE too');
  if (a.report !== undefined && a.fromKernel.length > 1) throw new UsageError('--report replays one report: give at most one --from-kernel TREE, the tree a kernel tree\'s report runs on');
  if (a.live && a.json) throw new UsageError('--live prints the program\'s own lines, not JSON: leave out --json');
  if (a.requireLive && !a.live) throw new UsageError('--require-live makes a skipped --live run a failure: give --report FILE --live too');
  // the environment's switch, held to 1 or 0 on every run (a bad value: a SettingError, as FC_SEED's), used by --live
  const requireKvm = readSwitch('GMEM_REQUIRE_KVM', env.GMEM_REQUIRE_KVM);
  if (a.live) a.requireLive ||= requireKvm;
  const seeded = o.seed !== undefined || Boolean(env.FC_SEED);
  if (a.shard !== undefined) shardRules(a, seeded, o.shard !== undefined ? '--shard' : 'GMEM_SHARD');
  if (a.merge && (a.shard !== undefined || a.exhaustive !== undefined || a.report !== undefined || a.path !== undefined || a.fromKernel.length)) {
    throw new UsageError('--merge joins the --json outputs of a run\'s shards, named as its files: it checks nothing itself (no --shard, --exhaustive, --report, --path or --from-kernel)');
  }
  replayRules(a, { runs: o.runs !== undefined, seed: o.seed !== undefined });
  if (a.path !== undefined && a.properties?.length !== 1) throw new UsageError('--path replays the failure of one property: give it with --property');
  seriesRules(a);
  if (a.path !== undefined) pathRules(a.path, seeded);
  // each bisect step is a process of its own: a fresh seed per step could find a bug at one
  // commit and miss it at the next, and blame the wrong one
  if (a.bisect && o.seed === undefined && !env.FC_SEED) a.seed = BISECT_SEED;
  return a;
}

/**
 * What a --path needs: fast-check's path of a case (the index of the case, then of each shrink
 * step, as printed with a failure), and the seed it was printed with: under any other seed the
 * same path leads to another case.
 */
export function pathRules(p: string, seeded: boolean): void {
  if (!/^\d+(:\d+)*$/.test(p)) throw new UsageError(`--path needs fast-check's path of a case, non-negative integers joined by ":" as printed with a failure (like 0:1:3), got "${p}"`);
  if (!seeded) throw new UsageError('--path replays a case of one seed: give the seed it was printed with (--seed, or FC_SEED)');
}

/**
 * --report and --exhaustive: no flag they would ignore (a run that ignores what it was asked looks
 * like it did it). `drawn`: the flags of drawn cases given on the command line; FC_NUM_RUNS and
 * FC_SEED, which a CI sets for every run, are not held against them.
 */
function replayRules(a: Args, drawn: { runs: boolean; seed: boolean }): void {
  const given = (flags: ReadonlyArray<readonly [boolean, string]>) => flags.find(([on]) => on)?.[1];
  if (a.report !== undefined) {
    if (a.targets.length) throw new UsageError(`--report replays the variant its report names: ${a.targets[0]} would not be checked`);
    const flag = given([[a.properties !== undefined, '--property'], [a.path !== undefined, '--path'], [a.exhaustive !== undefined, '--exhaustive'], [drawn.runs, '--runs'], [drawn.seed, '--seed']]);
    if (flag) throw new UsageError(`${flag} does not go with --report: a report replays its own case, for its own property`);
  }
  if (a.exhaustive !== undefined) {
    if (a.path !== undefined) throw new UsageError('--path replays one case of a seed: --exhaustive runs every case of its scope, and has none');
    const flag = given([[drawn.runs, '--runs'], [drawn.seed, '--seed']]);
    if (flag) throw new UsageError(`${flag} does not go with --exhaustive: it runs every case of its scope, none drawn`);
  }
}

/** What a shard needs: a shard of i/n, of a check whose every shard draws the same cases (one seed), with a case for each. */
function shardRules(a: Args, seeded: boolean, from: '--shard' | 'GMEM_SHARD'): void {
  let shard: Shard;
  try {
    shard = parseShard(a.shard!);
  } catch (e) {
    throw new UsageError(`${from}: ${(e as Error).message}`);
  }
  if (a.exhaustive !== undefined) {
    // an --exhaustive shard splits the scope's layouts: one with none would judge nothing and look green
    if (!hasLayouts({ maxPages: a.exhaustive }, shard.count)) {
      const { layouts } = countScope({ maxPages: a.exhaustive });
      throw new UsageError(`${from} ${a.shard}: --exhaustive ${a.exhaustive} has ${layouts} layouts, and its shards split them: at most ${layouts} shards, one layout each`);
    }
    return;
  }
  if (a.path !== undefined || a.report !== undefined) throw new UsageError(`${from} splits a check's cases: a --path or a --report replays one case`);
  if (!seeded) throw new UsageError(`${from} splits the cases of one seed: give every shard the same --seed (or FC_SEED)`);
  if (shard.count > a.numRuns) throw new UsageError(`${from} ${a.shard}: ${shard.count} shards need at least ${shard.count} cases per property (--runs), one each`);
}

/** --patch, --rev and --bisect: one tree, one mode, and nothing they would ignore. */
function seriesRules(a: Args): void {
  const modes = [a.patches.length ? '--patch' : '', a.rev !== undefined ? '--rev' : '', a.bisect ? '--bisect' : ''].filter(Boolean);
  if (a.review && !a.patches.length && a.rev === undefined) throw new UsageError('--review writes the result of --patch or --rev: give one of them');
  if (modes.length === 0) return;
  if (modes.length > 1) throw new UsageError(`${modes.join(' and ')} are different checks: give one`);
  const mode = modes[0];
  if (a.fromKernel.length !== 1) throw new UsageError(`${mode} checks one kernel tree: give --from-kernel TREE once`);
  if (a.targets.length) throw new UsageError(`${mode} checks the tree alone: ${a.targets[0]} would not be checked`);
  for (const [on, flag] of [[a.exhaustive !== undefined, '--exhaustive'], [a.report !== undefined, '--report'], [a.path !== undefined, '--path'], [a.shard !== undefined, '--shard'], [a.merge, '--merge']] as const) {
    if (on) throw new UsageError(`${flag} does not go with ${mode}`);
  }
  if (a.review && a.json) throw new UsageError('--review and --json are two ways to print the result: give one');
  // a tree can fail another property at every commit, and git would then blame the first commit after GOOD
  if (a.bisect && !a.properties) throw new UsageError(`--bisect needs --property: name what regressed (every tree from 6.8 to 7.1 fails bind-within-file at every commit, so a bisect of all of them blames the first commit after GOOD); for the invalidation: --property ${INVALIDATION.join(',')}`);
}

const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');

/** The reports folder the user named: --reports-dir (a path from where they are), else REPORTS_DIR; and which named it. */
export function namedReportsFolder(flag: string | undefined): { readonly dir: string; readonly by: string } | undefined {
  if (flag) return { dir: userPath(flag), by: '--reports-dir' };
  return process.env.REPORTS_DIR ? { dir: process.env.REPORTS_DIR, by: 'REPORTS_DIR' } : undefined;
}

/**
 * The caches the environment names (GMEM_NATIVE_CACHE, GMEM_JS_CACHE), made before anything runs:
 * a file there would break each variant's start. The check and prove commands both refuse one
 * that cannot be made, naming the variable.
 */
export function prepareCacheFolders(env: NodeJS.ProcessEnv = process.env): void {
  for (const cache of ['GMEM_NATIVE_CACHE', 'GMEM_JS_CACHE']) {
    const dir = env[cache];
    if (dir) makeFolder(dir, `${cache}=${dir}`);
  }
}

/**
 * The reports folder the user named, made before anything runs (a run must not fail at its end
 * for want of it): a folder that exists or can be made, else an error naming the flag or the
 * variable. The check and prove commands both hold it to this rule.
 */
export function prepareReportsFolder(flag: string | undefined): string | undefined {
  const named = namedReportsFolder(flag);
  if (named) makeFolder(named.dir, `the reports folder ${named.dir} (${named.by})`);
  return named?.dir;
}

/**
 * Where a variant's reports are read and written: the folder the user named, else
 * shrink-reports/ for a shipped variant or a kernel tree (never inside the tree), and a
 * shrink-reports/ folder beside a variant checked by path. A kernel tree's are read there and
 * written only into a folder the user named (savesReports).
 */
export function reportsFolder(flag: string | undefined, l: { readonly file: string; readonly kernelTree: boolean }): string {
  const named = namedReportsFolder(flag);
  if (named) return named.dir;
  if (isShipped(l.file) || l.kernelTree) return reportsDir();
  return path.join(path.dirname(path.resolve(l.file)), 'shrink-reports');
}

/**
 * Whether a variant's confirmed failures are saved: always, but a kernel tree's only into a folder
 * the user named. shrink-reports/ holds the shipped variants' reviewed reports, replayed against
 * every variant by the harness's own tests: a tree's counterexample there would fail them.
 */
export const savesReports = (flag: string | undefined, l: { readonly kernelTree: boolean }): boolean => !l.kernelTree || namedReportsFolder(flag) !== undefined;

/**
 * A path on the command line, from where the user is: npm run moves to the package's folder and
 * says where it was run from in INIT_CWD. A child of an npm process inherits INIT_CWD wherever it
 * runs (git bisect run under an npm script, say), so it counts only in the package's folder.
 */
export const userPath = (p: string): string =>
  path.resolve(process.env.INIT_CWD && path.resolve(process.cwd()) === PACKAGE_ROOT ? process.env.INIT_CWD : process.cwd(), p);
