// A tree's guest_memfd file in several states (before and after each patch of a series, or at each
// commit of a range), each judged as --from-kernel judges a tree, with one seed and run count, and
// what each step changed, property by property. A change is believed only once it is confirmed:
// every counterexample any state's search found is replayed on every other state it can run on
// (a failure there confirmed in a fresh process), so a flip is one case that fails on one side
// and passes on the other, and a state the seed's cases happened to pass is not called fixed.

import crypto from 'crypto';
import fs from 'fs';
import path from 'path';
import { PropertyId, expectationOf } from '../../model/variant';
import { Case, caseKey } from '../case';
import type { Verdict, VariantInfo } from '../engine/engine';
import { Outcome } from '../engine/execute';
import type { Isolated } from '../engine/executor';
import { outsideOf } from '../engine/saved-cases';
import { PROPERTIES, property, violations } from '../properties';
import { caseRecord } from '../reports/record';

/** One state of the file: the tree as given, after a patch, or at a commit. */
export interface State {
  /** How the output names it: "the tree", "2/3 KVM: guest_memfd: ...", "1a2b3c4d KVM: ...". */
  readonly label: string;
  /** A folder holding virt/kvm/guest_memfd.c (or guest_mem.c); absent when this state has neither. */
  readonly dir?: string;
  /** The file, from the tree's top (virt/kvm/guest_memfd.c), when there is one. */
  readonly file?: string;
  /** The commit (--rev). */
  readonly commit?: string;
  /** The patch that made it (--patch): the file named, its place in a mailbox, its subject. */
  readonly patch?: { readonly file: string; readonly message?: number; readonly subject: string };
  /** What the step into this state did to the file it takes away: "renames virt/kvm/guest_memfd.c to ...", "removes virt/kvm/guest_memfd.c". */
  readonly gone?: string;
}

/** A state's file judged as --from-kernel judges a tree: its verdicts, and its process, still running. */
export interface Judged {
  readonly name: string;
  readonly info: VariantInfo;
  readonly verdicts: readonly Verdict[];
  readonly isolated: Isolated & { close(): void };
}

/** Judges the file in `dir`; `shownAs` is what gcc's messages call it. Throws when the file cannot be taken. */
export type Judge = (dir: string, shownAs: string) => Judged;

/** A counterexample some state's search found, with where it fails. */
export interface Found {
  readonly property: PropertyId;
  /** The state whose search found it. */
  readonly from: number;
  readonly case: Case;
  /** Its outcome on the state that found it, and the verdict it came with. */
  readonly outcome: Outcome;
  readonly verdict: Verdict;
}

/** A counterexample that fails a property on one state: what it did there. */
export interface Failing {
  readonly found: Found;
  readonly outcome: Outcome;
  readonly violations: readonly string[];
}

/**
 * A property of a state: pass, fail (with the counterexamples that fail it), not-judged (the state
 * gives it no verdict, as bind-within-file a file without a kvm_gmem_bind(): n/a, never a pass),
 * or unjudged (the harness could not judge it: why).
 */
export interface Effective {
  readonly actual: 'pass' | 'fail' | 'not-judged' | 'unjudged';
  /** The counterexamples that fail it here: its own search's first, then other states' replayed here. */
  readonly failing: readonly Failing[];
  /** Counterexamples of other states that cannot run here (another era's VMs, views or huge pages), with why. */
  readonly foreign: ReadonlyArray<{ readonly found: Found; readonly why: string }>;
  readonly why?: string;
}

export interface StateResult {
  readonly state: State;
  readonly judged?: Judged;
  /** No file at this state ('absent'), or one the harness could not take ('broken', with the error). */
  readonly missing?: { readonly kind: 'absent' | 'broken'; readonly why: string };
  readonly properties: ReadonlyMap<PropertyId, Effective>;
}

export type ChangeKind = 'fixed' | 'broke' | 'unchanged' | 'added' | 'removed' | 'unjudged';

