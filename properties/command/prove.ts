// The prove command (npm run prove, and npm run check -- --prove): each variant file proved by
// prover/ over every shape of its era within the bound, a table of proved / counterexample /
// unknown per correctness property, and each counterexample made an ordinary report: a concrete
// case replayed through the engine, shrunk, and saved with "found by proof". A counterexample
// the engine does not confirm is a prover bug, said loudly and never saved. Exit 0 when every
// verdict is the expected one (a property a variant must fail has a counterexample, one it must
// pass is proved), 1 when one is not or is unknown, 2 on a broken file, command line or prover bug.

import path from 'path';
import { parseArgs as utilParseArgs } from 'util';
import { Expectation, Expectations, PropertyId, Variant, isAdvisory } from '../../model/variant';
import { WORD64 } from '../../model/word';
import { CTarget, cSubject, proveC } from '../../prover/c/prove';
import { caseOf } from '../../prover/inputs';
import { PROVER_PROPERTIES, proveVariant } from '../../prover/prove';
import { selfTest } from '../../prover/self-test';
import { Bound, FULL_BOUND, SMALL_BOUND, boundSummary, shapeWords } from '../../prover/shapes';
import { DEFAULT_RLIMIT, Solver } from '../../prover/solver';
import { PropertyProof, VariantProof } from '../../prover/verdicts';
import { Case, caseKey } from '../case';
import { Outcome } from '../engine/execute';
import { formatOutcome } from '../format';
import { writeIndex } from '../reports/index-page';
import { childResolver } from '../reports/variant-of';
import { inProcess, optionsFromEnv } from '../engine/engine';
import { RUNS, readInt, readSwitch } from '../engine/settings';
import { minimize } from '../engine/minimize';
import { property, violations } from '../properties';
import { VariantFileError, cVariantName, loadVariantFile, sourceHashOf } from '../registry';
import { caseRecord } from '../reports/record';
import { reportedVariant, saveFailure } from '../reports/reporter';
import { SavedReport, loadReports } from '../reports/store';
import { SaveError, saveErrorOf } from './save';
import { nameTaken, namedTargets } from './targets';
import { ProveOutput } from './output-schema';
import { prepareCacheFolders, prepareReportsFolder, reportsFolder, savesReports, usageOf, userPath } from './args';
import { outliveClosedReaders } from './closed-output';

/** Cases per variant of --self-test. */
export const SELF_TEST_CASES = 500;

export const PROVE_HELP = `Prove guest_memfd invalidation variants for every input within a bound.

usage: npm run prove -- [options] [variant.ts | variant.c | folder ...] [--from-kernel TREE ...]
       npm run check -- --prove [options] [variant.ts | variant.c | folder ...] [--from-kernel TREE ...]

Each variant is run symbolically (prover/) over every layout shape of its era within the bound
and each correctness property gets a verdict: proved for every value the kernel's input rules
allow in those shapes, a counterexample (replayed through the engine, shrunk and saved as a
report, found by proof), or unknown with the reason. With no file, every variant in variants/.
A C file or a kernel tree is translated to TypeScript first (prover/c/); a construct the
translator does not take makes its verdicts unknown, naming the C line; a counterexample is
replayed on the compiled C.

  --from-kernel PATH  also prove the invalidation functions of a kernel tree (or its guest_memfd.c)

  --property ID[,ID]  only these properties (${PROVER_PROPERTIES.join(', ')});
                      bind-within-file judges a variant's kvm_gmem_bind(): one without it, and a
                      C file's (not translated), is not judged, and said so
  --bound B           full (default: ${JSON.stringify(FULL_BOUND)}) or small (${JSON.stringify(SMALL_BOUND)})
  --rlimit N          z3's resource limit per query (default ${DEFAULT_RLIMIT}): past it, a query is unknown
  --reports-dir DIR   where counterexample reports go, a folder that exists or can be made (default
                      REPORTS_DIR, else shrink-reports/ for a shipped variant and a shrink-reports/
                      folder beside a variant proved by path; a kernel tree's are saved only when
                      this or REPORTS_DIR names a folder)
  --json              one JSON object instead of the table
  --self-test         no proof: hold the prover to the engine on ${SELF_TEST_CASES} generated cases per variant
                      (prover/self-test.ts); exit 0 when they agree, 2 when they do not (a prover bug)
  -h, --help          this text`;

