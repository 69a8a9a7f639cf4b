// The checking engine: every property of a variant run through fast-check (fc.check, so a
// failure is a verdict, not a throw), shrunk by fast-check and then by minimize(), and
// compared with the variant's expectation. A failure of a variant run in its own process is
// confirmed before it is a verdict anyone saves: replayed alone in a fresh process, and if it
// does not fail there, after the cases that ran before it (a history-dependent variant). The
// engine returns verdicts; saving and rendering them is the reporter's job (reports/reporter).
// Seeds and run counts come from FC_SEED and FC_NUM_RUNS.

import fc from 'fast-check';
import { Expectation, PropertyId, expectationOf } from '../../model/variant';
import { WORD64, Word } from '../../model/word';
import { bindCaseArbFor, caseArbFor } from '../arbitraries';
import { Case, caseKey } from '../case';
import { Outcome, execute } from './execute';
import { phaseName } from '../../model/kvm';
import { minimize } from './minimize';
import { PROPERTIES, Property, notJudged, violations } from '../properties';
import type { Confirmation, Executor, Isolated, VariantInfo } from './executor';
import { SavedReportLike, savedCasesFor } from './saved-cases';
import { IntRule, RUNS, SEED, readInt } from './settings';
import { Shard, runsOf, shardParameters } from './shard';

export type { Confirmation, Executor, Isolated, VariantInfo } from './executor';

export interface CheckOptions {
  readonly numRuns: number;
  readonly seed: number;
  readonly word?: Word;
  /** fast-check's replay path, with the seed that produced it. */
  readonly path?: string;
  readonly properties?: readonly PropertyId[];
  /** Saved reports, whose cases are replayed first. */
  readonly saved?: readonly SavedReportLike[];
  /** Where the variant runs; in this process when absent (the variant's functions are needed then). */
  readonly isolated?: Isolated;
  /** Called once per case run, for progress on a terminal. */
  readonly onCase?: () => void;
  /**
   * Outcomes of this variant's in-process runs, kept per case across the properties of one check
   * (fast-check feeds every property the same cases for a seed), as the isolated runner keeps
   * them. Give one map per variant and check; absent, every case runs afresh.
   */
  readonly outcomes?: Map<string, Outcome>;
  /**
   * What screen() saw of this seed and run count's generated cases: a property no case fails
   * runs only its saved cases; one it saw fail, whose own check passes or first fails on another
   * case, is not reproduced. Ignored with a path.
   */
  readonly screened?: Screened;
  /**
   * The part of the run this machine checks (engine/shard.ts): the generated cases of its block of
   * indices; the saved reports are replayed by shard 0 only. A verdict counts runs as the whole
   * run does (a failure's numRuns is its case's index + 1), so shards' verdicts merge into one.
   */
  readonly shard?: Shard;
}

export interface Verdict {
  readonly variant: string;
  readonly property: PropertyId;
  readonly expected: Expectation;
  /**
   * 'not-judged': the property cannot judge this variant (bind-within-file and a variant without
   * a bind()): never a pass; it matches any expectation but 'fail', and its violations say why.
   */
  readonly actual: 'pass' | 'fail' | 'not-judged';
  /** The actual verdict is what the variant expects ('report' always matches). */
  readonly matches: boolean;
  readonly seed: number;
  readonly numRuns: number;
  /** Set on failure: the shrunk case, what happened, and how to replay it. */
  readonly counterexample?: Outcome;
  readonly violations?: readonly string[];
  readonly path?: string;
  readonly numShrinks?: number;
  /** The harness itself broke on this case (not the variant): a bug to fix here. */
  readonly harnessError?: string;
  /**
   * How the failure was confirmed: by a fresh process (alone, or after a history), a confirmed
   * hang, or not at all ('in-process': the variant ran here, deterministic by construction).
   */
  readonly confirmation?: Confirmation['kind'] | 'hang' | 'in-process';
  /** For a history-dependent failure: the cases to run before it in a fresh process. */
  readonly history?: readonly Case[];
  /** Not run: the variant hung on a case of an earlier property. Nothing to save. */
  readonly notRun?: boolean;
  /** The report written (or already saved) for this failure, once a reporter has seen it. */
  readonly report?: { readonly stem: string; readonly written: boolean };
  /** Saved reports of this variant and property that no longer fail: fixed. */
  readonly fixedReports?: readonly string[];
  /** The failure was found by replaying a saved report, not by a generated case. */
  readonly fromSavedReport?: boolean;
  /** That report (its stem): the variant's own, or another's that is a regression test for it. */
  readonly savedReport?: string;
}

