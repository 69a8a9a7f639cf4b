// The command (npm run check, bin gmem-check): checks variant files against the properties and
// prints the verdict table, each failure's shrunk counterexample and its report. Each file runs
// in a process of its own (properties/isolation), so a variant that throws, hangs, crashes,
// prints or poisons its copy of the model is a reported failure and the run goes on; no
// variant code runs in this process. Exit 0/1/2: see HELP in args.ts.

import path from 'path';
import { PropertyId, expectationOf } from '../../model/variant';
import { runsIn } from '../../model/vm';
import { Args, HELP, UsageError, parseArgs, prepareCacheFolders, prepareReportsFolder, reportsFolder, savesReports, userPath } from './args';
import { ExhaustiveVerdict, WHOLE, checkExhaustive, countScope, parseShard } from '../engine/exhaustive';
import { Shard, shardName } from '../engine/shard';
import { HANDOVER_FORMAT, HandedVariant, Handover, handedVerdict } from './handover';
import { Outcome } from '../engine/execute';
import { Verdict, VariantInfo, checkVariant, notRunMatches, screens } from '../engine/engine';
import { outsideOf } from '../engine/saved-cases';
import { ReplayTarget, failureReplay, formatFailure, formatOutcome, shellWord } from '../format';
import { IsolatedRunner } from '../isolation/isolated';
import { warm } from '../isolation/transpile';
import { TsVariant } from '../isolation/ts-variant';
import { PROPERTIES, property, violations } from '../properties';
import { PortWarning, filterWarning, viewsWarning, formatPortWarning, portWarnings } from './port-check';
import { Progress } from './progress';
import { VariantFileError, cVariantName, historyRank, isShipped, loadVariantFile, sourceHashOf } from '../registry';
import { caseRecord, isKernelTree } from '../reports/record';
import { replay } from '../reports/replay';
import { ReportedVariant, reportedVariant } from '../reports/reporter';
import { writeIndex } from '../reports/index-page';
import { ReportVariant, childResolver, isolatedVariant } from '../reports/variant-of';
import { SavedReport, loadReport, loadReports } from '../reports/store';
import { BisectOutput, CheckOutput, ExhaustiveOutput, ReplayOutput, SeriesOutput, ShardOutput } from './output-schema';
import { SaveError, saveVerdict, withSaveErrors } from './save';
import { outliveClosedReaders } from './closed-output';
import { nameTaken, namedTargets } from './targets';
import { BISECT, BisectResult, bisectLine, bisectLoadFailure, bisectPrecheck, bisectVerdict } from './bisect';
import { Judge, compareStates, fileGone, seriesVerdict } from './compare';
import { headOf } from './git';
import { GMEM_FILES, seriesStates } from './patches';
import { rangeStates } from './revs';
import { reviewText } from './review';
import { SeriesContext, goneLine, replayCommand as seriesReplay, seriesJson, seriesText } from './series-print';
import { Snapshots } from './snapshots';
import { verdictTable } from './table';
import { typecheckInChild } from '../isolation/typecheck';

const EXIT = { ok: 0, failed: 1, broken: 2 } as const;

/** Where the command writes: its stdout and stderr, or a test's sink (main(argv, sink)). */
export interface Sink {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}
const STDIO: Sink = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };
let sink: Sink = STDIO;
const say = (text: string) => sink.out(`${text}\n`);
const warn = (text: string) => sink.err(`${text}\n`);
/** A variant's own output (its printk, its console.log): the command's stderr, never its stdout. */
const variantOutput = (text: string) => sink.err(text);
/** The type check of every file together, in its own process, before it counts as stuck. */
const TYPECHECK_LIMIT_MS = 120_000;

interface Loaded {
  readonly file: string;
  readonly info: VariantInfo;
  readonly who: ReportedVariant;
  /** Where its cases run: its own process (absent only with --no-isolate). */
  readonly isolated?: IsolatedRunner;
  readonly kernelTree: boolean;
  /** A kernel tree: the --from-kernel argument it was taken from (a tree, or its file). */
  readonly tree?: string;
  /** The files of other trees named on the command line that hold the same file: judged once, as this one. */
  readonly alsoAt: string[];
}

type Broken = ReadonlyArray<{ readonly file: string; readonly message: string }>;

/** A variant as --json lists it in every mode: its name, file, VM types and the trees that hold the same file. */
const checkedVariant = (l: Loaded): ExhaustiveOutput['variants'][number] =>
  ({ name: l.info.name, file: l.file, vmTypes: runsIn(l.info.vmTypes), ...(l.alsoAt.length ? { alsoAt: [...l.alsoAt] } : {}) });

/**
 * A C variant (a .c file, or the functions of a kernel tree): compiled with gcc and run in a
 * child process. native/ is loaded only here, so a machine without gcc still runs TypeScript.
 */
function loadC(file: string, fromKernel: boolean, timeoutMs: number, shownAs?: string): Loaded {
  // `file` is a tree (or its guest_memfd.c) for a kernel variant, the .c file for any other
  const native = require('../../native/cvariant') as typeof import('../../native/cvariant');
  // refused before gcc runs: the name is in the file's harness comment (or is its file's)
  const taken = fromKernel ? undefined : nameTaken(file, cVariantName(file));
  if (taken) throw new VariantFileError(file, taken);
  const variant = fromKernel ? native.loadKernelVariant(file, { timeoutMs, onStderr: variantOutput }, shownAs) : native.loadCVariant(file, { timeoutMs, onStderr: variantOutput });
  if (variant.warnings.trim()) warn(`gcc warnings for ${file}:\n${variant.warnings.trimEnd()}\n`);
  const { name, origin, expect, vmTypes, takes, zap, release_zap, convert, bind, bindEra } = variant;
  const info: VariantInfo = {
    name, origin, expect, ...(vmTypes ? { vmTypes } : {}), ...(takes ? { takes } : {}),
    ...(zap ? { zap, release_zap } : {}), ...(convert ? { convert } : {}), ...(bind ? { bind, ...(bindEra ? { bindEra } : {}) } : {}),
  };
  return {
    file: variant.file, info, who: reportedVariant(info, sourceHashOf(variant.file), variant.file), isolated: new IsolatedRunner(variant.runner),
    kernelTree: fromKernel, ...(fromKernel ? { tree: file } : {}), alsoAt: [],
  };
}