export interface ProveArgs {
  readonly targets: string[];
  readonly fromKernel: string[];
  readonly properties?: PropertyId[];
  readonly bound: Bound;
  readonly boundName: 'full' | 'small';
  readonly rlimit: number;
  readonly reportsDir?: string;
  readonly json: boolean;
  readonly selfTest: boolean;
  readonly help: boolean;
}

export function parseProveArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ProveArgs {
  let parsed;
  try {
    parsed = utilParseArgs({
      args: argv.filter((a) => a !== '--prove'),
      options: { 'from-kernel': { type: 'string', multiple: true }, property: { type: 'string' }, bound: { type: 'string' }, rlimit: { type: 'string' }, 'reports-dir': { type: 'string' }, json: { type: 'boolean' }, 'self-test': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw usageOf(e);
  }
  const { values: o, positionals } = parsed;
  const props = o.property?.split(',');
  const bad = props?.filter((p) => !(PROVER_PROPERTIES as readonly string[]).includes(p)) ?? [];
  if (bad.length) throw new Error(`${bad.map((b) => `unknown property ${b}`).join('; ')}; the prover judges ${PROVER_PROPERTIES.join(', ')}`);
  const boundName = (o.bound ?? 'full') as 'full' | 'small';
  if (boundName !== 'full' && boundName !== 'small') throw new Error(`--bound is full or small, got "${o.bound}"`);
  const rlimit = o.rlimit === undefined ? DEFAULT_RLIMIT : readInt('--rlimit', o.rlimit, RUNS);
  // the environment is held to the check's rules even where prove does not use it (--self-test reads FC_SEED): a CI's typo is said at once
  optionsFromEnv(env);
  readSwitch('GMEM_REQUIRE_KVM', env.GMEM_REQUIRE_KVM);
  return {
    targets: positionals, fromKernel: o['from-kernel'] ?? [], ...(props ? { properties: props as PropertyId[] } : {}), bound: boundName === 'full' ? FULL_BOUND : SMALL_BOUND, boundName, rlimit,
    ...(o['reports-dir'] ? { reportsDir: o['reports-dir'] } : {}), json: o.json ?? false, selfTest: o['self-test'] ?? false, help: o.help ?? false,
  };
}

/** What became of a counterexample in the engine. */
export interface Replayed {
  readonly property: PropertyId;
  /** confirmed: the engine fails it too; spurious: it does not, through an over-approximation; bug: it does not, and nothing excuses it. */
  readonly outcome: 'confirmed' | 'spurious' | 'bug';
  readonly case: Case;
  readonly shrunk?: Case;
  /** The shrunk case as the engine ran it (a confirmed counterexample). */
  readonly ran?: Outcome;
  readonly violations: readonly string[];
  readonly report?: string;
  /** The report was new (not one already saved with the same content): its folder's index needs it. */
  readonly written?: { readonly dir: string; readonly stem: string };
  /** The report could not be saved (its folder full, say): listed with the broken files, exit 2, as the check does. */
  readonly saveError?: SaveError;
}

/** What a counterexample is replayed on: a TypeScript variant in this process, or a C variant's compiled program (prover/c/prove.ts). */
export interface ReplaySubject { readonly variant: Variant; run(c: Case): Outcome }

/** A counterexample's case run by the engine on the variant itself, shrunk if it fails, saved. */
export function replayCounterexample(file: string, r: PropertyProof, dir: string | undefined, subject?: ReplaySubject): Replayed {
  const variant = subject?.variant ?? loadVariantFile(file);
  const c = caseOf(r.shape!, r.assignment!);
  const prop = property(r.property);
  const run = subject ? (x: Case) => subject.run(x) : inProcess(variant, WORD64);
  const judge = (x: Case) => violations(prop, run(x));
  let found: string[];
  try {
    found = judge(c);
  } catch (e) {
    found = [];
    return { property: r.property, outcome: 'bug', case: c, violations: [`the engine refused the case: ${(e as Error).message}`] };
  }
  if (found.length === 0) {
    return { property: r.property, outcome: r.abstractions?.length ? 'spurious' : 'bug', case: c, violations: [] };
  }
  let steps = 0;
  const shrunk = minimize(c, (x) => { try { steps++; return judge(x).length > 0; } catch { return false; } });
  const outcome = run(shrunk);
  const v = judge(shrunk);
  if (!dir) return { property: r.property, outcome: 'confirmed', case: c, shrunk, ran: outcome, violations: v };
  const who = reportedVariant(variant, sourceHashOf(file), file);
  let saved: ReturnType<typeof saveFailure>;
  try {
    saved = saveFailure(dir, who, r.property, outcome, [...v], { seed: 0, path: '', numRuns: 0, numShrinks: steps, proof: { shape: shapeWords(r.shape!) } }, 'in-process');
  } catch (e) {
    return { property: r.property, outcome: 'confirmed', case: c, shrunk, ran: outcome, violations: v, saveError: saveErrorOf(e, variant.name, r.property) };
  }
  return {
    property: r.property, outcome: 'confirmed', case: c, shrunk, violations: v, report: path.join(dir, `${saved.stem}.md`),
    ...(saved.written ? { written: { dir, stem: saved.stem } } : {}),
  };
}

/** Each folder that got a new report gets its index (README.md) again, as a check's does: its other reports replayed, the new ones as they were found. */
function refreshIndexes(written: ReadonlyArray<{ dir: string; stem: string }>, variants: readonly string[], err: (s: string) => void): void {
  const justSaved = new Set(written.map((w) => w.stem));
  for (const dir of new Set(written.map((w) => w.dir))) {
    try {
      writeIndex(dir, childResolver({ timeoutMs: 2000 }), { checked: new Set(variants), justSaved });
    } catch (e) {
      err(`the index of ${dir} was not refreshed: ${(e as Error).message} (npm run reports:index)\n`);
    }
  }
}

export interface ProveRow {
  readonly proof: VariantProof;
  readonly expect: Expectations;
  readonly replays: readonly Replayed[];
  /** Saved reports of this very file (its name and sha256) that fail a property: a failure the bound may not reach. */
  readonly reported?: readonly SavedReport[];
}

/** The verdict in one word: a counterexample counts only once the engine confirmed it. */
const word = (p: PropertyProof, rep?: Replayed) =>
  p.status === 'proved' ? 'proved' : p.status === 'unknown' ? (p.proverBug ? 'PROVER-BUG' : 'unknown') : p.status === 'not-judged' ? 'not judged' : rep?.outcome === 'confirmed' ? 'cex' : rep?.outcome === 'spurious' ? 'unknown' : 'PROVER-BUG';

/**
 * Whether a verdict is the expected one: a property the variant must pass is proved, one it must
 * fail has a confirmed counterexample, and an advisory one ('report') may be anything, shown.
 */
export function verdictMatches(p: PropertyProof, expected: Expectation, rep?: Replayed): boolean | null {
  // no verdict to hold to the expectation: shown as not judged, never counted as a pass, and no failure of the run
  if (p.status === 'not-judged') return null;
  const w = word(p, rep);
  if (w === 'PROVER-BUG') return false;
  if (expected === 'report') return true;
  return expected === 'pass' ? w === 'proved' : w === 'cex';
}

const cell = (p: PropertyProof, expected: Expectation, rep?: Replayed) =>
  p.status === 'not-judged' ? 'not judged' : `${verdictMatches(p, expected, rep) ? '' : '!'}${word(p, rep)} ${(p.ms / 1000).toFixed(1)}s`;

export function proveTable(rows: readonly ProveRow[], ids: readonly PropertyId[]): string {
  const head = ['variant', ...ids.map((id) => (isAdvisory(id) ? `${id} (advisory)` : id)), 'time'];
  const body = rows.map((r) => [r.proof.variant, ...ids.map((id) => {
    const p = r.proof.results.find((x) => x.property === id)!;
    return cell(p, r.expect[id], r.replays.find((x) => x.property === id));
  }), `${(r.proof.ms / 1000).toFixed(1)}s`]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  return [head, ...body].map((cols) => cols.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

const rowMatches = (r: ProveRow) => r.proof.results.every((p) => verdictMatches(p, r.expect[p.property], r.replays.find((x) => x.property === p.property)) !== false);

/**
 * The --json form: one object.
 *   { mode: 'prove', bound: 'full' | 'small', boundWords: string, exitCode: 0 | 1 | 2, broken: [{ file, message }],
 *     variants: [{ variant, file, bound (in words, for the variant's era), shapes, paths, queries, cached (answered by an
 *       earlier identical query), ms (wall), cpuMs (prover and solver),
 *       results: [{ property, advisory: boolean, status: 'proved' | 'counterexample' | 'unknown' | 'not-judged',
 *         expected: 'pass' | 'fail' | 'report', matches: boolean | null (null: not judged, no verdict), ms,
 *         reason: string | null (why unknown, or why not judged),
 *         shape: string | null (where the counterexample was found, in words),
 *         counterexample: the shrunk case as a report's case record | null,
 *         replay: 'confirmed' | 'spurious' | 'bug' | null, report: string | null (the saved report's path) }] }] }
 */
export function proveJson(rows: readonly ProveRow[], args: Pick<ProveArgs, 'boundName' | 'bound'>, code: 0 | 1 | 2, broken: ProveOutput['broken']): ProveOutput {
  return {
    mode: 'prove', bound: args.boundName, boundWords: boundSummary(args.bound), exitCode: code, broken,
    variants: rows.map((r) => ({
      variant: r.proof.variant, file: r.proof.file, bound: r.proof.bound, shapes: r.proof.shapes, paths: r.proof.paths, queries: r.proof.queries, cached: r.proof.cached, ms: Math.round(r.proof.ms), cpuMs: Math.round(r.proof.cpuMs),
      results: r.proof.results.map((p) => {
        const rep = r.replays.find((x) => x.property === p.property);
        return {
          property: p.property, advisory: isAdvisory(p.property), status: p.status, expected: r.expect[p.property],
          matches: verdictMatches(p, r.expect[p.property], rep), ms: Math.round(p.ms), reason: p.reason ?? null,
          shape: p.shape ? shapeWords(p.shape) : null,
          counterexample: rep ? caseRecord(rep.shrunk ?? rep.case) : null,
          replay: rep ? rep.outcome : null, report: rep?.report ?? null,
        };
      }),
    })),
  };
}

export async function proveMain(argv: readonly string[], out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): Promise<number> {
  let args: ProveArgs;
  try {
    args = parseProveArgs(argv);
  } catch (e) {
    err(`${(e as Error).message}\n${PROVE_HELP.split('\n').find((l) => l.startsWith('usage: '))}\n(npm run prove -- --help lists every option)\n`);
    return 2;
  }
  if (args.help) { out(`${PROVE_HELP}\n`); return 0; }
  let targets: CTarget[];
  try {
    prepareCacheFolders();
    const named = namedTargets(args.targets, args.fromKernel.length > 0);
    const files = named.files.filter((f) => f.endsWith('.ts') || f.endsWith('.c'));
    targets = [...files.map((file) => ({ file, tree: false })), ...[...named.trees, ...args.fromKernel.map(userPath)].map((file) => ({ file, tree: true }))];
  } catch (e) {
    err(`${(e as Error).message}\n`);
    return 2;
  }
  if (args.selfTest) return selfTestMain(targets.filter((t) => t.file.endsWith('.ts')).map((t) => t.file), out, err);
  try {
    prepareReportsFolder(args.reportsDir);
  } catch (e) {
    err(`${(e as Error).message}\n`);
    return 2;
  }
  if (!args.json) out(`proving ${targets.length} variant file(s) and tree(s) within the ${args.boundName} bound: ${boundSummary(args.bound)}\n\n`);
  const solver = new Solver({ rlimit: args.rlimit });
  const rows: ProveRow[] = [];
  const broken: ProveOutput['broken'] = [];
  const stopOnSignal = onInterrupt((sig) => {
    // the solver's process ends with this one; what was judged is still worth seeing
    solver.close();
    if (!args.json && rows.length) out(`\ninterrupted (${sig}): the verdicts of the variants done so far\n${proveTable(rows, args.properties ?? [...PROVER_PROPERTIES])}\n`);
  });
  try {
    for (const target of targets) {
      // each variant meets the solver as if it were proved alone: its verdicts do not depend on the others in the run
      solver.forget();
      const { file } = target;
      const isC = target.tree || file.endsWith('.c');
      const opts = { solver, bound: args.bound, ...(args.properties ? { properties: args.properties } : {}) };
      const dir = reportsFolder(args.reportsDir, { file, kernelTree: target.tree });
      const saveDir = savesReports(args.reportsDir, { kernelTree: target.tree }) ? dir : undefined;
      let proof: VariantProof, variant: Pick<Variant, 'name' | 'expect'>, saved: SavedReport[];
      try {
        // refused before it is proved: a variant under a shipped variant's name, a reports folder that cannot be read
        const taken = target.tree ? undefined : nameTaken(file, isC ? cVariantName(file) : loadVariantFile(file).name);
        if (taken) throw new VariantFileError(file, taken);
        saved = loadReports(dir);
        if (isC) ({ proof, variant } = await proveC(target, opts));
        else { proof = await proveVariant(file, opts); variant = loadVariantFile(file); }
      } catch (e) {
        broken.push({ file, message: (e as Error).message });
        continue;
      }
      // an expected failure a saved report already shows is confirmed, not saved again
      const shown = new Set(saved.filter((s) => s.record.variant.name === variant.name).map((s) => s.record.property));
      const found = proof.results.filter((p) => p.status === 'counterexample');
      // a C variant's counterexample is replayed on its compiled C
      const subject = isC && found.length ? cSubject(target) : undefined;
      if (subject?.note && !args.json) err(`${proof.variant}: ${subject.note}\n`);
      let replays: Replayed[];
      try {
        replays = found.map((p) => replayCounterexample(proof.file, p, variant.expect[p.property] === 'fail' && shown.has(p.property) ? undefined : saveDir, subject));
      } finally {
        subject?.close();
      }
      const current = target.tree ? undefined : sourceHashOf(file); // a tree's name carries its file's hash
      const reported = saved.filter((s) => s.record.variant.name === variant.name && (current === undefined || s.record.variant.sourceHash === current));
      rows.push({ proof, expect: variant.expect, replays, reported });
      broken.push(...replays.flatMap((x) => (x.saveError ? [x.saveError] : [])));
      if (!args.json) err(`${proof.variant}: ${proof.shapes} shapes, ${proof.paths} paths, ${proof.queries} queries (${proof.cached} cached), ${(proof.ms / 1000).toFixed(1)} s (${(proof.cpuMs / 1000).toFixed(1)} s of CPU)\n`);
    }
  } finally {
    stopOnSignal();
    solver.close();
  }
  refreshIndexes(rows.flatMap((r) => r.replays.flatMap((x) => (x.written ? [x.written] : []))), rows.map((r) => r.proof.variant), err);
  const ids = args.properties ?? [...PROVER_PROPERTIES];
  const bugs = rows.flatMap((r) => [...r.replays.filter((x) => x.outcome === 'bug'), ...r.proof.results.filter((p) => p.proverBug)]);
  // a run that proved nothing is no pass, whatever stopped it: broken files, or only not-judged verdicts (as the check says)
  const judgedNothing = rows.every((r) => r.proof.results.every((p) => p.status === 'not-judged'));
  const code: 0 | 1 | 2 = broken.length || bugs.length || judgedNothing ? 2 : rows.every(rowMatches) ? 0 : 1;
  if (args.json) {
    out(`${JSON.stringify(proveJson(rows, args, code, broken), null, 2)}\n`);
    return code;
  }
  for (const b of broken) err(`broken: ${b.message.startsWith(b.file) ? b.message : `${b.file}: ${b.message}`}\n`);
  if (!rows.length) {
    out(`nothing was judged: ${broken.length ? `${broken.length} file(s) or tree(s) broken (above)` : 'no variant file or tree was named'}\n`);
    return code;
  }
  out(`${proveTable(rows, ids)}\n`);
  const bounds = [...new Set(rows.map((r) => r.proof.bound))];
  out(`\nproved means: for every value the input rules allow, within ${bounds.join('; or, for the variants of another era, ')}\n`);
  for (const r of rows) {
    for (const p of r.proof.results) {
      const rep = r.replays.find((x) => x.property === p.property);
      if (p.status === 'unknown' && !p.proverBug) out(`\n${r.proof.variant} ${p.property}: unknown: ${p.reason}`);
      if (p.proverBug) out(`\nPROVER BUG: ${r.proof.variant} ${p.property}: unknown: ${p.reason}. The symbolic run and the concrete run of the same input disagree: a fault of the prover, not of the variant, and this property is not judged; report it with the variant file (PROVER_DEBUG=1 prints the run that diverged), and let npm run check judge the property meanwhile`);
      // proved is only as wide as the bound: a saved counterexample of the same file lies outside it
      const outside = p.status === 'proved' ? r.reported?.find((s) => s.record.property === p.property) : undefined;
      if (outside) out(`\n${r.proof.variant} ${p.property}: proved within the bound, yet its saved report ${path.relative(process.cwd(), outside.file)} fails it on a case outside the bound (npm run check -- --report replays it)`);
      if (p.status === 'not-judged') out(`\n${r.proof.variant} ${p.property}: ${p.reason}`);
      if (rep?.outcome === 'bug') out(`\nPROVER BUG: ${r.proof.variant} ${p.property}: the counterexample found by proof passes in the engine: ${caseKey(rep.case)}`);
      if (rep?.outcome === 'spurious') out(`\n${r.proof.variant} ${p.property}: unknown: the counterexample went through an over-approximation (${p.abstractions!.join('; ')}) and the engine does not fail it`);
      if (rep?.outcome === 'confirmed' && rep.report) out(`\n${r.proof.variant} ${p.property}: counterexample found by proof, confirmed by the engine: ${rep.report}`);
      // not saved (a kernel tree's, no folder named) and not expected: the case itself, or nothing would show it
      if (rep?.outcome === 'confirmed' && !rep.report && rep.ran && r.expect[p.property] !== 'fail') {
        out(`\n${r.proof.variant} ${p.property}: counterexample found by proof, confirmed by the engine (a kernel tree's counterexamples are saved as reports only into a folder you name: --reports-dir DIR):\n${rep.violations.map((x) => `  - ${x}`).join('\n')}\n${formatOutcome(rep.ran)}`);
      }
    }
  }
  out(code === 0 ? '\n\nevery verdict is the expected one\n' : code === 1 ? '\n\nsome verdicts are not the expected ones (marked !), or unknown\n'
    : judgedNothing && !broken.length && !bugs.length ? '\n\nnothing was judged for the variants and properties asked for: a run that judges nothing is not a pass\n'
    : broken.length ? '\n\nbroken (see above)\n' : '\n\na prover bug (see above)\n');
  return code;
}

/**
 * Runs `then` on SIGINT or SIGTERM, then ends the process by the same signal (its default
 * action, so a shell sees the usual status); returns what removes the handlers.
 */
function onInterrupt(then: (sig: NodeJS.Signals) => void): () => void {
  const on = (sig: NodeJS.Signals) => {
    off();
    try { then(sig); } finally { process.kill(process.pid, sig); }
  };
  const off = () => { process.off('SIGINT', on); process.off('SIGTERM', on); };
  process.once('SIGINT', on);
  process.once('SIGTERM', on);
  return off;
}

/** --self-test: the differential test at its full size; a difference is a prover bug (exit 2). */
function selfTestMain(files: readonly string[], out: (s: string) => void, err: (s: string) => void): number {
  let seed: number;
  try {
    seed = optionsFromEnv().seed;
  } catch (e) {
    err(`${(e as Error).message}\n`);
    return 2;
  }
  let bad = 0;
  for (const file of files) {
    const r = selfTest(file, { cases: SELF_TEST_CASES, seed });
    bad += r.differences.length;
    out(`${path.basename(file)}: ${r.compared} cases compared, ${r.differences.length} difference(s)${r.differences.slice(0, 3).map((d) => `\n  ${d}`).join('')}\n`);
  }
  out(bad ? `\nPROVER BUG: the prover and the engine disagree (FC_SEED=${seed})\n` : `\nthe prover's formulas give the engine's verdict on every case (FC_SEED=${seed})\n`);
  return bad ? 2 : 0;
}

if (require.main === module) {
  outliveClosedReaders();
  proveMain(process.argv.slice(2)).then((c) => { process.exitCode = c; });
}
