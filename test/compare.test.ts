// The comparison behind --patch and --rev, with TypeScript variants standing in for the states
// of a file (run in this process): a change is believed only when a counterexample fails on one
// side and passes on the other. A state whose own cases happened to pass is not called fixed
// when the counterexample of the state before still fails on it, and a break is a case that
// passed before, even where the property already failed on other cases.

import fs from 'fs';
import os from 'os';
import path from 'path';
import { Variant, expectations } from '../model/variant';
import { Judged, State, compareStates, seriesVerdict } from '../properties/command/compare';
import { Verdict, checkVariant, inProcess } from '../properties/engine/engine';
import { property, violations } from '../properties/properties';
import buggy from '../variants/buggy';
import early from '../variants/early';
import fixed from '../variants/fixed';
import upstream from '../variants/upstream';
import upstream72 from '../variants/upstream-7.2';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compare-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A state whose file holds `tag` (the comparison tells states apart by content). */
function state(tag: string): State {
  const at = path.join(dir, tag);
  fs.mkdirSync(path.join(at, 'virt', 'kvm'), { recursive: true });
  fs.writeFileSync(path.join(at, 'virt', 'kvm', 'guest_mem.c'), `/* ${tag} */\n`);
  return { label: tag, dir: at, file: 'virt/kvm/guest_mem.c' };
}

const PROP = 'no-stale-mapping' as const;
const checked = new Map<Variant, Verdict[]>();
const verdictsOf = (v: Variant): Verdict[] => {
  if (!checked.has(v)) checked.set(v, checkVariant(v, { numRuns: 200, seed: 3, properties: [PROP] }));
  return checked.get(v)!;
};

/**
 * A state judged as `v` runs, with `verdicts` as its own search's (the real ones unless a test
 * says otherwise), expected, as a kernel tree is, to pass every correctness property.
 */
function judged(v: Variant, verdicts = verdictsOf(v)): Judged {
  return { name: v.name, info: { ...v, expect: expectations() }, verdicts, isolated: { run: inProcess(v), hungOn: () => undefined, claimHang: () => false, close: () => undefined } };
}

/** Compares the states, judging the i-th with the i-th judged. */
function compare(...states: Array<[string, Judged]>) {
  const byDir = new Map(states.map(([tag, j]) => [path.join(dir, tag), j]));
  return compareStates(states.map(([tag]) => state(tag)), (d) => byDir.get(d)!, { properties: [PROP] });
}

test('buggy then fixed: fixed, with the case that failed before, which passes after', () => {
  const c = compare(['buggy', judged(buggy)], ['fixed', judged(fixed)]);
  const x = c.steps[0].changes[0];
  expect(x).toMatchObject({ before: 'fail', after: 'pass', change: 'fixed', counts: false });
  expect(x.counterexample!.found.from).toBe(0);
  expect(seriesVerdict(c)).toBe('ok');
});

test('fixed then buggy: broke, counted (a correctness property), its case passing before', () => {
  const c = compare(['fixed', judged(fixed)], ['buggy', judged(buggy)]);
  expect(c.steps[0].changes[0]).toMatchObject({ before: 'pass', after: 'fail', change: 'broke', counts: true });
  expect(seriesVerdict(c)).toBe('broke');
});

test('a state whose own cases passed, but on which the counterexample before still fails, is not called fixed', () => {
  // its own search "passed" (as a seed with too few cases would), but it runs buggy's code
  const lucky = judged(buggy, verdictsOf(buggy).map((v) => ({ ...v, actual: 'pass' as const, matches: true, counterexample: undefined, violations: [] })));
  const c = compare(['buggy', judged(buggy)], ['lucky', lucky]);
  expect(c.results[1].properties.get(PROP)).toMatchObject({ actual: 'fail', failing: [expect.objectContaining({ found: expect.objectContaining({ from: 0 }) })] });
  expect(c.steps[0].changes[0]).toMatchObject({ before: 'fail', after: 'fail', change: 'unchanged' });
});

test('nor is a state before that the seed missed called broken by the next: the break needs a case that passed before', () => {
  const missed = judged(buggy, verdictsOf(buggy).map((v) => ({ ...v, actual: 'pass' as const, matches: true, counterexample: undefined, violations: [] })));
  const c = compare(['missed', missed], ['buggy', judged(buggy)]);
  expect(c.steps[0].changes[0]).toMatchObject({ before: 'fail', after: 'fail', change: 'unchanged', counts: false });
  expect(seriesVerdict(c)).toBe('ok');
});

test('a property that failed before and fails after on a case that passed before is a break', () => {
  // buggy skips a slot that does not hold the whole range; early forgets to subtract pgoff: each fails a case the other passes
  const c = compare(['buggy', judged(buggy)], ['early', judged(early)]);
  const x = c.steps[0].changes[0];
  expect(x).toMatchObject({ before: 'fail', after: 'fail', change: 'broke', counts: true, note: expect.stringMatching(/failed before too/) });
  expect(x.counterexample!.outcome.case).toBeDefined();
  // the case shown fails on early and passes on buggy
  const k = x.counterexample!.found.case;
  const on = (v: Variant) => violations(property(PROP), inProcess(v)(k));
  expect([on(early).length > 0, on(buggy)]).toEqual([true, []]);
});

test('a state with no kvm_gmem_bind() gets no verdict on bind-within-file (n/a, never a pass): losing a verdict is no change, a failure where there was none is a break', () => {
  const BIND = 'bind-within-file' as const;
  const withBind = (v: Variant) => judged(v, checkVariant(v, { numRuns: 100, seed: 3, properties: [BIND] }));
  const states: Array<[string, Judged]> = [['u72', withBind(upstream72)], ['no-bind', withBind(fixed)], ['u68', withBind(upstream)]];
  const byDir = new Map(states.map(([tag, j]) => [path.join(dir, tag), j]));
  const c = compareStates(states.map(([tag]) => state(tag)), (d) => byDir.get(d)!, { properties: [BIND] });
  expect(c.results.map((r) => r.properties.get(BIND)!.actual)).toEqual(['pass', 'not-judged', 'fail']);
  expect(c.steps.map((s) => s.changes[0])).toEqual([
    expect.objectContaining({ before: 'pass', after: 'not-judged', change: 'unchanged', counts: false, note: expect.stringMatching(/^no verdict after: /) }),
    expect.objectContaining({ before: 'not-judged', after: 'fail', change: 'broke', counts: true, note: expect.stringMatching(/^no verdict on the state before: /) }),
  ]);
  expect(c.steps[1].changes[0].counterexample).toBeDefined();
  expect(seriesVerdict(c)).toBe('broke');
});