/** A TypeScript file: its declarations from its own process (or, with --no-isolate, loaded here). */
function loadTs(file: string, child: TsVariant | undefined): Loaded {
  const info: VariantInfo = child ? child.ready() : loadVariantFile(file);
  const refuse = (why: string) => {
    child?.runner.close();
    throw new VariantFileError(file, why);
  };
  const stem = path.basename(file, '.ts');
  if (isShipped(file) && info.name !== stem) refuse(`a variant under variants/ is named after its file: name it "${stem}" (or rename the file to ${info.name}.ts)`);
  const taken = nameTaken(file, info.name);
  if (taken) refuse(taken);
  const isolated = child ? new IsolatedRunner(child.runner) : undefined;
  return { file, info, who: reportedVariant(info, sourceHashOf(file), file), isolated, kernelTree: false, alsoAt: [] };
}

/**
 * Every variant the command line names, type-checked, loaded and started where it will run;
 * what cannot be is `broken`. The variants' processes start together, while the type check runs.
 */
function loadAll(args: Args): { loaded: Loaded[]; broken: Broken } {
  const { files: all, trees } = namedTargets(args.targets, args.fromKernel.length > 0);
  const files = all.filter((f) => f.endsWith('.ts'));
  const broken: Array<Broken[number]> = [];
  const children = new Map<string, TsVariant>();
  if (args.isolate) {
    warm(files);
    for (const f of files) children.set(f, new TsVariant(f, { timeoutMs: args.timeoutMs, onOutput: variantOutput }));
  }
  const typeErrors = args.typecheck ? typecheckInChild(files, TYPECHECK_LIMIT_MS) : new Map<string, VariantFileError>();
  const loaded: Loaded[] = [];
  const attempt = (file: string, get: () => Loaded) => {
    try {
      loaded.push(get());
    } catch (e) {
      broken.push({ file, message: (e as Error).message });
    }
  };
  for (const file of files) {
    const typeError = typeErrors.get(file);
    if (typeError) {
      children.get(file)?.runner.close();
      broken.push({ file, message: typeError.message });
      continue;
    }
    attempt(file, () => loadTs(file, children.get(file)));
  }
  for (const file of all.filter((f) => f.endsWith('.c'))) attempt(file, () => loadC(file, false, args.timeoutMs));
  for (const tree of [...args.fromKernel.map(userPath), ...trees]) attempt(tree, () => loadC(tree, true, args.timeoutMs));
  loaded.sort((a, b) => historyRank(a.info.name) - historyRank(b.info.name));
  // two files of one name would share a table row and report names: the second is refused, but
  // for two trees that hold the same file, which are one variant, judged once
  for (let i = loaded.length - 1; i > 0; i--) {
    const first = loaded.findIndex((l) => l.info.name === loaded[i].info.name);
    if (first < i) {
      const [a, b] = [loaded[first], loaded[i]];
      if (a.kernelTree && b.kernelTree && a.who.sourceHash === b.who.sourceHash) {
        a.alsoAt.unshift(b.file, ...b.alsoAt);
        warn(`${b.file} is the same file as ${a.file} (${a.info.name}): judged once`);
      } else broken.push({ file: b.file, message: `${b.file}: the name "${b.info.name}" is also the name of ${a.file}` });
      b.isolated?.close();
      loaded.splice(i, 1);
    }
  }
  return { loaded, broken };
}

const UNSAVED = '\na kernel tree\'s counterexamples are saved as reports only into a folder you name: add --reports-dir DIR (or set REPORTS_DIR)';

const savedIn = new Map<string, SavedReport[]>();
function savedReports(dir: string): SavedReport[] {
  if (!savedIn.has(dir)) savedIn.set(dir, loadReports(dir));
  return savedIn.get(dir)!;
}

/**
 * A verdict with the reports folder of its variant; `unsaved`: a failure not saved as a report (a
 * kernel tree's, no folder named); `saveError`: its report could not be saved.
 */
type Checked = Verdict & { dir: string; unsaved?: boolean; saveError?: SaveError };

/** Variants already running, for replaying reports (the index) without starting them again. */
function reuseFrom(loaded: readonly Loaded[]) {
  return (name: string, file?: string): ReportVariant | undefined => {
    const l = loaded.find((x) => x.info.name === name && (file === undefined || path.resolve(x.file) === path.resolve(file)));
    // a runner whose variant hung runs nothing more: its reports are replayed in a fresh one
    return l?.isolated && !l.isolated.runner.hung ? isolatedVariant(l.info, l.who.sourceHash, l.isolated.runner, () => undefined) : undefined;
  };
}

const checkedNames = (loaded: readonly Loaded[]) => new Set(loaded.map((l) => l.info.name));

/**
 * Every property of every loaded variant; confirmed failures saved and indexed unless `save` is
 * false. The variants' processes are closed at the end, unless `keepOpen`.
 */