export const DEFAULT_NUM_RUNS = 1000;

/** A property not run after a hang has no verdict: a mismatch, except an advisory one, which never is (the hang itself already is). */
export const notRunMatches = (expected: Expectation): boolean => expected === 'report';

/**
 * FC_SEED and FC_NUM_RUNS, or a fresh seed and the command's default run count; each is held to
 * the rule of its flag (--seed, --runs), and a bad one is a SettingError naming the variable. Set
 * but empty is unset, as a shell's `FC_SEED= npm test` means.
 */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env, defaultRuns = DEFAULT_NUM_RUNS): { numRuns: number; seed: number } {
  const num = (name: string, rule: IntRule, fallback: () => number) => {
    const raw = env[name];
    return raw === undefined || raw === '' ? fallback() : readInt(name, raw, rule);
  };
  return {
    numRuns: num('FC_NUM_RUNS', RUNS, () => defaultRuns),
    seed: num('FC_SEED', SEED, () => Date.now() ^ (Math.random() * 0x7fffffff)),
  };
}

/** The cases a property draws for a variant: bind requests, or the invalidation cases of its era (properties/arbitraries.ts). */
export const casesFor = (prop: Pick<Property, 'draws'>, variant: VariantInfo): fc.Arbitrary<Case> =>
  prop.draws === 'bind' ? bindCaseArbFor(variant) : caseArbFor(variant);

