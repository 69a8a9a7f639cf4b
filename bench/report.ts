// Renders the bench's results as bench/RESULTS.md: the summary first, then one section per
// measurement (kill matrix, time to detection, shrink quality, throughput, exhaustive scope).

import { PROPERTY_IDS } from '../model/variant';
import { DEFAULT_NUM_RUNS } from '../properties/engine/engine';
import { countScope } from '../properties/engine/exhaustive';
import { DetectionRow } from './detection';
import { ScopeRun } from './exhaustive-scope';
import { KillRow } from './kill-matrix';
import { table } from './markdown';
import { ShrinkRow } from './shrink-quality';
import { count, ms } from './stats';
import { E2E_ROUNDS, EndToEnd, Growth, Phases, Rate } from './throughput';

export interface BenchConfig {
  readonly kill: { scanSeeds: number; seeds: number; cap: number };
  readonly detection: { seeds: number; cap: number; naiveCap: number };
  readonly shrink: { seeds: number; maxPages: number };
  readonly scope: { budgetMs: number; windowOrigin: string; windowPages: number; buggyPages: number };
  readonly throughput: { cases: number; seed: number; reps: number };
}

export interface BenchResults {
  readonly config: BenchConfig;
  readonly quick: boolean;
  readonly date: string;
  readonly machine: string;
  /** The machine's 1-minute load average when the bench started and when it ended (others' work too: the machine is shared). */
  readonly load: { readonly start: number; readonly end: number };
  /** The CPUs the bench ran on (taskset -c 0 pins it to one). */
  readonly cpus: string;
  readonly wallMs: number;
  readonly kills: readonly KillRow[];
  readonly detections: readonly DetectionRow[];
  readonly shrinks: readonly ShrinkRow[];
  /** Per variant, the runs N = 1, 2, ... of the largest-N search. */
  readonly largest: ReadonlyArray<readonly ScopeRun[]>;
  readonly window: readonly ScopeRun[];
  readonly buggyScopes: readonly ScopeRun[];
  readonly rawFastCheck: number;
  readonly endToEnd: readonly EndToEnd[];
  readonly phases: readonly Phases[];
  readonly rates: readonly Rate[];
  readonly measured: { readonly variant: string; readonly property: string; readonly casesPerSecond: number; readonly derived: number };
  readonly growthSlots: readonly Growth[];
  readonly growthChunks: readonly Growth[];
}

const us = (x: number) => x.toFixed(x < 10 ? 1 : 0);
const pct = (x: number, total: number) => `${((100 * x) / total).toFixed(0)}%`;
const k = (x: number) => (x >= 10_000 ? `${(x / 1000).toFixed(0)}k` : x.toFixed(0));

