// What goes wrong in C is reported, per case, and the run goes on: a crash (with its signal),
// a hang (confirmed by a fresh process, then the variant stops), a slow case (not a hang), a
// child that blocks, malformed output; a walk of another range is judged, as in TypeScript. No test here times anything:
// limits are CPU time, and what is checked is what was reported and how often.
// Compile errors name the variant's file and line; without gcc the message says what to install.

import fs from 'fs';
import path from 'path';
import { resolve } from '../model/callers';
import { WORD64 } from '../model/word';
import { CCompileError, GccNotFoundError } from '../native/compile';
import { CVariant, loadCVariant } from '../native/cvariant';
import { Case, materialize } from '../properties/case';
import { Outcome, execute } from '../properties/engine/execute';
import { checkProperty } from '../properties/engine/engine';
import { IsolatedRunner } from '../properties/isolation/isolated';
import { property } from '../properties/properties';
import uWalkToEnd from '../bench/mutants/u-walk-to-end';
import { expectSameOutcome, observable, sampleCases, seed, stderrSink } from './native-helpers';

const fixture = (name: string) => `test/fixtures/c/${name}.c`;
const opened: CVariant[] = [];
const open = (name: string, opts = {}) => { const v = loadCVariant(fixture(name), opts); opened.push(v); return v; };
afterAll(() => opened.forEach((v) => v.runner.close()));

const start = (o: Outcome) => (o.resolved.kind === 'invalidate' ? o.resolved.start : -1n);
const invalidations = (cs: Case[], v: CVariant) => v.runner.runMany(cs).filter((o) => o.resolved.kind === 'invalidate');

describe('a crash', () => {
  test('fails the crashing cases with the signal, and the cases after them still run', () => {
    const outs = invalidations(sampleCases(80), open('crash'));
    const odd = outs.filter((o) => start(o) % 2n === 1n), even = outs.filter((o) => start(o) % 2n === 0n);
    expect(odd.length).toBeGreaterThan(3);
    expect(even.length).toBeGreaterThan(3);
    for (const o of odd) {
      expect(o.fault).toEqual({ phase: 'begin', message: expect.stringMatching(/^Crash: .*SIGSEGV/) });
      // the log up to the crash is kept: the lock and the begin came before the bad load
      expect(o.events.map((e) => e.op)).toEqual(['lock', 'invalidate_begin']);
    }
    for (const o of even) expect(o.fault).toBeUndefined();
  });
});

/** Cases of the sample whose punch starts at an odd index (the fixtures misbehave there), and some at an even one. */
function oddAndEven(n: number) {
  const startOf = (c: Case) => { const r = resolve(materialize(c.layout), c.op, WORD64); return r.kind === 'invalidate' ? r.start : -1n; };
  const cs = sampleCases(n);
  return { odd: cs.filter((c) => startOf(c) % 2n === 1n), even: cs.filter((c) => startOf(c) >= 0n && startOf(c) % 2n === 0n) };
}

describe('a hang', () => {
  test('is confirmed by a second run in a fresh process, reported with its phase, CPU time and the calls before it, and stops the variant', () => {
    const { odd, even } = oddAndEven(60);
    const [hung, fine] = [odd.slice(0, 2), even.slice(0, 4)];
    expect([hung.length, fine.length]).toEqual([2, 4]);
    const v = open('hang', { timeoutMs: 250 });
    const outs = v.runner.runMany([fine[0], hung[0], fine[1], hung[1], fine[2], fine[3]]);
    expect(outs[0].fault).toBeUndefined();
    // the verdict and its confirmation, with the CPU each run used; not which limit tripped: on a
    // machine at load 16-20 the first run was starved of CPU and suspected on wall time instead
    expect(outs[1].fault).toEqual({ phase: 'end', hang: true, message: expect.stringMatching(/^hang, confirmed: the case did not return and used \d+ ms of CPU .*; run again alone in a fresh process with twice the limits, it used \d+ ms of CPU /) });
    // what it did before it hung, _end()'s own lock too: the confirming run sends each call as it is made
    expect(outs[1].events.map((e) => e.op)).toEqual(['lock', 'unlock', 'lock']);
    // one confirmation, then nothing more of this variant runs: the rest is "not run", at no cost
    for (const o of outs.slice(2)) expect(o.fault?.message).toMatch(/^not run: the variant hung on an earlier case/);
    expect(v.runner.confirmations).toBe(1);
    expect(v.runner.hung?.case).toBe(hung[0]);
  });
});

describe('a slow case', () => {
  test('that returns when run again with twice the limit is not a hang: its outcome stands and the run goes on', () => {
    const { odd, even } = oddAndEven(60);
    const v = open('slow', { timeoutMs: 300 });
    const outs = v.runner.runMany([even[0], odd[0], even[1]]);
    for (const o of outs) expect(o.fault).toBeUndefined();
    expect(outs[1].events.map((e) => e.op)).toEqual(['lock', 'unlock']);
    expect(v.runner.confirmations).toBe(1);
    expect(v.runner.hung).toBeUndefined();
  });
});