export function checkProperty(variant: VariantInfo, prop: Property, opts: CheckOptions): Verdict {
  const word = opts.word ?? WORD64;
  const isolated = opts.isolated;
  const exec: Executor = isolated?.run ?? inProcess(variant, word, opts.outcomes);
  const judgeWith = (run: Executor, c: Case) => {
    const outcome = run(c);
    return { outcome, found: violations(prop, outcome) };
  };
  const judge = (c: Case) => {
    opts.onCase?.();
    return judgeWith(exec, c);
  };
  const fails = (c: Case) => judge(c).found.length > 0;
  /** A case judged after its history: in a fresh process when the variant has one, else after running the history here. */
  const judgeAfter = (c: Case, history: readonly Case[]) => {
    const fresh = isolated?.afterHistory?.(history);
    // in this process, the history must run again, not come from the kept outcomes
    const here = isolated ? exec : inProcess(variant, word);
    try {
      if (!fresh) for (const h of history) here(h);
      return judgeWith(fresh?.run ?? here, c);
    } finally {
      fresh?.close();
    }
  };
  const expected = expectationOf(variant, prop.id);
  const base = { variant: variant.name, property: prop.id, expected, seed: opts.seed };
  const unjudged = notJudged(prop, variant);
  if (unjudged) return { ...base, numRuns: 0, actual: 'not-judged', matches: expected !== 'fail', violations: [unjudged], fixedReports: [] };

  // a variant whose hang an earlier property reported runs nothing more
  const before = isolated?.hungOn();
  if (before && !isolated!.claimHang()) {
    return {
      ...base, numRuns: 0, actual: 'fail', matches: notRunMatches(expected), notRun: true,
      counterexample: before.outcome,
      violations: [`not run: the variant hung on a case of an earlier property (${before.message})`],
    };
  }

  const fixedReports: string[] = [];
  let fromSaved: { case: Case; stem: string; history?: readonly Case[] } | undefined;
  let savedRuns = 0;
  let details: fc.RunDetails<[Case]> | undefined;
  let c: Case | undefined;
  let found: string[] = [], harnessError: string | undefined, counterexample: Outcome | undefined;
  let confirmation: Verdict['confirmation'] = isolated ? undefined : 'in-process';
  let history: readonly Case[] | undefined;
  /** A failure the screen saw that this property's own check does not meet first (a variant with state, run here). */
  let notHere: (Omit<ScreenFailure, 'index'> & { seenAt: number; then?: number; runs: number }) | undefined;
  // An expected failure a saved report already shows (not a crash) needs no confirmation: nothing
  // will be saved for it, and its verdict matches whether or not it reproduces in a fresh process.
  const alreadyShown = expected !== 'pass' && (opts.saved ?? []).some((s) => s.record.variant.name === variant.name && s.record.property === prop.id);
  try {
    // Saved cases run first, in a pass of their own: as fast-check examples they would take up
    // runs and shift the replay path. The variant's own reports that pass now are fixed; a
    // history-dependent one is run after its history, in a fresh process.
    if (!opts.path && !before && (opts.shard?.index ?? 0) === 0) {
      for (const s of savedCasesFor(variant, prop.id, opts.saved ?? [])) {
        if (fromSaved && !s.own) break; // another variant's case is only needed to find a failure
        savedRuns++;
        const failed = s.history ? judgeAfter(s.case, s.history).found.length > 0 : fails(s.case);
        if (failed) fromSaved ??= { case: s.case, stem: s.stem, ...(s.history ? { history: s.history } : {}) };
        else if (s.own) fixedReports.push(s.stem);
      }
    }
    if (!fromSaved && !isolated?.hungOn()) {
      const passed = (numRuns: number): Verdict => ({ ...base, numRuns, fixedReports, actual: 'pass', matches: expected !== 'fail' });
      const runs = shardParameters(opts);
      const seen = opts.path === undefined ? opts.screened : undefined;
      if (seen?.passes.has(prop.id)) return passed(runs.numRuns);
      // the index of the first generated case that fails (or throws), as the screen counts its cases
      let at = 0, firstFail = -1, threw = false;
      details = fc.check(fc.property(casesFor(prop, variant), (x) => {
        const i = at++;
        try {
          const failed = fails(x);
          if (failed && firstFail < 0) firstFail = i;
          return !failed;
        } catch (e) {
          if (firstFail < 0) { firstFail = i; threw = true; }
          throw e;
        }
      }), { ...runs, endOnFailure: false });
      const sawFail = seen?.failedOn.get(prop.id);
      if (!details.failed && !sawFail) return passed(details.numRuns);
      // the same cases ran again here (past the outcomes kept) and the first to fail is not the
      // screen's: the variant answers otherwise after other calls, which only a fresh process can
      // follow. Its verdict is the screen's case, not reproduced, and nothing is saved. (A throw
      // first is the harness's: judged below, it is a harness error.)
      if (sawFail && !threw && (!details.failed || firstFail !== sawFail.index)) {
        // in the whole run's numbering, as a shard's verdict counts
        notHere = { outcome: sawFail.outcome, found: sawFail.found, seenAt: wholeRuns(sawFail.index, opts), then: details.failed ? wholeRuns(firstFail, opts) : undefined, runs: wholeRuns(runs.numRuns, opts) };
      }
    }
    c = fromSaved?.case ?? details?.counterexample?.[0];
    let hung = isolated?.hungOn();
    if (notHere) {
      counterexample = notHere.outcome;
      found = [...notHere.found, notReproducedHere(notHere.seenAt, notHere.then)];
      confirmation = 'not-reproduced';
    } else if (fromSaved?.history && !hung) {
      // a saved history-dependent failure: its case is already the smallest, and its history known
      history = fromSaved.history;
      ({ outcome: counterexample, found } = judgeAfter(fromSaved.case, history));
      confirmation = 'history';
      found = [...found, historyNote(history)];
    } else if (!hung && c) {
      // the last judgement that failed: what a case that then passes here was seen to do
      let failedLast: ReturnType<typeof judge> | undefined;
      const failsHere = (x: Case) => {
        const r = judge(x);
        if (r.found.length > 0) failedLast = r;
        return r.found.length > 0;
      };
      failsHere(c); // throws here, outside minimize's guard, if the harness breaks on this case
      c = minimize(c, (x) => { try { return failsHere(x); } catch { return false; } });
      ({ outcome: counterexample, found } = judge(c));
      // a hang while re-running or minimizing: that case is the counterexample, unshrunk
      hung = isolated?.hungOn();
      // In this process the shrunk case may be a kept outcome, from a state long gone: it must fail
      // when judged again, and when run once more without the kept outcomes (a variant without
      // state always does), before it is saved; as isolated, an expected failure a saved report
      // shows needs no second run.
      if (!isolated) {
        const notReproduced = found.length === 0 || (!(alreadyShown && counterexample?.fault === undefined) && judgeWith(inProcess(variant, word), c).found.length === 0);
        if (notReproduced) {
          if (found.length === 0 && failedLast) ({ outcome: counterexample, found } = failedLast);
          found = [...found, NOT_AGAIN_HERE];
          confirmation = 'not-reproduced';
        }
      }
    }
    if (hung) {
      isolated!.claimHang();
      c = hung.case;
      counterexample = hung.outcome;
      found = [`${phaseName(counterexample.fault?.phase ?? 'begin')} did not return: ${hung.message}`];
      confirmation = 'hang';
    } else if (isolated?.confirm && c && !fromSaved?.history && !(alreadyShown && counterexample?.fault === undefined)) {
      const at = c;
      const confirmed = isolated.confirm(at, (run) => judgeWith(run, at).found.length > 0);
      confirmation = confirmed.kind;
      if (confirmed.kind === 'history') {
        history = confirmed.history;
        found = [...found, historyNote(history)];
      } else if (confirmed.kind === 'not-reproduced') {
        found = [...found, 'not reproduced: replayed in a fresh process, alone and after every case that ran before it, it passes (the variant is not deterministic); nothing is saved'];
      }
    }
  } catch (e) {
    harnessError = opts.path !== undefined && e instanceof Error && /Unable to replay/.test(e.message)
      ? pathNotReplayed(opts.path, opts.seed, prop.id)
      : e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    counterexample = undefined;
  }
  // a crash or a hang is never the failure a variant is expected to have, not even an advisory
  // one; nor is a failure that comes and goes
  const crashed = counterexample?.fault !== undefined;
  const unsound = confirmation === 'not-reproduced';
  // not reproduced in this process: no path leads to it (its replay runs the cases up to it, isolated)
  const noPath = unsound && !isolated;
  return {
    ...base,
    // a failure only the screen saw: the whole run's count, whose cases hold it, and no path to it
    numRuns: notHere ? notHere.runs : details ? wholeRuns(details.numRuns, opts) : savedRuns,
    fixedReports,
    actual: 'fail',
    matches: harnessError === undefined && !crashed && (expected === 'report' || (expected === 'fail' && !unsound)),
    counterexample,
    violations: harnessError ? [harnessError] : found,
    numShrinks: notHere ? 0 : details?.numShrinks ?? 0,
    ...(noPath ? {} : { path: details?.counterexamplePath ?? '' }),
    harnessError,
    confirmation,
    ...(history ? { history } : {}),
    fromSavedReport: fromSaved !== undefined,
    ...(fromSaved ? { savedReport: fromSaved.stem } : {}),
  };
}