function checkAll(args: Args, loaded: readonly Loaded[], how: { save: boolean; keepOpen?: boolean } = { save: true }): Checked[] {
  const shard = args.shard ? parseShard(args.shard) : undefined;
  // a shard saves nothing: --merge saves what the whole run found
  const save = how.save && !shard;
  const props = args.properties ?? PROPERTIES.map((p) => p.id);
  // a screened check draws each case once for all its properties; any other, once per property
  const draws = loaded.reduce((n, l) => n + (screens({ isolated: l.isolated, path: args.path }) ? 1 : props.length), 0);
  const progress = new Progress(draws * args.numRuns, !args.json && Boolean(process.stderr.isTTY));
  const verdicts: Checked[] = [];
  try {
    for (const { file, info, who, isolated, kernelTree } of loaded) {
      const dir = reportsFolder(args.reportsDir, { file, kernelTree });
      const saved = savedReports(dir);
      const opts = { numRuns: args.numRuns, seed: args.seed, path: args.path, properties: args.properties, saved, isolated, onCase: progress.tick, shard };
      if (!args.path) isolated?.prefetch(args.seed, args.numRuns, info, shard);
      const saveHere = save && savesReports(args.reportsDir, { kernelTree });
      for (const v of checkVariant(info, opts)) {
        const r = saveHere ? saveVerdict(v, { ...who, expected: (id) => expectationOf(info, id) }, { dir, saved }) : v;
        verdicts.push({ ...r, dir, ...(save && !saveHere && v.actual === 'fail' ? { unsaved: true } : {}) });
      }
    }
    if (save) refreshIndexes(args, verdicts, checkedNames(loaded), reuseFrom(loaded));
  } finally {
    progress.finish();
    if (!how.keepOpen) for (const l of loaded) l.isolated?.close();
  }
  return verdicts;
}

/** A run whose every verdict is 'not judged' judged nothing: it is no green run (exit 2), and this says why. */
function nothingJudged(verdicts: ReadonlyArray<{ actual: string; violations?: readonly string[] }>): string | null {
  if (!verdicts.length || !verdicts.every((v) => v.actual === 'not-judged')) return null;
  const why = (verdicts[0].violations?.[0] ?? '').replace(/^not judged: /, '');
  return `nothing was judged for the variants and properties asked for (${why}): a run that judges nothing is not a pass`;
}

/** 2 if anything is broken (a file, or the harness on some case), else 1 if a verdict differs, else 0. */
function exitCode(broken: Broken, verdicts: ReadonlyArray<{ matches: boolean; harnessError?: string }>): CheckOutput['exitCode'] {
  if (broken.length || verdicts.some((v) => v.harnessError)) return EXIT.broken;
  return verdicts.every((v) => v.matches) ? EXIT.ok : EXIT.failed;
}

/** A variant the command ran, as --json lists it. */
type RanVariant = CheckOutput['variants'][number];

/** A path as a command line the user types should name it: from where they are, or absolute; quoted for the shell if it must be. */
function typed(p: string): string {
  const rel = path.relative(process.env.INIT_CWD ?? process.cwd(), p);
  const shown = rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : path.resolve(p);
  return shellWord(shown);
}

/** How the replay line names each variant: its file, or --from-kernel and the tree it was taken from. */
const replayTargets = (loaded: readonly Loaded[]) => (v: Checked): ReplayTarget => {
  const l = loaded.find((x) => x.info.name === v.variant);
  const variant = !l ? "<the variant's file>" : l.tree ? `--from-kernel ${typed(l.tree)}` : typed(l.file);
  return { variant, ...(v.report ? { report: typed(path.join(v.dir, `${v.report.stem}.json`)) } : {}) };
};

const ranOf = (l: Loaded): RanVariant => ({
  ...checkedVariant(l), maxViews: l.info.takes === 'inode' ? 3 : 1,
  split: l.info.convert ? 'converts' : l.info.zap ? 'huge-pages' : 'no', hangConfirmations: l.isolated?.runner.confirmations ?? 0,
  bind: l.info.bind ? l.info.bindEra ?? '6.8' : null,
});

/** The report a verdict was saved as (its page), if any. */
const reportPath = (v: { report?: { stem: string }; dir: string }): string | undefined => (v.report ? path.join(v.dir, `${v.report.stem}.md`) : undefined);

/** One verdict as --json lists it; `replay` the command that runs its failure again. */
const verdictJson = (v: Checked, replay: string | undefined): CheckOutput['verdicts'][number] => ({
  variant: v.variant, property: v.property, expected: v.expected, actual: v.actual, matches: v.matches,
  violations: [...(v.violations ?? [])], path: v.fromSavedReport ? null : v.path ?? null, replay: replay ?? null, report: reportPath(v) ?? null,
  confirmation: v.confirmation ?? null, notRun: v.notRun ?? false,
  counterexample: v.counterexample ? caseRecord(v.counterexample.case) : null,
  history: v.history ? v.history.map(caseRecord) : null,
});

/** --json of a check (or, with its exit codes, of a bisect step). */
function printJson(args: Args, mode: { mode: 'check'; exitCode: CheckOutput['exitCode'] } | { mode: 'bisect'; exitCode: BisectOutput['exitCode']; why: string },
  broken: Broken, verdicts: readonly Checked[], ran: readonly RanVariant[], warnings: readonly PortWarning[], target: (v: Checked) => ReplayTarget): void {
  const out: CheckOutput | BisectOutput = {
    ...mode, seed: args.seed, numRuns: args.numRuns, broken: [...broken], variants: [...ran], warnings: [...warnings],
    verdicts: verdicts.map((v) => verdictJson(v, failureReplay(v, target(v)))),
  };
  say(JSON.stringify(out, null, 2));
}

/** Which VMs the cases ran in, under the table: a filter is only judged where a VM honours it. */
function vmLine(ran: readonly RanVariant[]): string {
  const tdx = ran.filter((r) => r.vmTypes.includes('tdx')).map((r) => r.name);
  if (tdx.length === 0) return 'cases in default VMs only (no variant runs in a TDX VM, the one VM where a range\'s attribute filter counts)';
  const rest = ran.length - tdx.length;
  return `cases in default VMs, and in TDX VMs too for ${tdx.join(', ')}${rest ? ' (the others in default VMs only)' : ''}${viewsLine(ran)}`;
}

