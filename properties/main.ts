// The command (npm run check, bin gmem-check): checks variant files against the properties and
// prints the verdict table, each failure's shrunk counterexample and its report. Each file runs
// in a worker thread with a per-case time limit, so a variant that throws, hangs or records
// garbage is a reported failure and the run goes on. Exit 0/1/2: see HELP in args.ts.

import fs from 'fs';
import path from 'path';
import { Variant } from '../model/variant';
import { Args, HELP, UsageError, parseArgs, userPath } from './args';
import { WHOLE, checkExhaustive, countScope, parseShard } from './exhaustive';
import { XarrayChoice } from './case';
import { Isolated, Verdict, checkVariant, saveFailure } from './engine';
import { formatFailure, formatOutcome } from './format';
import { IsolatedVariant } from './isolate';
import { PROPERTIES } from './properties';
import { Progress } from './progress';
import { VARIANTS_DIR, VariantFileError, historyRank, isShipped, loadVariantFile, loadVariants, variantFile } from './registry';
import { caseRecord } from './reports/record';
import { replay } from './reports/replay';
import { writeIndex } from './reports/index-page';
import { variantOf } from './reports/variant-of';
import { SavedReport, loadReport, loadReports, reportsDir } from './reports/store';
import { verdictTable } from './table';
import { typecheckVariants } from './typecheck';

const EXIT = { ok: 0, failed: 1, broken: 2 } as const;