export interface PropertyChange {
  readonly property: PropertyId;
  readonly before: 'pass' | 'fail' | 'absent' | 'not-judged' | 'unjudged';
  readonly after: 'pass' | 'fail' | 'absent' | 'not-judged' | 'unjudged';
  readonly change: ChangeKind;
  /** A broke: the case that fails after (as it fails there) and passes before. A fixed: the case that failed before (as it failed) and passes now. */
  readonly counterexample?: Failing;
  /** What the cross-replay showed beyond the two words, when it matters. */
  readonly note?: string;
  /** A break of a property the tree is expected to pass (a correctness property): it fails the check. */
  readonly counts: boolean;
}

export interface Step {
  readonly from: number;
  readonly to: number;
  readonly changes: readonly PropertyChange[];
  /** The step also changed the file outside the functions and macros the harness takes: said, since no verdict covers it. */
  readonly outside?: string;
}

export interface Comparison {
  readonly results: readonly StateResult[];
  readonly steps: readonly Step[];
  readonly properties: readonly PropertyId[];
}

const fileHash = (file: string): string => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/**
 * Every state judged (a file whose content an earlier state had is judged once), every
 * counterexample replayed on every other state, and each step from one state to the next
 * compared. The states' processes are closed before it returns.
 */
export function compareStates(states: readonly State[], judge: Judge, opts: { properties?: readonly PropertyId[] } = {}): Comparison {
  const properties = opts.properties ?? PROPERTIES.map((p) => p.id);
  const byContent = new Map<string, Judged>();
  const judged: Array<{ judged?: Judged; missing?: StateResult['missing'] }> = [];
  try {
    for (const s of states) {
      if (!s.dir || !s.file) {
        judged.push({ missing: { kind: 'absent', why: s.gone ? `${s.gone}: no file to judge here` : 'no virt/kvm/guest_memfd.c or guest_mem.c' } });
        continue;
      }
      // a file judged once per name and content (the era is read from the text, the name kept apart all the same)
      const hash = `${s.file}:${fileHash(path.join(s.dir, s.file))}`;
      try {
        let j = byContent.get(hash);
        if (!j) {
          j = judge(s.dir, `${s.file} (${s.label})`);
          byContent.set(hash, j);
        }
        judged.push({ judged: j });
      } catch (e) {
        judged.push({ missing: { kind: 'broken', why: (e as Error).message } });
      }
    }
    const found = counterexamples(judged.map((j) => j.judged));
    const results = states.map((state, i): StateResult => {
      const { judged: j, missing } = judged[i];
      const props = new Map(properties.map((p) => [p, j ? effective(j, i, p, found) : { actual: 'unjudged' as const, failing: [], foreign: [], why: missing!.why }]));
      return { state, ...(j ? { judged: j } : {}), ...(missing ? { missing } : {}), properties: props };
    });
    const steps = results.slice(1).map((r, k) => step(results, k, k + 1, properties));
    return { results, steps, properties };
  } finally {
    for (const j of byContent.values()) j.isolated.close();
  }
}

