// The command against a folder of hostile variants (test/fixtures/hostile, TypeScript and C):
// every file gets its verdict or its fault, each hanging file costs at most one confirmation
// (counted by the harness, not timed), --json stays JSON whatever the variants print, a file
// that poisons its own process changes nothing for the others, a variant that keeps state across
// calls is called history-dependent and its report replays that history, and nothing the run
// started is left running afterwards.

import crypto from 'crypto';
import fs from 'fs';
import path from 'path';
import { check, checkHere } from './command-helpers';
import { PROPERTY_IDS } from '../model/variant';

const HOSTILE = path.join(__dirname, 'fixtures', 'hostile');
const mark = `gmem-hostile-${crypto.randomBytes(6).toString('hex')}`;

/** Processes whose environment carries this run's mark: whatever the run started and left behind. */
function leftBehind(): string[] {
  const out: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (fs.readFileSync(`/proc/${pid}/environ`, 'utf8').includes(`GMEM_TEST_MARK=${mark}`)) out.push(`${pid}: ${fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')}`);
    } catch { /* gone while we looked */ }
  }
  return out;
}

type V = { variant: string; property: string; actual: string; matches: boolean; violations: string[]; confirmation: string | null; notRun: boolean; report: string | null; history: unknown[] | null; counterexample: unknown };

let out: { exitCode: number; broken: Array<{ file: string; message: string }>; variants: Array<{ name: string; file: string; hangConfirmations: number }>; verdicts: V[] };
let r: ReturnType<typeof check>;

beforeAll(() => {
  r = check([HOSTILE, '--runs', '30', '--timeout', '250', '--json'], { GMEM_TEST_MARK: mark });
  out = JSON.parse(r.out); // valid JSON: nothing a variant printed reached stdout
}, 300_000);

const of = (name: string) => out.verdicts.filter((v) => v.variant === name);

test('every file gets its verdicts or its fault, and the run says it is broken (exit 2)', () => {
  const files = fs.readdirSync(HOSTILE).filter((f) => f.endsWith('.ts') || f.endsWith('.c'));
  const judged = new Set(out.variants.map((v) => path.basename(v.file)));
  const broken = new Set(out.broken.map((b) => path.basename(b.file)));
  for (const f of files) expect([f, judged.has(f) || broken.has(f)]).toEqual([f, true]);
  expect([...broken].sort()).toEqual(['loops-on-load.ts', 'no-export.ts', 'typo.ts']);
  expect(out.broken.find((b) => b.file.endsWith('loops-on-load.ts'))!.message).toMatch(/did not start: it did not say it was ready after \d+ ms of CPU in \d+ ms \(does its top-level code return\?\)/);
  expect(out.broken.find((b) => b.file.endsWith('typo.ts'))!.message).toMatch(/does not compile:\n.*typo\.ts\(6,\d+\): error TS2554/);
  expect(out.broken.find((b) => b.file.endsWith('no-export.ts'))!.message).toMatch(/does not default-export a variant/);
  for (const v of out.variants) expect(of(v.name)).toHaveLength(PROPERTY_IDS.length);
  expect(out.exitCode).toBe(2);
  expect(r.code).toBe(2);
});