/** Which variants' cases had several views of the file: the ones whose functions take the inode. */
function viewsLine(ran: readonly RanVariant[]): string {
  const several = ran.filter((r) => r.maxViews > 1).map((r) => r.name);
  const split = ran.filter((r) => r.split !== 'no').map((r) => `${r.name}${r.split === 'converts' ? '' : ' (no conversions: it has no convert())'}`);
  return (several.length ? `; files with 1 to 3 views (one per VM) for ${several.join(', ')}, whose functions take the inode` : '') +
    (split.length ? `; files with huge pages (page order 9 or 18) and conversions for ${split.join(', ')}, of the split era` : '');
}

function printText(args: Args, code: number, broken: Broken, verdicts: readonly Checked[], ran: readonly RanVariant[], target: (v: Checked) => ReplayTarget): void {
  for (const b of broken) warn(`broken: ${b.message}\n`);
  if (verdicts.length) {
    // a --path replays the cases along that path (the failure and its shrinks), not --runs cases
    const runs = args.path !== undefined ? `replaying path ${args.path}`
      : args.shard ? `shard ${args.shard} of ${args.numRuns} cases per property (its block of cases by index: npm run check -- --merge joins every shard's --json)`
        : `${args.numRuns} cases per property`;
    say(`seed ${args.seed}, ${runs}\n`);
    say(verdictTable(verdicts));
    say(vmLine(ran));
  }
  for (const v of verdicts.filter((x) => x.actual === 'fail' && !x.notRun && (args.verbose || !x.matches))) {
    say(`\n${formatFailure(v, target(v))}${v.report ? `\nreport: ${reportPath(v)}` : ''}`);
  }
  if (verdicts.some((v) => v.unsaved)) say(UNSAVED);
  const written = verdicts.filter((v) => v.report?.written).map((v) => path.join(v.dir, `${v.report!.stem}.md`));
  if (written.length) say(`\nnew reports (indexed in their folder's README.md):\n${written.map((s) => `  ${s}`).join('\n')}`);
  const fixed = verdicts.flatMap((v) => v.fixedReports ?? []);
  if (fixed.length) say(`\nfixed (the variant now passes; npm run reports:prune removes them):\n${fixed.map((s) => `  ${s}`).join('\n')}`);
  const bad = verdicts.filter((v) => !v.matches).length;
  const notSaved = verdicts.filter((v) => v.saveError).length;
  const files = broken.length - notSaved;
  say(code === EXIT.ok ? '\nevery verdict matches its expectation'
    : verdicts.length === 0 ? `\nnothing was judged: ${broken.length} file(s) or tree(s) broken (above)`
      : `\n${bad ? `${bad} verdict(s) differ from their expectation (marked !)` : 'no verdict differs from its expectation'}${files ? `; ${files} file(s) or tree(s) broken (above)` : ''}${notSaved ? `; ${notSaved} report(s) not saved (above)` : ''}`);
}

function run(argv: string[]): number {
  const args = parseArgs(argv);
  if (args.help) {
    say(HELP);
    return EXIT.ok;
  }
  // every mode refuses a cache that cannot be made before it runs anything (this file was loaded
  // through the default cache meanwhile: transpile.js install())
  prepareCacheFolders();
  if (args.report) return replayOne(args, userPath(args.report));
  if (args.merge) return mergeRun(args);
  // a folder the user named must take reports before the run, not fail it at its end
  const named = prepareReportsFolder(args.reportsDir);
  if (args.bisect) return bisectStep(args, named);
  if (args.patches.length || args.rev !== undefined) return series(args, named);
  const { loaded, broken } = loadAll(args);
  // port mistakes, where they are written, before any verdict
  const warnings = loaded.flatMap((l) => [...portWarnings(l.file), ...filterWarning(l.file, l.info.vmTypes), ...viewsWarning(l.file, l.info.takes)]);
  for (const w of warnings) warn(formatPortWarning(w));
  if (args.exhaustive !== undefined) return exhaustive(args, loaded, broken, warnings);
  const verdicts = checkAll(args, loaded);
  const all = withSaveErrors(broken, verdicts);
  const code = exitCode(all, verdicts);
  const ran = loaded.map(ranOf);
  if (args.shard && args.json) return printShard(args, 'check', code, loaded, ran, broken, warnings, verdicts);
  const nothing = nothingJudged(verdicts);
  if (nothing) {
    if (args.json) printJson(args, { mode: 'check', exitCode: EXIT.broken }, [...all, { file: '-', message: nothing }], verdicts, ran, warnings, replayTargets(loaded));
    else warn(nothing);
    return EXIT.broken;
  }
  if (args.json) printJson(args, { mode: 'check', exitCode: code }, all, verdicts, ran, warnings, replayTargets(loaded));
  else printText(args, code, all, verdicts, ran, replayTargets(loaded));
  return code;
}

/** Reports of a patch, range or bisect check go only to a folder the user named: each would otherwise land in the harness's own. */
const seriesHow = (named: string | undefined) => ({ save: named !== undefined, keepOpen: true });