/** fast-check could not follow a --path: it leads to no case of the seed with these generators. */
const pathNotReplayed = (path: string, seed: number, id: PropertyId) =>
  `--path ${path.length > 40 ? `${path.slice(0, 40)}...` : path} leads to no case of seed ${seed} with these generators: ` +
  'a path is only good for the version of the harness that printed it (its generators and their shrinking), or it was mistyped; ' +
  `to find the failure again, run the seed without --path (npm run check -- --seed=${seed} --property ${id} <the variant>), or replay its saved report (--report)`;

/** A shard's run k is the whole run's run first + k: a failure's numRuns counts as the whole run does. */
const wholeRuns = (numRuns: number, opts: CheckOptions) => numRuns + (opts.shard && opts.path === undefined ? runsOf(opts.shard, opts.numRuns).start : 0);

/** What an in-process failure that is not reproduced means, and what to do. */
const KEEPS_STATE = ' (the variant answers otherwise after other calls: it keeps state); run it isolated (without --no-isolate), where a fresh process finds the history it needs; nothing is saved';

/** Why a failure the screen saw at case `index` (0-based) is not reproduced by its property's own check, which first failed at `then`, or passed. */
const notReproducedHere = (index: number, then: number | undefined) =>
  `not reproduced: the first pass over the cases saw case ${index + 1} fail, and the property's own check in this process, running the same cases again, ` +
  `${then === undefined ? 'passes' : `first fails at case ${then + 1}`}${KEEPS_STATE}`;

const NOT_AGAIN_HERE = `not reproduced: judged again in this process, or run once more without the outcomes kept, its case passes${KEEPS_STATE}`;

const historyNote = (history: readonly Case[]) =>
  `history-dependent: in a fresh process it fails only after ${history.length} earlier case(s) (the variant keeps state across calls; its report replays them)`;

/**
 * The outcomes a check keeps: its first cases', which a property the screen found failing runs
 * again first (its own check starts at the first case). More would cost the collector work on
 * every case after them (a run of 21 000 cases: 3.0 to 3.3 s of CPU keeping the last 20 000, 2.6
 * to 2.8 s keeping the first 2000: docs/cost.md); a failure found later runs its earlier cases again
 * (the trade: a property that first fails at case 7762 of 10 000 cost more), and a variant that
 * answers otherwise then is not reproduced, never passed (checkProperty).
 */