describe('a child that blocks', () => {
  test('uses no CPU: suspected after four limits of wall time, and confirmed blocked by a fresh process', () => {
    const v = open('block', { timeoutMs: 200 });
    const one = sampleCases(20).find((c) => resolve(materialize(c.layout), c.op, WORD64).kind === 'invalidate')!;
    const o = v.runner.run(one);
    expect(o.fault).toEqual({ phase: 'begin', hang: true, message: expect.stringMatching(/^hang, confirmed: the case did not return and used \d+ ms of CPU and stayed blocked for \d+ ms; .* it used \d+ ms of CPU and stayed blocked for \d+ ms without returning$/) });
    expect(v.runner.confirmations).toBe(1);
  });
});

describe('malformed output', () => {
  test('fails the case; the variant\'s own printf goes to stderr, not into the log', () => {
    const err = stderrSink();
    const outs = invalidations(sampleCases(60), open('malformed', { onStderr: err.write }));
    const odd = outs.filter((o) => start(o) % 2n === 1n), even = outs.filter((o) => start(o) % 2n === 0n);
    expect(odd.length).toBeGreaterThan(3);
    for (const o of odd) expect(o.fault?.message).toMatch(/^MalformedOutput: line \d+ of the C program's log, "unmap slot 0 everything"/);
    for (const o of even) expect(o.fault).toBeUndefined();
    expect(err.text).toMatch(/^begin \d+ \d+$/m);
  });
});

describe('a walk of another range', () => {
  test('is judged, not faulted: C walks [start, end] as the model does, with the verdicts of its TypeScript twin', () => {
    const c = loadCVariant(fixture('walk-to-end'));
    try {
      const cs = sampleCases(300);
      c.runner.prefetch(cs);
      for (const k of cs) expectSameOutcome(observable(c.runner.run(k)), observable(execute(uWalkToEnd, k)));
      const v = checkProperty(c, property('ranges-well-formed'), { numRuns: 1000, seed, isolated: new IsolatedRunner(c.runner) });
      expect([v.actual, v.matches, v.counterexample?.fault]).toEqual(['fail', true, undefined]);
      expect(v.violations![0]).toMatch(/^slot \d+: range \[\d+, \d+\) is empty$/);
    } finally {
      c.runner.close();
    }
  });
});

describe('a compile error', () => {
  test('min() of a pgoff_t and a gfn_t is refused at the variant\'s line, as the kernel\'s type check does', () => {
    const e = (() => { try { loadCVariant(fixture('mixed-minmax')); } catch (x) { return x; } return null; })();
    expect(e).toBeInstanceOf(CCompileError);
    const c = e as CCompileError;
    expect([c.file, c.line]).toEqual([fixture('mixed-minmax'), 16]);
    expect(c.message).toMatch(/^test\/fixtures\/c\/mixed-minmax\.c:16:\d+: error: static assertion failed: "min\(\)\/max\(\) of distinct types/);
  });

  test('a syntax error names the file and line gcc gives', () => {
    expect(() => loadCVariant(fixture('syntax-error'))).toThrow(/^test\/fixtures\/c\/syntax-error\.c:8:\d+: error: expected ‘;’/);
  });
});

describe('no gcc', () => {
  const message = /C variants need gcc\. Install it \(Debian\/Ubuntu: apt-get install gcc;.*the TypeScript variants run without it/;

  test('a compiler that is not there is named, with what to install', () => {
    expect(() => loadCVariant('variants/c/upstream.c', { gcc: '/nonexistent/gcc' })).toThrow(GccNotFoundError);
    expect(() => loadCVariant('variants/c/upstream.c', { gcc: '/nonexistent/gcc' })).toThrow(message);
  });

  test('a PATH without gcc gives the same message, even for a variant compiled before', () => {
    loadCVariant('variants/c/upstream.c').runner.close(); // in the cache now
    expect(() => loadCVariant('variants/c/upstream.c', { env: { PATH: '/nonexistent' } })).toThrow(message);
  });

  test('nothing the TypeScript variants load imports native/ (so they run without gcc)', () => {
    const eager = /^import\s+(?!type\b)[^;]*from\s+'\.\.?\/(\.\.\/)?native\//m;
    for (const dir of ['model', 'properties', 'variants']) {
      const files = (fs.readdirSync(dir, { recursive: true }) as string[]).filter((x) => x.endsWith('.ts'));
      expect(files).toContain(dir === 'properties' ? path.join('reports', 'variant-of.ts') : files[0]);
      for (const f of files) {
        expect([`${dir}/${f}`, eager.test(fs.readFileSync(path.join(dir, f), 'utf8'))]).toEqual([`${dir}/${f}`, false]);
      }
    }
  });
});