/** Variant files named on the command line (folders expanded), or every file in variants/. */
export function variantFiles(targets: readonly string[]): string[] {
  targets = targets.map(userPath);
  const isVariant = (f: string) => (f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.test.ts')) || f.endsWith('.c');
  const expand = (t: string): string[] => {
    if (!fs.existsSync(t)) throw new VariantFileError(t, 'no such file or folder');
    if (!fs.statSync(t).isDirectory()) return [t];
    return fs.readdirSync(t).filter(isVariant).sort().map((f) => path.join(t, f));
  };
  return (targets.length ? targets : [VARIANTS_DIR]).flatMap(expand);
}

/** Where a variant's cases run when not in this process: a worker thread, or a compiled C child. */
type Runner = Isolated & { ready(): void; close(): void; prefetch?(seed: number, numRuns: number, xarray: XarrayChoice): void };

interface Loaded {
  readonly file: string;
  readonly variant: Variant;
  readonly isolated?: Runner;
}

/**
 * A C variant (a .c file, or the functions of a kernel tree): compiled with gcc and run in a
 * child process. native/ is loaded only here, so a machine without gcc still runs TypeScript.
 */
function loadC(file: string, fromKernel: boolean, timeoutMs: number): Loaded {
  const native = require('../native/cvariant') as typeof import('../native/cvariant');
  const { CIsolated } = require('../native/isolated') as typeof import('../native/isolated');
  const variant = fromKernel ? native.loadKernelVariant(file, { timeoutMs }) : native.loadCVariant(file, { timeoutMs });
  if (variant.warnings.trim()) console.error(`gcc warnings for ${file}:\n${variant.warnings.trimEnd()}\n`);
  const isolated = new CIsolated(variant);
  isolated.ready();
  return { file, variant, isolated };
}

/** Loads a file in its (already started) worker, if any, and in this process for its name and expectations. */
function load(file: string, isolated: Runner | undefined, shipped: readonly Variant[]): Loaded {
  isolated?.ready();
  const variant = loadVariantFile(file);
  const owner = isShipped(file) ? undefined : shipped.find((v) => v.name === variant.name);
  if (owner) {
    isolated?.close();
    const where = path.relative(path.dirname(VARIANTS_DIR), variantFile(owner) ?? VARIANTS_DIR);
    throw new VariantFileError(file, `the name "${variant.name}" belongs to ${where}; give your variant a name of its own`);
  }
  return { file, variant, isolated };
}

type Broken = Array<{ file: string; message: string }>;

/**
 * Every variant the command line names, type-checked, loaded and started where it will run;
 * what cannot be is `broken`. Workers start together and are waited on in turn.
 */
function loadAll(args: Args, shipped: readonly Variant[]): { loaded: Loaded[]; broken: Broken } {
  const all = variantFiles(args.targets);
  const files = all.filter((f) => f.endsWith('.ts'));
  const broken: Broken = [];
  if (args.typecheck) {
    for (const [file, e] of typecheckVariants(files)) broken.push({ file, message: e.message });
  }
  const runnable = files.filter((f) => !broken.some((b) => b.file === f));
  // --exhaustive runs in this process: no worker to start
  const workers = runnable.map((f) => (args.isolate && args.exhaustive === undefined ? new IsolatedVariant(f, args.timeoutMs) : undefined));
  const loaded: Loaded[] = [];
  const attempt = (file: string, get: () => Loaded) => {
    try {
      loaded.push(get());
    } catch (e) {
      broken.push({ file, message: (e as Error).message });
    }
  };
  runnable.forEach((file, i) => attempt(file, () => load(file, workers[i], shipped)));
  for (const file of all.filter((f) => f.endsWith('.c'))) attempt(file, () => loadC(file, false, args.timeoutMs));
  for (const tree of args.fromKernel.map(userPath)) attempt(tree, () => loadC(tree, true, args.timeoutMs));
  loaded.sort((a, b) => historyRank(a.variant.name) - historyRank(b.variant.name));
  // two files of one name would share a table row and report names: the second is refused
  for (let i = loaded.length - 1; i > 0; i--) {
    const first = loaded.findIndex((l) => l.variant.name === loaded[i].variant.name);
    if (first < i) {
      broken.push({ file: loaded[i].file, message: `${loaded[i].file}: the name "${loaded[i].variant.name}" is also the name of ${loaded[first].file}` });
      loaded[i].isolated?.close();
      loaded.splice(i, 1);
    }
  }
  return { loaded, broken };
}

type Checked = Verdict & { xarray: XarrayChoice; label: string; dir: string };

/** Every property of every loaded variant, in each xarray mode asked for; new reports indexed. */
function checkAll(args: Args, loaded: readonly Loaded[], shipped: readonly Variant[]): Checked[] {
  const props = args.properties ?? PROPERTIES.map((p) => p.id);
  const progress = new Progress(loaded.length * args.xarray.length * props.length * args.numRuns, !args.json && Boolean(process.stderr.isTTY));
  const verdicts: Checked[] = [];
  try {
    for (const { file, variant, isolated } of loaded) {
      const reports = reportsFor(file);
      for (const xarray of args.xarray) {
        const label = args.xarray.length > 1 ? `${variant.name} [${xarray}]` : variant.name;
        const opts = { numRuns: args.numRuns, seed: args.seed, path: args.path, xarray, properties: args.properties, reports, isolated, onCase: progress.tick };
        isolated?.prefetch?.(args.seed, args.numRuns, xarray);
        verdicts.push(...checkVariant(variant, opts).map((v) => ({ ...v, xarray, label, dir: reports.dir })));
      }
    }
    // index the folders that got a new report, replaying through the same workers: a variant
    // that hangs must not get a second chance to hang this process
    const touched = [...new Set(verdicts.filter((v) => v.report?.written).map((v) => v.dir))];
    const execFor = (v: Variant) => loaded.find((l) => l.variant === v)?.isolated?.run;
    const mine = loaded.map((l) => l.variant);
    const known = [...mine, ...shipped.filter((v) => !mine.some((m) => m.name === v.name))];
    for (const dir of touched) {
      try {
        writeIndex(dir, known, execFor);
      } catch (e) {
        console.error(`the index of ${dir} was not refreshed: ${(e as Error).message} (npm run reports:index)`);
      }
    }
  } finally {
    progress.finish();
    for (const l of loaded) l.isolated?.close();
  }
  return verdicts;
}

/** 2 if anything is broken (a file, or the harness on some case), else 1 if a verdict differs, else 0. */
function exitCode(broken: Broken, verdicts: ReadonlyArray<{ matches: boolean; harnessError?: string }>): number {
  if (broken.length || verdicts.some((v) => v.harnessError)) return EXIT.broken;
  return verdicts.every((v) => v.matches) ? EXIT.ok : EXIT.failed;
}

function printJson(args: Args, code: number, broken: Broken, verdicts: readonly Checked[]): void {
  console.log(JSON.stringify({
    seed: args.seed, numRuns: args.numRuns, exitCode: code, broken,
    verdicts: verdicts.map((v) => ({
      variant: v.variant, xarray: v.xarray, property: v.property, expected: v.expected, actual: v.actual, matches: v.matches,
      violations: v.violations ?? [], path: v.fromSavedReport ? null : v.path ?? null, report: v.report ? path.join(v.dir, `${v.report.stem}.md`) : null,
      counterexample: v.counterexample ? caseRecord(v.counterexample.case, v.xarray) : null,
    })),
  }, null, 2));
}

function printText(args: Args, code: number, broken: Broken, verdicts: readonly Checked[]): void {
  for (const b of broken) console.error(`broken: ${b.message}\n`);
  if (verdicts.length) {
    console.log(`seed ${args.seed}, ${args.numRuns} cases per property, xarray ${args.xarray.join(' and ')}\n`);
    console.log(verdictTable(verdicts.map((v) => ({ ...v, variant: v.label }))));
  }
  for (const v of verdicts.filter((x) => x.actual === 'fail' && (args.verbose || !x.matches))) {
    console.log(`\n${formatFailure(v)}${v.report ? `\nreport: ${path.join(v.dir, `${v.report.stem}.md`)}` : ''}`);
  }
  const written = verdicts.filter((v) => v.report?.written).map((v) => path.join(v.dir, `${v.report!.stem}.md`));
  if (written.length) console.log(`\nnew reports (indexed in their folder's README.md):\n${written.map((s) => `  ${s}`).join('\n')}`);
  const fixed = verdicts.flatMap((v) => v.fixedReports ?? []);
  if (fixed.length) console.log(`\nfixed (the variant now passes; npm run reports:prune removes them):\n${fixed.map((s) => `  ${s}`).join('\n')}`);
  const bad = verdicts.filter((v) => !v.matches).length;
  console.log(code === EXIT.ok ? '\nevery verdict matches its expectation'
    : `\n${bad} verdict(s) differ from their expectation (marked !)${broken.length ? `; ${broken.length} variant file(s) broken` : ''}`);
}

function run(argv: string[]): number {
  const args = parseArgs(argv);
  if (args.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  const shipped = loadVariants();
  if (args.report) return replayOne(userPath(args.report), shipped);
  const { loaded, broken } = loadAll(args, shipped);
  if (args.exhaustive !== undefined) return exhaustive(args, loaded, broken);
  const verdicts = checkAll(args, loaded, shipped);
  const code = exitCode(broken, verdicts);
  (args.json ? printJson : printText)(args, code, broken, verdicts);
  return code;
}

/** --exhaustive N: every case of the small scope, in this process, failures saved as reports. */
function exhaustive(args: Args, loaded: readonly Loaded[], broken: Broken): number {
  for (const l of loaded) l.isolated?.close();
  const shard = args.shard ? parseShard(args.shard) : WHOLE;
  const scope = { maxPages: args.exhaustive! };
  const verdicts = loaded.flatMap(({ file, variant }) => {
    const reports = reportsFor(file);
    return checkExhaustive(variant, { ...scope, shard, xarray: args.xarray[0], properties: args.properties }).map((v) => {
      const found = { seed: 0, path: `exhaustive N=${args.exhaustive} shard ${shard.index}/${shard.count}`, numRuns: v.numRuns, numShrinks: 0 };
      const report = v.counterexample ? saveFailure(reports.dir, variant, v.property, v.counterexample, args.xarray[0], [...(v.violations ?? [])], found) : undefined;
      return { ...v, report, dir: reports.dir };
    });
  });
  const code = exitCode(broken, verdicts);
  for (const b of broken) console.error(`broken: ${b.message}\n`);
  const { cases } = countScope(scope);
  console.log(`exhaustive: files of up to ${args.exhaustive} pages, shard ${shard.index}/${shard.count} of ${cases} cases per variant and property\n`);
  console.log(verdictTable(verdicts));
  for (const v of verdicts.filter((x) => x.actual === 'fail' && (args.verbose || !x.matches))) {
    console.log(`\n${v.variant} fails ${v.property} on ${v.failures} case(s); the smallest:\n${v.counterexample ? formatOutcome(v.counterexample) : v.harnessError}`);
    if (v.report) console.log(`report: ${path.join(v.dir, `${v.report.stem}.md`)}`);
  }
  console.log(code === EXIT.ok ? '\nevery verdict matches its expectation' : '\nsome verdicts differ from their expectation (marked !)');
  return code;
}

/**
 * Reports of a shipped variant (a file in variants/) go to shrink-reports/; those of a variant
 * checked by path go beside it, in <its folder>/shrink-reports/. REPORTS_DIR overrides both.
 */
const savedIn = new Map<string, SavedReport[]>();

function reportsFor(file: string): { dir: string; saved: SavedReport[] } {
  const dir = process.env.REPORTS_DIR || (isShipped(file) ? reportsDir() : path.join(path.dirname(path.resolve(file)), 'shrink-reports'));
  if (!savedIn.has(dir)) savedIn.set(dir, loadReports(dir));
  return { dir, saved: savedIn.get(dir)! };
}

/** --report: the saved case run again on today's variant of that name (or at the file it names). */
function replayOne(file: string, shipped: readonly Variant[]): number {
  const saved = loadReport(file);
  const { name } = saved.record.variant;
  const of = variantOf(saved, shipped);
  if (!of) throw new VariantFileError(file, `no variant named "${name}" in variants/`);
  const found = of.variant;
  const { outcome, violations } = replay(saved, found, of.exec);
  of.close();
  console.log(formatOutcome(outcome));
  const expected = found.expect[saved.record.property];
  if (violations.length > 0) {
    console.log(`\n${name} still fails ${saved.record.property}:\n${violations.map((v) => `  - ${v}`).join('\n')}`);
    return expected === 'pass' ? EXIT.failed : EXIT.ok;
  }
  console.log(`\n${name} now passes ${saved.record.property} on this case: the report is fixed (npm run reports:prune removes it)`);
  return expected === 'fail' ? EXIT.failed : EXIT.ok;
}

export function main(argv: string[]): number {
  try {
    return run(argv);
  } catch (e) {
    // a bad command line, report or variant file: one clear paragraph, not a stack trace
    console.error(e instanceof UsageError ? `${e.message}\n\n${HELP}` : (e as Error).message);
    return EXIT.broken;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