export function summary(r: BenchResults): string[] {
  const real = r.kills.filter((x) => !x.equivalent);
  const killed = real.filter((x) => x.status === 'killed');
  const equivalent = r.kills.filter((x) => x.status === 'equivalent');
  const slowest = killed.reduce<KillRow | null>((m, x) => (!m || (x.best?.worst ?? 0) > (m.best?.worst ?? 0) ? x : m), null);
  const best = bestPerVariant(r.detections);
  const largest = r.largest.map((runs) => runs[runs.length - 1]).filter(Boolean);
  const problems = problemsOf(r);
  return [
    `- **Mutants:** ${killed.length} of ${real.length} non-equivalent mutants killed within ${DEFAULT_NUM_RUNS} cases in every one of ${r.config.kill.seeds} seeds` +
      `; ${equivalent.length} equivalent; ${r.kills.length} in all.` +
      (slowest?.best ? ` Slowest kill: ${slowest.name}, worst ${slowest.best.worst} cases.` : ''),
    `- **Time to detection** (best property, median / worst over ${r.config.detection.seeds} seeds, project generators vs naive): ` +
      best.map((b) => `${b.variant} ${count(b.project.median, b.project.cap)} / ${count(b.project.worst, b.project.cap)} vs ${count(b.naive?.median ?? null, b.naive?.cap ?? 0)}`).join('; ') + '.',
    `- **Exhaustive small scope** (one core, budget ${ms(r.config.scope.budgetMs)}): ` +
      largest.map((x) => `${x.variant} N = ${x.maxPages} (${x.cases.toLocaleString('en')} cases, ${ms(x.ms)} of CPU)`).join('; ') + '.',
    `- **Throughput** (one core, end to end as the engine's first pass runs a case: one execution, every property judged until it first fails; raw fast-check ${us(r.rawFastCheck)} µs/case in the same run): ` +
      r.endToEnd.map((e) => `${e.variant} ${us(e.usPerCase)}`).join(', ') + ' µs/case' +
      `; goal ${UPSTREAM_GOAL_US} µs for upstream and ${VARIANT_GOAL_US} µs for every other variant: ${overList(overGoal(r))}` +
      `; at the goal's ratio to raw fast-check (set where raw took ${ISSUE_RAW_US} µs: ${us(scaled(r, UPSTREAM_GOAL_US))} and ${us(scaled(r, VARIANT_GOAL_US))} µs here): ${overList(overScaledGoal(r))}.`,
    problems.length ? `- **Needs attention:** ${problems.join('; ')}.` : '- Every measurement agrees with the declarations (mutant expectations, equivalences, exhaustive verdicts).',
  ];
}

const totalUs = (p: Phases) => p.generator + p.model + p.reference + p.run + PROPERTY_IDS.reduce((n, id) => n + p.checks[id], 0);

/** Disagreements worth a look; main.ts exits 1 when there is one. */
export function problemsOf(r: BenchResults): string[] {
  const out: string[] = [];
  for (const x of r.kills) {
    if (!x.agrees) out.push(`${x.name}'s declared expectations differ from the measurement`);
    if (['SURVIVES', 'SOMETIMES', 'NOT EQUIVALENT'].includes(x.status)) out.push(`${x.name} ${x.status.toLowerCase()}`);
  }
  for (const run of [...r.largest.flat(), ...r.window, ...r.buggyScopes]) {
    for (const v of run.verdicts) if (!v.matches) out.push(`exhaustive N=${run.maxPages}: ${run.variant} fails ${v.property}, expected to pass`);
  }
  return out;
}

function bestPerVariant(rows: readonly DetectionRow[]) {
  const names = [...new Set(rows.map((x) => x.variant))];
  return names.map((variant) => {
    const mine = rows.filter((x) => x.variant === variant && x.generator === 'project');
    const key = (x: DetectionRow) => [x.median ?? Infinity, x.worst ?? Infinity];
    const project = [...mine].sort((a, b) => key(a)[0] - key(b)[0] || key(a)[1] - key(b)[1])[0];
    const naive = rows.find((x) => x.variant === variant && x.generator === 'naive' && x.property === project.property);
    return { variant, property: project.property, project, naive };
  });
}