const KEPT_LIMIT = 2000;

/**
 * The variant's own functions, run here: only for variants trusted to (--no-isolate, tests, the
 * bench). With `outcomes`, each case's outcome is kept there (CheckOptions.outcomes).
 */
export function inProcess(variant: VariantInfo, word: Word = WORD64, outcomes?: Map<string, Outcome>): Executor {
  const { invalidate_begin, invalidate_end } = variant;
  if (!invalidate_begin || !invalidate_end) throw new Error(`${variant.name} runs in its own process: give its isolated executor`);
  const v = { ...variant, invalidate_begin, invalidate_end };
  if (!outcomes) return (c) => execute(v, c, word);
  return (c) => {
    const key = `${word.bits}|${caseKey(c)}`;
    const hit = outcomes.get(key);
    if (hit) return hit;
    const o = execute(v, c, word);
    if (outcomes.size < KEPT_LIMIT) outcomes.set(key, o);
    return o;
  };
}

/** A property's first failing generated case in the screen: its index (0-based, in the run or shard), outcome and violations. */
export interface ScreenFailure {
  readonly index: number;
  readonly outcome: Outcome;
  readonly found: readonly string[];
}

/** What screen() saw: the properties no generated case fails, and each other one's first failing case. */
export interface Screened {
  readonly passes: ReadonlySet<PropertyId>;
  readonly failedOn: ReadonlyMap<PropertyId, ScreenFailure>;
}

/**
 * The properties that no generated case fails, found in one pass over fast-check's cases for the
 * seed and run count: each case is drawn and run once and judged by every property, where each
 * property's own check would draw and judge it again. fast-check draws the same cases for a seed
 * whatever the property, so a property that passes here passes its own check; one that fails is
 * checked on its own (found again, shrunk) as if there were no screen, and its first failing case
 * is kept: its own check must fail first on that case, or the variant answers otherwise when run
 * again (checkProperty). A harness error screens nothing, but keeps what failed before it. In this
 * process only: an isolated variant runs each property's saved cases before its generated ones,
 * and a hang is met on the smallest case that way.
 */
export function screen(variant: VariantInfo, props: readonly Property[], opts: CheckOptions): Screened {
  const run = inProcess(variant, opts.word ?? WORD64, opts.outcomes);
  // only the properties of the invalidation cases: a property that draws its own (bind requests) checks them itself
  const open = new Set(props.filter((p) => !p.draws).map((p) => p.id));
  const failedOn = new Map<PropertyId, ScreenFailure>();
  let broken = false, index = -1;
  try {
    fc.check(fc.property(caseArbFor(variant), (c) => {
      index++;
      if (broken || open.size === 0) return true;
      opts.onCase?.();
      try {
        const outcome = run(c);
        for (const p of props) {
          if (!open.has(p.id)) continue;
          const found = violations(p, outcome);
          if (found.length > 0) { open.delete(p.id); failedOn.set(p.id, { index, outcome, found }); }
        }
      } catch {
        broken = true;
      }
      return true;
    }), shardParameters({ ...opts, path: undefined }));
  } catch {
    broken = true; // the generator itself: each property's own check meets it and says so
  }
  // broken, every property is checked on its own; what failed before the break still binds it
  return { passes: broken ? new Set() : open, failedOn };
}

/** Whether checkVariant screens: in this process, without a path (else each property draws its own cases). */
export const screens = (opts: Pick<CheckOptions, 'isolated' | 'path'>): boolean => !opts.isolated && opts.path === undefined;

/**
 * Every property (or those asked for) of the variant. In this process and without a path, the
 * generated cases are screened first, and `onCase` counts the screen's cases, once each.
 */
export function checkVariant(variant: VariantInfo, opts: CheckOptions): Verdict[] {
  const props = opts.properties ? PROPERTIES.filter((p) => opts.properties!.includes(p.id)) : PROPERTIES;
  const shared = { ...opts, outcomes: opts.outcomes ?? new Map<string, Outcome>() };
  if (!screens(opts)) return props.map((p) => checkProperty(variant, p, shared));
  const screened = screen(variant, props, shared);
  return props.map((p) => checkProperty(variant, p, { ...shared, screened, onCase: undefined }));
}