/** --bisect: the checked-out tree judged, the result in git bisect run's exit codes (bisect.ts). */
function bisectStep(args: Args, named: string | undefined): number {
  const tree = userPath(args.fromKernel[0]);
  // with --json, stdout is the step's object whatever the answer, and its line goes to stderr
  const answer = (r: BisectResult) => {
    if (!args.json) say(bisectLine(r));
    else {
      printJson(args, { mode: 'bisect', exitCode: r.code, why: r.why }, [{ file: tree, message: r.why }], [], [], [], replayTargets([]));
      warn(bisectLine(r));
    }
    return r.code;
  };
  const early = bisectPrecheck(tree);
  if (early) return answer(early);
  let loaded: Loaded;
  try {
    loaded = loadC(tree, true, args.timeoutMs);
  } catch (e) {
    return answer(bisectLoadFailure(e as Error));
  }
  try {
    const verdicts = checkAll(args, [loaded], seriesHow(named));
    // a report not saved is the harness failing (a full folder): it would fail at every commit
    const notSaved = withSaveErrors([], verdicts);
    const r = notSaved.length ? { code: BISECT.abort, why: 'a report could not be saved (above)' } : bisectVerdict(verdicts);
    if (args.json) {
      printJson(args, { mode: 'bisect', exitCode: r.code, why: r.why }, notSaved, verdicts, [ranOf(loaded)], [], replayTargets([loaded]));
      warn(bisectLine(r));
    }
    else {
      printText(args, exitCode(notSaved, verdicts), notSaved, verdicts, [ranOf(loaded)], replayTargets([loaded]));
      if (!named && verdicts.some((v) => v.actual === 'fail')) say('(no report written: a bisect step writes none unless --reports-dir names a folder)');
      say('');
    }
    return args.json ? r.code : answer(r);
  } finally {
    loaded.isolated?.close();
  }
}

/** --patch or --rev: the file's states judged with one seed and compared (compare.ts), printed or written as a review. */
function series(args: Args, named: string | undefined): number {
  const tree = userPath(args.fromKernel[0]);
  const snapshots = new Snapshots(named);
  try {
    const made = args.rev !== undefined ? rangeStates(tree, args.rev, snapshots) : seriesStates(tree, args.patches.map(userPath), snapshots);
    const patchesOf = 'patches' in made ? made : undefined;
    const judgedAs: Loaded[] = [];
    const all: Checked[] = [];
    const warnings: PortWarning[] = [];
    const judge: Judge = (dir, shownAs) => {
      const l = loadC(dir, true, args.timeoutMs, shownAs);
      // a C port mistake (flush = flush || f()) is a kernel mistake too: said at its line, as the state names it
      for (const w of portWarnings(l.file)) {
        warnings.push({ ...w, file: shownAs });
        warn(formatPortWarning(warnings[warnings.length - 1]));
      }
      let verdicts: Checked[];
      try {
        verdicts = checkAll(args, [l], seriesHow(named));
      } catch (e) {
        l.isolated?.close();
        throw e;
      }
      judgedAs.push(l);
      all.push(...verdicts);
      return { name: l.info.name, info: l.info, verdicts, isolated: l.isolated! };
    };
    const properties = args.properties ?? PROPERTIES.map((p) => p.id);
    const replay = (id: PropertyId) => [
      '--from-kernel', tree, ...(args.rev !== undefined ? ['--rev', args.rev] : args.patches.flatMap((p) => ['--patch', userPath(p)])),
      '--seed', String(args.seed), '--runs', String(args.numRuns), '--property', id,
    ];
    const ctx: SeriesContext = {
      kind: args.rev !== undefined ? 'rev' : 'patch', tree, seed: args.seed, numRuns: args.numRuns, replay,
      reportOf: (v) => reportPath(v as Checked),
      ...(args.rev !== undefined ? { range: args.rev, commitsInRange: (made as { commitsInRange: number }).commitsInRange } : {}),
      ...(patchesOf ? { patches: patchesOf.patches, untouched: patchesOf.untouched, skipped: patchesOf.skipped } : {}),
      ...(args.rev === undefined ? (() => { const head = headOf(tree, GMEM_FILES); return head ? { head } : {}; })() : {}),
    };
    if (made.states.length === 1) {
      // nothing after the first state touches the file: judging it alone would answer no question
      const none = args.rev !== undefined ? `no commit of ${args.rev} (${ctx.commitsInRange} commits) touches ${GMEM_FILES.join(' or ')}`
        : `none of the ${patchesOf!.patches.length} patch(es) touches ${GMEM_FILES.join(' or ')} (${patchesOf!.patches.length} applied cleanly)`;
      // --json: the usual object, nothing judged, and `series.nothingJudged` saying why
      if (args.json) {
        const out: SeriesOutput = { mode: 'series', seed: args.seed, numRuns: args.numRuns, exitCode: EXIT.ok, broken: [], variants: [], warnings: [], series: { kind: ctx.kind, nothingJudged: none }, verdicts: [] };
        say(JSON.stringify(out, null, 2));
      }
      else say(`${none}: nothing judged`);
      return EXIT.ok;
    }
    const cmp = compareStates(made.states, judge, { properties });
    const verdict = seriesVerdict(cmp);
    const notSaved = withSaveErrors([], all);
    const code = verdict === 'unjudged' || notSaved.length ? EXIT.broken : verdict === 'broke' ? EXIT.failed : EXIT.ok;
    const gone = goneLine(cmp, ctx.kind);
    const broken = withSaveErrors([
      ...cmp.results.filter((r) => r.missing?.kind === 'broken').map((r) => ({ file: r.state.label, message: r.missing!.why })),
      ...(gone ? [{ file: fileGone(cmp)!.state.label, message: gone }] : []),
    ], all);
    if (args.json) {
      // a state's verdict is replayed as the whole check is, for its property (its file is a scratch copy)
      const replay = (v: Checked) => (v.actual === 'fail' && !v.notRun ? seriesReplay(ctx.replay(v.property)) : undefined);
      const out: SeriesOutput = {
        mode: 'series', seed: args.seed, numRuns: args.numRuns, exitCode: code, broken, variants: judgedAs.map(ranOf), warnings: [...warnings],
        series: seriesJson(cmp, ctx), verdicts: all.map((v) => verdictJson(v, replay(v))),
      };
      say(JSON.stringify(out, null, 2));
    } else if (args.review) say(reviewText(cmp, ctx));
    else {
      say(seriesText(cmp, ctx));
      say(verdict === 'unjudged' ? `\n${gone && !cmp.results.some((r) => r.missing?.kind === 'broken') ? 'the file is gone' : 'something could not be judged'} (above): no verdict`
        : verdict === 'broke' ? `\na ${ctx.kind === 'patch' ? 'patch' : 'commit'} breaks a property that passed before it (BROKE above)`
          : `\nno ${ctx.kind === 'patch' ? 'patch' : 'commit'} breaks a property that passed before it`);
    }
    if (!args.json) for (const b of notSaved) warn(`broken: ${b.message}`);
    return code;
  } finally {
    snapshots.close();
  }
}