function killSection(r: BenchResults): string[] {
  const rows = r.kills.filter((x) => !x.equivalent).map((x) => [
    x.name, x.base,
    x.killers.map((p) => `${p.property} ${count(p.median, r.config.kill.cap)}/${count(p.worst, r.config.kill.cap)}`).join(', ') || 'nothing',
    x.best ? x.best.property : '-',
    x.best ? count(x.best.median, r.config.kill.cap) : '-',
    x.best ? count(x.best.worst, r.config.kill.cap) : '-',
    `${x.killedSeeds}/${x.seeds}`,
    x.shrunk ? `\`${x.shrunk.text}\` (${x.shrunk.size})` : '-',
    x.status + (x.agrees ? '' : ' (declaration differs)'),
  ]);
  const eq = r.kills.filter((x) => x.equivalent).map((x) => [
    x.name, x.base, x.header, x.equivalent!,
    x.killers.length ? x.killers.map((p) => p.property).join(', ') : 'none',
    x.difference === null ? `none in ${r.config.kill.scanSeeds * DEFAULT_NUM_RUNS}` : `case ${x.difference}`,
    x.status,
  ]);
  const what = r.kills.filter((x) => !x.equivalent).map((x) => [x.name, x.header]);
  return [
    '## 1. Mutant kill matrix',
    '',
    `Every mutant in \`bench/mutants/\` (one file each, written with \`defineVariant\` like the shipped variants) runs against the properties its base passes. ` +
      `A scan of ${r.config.kill.scanSeeds} seed(s) x ${DEFAULT_NUM_RUNS} cases finds which properties kill it; then each of those is timed over seeds 1-${r.config.kill.seeds} ` +
      `(cases until its first failure, capped at ${r.config.kill.cap}). "killed by" lists property median/worst; "killed <= ${DEFAULT_NUM_RUNS}" counts seeds in which some property killed it within the run count \`npm test\` uses. ` +
      'The counterexample is the engine\'s (fast-check shrinking, then `minimize`) for the best property, seed 1; its size is slots/pages bound/pages invalidated/highest index. ' +
      'Mutants of `fixed` change its range math only: `fixed` already fails `mmu-bookkeeping` by design, so a bookkeeping mutant of it could not be told apart by verdict; those are mutants of `upstream`.',
    '',
    table(['mutant', 'of', 'killed by (median/worst cases)', 'best property', '>median', '>worst', `>killed <= ${DEFAULT_NUM_RUNS}`, 'shrunk counterexample (size)', 'status'], rows),
    '',
    '### Equivalent mutants',
    '',
    'No input can tell these from their base; the argument is in each file\'s header. As evidence, each makes exactly the KVM calls of its base on every generated case checked.',
    '',
    table(['mutant', 'of', 'change', 'why it is equivalent', 'properties failing', 'first case with different KVM calls', 'status'], eq),
    '',
    '### What each mutant changes',
    '',
    table(['mutant', 'change, and why a tired developer might write it'], what),
  ];
}

function detectionSection(r: BenchResults): string[] {
  const c = r.config.detection;
  const pairs = [...new Set(r.detections.map((x) => `${x.variant}\u0000${x.property}`))].map((key) => key.split('\u0000'));
  const rows = pairs.map(([variant, property]) => {
    const p = r.detections.find((x) => x.variant === variant && x.property === property && x.generator === 'project')!;
    const n = r.detections.find((x) => x.variant === variant && x.property === property && x.generator === 'naive')!;
    return [variant, property, count(p.median, p.cap), count(p.worst, p.cap), `${p.withinDefault}/${p.seeds}`, count(n.median, n.cap), count(n.worst, n.cap), `${n.withinDefault}/${n.seeds}`];
  });
  const best = bestPerVariant(r.detections).map((b) => [
    b.variant, b.property, count(b.project.median, b.project.cap), count(b.project.worst, b.project.cap),
    b.naive ? count(b.naive.median, b.naive.cap) : '-', b.naive ? count(b.naive.worst, b.naive.cap) : '-',
    b.project.median !== null && b.project.median <= 2 ? 'yes' : 'NO',
  ]);
  return [
    '## 2. Time to detection of the shipped buggy variants',
    '',
    `Cases until the first failure of each expected failure (\`no-redundant-unmap\`, upstream's design, left out), over seeds 1-${c.seeds}, counted as fc.check counts them in the engine. ` +
      `Project: \`caseArb\` (cap ${c.cap}). Naive: \`bench/naive.ts\`, the same case shape with every number uniform over its valid range and no edge bias (cap ${c.naiveCap}).`,
    '',
    table(['variant', 'property', '>project median', '>project worst', `>project <= ${DEFAULT_NUM_RUNS}`, '>naive median', '>naive worst', `>naive <= ${DEFAULT_NUM_RUNS}`], rows),
    '',
    'Best property per variant (goal: median at most 2 cases, worst within the default run count):',
    '',
    table(['variant', 'best property', '>median', '>worst', '>naive median', '>naive worst', 'median <= 2'], best),
  ];
}

