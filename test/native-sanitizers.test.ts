// The C runtime under AddressSanitizer and UndefinedBehaviorSanitizer: native/driver.c built
// with every C variant and every kernel-style tree of the fixtures runs generated cases without
// a sanitizer finding, a crash, an exit or garbled output. The mutant
// trees are there because their ranges cross into other slots, the case in which the driver's
// set of mapped gfns once read freed memory (zap() shrank it before moving its tail), which
// ended whole runs with "kvm_mmu_unmap_gfn_range returned false in C but true in the model's
// replay"; they must now get ordinary verdicts: failing properties with shrunk counterexamples.

import fs from 'fs';
import path from 'path';
import { CORRECTNESS } from '../model/variant';
import { Case } from '../properties/case';
import { checkVariant } from '../properties/engine/engine';
import { Outcome } from '../properties/engine/execute';
import { CVariant, LoadOptions, loadCVariant, loadKernelVariant } from '../native/cvariant';
import { IsolatedRunner } from '../properties/isolation/isolated';
import { sampleCases, seed, stderrSink } from './native-helpers';

const ROOT = path.join(__dirname, '..');
const FIXTURES = path.join(__dirname, 'fixtures');
const MUTANTS = ['mutant-6.8-end-no-pgoff', 'mutant-2026-end-max', 'mutant-2026-filter-shared', 'mutant-2026-one-view'];

type Target = readonly [string, (opts: LoadOptions) => CVariant];

const targets: Target[] = [
  ...fs.readdirSync(path.join(ROOT, 'variants', 'c')).filter((f) => f.endsWith('.c')).sort()
    .map((f): Target => [`variants/c/${f}`, (opts) => loadCVariant(path.join(ROOT, 'variants', 'c', f), opts)]),
  ...fs.readdirSync(FIXTURES).filter((d) => /^(linux|mutant)-/.test(d)).sort()
    .map((d): Target => [`test/fixtures/${d}`, (opts) => loadKernelVariant(path.join(FIXTURES, d), opts)]),
];

const loaded: CVariant[] = [];
const load = (target: Target, opts: LoadOptions): CVariant => {
  const v = target[1](opts);
  loaded.push(v);
  return v;
};
afterAll(() => { for (const v of loaded) v.runner.close(); });

const CASES = 1000;
/** The cases of a target, in the VMs it runs in (a TDX VM too from 6.14, the driver's other zap path). */
const itemsFor = (v: CVariant): Case[] => sampleCases(CASES, 11, v);

/** A case the C program did not finish as a variant does: it crashed, exited, hung or wrote garbage. */
const broken = (o: Outcome) => o.fault !== undefined && (o.fault.hang === true || o.fault.notRun === true || /^(Crash|Exit|MalformedOutput)/.test(o.fault.message));

test('the targets are all there: the shipped C variants, the kernel-style trees and the mutants', () => {
  const names = targets.map(([n]) => n);
  expect(names).toEqual(expect.arrayContaining(['variants/c/upstream.c', 'test/fixtures/linux-6.8', 'test/fixtures/linux-2026', ...MUTANTS.map((m) => `test/fixtures/${m}`)]));
});

/** Generous limits for a cold cache (gcc with ASan) and for a broken driver (a crash per case, a restart each): never a verdict. */
const SLOW_MS = 120_000;

describe.each(targets)('%s', (name, loader) => {
  const err = stderrSink();
  let v: CVariant;
  beforeAll(() => { v = load([name, loader], { sanitize: true, onStderr: err.write }); }, SLOW_MS);

  test(`${CASES} cases in the VMs its era runs in under ASan and UBSan: no finding, no crash (FC_SEED=${seed})`, () => {
    const items = itemsFor(v);
    if (v.vmTypes) expect(items.filter((c) => c.layout.vmType === 'tdx').length).toBeGreaterThan(CASES / 4);
    const outcomes = v.runner.runMany(items); // a NativeHarnessError here is a C/model disagreement
    const bad = outcomes.filter(broken).map((o) => o.fault!.message);
    expect(err.text).not.toMatch(/runtime error|Sanitizer/); // ASan, LSan and UBSan write their reports on stderr
    expect(bad.slice(0, 3)).toEqual([]);
    // the sweep is not vacuous: most cases reach the invalidation and make KVM calls
    expect(outcomes.filter((o) => o.events.length > 0).length).toBeGreaterThan(items.length / 2);
  }, SLOW_MS);
});

describe.each(MUTANTS)('%s, as --from-kernel builds it', (mutant) => {
  test(`gets ordinary outcomes and fails a correctness property with a shrunk counterexample (FC_SEED=${seed})`, () => {
    const v = load([mutant, (opts) => loadKernelVariant(path.join(FIXTURES, mutant), opts)], { onStderr: () => {} });
    const isolated = new IsolatedRunner(v.runner);
    expect(() => isolated.prefetch(seed, 300, v)).not.toThrow();
    const verdicts = checkVariant(v, { numRuns: 300, seed, isolated, properties: [...CORRECTNESS] });
    expect(verdicts.filter((x) => x.harnessError !== undefined).map((x) => x.harnessError)).toEqual([]);
    const failed = verdicts.filter((x) => x.actual === 'fail');
    expect(failed.length).toBeGreaterThan(0);
    for (const f of failed) {
      expect(f.counterexample).toBeDefined();
      expect(f.counterexample!.fault).toBeUndefined(); // a wrong range, not a crash of the harness
      expect(f.violations!.length).toBeGreaterThan(0);
      expect(f.confirmation).toBe('reproduced'); // alone in a fresh process: no state carried between cases
    }
  }, SLOW_MS);
});