/** --exhaustive N: every case of the small scope, each variant in its own process, confirmed failures saved as reports. */
function exhaustive(args: Args, loaded: readonly Loaded[], broken: Broken, warnings: readonly PortWarning[]): number {
  const shard = args.shard ? parseShard(args.shard) : WHOLE;
  for (const l of loaded.filter((x) => x.info.zap)) {
    warn(`warning: ${l.file}: --exhaustive enumerates files of 4 KiB pages; its huge pages and conversions (the split era's cases) are left to the generated check\n`);
  }
  const scope = { maxPages: args.exhaustive! };
  const verdicts = loaded.flatMap(({ file, info, who, isolated, kernelTree }): ExhaustiveChecked[] => {
    const dir = reportsFolder(args.reportsDir, { file, kernelTree });
    const saved = savedReports(dir);
    try {
      let hangShown = false;
      return checkExhaustive(info, { ...scope, shard, properties: args.properties, exec: isolated }).map((v) => {
        // a hang stops every property on the same case: the first reports it, as a check does
        const notRun = v.counterexample?.fault?.hang === true && hangShown;
        hangShown ||= v.counterexample?.fault?.hang === true;
        const verdict = { ...v, ...(notRun ? { matches: notRunMatches(v.expected) } : {}), seed: 0, path: exhaustivePath(args.exhaustive!), numShrinks: 0, notRun, confirmation: confirmSmallest(v, isolated) };
        // a shard saves nothing: --merge saves what the whole scope found
        if (args.shard) return { ...verdict, dir };
        if (!savesReports(args.reportsDir, { kernelTree })) return { ...verdict, dir, unsaved: v.actual === 'fail' };
        const r = saveVerdict(verdict, { ...who, expected: (id) => expectationOf(info, id) }, { dir, saved });
        return { ...verdict, ...(r.report ? { report: r.report } : {}), ...(r.saveError ? { saveError: r.saveError } : {}), dir, unsaved: false };
      });
    } finally {
      isolated?.close();
    }
  });
  const all = withSaveErrors(broken, verdicts);
  const code = exitCode(all, verdicts);
  if (args.shard) {
    if (args.json) return printShard(args, 'exhaustive', code, loaded, loaded.map(ranOf), broken, warnings, verdicts);
  } else refreshIndexes(args, verdicts, checkedNames(loaded), reuseFrom(loaded));
  return printExhaustive(args, code, all, verdicts, loaded.map(checkedVariant));
}

/** The path a report of the exhaustive scope records: the whole scope, never a shard of it (a shard saves nothing; --merge saves the whole scope's). */
const exhaustivePath = (maxPages: number) => `exhaustive N=${maxPages} shard 1/1`;

type ExhaustiveChecked = ExhaustiveVerdict & { seed: number; path: string; notRun?: boolean; confirmation?: Verdict['confirmation']; report?: { stem: string; written: boolean }; dir: string; unsaved?: boolean; saveError?: SaveError };

/** An exhaustive run's verdicts, as a table with each failure's smallest case, or as JSON; its exit status. */
function printExhaustive(args: Args, code: CheckOutput['exitCode'], broken: Broken, verdicts: readonly ExhaustiveChecked[], variants: ExhaustiveOutput['variants']): number {
  const shard = args.shard ? parseShard(args.shard) : WHOLE;
  const nothing = nothingJudged(verdicts);
  if (nothing) {
    warn(nothing);
    return EXIT.broken;
  }
  const { cases } = countScope({ maxPages: args.exhaustive! });
  if (args.json) {
    const out: ExhaustiveOutput = {
      mode: 'exhaustive',
      exhaustive: { maxPages: args.exhaustive!, shard: shardName(shard), casesPerVmType: cases },
      exitCode: code, broken: [...broken],
      variants: [...variants],
      verdicts: verdicts.map((v) => ({
        variant: v.variant, property: v.property, expected: v.expected, actual: v.actual, matches: v.matches, failures: v.failures,
        violations: v.counterexample ? [...(v.violations ?? [])] : v.harnessError ? [v.harnessError] : [],
        report: reportPath(v) ?? null,
        counterexample: v.counterexample ? caseRecord(v.counterexample.case) : null,
      })),
    };
    say(JSON.stringify(out, null, 2));
    return code;
  }
  for (const b of broken) warn(`broken: ${b.message}\n`);
  const part = args.shard ? `shard ${args.shard} (its layouts by number: npm run check -- --merge joins every shard's --json) of the` : 'all';
  say(`exhaustive: every layout in a file of ${args.exhaustive} pages, ${part} ${cases} cases per variant, property and VM type it runs in\n`);
  say(verdictTable(verdicts));
  for (const v of verdicts.filter((x) => x.actual === 'fail' && (args.verbose || !x.matches))) {
    say(`\n${v.variant} fails ${v.property} on ${v.failures} case(s); the smallest:\n${v.counterexample ? formatOutcome(v.counterexample) : v.harnessError}`);
    if (v.report) say(`report: ${reportPath(v)}`);
  }
  if (verdicts.some((v) => v.unsaved)) say(UNSAVED);
  const notSaved = verdicts.filter((v) => v.saveError).length;
  say(code === EXIT.ok ? '\nevery verdict matches its expectation'
    : `\n${verdicts.some((v) => !v.matches) ? 'some verdicts differ from their expectation (marked !)' : 'no verdict differs from its expectation'}${notSaved ? `; ${notSaved} report(s) not saved (above)` : ''}`);
  return code;
}