function shrinkSection(r: BenchResults): string[] {
  const rows = r.shrinks.map((x) => [
    x.variant, x.property,
    x.shrunk ? `\`${x.shrunk.text}\`` : '-', x.shrunk?.size ?? '-',
    x.smallest ? `\`${x.smallest.text}\`` : `none with N <= ${x.maxPages}`, x.smallest?.size ?? '-',
    `${x.minimalSeeds}/${x.seeds}`, x.shrinkMs === null ? '-' : ms(x.shrinkMs), x.shrinks ?? '-',
  ]);
  return [
    '## 3. Shrink quality',
    '',
    `The engine's shrunk counterexample (seed 1) beside the smallest counterexample of the exhaustive scope (1 to 3 slots, as the generators make at least one; N <= ${r.config.shrink.maxPages}), ` +
      'smallest by slots, then pages bound, then pages invalidated, then highest index (the size column, in that order). ' +
      `"minimal" counts the seeds 1-${r.config.shrink.seeds} whose shrunk case is no larger; shrink time is the median of the whole check less the detection.`,
    '',
    table(['variant', 'property', 'shrunk (engine)', 'size', 'smallest that exists', 'size', '>minimal', '>shrink time', '>shrinks'], rows),
  ];
}

/** Issue 22's goals, in µs per case end to end: upstream, and any other shipped variant. */
const UPSTREAM_GOAL_US = 20, VARIANT_GOAL_US = 30;
/**
 * Raw fast-check's case where those goals were set (issue 22: 3.2 µs). On a faster machine the same
 * code meets a µs goal it would miss there, and a ratio to raw fast-check in the same run moves
 * less with the machine; but raw fast-check's own case moves with how warm its code is (2.7 to 3.8
 * µs in a fresh process after one round, 1.3 to 1.8 in this section's rounds), so the ratio to it
 * here is the stricter reading.
 */
const ISSUE_RAW_US = 3.2;
const goalOf = (variant: string) => (variant === 'upstream' ? UPSTREAM_GOAL_US : VARIANT_GOAL_US);
const overGoal = (r: BenchResults) => r.endToEnd.filter((e) => e.usPerCase > goalOf(e.variant));
/** A goal in this run's µs at the issue's ratio to raw fast-check (20 / 3.2 = 6.25x for upstream, 9.4x for the others). */
const scaled = (r: BenchResults, goalUs: number) => (goalUs * r.rawFastCheck) / ISSUE_RAW_US;
const overScaledGoal = (r: BenchResults) => r.endToEnd.filter((e) => e.usPerCase > scaled(r, goalOf(e.variant)));
const overList = (over: readonly { variant: string }[]) => (over.length ? `over it: ${over.map((e) => e.variant).join(', ')}` : 'met');