test('a hang, in TypeScript or C, spinning or blocked, is confirmed once and stops that variant', () => {
  for (const name of ['hostile-loops', 'hostile-blocks', 'hostile-loops-c']) {
    const vs = of(name);
    expect([name, vs[0].violations[0]]).toEqual([name, expect.stringMatching(/^invalidate_begin did not return: hang, confirmed: /)]);
    expect(vs[0].confirmation).toBe('hang');
    expect(vs[0].counterexample).not.toBeNull(); // the case it hung on
    expect(vs[0].report).toMatch(new RegExp(`${name}--no-stale-mapping--[0-9a-f]{12}\\.md$`));
    // every other property is not run, but bind-within-file, which has no bind() of it to judge
    for (const v of vs.slice(1)) expect([name, v.property, v.notRun || v.actual === 'not-judged', v.report]).toEqual([name, v.property, true, null]);
    expect(vs.find((v) => v.property === 'bind-within-file')).toMatchObject({ actual: 'not-judged', notRun: false });
    expect(out.variants.find((v) => v.name === name)!.hangConfirmations).toBe(1);
    // what it called before it hung, from the run that confirmed it
    const record = JSON.parse(fs.readFileSync(vs[0].report!.replace(/\.md$/, '.json'), 'utf8'));
    expect([name, record.actual.calls]).toEqual([name, name === 'hostile-blocks' ? [] : ['begin: lock', 'begin: invalidate_begin']]);
  }
  // the CPU each run used, not which limit tripped: a starved run is suspected on wall time instead
  expect(of('hostile-loops')[0].violations[0]).toMatch(/used \d+ ms of CPU .*; run again alone in a fresh process with twice the limits, it used \d+ ms of CPU /);
  expect(of('hostile-blocks')[0].violations[0]).toMatch(/stayed blocked/);
  // the hang's page tells the hang's story, not a property's
  const page = fs.readFileSync(of('hostile-loops')[0].report!, 'utf8');
  expect(page).toMatch(/kvm_gmem_invalidate_begin\(\) does not return when invalidating file pages/);
  expect(page).toMatch(/^KVM calls: `begin: lock`, `begin: invalidate_begin`; the variant did not return: invalidate_begin: hang, confirmed: /m);
  expect(page).not.toMatch(/use-after-free/);
  // the index lists the report just saved as reproducing (it was confirmed: the index takes that)
  const stem = path.basename(of('hostile-loops')[0].report!, '.md');
  expect(fs.readFileSync(path.join(r.reports, 'README.md'), 'utf8')).toMatch(new RegExp(`^\\| \\[${stem}\\].*\\| reproduces \\|$`, 'm'));
  // no other file costs more than one confirmation either (a case the machine starved may be
  // suspected once; run again alone, it returns, and nothing is reported)
  for (const v of out.variants) expect([v.name, v.hangConfirmations <= 1]).toEqual([v.name, true]);
  for (const name of ['hostile-prints', 'hostile-forks', 'hostile-forks-c', 'hostile-bad-copy']) expect(of(name).every((v) => v.confirmation !== 'hang')).toBe(true);
});

test('a variant that exits or throws fails every property with what happened, at once', () => {
  expect(of('hostile-exits')[0].violations[0]).toMatch(/exited with status 0 in the middle of the case/);
  expect(of('hostile-exits-c')[0].violations[0]).toMatch(/the C program exited with status 0 in the middle of the case/);
  expect(of('hostile-throws')[0].violations[0]).toMatch(/invalidate_begin threw: RangeError: no such slot/);
  // a crash is never the failure a variant expects: every property fails, the correctness ones as mismatches
  for (const name of ['hostile-exits', 'hostile-exits-c', 'hostile-throws']) {
    // (but bind-within-file, which they give no bind() to judge)
    expect(of(name).filter((v) => v.property !== 'bind-within-file').every((v) => v.actual === 'fail')).toBe(true);
    expect(of(name).find((v) => v.property === 'bind-within-file')!.actual).toBe('not-judged');
    expect(of(name).slice(0, 5).every((v) => !v.matches)).toBe(true);
  }
});

test('printing and forking change nothing in the verdicts; a poisoner harms only its own process', () => {
  for (const name of ['hostile-prints', 'hostile-forks', 'hostile-forks-c']) {
    expect([name, of(name).every((v) => v.matches)]).toEqual([name, true]);
  }
  // the poisoner breaks its own process's copy of the model (its answers no longer agree with the
  // judging process's): it fails, alone
  expect(of('hostile-poisons').find((v) => v.property === 'no-stale-mapping')).toMatchObject({ actual: 'fail', matches: false });
  // the buggy copy checked beside the poisoner still fails as buggy does
  const bad = of('hostile-bad-copy');
  expect(bad.find((v) => v.property === 'no-stale-mapping')).toMatchObject({ actual: 'fail', matches: true });
  expect(bad.every((v) => v.matches)).toBe(true);
  expect(r.err).toMatch(/^begin \d+ \d+$/m); // a variant's output goes to stderr
});

test('a variant that keeps state across calls is history-dependent, and --report replays the history', () => {
  for (const name of ['hostile-stateful', 'hostile-stateful-c']) {
    const v = of(name).find((x) => x.property === 'mmu-bookkeeping')!;
    expect([name, v.actual, v.confirmation]).toEqual([name, 'fail', 'history']);
    expect(v.history!.length).toBeGreaterThanOrEqual(1);
    expect(v.violations.at(-1)).toMatch(/^history-dependent: in a fresh process it fails only after \d+ earlier case/);
    const again = checkHere(['--report', v.report!.replace(/\.md$/, '.json')], { REPORTS_DIR: path.dirname(v.report!), GMEM_TEST_MARK: mark });
    expect([name, again.out]).toEqual([name, expect.stringMatching(new RegExp(`${name} still fails mmu-bookkeeping`))]);
    expect(again.code).toBe(1); // it was expected to pass
  }
}, 120_000);

test('nothing the run started outlives it', () => {
  expect(leftBehind()).toEqual([]);
});