/** The counterexamples of every state's failed verdicts, one per case and property. */
function counterexamples(judged: ReadonlyArray<Judged | undefined>): Found[] {
  const seen = new Set<string>();
  const out: Found[] = [];
  judged.forEach((j, from) => {
    for (const v of j?.verdicts ?? []) {
      const o = v.counterexample;
      if (v.actual !== 'fail' || !o || v.harnessError || v.confirmation === 'not-reproduced') continue;
      const key = `${v.property}|${caseKey(o.case)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ property: v.property, from, case: o.case, outcome: o, verdict: v });
    }
  });
  return out;
}

/** Replays `f` on a state's running process: how it fails the property there, if it does. A failure is confirmed in a fresh process. */
function failsOn(j: Judged, f: Found): Failing | undefined {
  const prop = property(f.property);
  const judge = (run: Isolated['run']) => {
    const outcome = run(f.case);
    return { outcome, violations: violations(prop, outcome) };
  };
  const here = judge(j.isolated.run);
  if (here.violations.length === 0) return undefined;
  const confirmed = j.isolated.confirm?.(f.case, (run) => judge(run).violations.length > 0);
  return confirmed?.kind === 'not-reproduced' ? undefined : { found: f, ...here };
}

/** A property of a judged state, its own verdict joined with every other state's counterexample replayed on it. */
function effective(j: Judged, at: number, id: PropertyId, found: readonly Found[]): Effective {
  const own = j.verdicts.find((v) => v.property === id);
  if (!own) return { actual: 'unjudged', failing: [], foreign: [], why: 'not checked' };
  if (own.harnessError) return { actual: 'unjudged', failing: [], foreign: [], why: `the harness broke on it: ${own.harnessError}` };
  // a property the state gets no verdict on (bind-within-file without a kvm_gmem_bind()) is never a pass
  if (own.actual === 'not-judged') return { actual: 'not-judged', failing: [], foreign: [], why: own.violations?.[0] ?? 'not judged' };
  if (own.actual === 'fail' && own.confirmation === 'not-reproduced') {
    return { actual: 'unjudged', failing: [], foreign: [], why: 'its failure did not reproduce in a fresh process (not deterministic)' };
  }
  const failing: Failing[] = found.filter((f) => f.property === id && f.from === at).map((f) => ({ found: f, outcome: f.outcome, violations: f.verdict.violations ?? [] }));
  const foreign: Array<{ found: Found; why: string }> = [];
  for (const f of found.filter((x) => x.property === id && x.from !== at)) {
    // a state that hung (on its own case, or on one replayed here) runs nothing more
    const why = outsideOf(j.info, caseRecord(f.case)) ?? (j.isolated.hungOn() ? `the state hung (${j.isolated.hungOn()!.message}) and runs nothing more` : null);
    if (why) foreign.push({ found: f, why });
    else {
      const fails = failsOn(j, f);
      if (fails) failing.push(fails);
    }
  }
  // a "not run" verdict (the state hung on an earlier property) fails on the hang's case
  const fails = own.actual === 'fail' || failing.length > 0;
  return { actual: fails ? 'fail' : 'pass', failing, foreign };
}

const word = (r: StateResult, id: PropertyId): PropertyChange['before'] => {
  if (r.missing?.kind === 'absent') return 'absent';
  return r.properties.get(id)!.actual;
};

/** What the step from state `a` to state `b` changed, property by property. */
function step(results: readonly StateResult[], a: number, b: number, properties: readonly PropertyId[]): Step {
  const before = results[a], after = results[b];
  const changes = properties.map((id): PropertyChange => {
    const x = word(before, id), y = word(after, id);
    const must = after.judged ? expectationOf(after.judged.info, id) === 'pass' : false;
    const base = { property: id, before: x, after: y, counts: false };
    if (x === 'unjudged' || y === 'unjudged') return { ...base, change: 'unjudged' };
    if (x === 'absent' && y === 'absent') return { ...base, change: 'unchanged' };
    if (x === 'absent') return { ...base, change: 'added' };
    if (y === 'absent') return { ...base, change: 'removed' };
    const pb = before.properties.get(id)!, pa = after.properties.get(id)!;
    // n/a on either side: nothing passed before to break, or nothing is judged after; only a
    // failure where there was no verdict is held against the step (a kvm_gmem_bind() added broken)
    if (x === 'not-judged' && y === 'fail') {
      return { ...base, change: 'broke', counterexample: pa.failing[0], counts: must, note: `no verdict on the state before: ${pb.why ?? 'not judged'}` };
    }
    if (x === 'not-judged' && y !== 'not-judged') return { ...base, change: 'unchanged', note: `no verdict on the state before: ${pb.why ?? 'not judged'}` };
    if (y === 'not-judged' && x !== 'not-judged') return { ...base, change: 'unchanged', note: `no verdict after: ${pa.why ?? 'not judged'}` };
    if (x === 'not-judged') return { ...base, change: 'unchanged' };
    const failsIn = (e: Effective, f: Found) => e.failing.some((x) => x.found === f);
    const cannotIn = (e: Effective, f: Found) => e.foreign.find((o) => o.found === f)?.why;
    if (x === 'pass' && y === 'pass') return { ...base, change: 'unchanged' };
    if (x === 'pass') {
      // a flip is believed only on a case that runs on both sides: one of another era says nothing of the step
      const flips = pa.failing.filter((f) => !cannotIn(pb, f.found));
      if (pa.failing.length && !flips.length) {
        const f = pa.failing[0];
        return { ...base, change: 'unjudged', counterexample: f, note: `it fails only on cases the state before cannot run (${cannotIn(pb, f.found)}), so whether this step broke it is not known` };
      }
      return { ...base, change: 'broke', counterexample: flips[0], counts: must };
    }
    if (y === 'pass') {
      const f = pb.failing[0];
      const why = f && cannotIn(pa, f.found);
      return { ...base, change: 'fixed', counterexample: f, ...(why ? { note: `its case cannot run on the state after (${why})` } : {}) };
    }
    // both fail: a case that fails now and passed before is a new failure
    const fresh = pa.failing.find((f) => !failsIn(pb, f.found) && !cannotIn(pb, f.found));
    if (fresh) return { ...base, change: 'broke', counterexample: fresh, counts: must, note: 'it failed before too, on other cases; this case passed before' };
    const gone = pb.failing.find((f) => !failsIn(pa, f.found) && !cannotIn(pa, f.found));
    return { ...base, change: 'unchanged', ...(gone ? { note: 'the case it failed on before passes now, but it still fails on others' } : {}) };
  });
  const outside = outsideJudged(before.state, after.state);
  return { from: a, to: b, changes, ...(outside ? { outside } : {}) };
}

/**
 * Whether a step changed its file outside what the harness takes from it (a caller's arguments to
 * kvm_gmem_invalidate_begin(), say): what it says, or undefined when it did not, or a side has no
 * file that can be taken (said elsewhere).
 */
function outsideJudged(before: State, after: State): string | undefined {
  if (!before.dir || !before.file || !after.dir || !after.file) return undefined;
  // native/ is loaded only where it is needed, as the command loads it
  const { untaken } = require('../../native/extract') as typeof import('../../native/extract');
  try {
    const a = untaken(path.join(before.dir, before.file)), b = untaken(path.join(after.dir, after.file));
    return a.text === b.text ? undefined : `it also changes ${after.file} outside what the harness judges (${b.taken.join(', ')}): no verdict here covers those lines`;
  } catch {
    return undefined;
  }
}

/** The first state whose step took the file away (removed, or renamed to a name the harness does not judge), if any. */
export const fileGone = (c: Comparison): StateResult | undefined => c.results.find((r) => r.state.gone !== undefined);

/**
 * What the series comes to: a state or property the harness could not judge (a state whose file
 * is gone among them: what comes after it is never judged), a break of a property the tree must
 * pass, or neither.
 */
export function seriesVerdict(c: Comparison): 'unjudged' | 'broke' | 'ok' {
  if (c.results.some((r) => r.missing?.kind === 'broken') || fileGone(c) || c.steps.some((s) => s.changes.some((x) => x.change === 'unjudged'))) return 'unjudged';
  return c.steps.some((s) => s.changes.some((x) => x.counts)) ? 'broke' : 'ok';
}

/** The first step that changed a verdict (fixed or broke), if any. */
export const firstChange = (c: Comparison): Step | undefined => c.steps.find((s) => s.changes.some((x) => x.change === 'fixed' || x.change === 'broke'));

/** The first step that broke a property the tree must pass, if any. */
export const firstBreak = (c: Comparison): Step | undefined => c.steps.find((s) => s.changes.some((x) => x.counts));