function throughputSection(r: BenchResults): string[] {
  const phaseRows = r.phases.map((p) => {
    const checks = PROPERTY_IDS.reduce((n, id) => n + p.checks[id], 0), total = totalUs(p);
    return [p.variant, us(p.generator), us(p.model), us(p.reference), us(p.run), us(checks), us(total),
      `${pct(p.generator, total)} / ${pct(p.model + p.reference, total)} / ${pct(p.run, total)} / ${pct(checks, total)}`];
  });
  const names = [...new Set(r.rates.map((x) => x.variant))];
  const rateRows = names.map((v) => [v, ...PROPERTY_IDS.map((id) => k(r.rates.find((x) => x.variant === v && x.property === id)!.casesPerSecond))]);
  const growth = (g: readonly Growth[]) => g.map((x) => [x.label, x.slots, x.chunks, us(x.execute), us(x.checks), us(x.execute + x.checks)]);
  const t = r.config.throughput;
  return [
    '## 4. Throughput (one core)',
    '',
    `End to end, ${t.cases} cases as the engine's first pass over them (\`screen()\`) spends them (seed ${t.seed}, the median of ${E2E_ROUNDS} rounds after one to warm, each round of raw fast-check and of every variant taken in turn, in CPU time: ` +
      'the machine is shared, and the wall clock counts the time a process waits for its core): each variant\'s own generator (its VM types, views, split era), ' +
      '`execute()` once, and every property of invalidations judged on that outcome until it first fails (its verdict is then made, and its own check shrinks it; bind-within-file draws bind requests of its own), beside raw fast-check ' +
      `in the same process: \`fc.check\` of a 5-tuple of 64-bit bigints and a trivial predicate, **${us(r.rawFastCheck)} µs per case**. ` +
      'These rounds and the engine\'s own run (below) come first: the phase breakdown holds its thousands of cases across its timings, and every case timed ' +
      'after it costs 2 to 2.5 times as much, raw fast-check\'s too (V8 then pretenures the model\'s objects: docs/cost.md). ' +
      `The goal: ${UPSTREAM_GOAL_US} µs for upstream, ${VARIANT_GOAL_US} µs for every other variant, set where raw fast-check took ${ISSUE_RAW_US} µs a case; ` +
      `so also at that ratio to raw fast-check in this run (${(UPSTREAM_GOAL_US / ISSUE_RAW_US).toFixed(2)}x and ${(VARIANT_GOAL_US / ISSUE_RAW_US).toFixed(1)}x), which moves less than µs with the machine, ` +
      'but holds the variants to raw fast-check at its warmest: its own case costs 2.7 to 3.8 µs in a fresh process after one round to warm, as the 3.2 µs the goal was set at, and less once fast-check\'s code is hot, as here (docs/cost.md).',
    '',
    table(['variant', '>µs per case', '>cases/s', '>x raw fast-check', '>goal µs', 'met', '>at the ratio, µs', 'met at the ratio'],
      r.endToEnd.map((e) => [e.variant, us(e.usPerCase), k(1e6 / e.usPerCase), (e.usPerCase / r.rawFastCheck).toFixed(1), goalOf(e.variant), e.usPerCase <= goalOf(e.variant) ? 'yes' : 'NO',
        us(scaled(r, goalOf(e.variant))), e.usPerCase <= scaled(r, goalOf(e.variant)) ? 'yes' : 'NO'])),
    '',
    'Where the time goes:',
    '',
    `${t.cases} generated cases (seed ${t.seed}), each phase timed over all of them, in µs per case. Model = \`materialize\` + the caller's \`resolve\`; ` +
      'variant = a fresh kernel and both halves; checks = every property on the outcome.',
    '',
    table(['variant', '>generator', '>model', '>reference', '>variant', '>checks', '>total', 'share: generator / model+reference / variant / checks'], phaseRows),
    '',
    'Cases per second per property as the engine spends them (generate, execute, judge that one property), derived from the phases above. ' +
      `One engine run measured end to end: ${r.measured.variant} / ${r.measured.property}, ${k(r.measured.casesPerSecond)} cases/s (derived: ${k(r.measured.derived)}; ` +
      'the engine\'s run is timed with the end-to-end rounds, before the breakdown, and the derived rate in the state the breakdown makes, so the two are not a check on each other).',
    '',
    table(['variant', ...PROPERTY_IDS.map((id) => `>${id}`)], rateRows),
    '',
    `Cost of one release (every binding visited) on upstream as the slots grow (each binding one 64-page chunk), in µs per case (the fastest of 3 rounds of ${t.reps}):`,
    '',
    table(['layout', '>slots', '>chunks', '>execute', '>checks', '>total'], growth(r.growthSlots)),
    '',
    'And as one binding is stored in more xarray chunks (upstream unmaps the same range once per chunk, and `no-redundant-unmap` compares every pair of unmaps):',
    '',
    table(['binding', '>slots', '>chunks', '>execute', '>checks', '>total'], growth(r.growthChunks)),
  ];
}

function scopeVerdicts(run: ScopeRun): string[][] {
  return run.verdicts.map((v) => [run.variant, `N=${run.maxPages}${run.origin !== '0' ? ` at ${run.origin}` : ''}`, v.property, v.expected,
    v.actual === 'fail' ? `FAIL (${v.failures.toLocaleString('en')} cases)` : 'pass', v.matches ? '' : 'UNEXPECTED', v.example ? `\`${v.example}\`` : '']);
}