/**
 * A shard's --json: its verdicts with their outcomes, handed to --merge (handover.ts). Its exit
 * status is its own part's; a shard that judged nothing is broken, as a whole run would be.
 */
function printShard(args: Args, kind: Handover['kind'], code: CheckOutput['exitCode'], loaded: readonly Loaded[], ran: readonly RanVariant[], broken: Broken,
  warnings: readonly PortWarning[], verdicts: ReadonlyArray<Parameters<typeof handedVerdict>[0]>): number {
  const nothing = nothingJudged(verdicts);
  const here = (p: string) => path.relative(process.cwd(), p);
  const shard: Shard = parseShard(args.shard!);
  const handover: Handover = {
    format: HANDOVER_FORMAT, kind, shard,
    ...(kind === 'check' ? { seed: args.seed, numRuns: args.numRuns } : { maxPages: args.exhaustive! }),
    variants: loaded.map((l): HandedVariant => ({
      name: l.info.name, file: here(l.file), kernelTree: l.kernelTree, ...(l.tree !== undefined ? { tree: here(l.tree) } : {}), sourceHash: l.who.sourceHash, expect: l.info.expect,
      ran: ran.find((r) => r.name === l.info.name)!,
    })),
    broken: [...broken, ...(nothing ? [{ file: '-', message: nothing }] : [])], warnings: [...warnings], verdicts: verdicts.map(handedVerdict),
  };
  const out: ShardOutput = { mode: 'shard', exitCode: nothing ? EXIT.broken : code, handover };
  say(JSON.stringify(out, null, 2));
  return out.exitCode;
}

/**
 * --merge FILE...: the shards' --json joined into the whole run's verdicts (merge.ts), then
 * saved, indexed and printed as that run would be, with its exit status.
 */
function mergeRun(args: Args): number {
  const merged = (require('./merge') as typeof import('./merge')).mergeShards(args.targets.map(userPath));
  // each failure to be saved runs again here first: a shard's file is only JSON (merge-confirm.ts)
  const refused = (require('./merge-confirm') as typeof import('./merge-confirm')).confirmMerged(merged.verdicts, args.timeoutMs);
  const verdicts = merged.verdicts.map(({ variant, verdict }, i) => {
    // the reports go where this command would put the variant's: a merge saves what the whole run found, here
    const file = path.resolve(variant.file);
    const dir = reportsFolder(args.reportsDir, { file, kernelTree: variant.kernelTree });
    const who = { ...reportedVariant({ name: variant.name, expect: variant.expect }, variant.sourceHash, file), expected: (id: PropertyId) => variant.expect[id] };
    const whole = merged.kind === 'exhaustive' ? { ...verdict, seed: 0, path: exhaustivePath(merged.maxPages!), numShrinks: 0 } : verdict;
    const why = refused[i];
    if (why !== undefined) return { ...whole, dir, unsaved: false, saveError: { file: variant.file, message: why } };
    if (!savesReports(args.reportsDir, { kernelTree: variant.kernelTree })) return { ...whole, dir, unsaved: whole.actual === 'fail' };
    const r = saveVerdict(whole, who, { dir, saved: savedReports(dir) });
    return { ...whole, ...(r.report ? { report: r.report } : {}), ...(r.saveError ? { saveError: r.saveError } : {}), dir, unsaved: false };
  });
  refreshIndexes(args, verdicts, new Set(merged.variants.map((v) => v.name)));
  const broken = withSaveErrors(merged.broken, verdicts);
  const code = exitCode(broken, verdicts);
  for (const w of merged.warnings) warn(formatPortWarning(w));
  const whole: Args = { ...args, shard: undefined, seed: merged.seed ?? args.seed, numRuns: merged.numRuns ?? args.numRuns, exhaustive: merged.maxPages };
  const ran = merged.variants.map((v) => v.ran);
  if (merged.kind === 'exhaustive') return printExhaustive(whole, code, broken, verdicts as unknown as ExhaustiveChecked[], ran.map(({ name, file, vmTypes, alsoAt }) => ({ name, file, vmTypes, ...(alsoAt ? { alsoAt } : {}) })));
  // the replay line names the variant as the run's did: its file, or --from-kernel and its tree
  const target = (v: Checked): ReplayTarget => {
    const of = merged.variants.find((x) => x.name === v.variant);
    const variant = !of ? "<the variant's file>" : of.tree !== undefined ? `--from-kernel ${typed(path.resolve(of.tree))}` : typed(path.resolve(of.file));
    return { variant, ...(v.report ? { report: typed(path.join(v.dir, `${v.report.stem}.json`)) } : {}) };
  };
  const nothing = nothingJudged(verdicts);
  if (nothing) {
    if (whole.json) printJson(whole, { mode: 'check', exitCode: EXIT.broken }, [...broken, { file: '-', message: nothing }], verdicts, ran, merged.warnings, target);
    else warn(nothing);
    return EXIT.broken;
  }
  if (whole.json) printJson(whole, { mode: 'check', exitCode: code }, broken, verdicts, ran, merged.warnings, target);
  else printText(whole, code, broken, verdicts, ran, target);
  return code;
}