function scopeSection(r: BenchResults): string[] {
  const c = r.config.scope;
  const growthRows = r.largest.flatMap((runs) => runs.map((x) => [x.variant, x.maxPages, x.cases.toLocaleString('en'),
    countScope({ maxPages: x.maxPages, uncut: true }).cases.toLocaleString('en'), ms(x.ms),
    x.verdicts.filter((v) => v.actual === 'fail').map((v) => v.property).join(', ') || 'none']));
  const header = ['variant', 'scope', 'property', 'expected', 'verdict', 'note', 'smallest failing case'];
  return [
    '## 5. Exhaustive small scope',
    '',
    'Every layout of up to 3 slots in a file of N pages (every placement; every order of the slots in gfn space, each adjacent to the previous or one page apart), ' +
      'against every punch [s, e) with 0 <= s < e <= N + 1, release, and every folio of every order up to 18 that starts in the file; each case checked as the engine checks it ' +
      '(`execute`, then every property). `properties/engine/exhaustive.ts`, sharded by layout (`--shard i/n`). ' +
      'The symmetry cut (the header of exhaustive.ts; held against the uncut scope mutant by mutant in test/exhaustive.test.ts) runs, of layouts equal up to a shift of every gfn or ' +
      'of every file index inside one xarray node, those whose lowest binding starts at the window\'s first three indices and whose gfns start at 0 (or 1, for one slot), ' +
      'and a folio only where no punch of the scope has its range; "uncut" counts the cases per VM type without it.',
    '',
    `N grows while the next scope, at the last measured rate, fits ${ms(c.budgetMs)} of CPU time on one core (upstream and fixed run one after the other, or side by side with two workers):`,
    '',
    table(['variant', '>N', '>cases', '>uncut', '>CPU time', 'failing properties'], growthRows),
    '',
    'Verdicts at the largest N. In this mode a pass is a proof over the scope; a property declared to fail may pass when the scope cannot reach its failure.',
    '',
    table(header, r.largest.flatMap((runs) => (runs.length ? scopeVerdicts(runs[runs.length - 1]) : []))),
    '',
    `A window across the xarray node boundary at index 64 (file indices [${c.windowOrigin}, ${BigInt(c.windowOrigin) + BigInt(c.windowPages)}), so a binding can be two chunks):`,
    '',
    table(header, r.window.flatMap(scopeVerdicts)),
    '',
    `Every other shipped variant at N = ${c.buggyPages}: each expected failure is found, with its smallest case.`,
    '',
    table(header, r.buggyScopes.flatMap((run) => scopeVerdicts(run).filter((row) => row[4] !== 'pass' || row[3] === 'fail'))),
  ];
}

export function render(r: BenchResults): string {
  return [
    '# Bench results',
    '',
    `Generated by \`npm run bench\`${r.quick ? ' --quick (reduced seeds and budgets: not the reference figures)' : ''} on ${r.date}, ${r.machine}, in ${ms(r.wallMs)}, ` +
      `on CPU(s) ${r.cpus}, load average ${r.load.start.toFixed(1)} at the start and ${r.load.end.toFixed(1)} at the end. ` +
      'Case counts are deterministic (fixed seeds); times vary with the machine and its load.',
    '',
    ...summary(r),
    '',
    ...killSection(r), '',
    ...detectionSection(r), '',
    ...shrinkSection(r), '',
    ...throughputSection(r), '',
    ...scopeSection(r), '',
    '## Reproduce',
    '',
    '```sh',
    'npm ci',
    'npm run bench              # every section, a few minutes on 2 cores; rewrites bench/RESULTS.md (not its proof section)',
    'taskset -c 0 npm run bench -- --workers 1   # the same on one core: how these figures were made',
    'npm run bench -- --quick   # a smoke run with fewer seeds and a short exhaustive budget',
    '```',
    '',
  ].join('\n');
}