/** The smallest failing case of an exhaustive verdict, confirmed as a check confirms one (a hang already is). */
function confirmSmallest(v: { counterexample?: Outcome; property: PropertyId }, isolated: IsolatedRunner | undefined): Verdict['confirmation'] {
  const o = v.counterexample;
  if (!o) return undefined;
  if (!isolated) return 'in-process';
  if (o.fault?.hang) return 'hang';
  const prop = property(v.property);
  return isolated.confirm(o.case, (run) => violations(prop, run(o.case)).length > 0).kind;
}

/** The index of every folder that got a new report, replaying the others through the processes already running. */
function refreshIndexes(args: Args, verdicts: ReadonlyArray<{ report?: { stem: string; written: boolean }; dir: string }>, checked: ReadonlySet<string>, reuse?: ReturnType<typeof reuseFrom>): void {
  const justSaved = new Set(verdicts.filter((v) => v.report?.written).map((v) => v.report!.stem));
  for (const dir of new Set(verdicts.filter((v) => v.report?.written).map((v) => v.dir))) {
    try {
      writeIndex(dir, childResolver({ timeoutMs: args.timeoutMs, ...(reuse ? { reuse } : {}) }), { checked, justSaved });
    } catch (e) {
      warn(`the index of ${dir} was not refreshed: ${(e as Error).message} (npm run reports:index)`);
    }
  }
}

/**
 * --report: the saved case run again on today's variant of that name (or at the file it names),
 * after its history when it has one. A hang report is run under the same confirmation as a
 * check: it "still hangs" or "returns now", and is never called fixed for that. A kernel tree's
 * report runs on the tree --from-kernel names, else on the file its record names; a tree whose
 * file changed since is said to have changed, and the case runs on it as it is now.
 */
function replayOne(args: Args, file: string): number {
  const saved = loadReport(file);
  if (args.live) return (require('../../live/repro') as typeof import('../../live/repro')).runRepro(saved, { file: path.relative(process.cwd(), file), required: args.requireLive });
  const { name } = saved.record.variant;
  const tree = args.fromKernel.length ? userPath(args.fromKernel[0]) : undefined;
  if (tree !== undefined && !isKernelTree(name)) throw new UsageError(`--from-kernel with --report names the tree a kernel tree's report is replayed on; ${file} is a report of ${name}`);
  const of = childResolver({ timeoutMs: args.timeoutMs, tree, asItIsNow: true })(saved);
  if (!of) throw new VariantFileError(file, `no variant named "${name}" in variants/`);
  const { property, counterexample } = saved.record;
  const expected = of.expected(property);
  const outside = outsideOf(of.space, counterexample);
  if (outside) {
    of.close();
    throw new VariantFileError(file, `${outside}: ${name} cannot run it`);
  }
  // the tree changed: said first, and every line after names the file as it is now
  const now = of.changedTo ?? name;
  const changed = of.changedTo
    ? `the tree's file ${of.file} changed since this report (${name} then, ${of.changedTo} now: its sha256 differs); the case runs on it as it is now`
    : undefined;
  try {
    const { outcome, violations } = replay(saved, of);
    const wasHang = saved.record.confirmation === 'hang';
    const status: ReplayOutput['status'] = outcome.fault?.hang || (!wasHang && violations.length > 0) ? 'reproduces' : wasHang ? 'returns now' : 'fixed';
    const code = status === 'reproduces' ? (expected === 'pass' ? EXIT.failed : EXIT.ok)
      : status === 'returns now' ? (violations.length && expected === 'pass' ? EXIT.failed : EXIT.ok)
      : expected === 'fail' ? EXIT.failed : EXIT.ok;
    if (args.json) {
      const out: ReplayOutput = {
        mode: 'replay', report: file, variant: { name, file: of.file ?? null, ...(of.changedTo ? { changedTo: of.changedTo } : {}) },
        property, expected, status, violations: [...violations], fault: outcome.fault?.message ?? null, exitCode: code,
      };
      say(JSON.stringify(out, null, 2));
      return code;
    }
    if (changed) say(`${changed}\n`);
    say(formatOutcome(outcome));
    const listed = violations.map((v) => `  - ${v}`).join('\n');
    if (outcome.fault?.hang) say(`\n${now} still hangs on this case: ${outcome.fault.message}`);
    else if (wasHang) say(`\n${now} returns now on the case it hung on (under the same confirmation); on it, it ${violations.length ? `fails ${property}:\n${listed}` : `passes ${property}`}`);
    else if (status === 'reproduces') say(`\n${now} still fails ${property}:\n${listed}`);
    else say(`\n${now} now passes ${property} on this case: the report is fixed (npm run reports:prune removes it)`);
    return code;
  } finally {
    of.close();
  }
}

export function main(argv: string[], to: Sink = STDIO): number {
  sink = to;
  try {
    return run(argv);
  } catch (e) {
    // a bad command line, report or variant file: one clear paragraph, not a stack trace
    // the one line that says what is wrong, not buried under the whole of --help
    warn(e instanceof UsageError ? `${e.message}\n${HELP.split('\n').find((l) => l.startsWith('usage: '))}\n(npm run check -- --help lists every option)` : (e as Error).message);
    // under git bisect run, 2 would mark the commit bad: a command line that is wrong at every commit aborts the bisect
    if (argv.includes('--bisect')) {
      const abort = { code: BISECT.abort, why: 'the command itself failed (above), as it would at every commit' } as const;
      if (argv.includes('--json')) {
        const out: BisectOutput = { mode: 'bisect', exitCode: abort.code, why: abort.why, seed: null, numRuns: null, broken: [{ file: '-', message: (e as Error).message }], variants: [], warnings: [], verdicts: [] };
        say(JSON.stringify(out, null, 2));
      }
      warn(bisectLine(abort));
      return BISECT.abort;
    }
    return EXIT.broken;
  } finally {
    sink = STDIO;
  }
}

if (require.main === module) {
  outliveClosedReaders();
  process.exitCode = main(process.argv.slice(2));
}
