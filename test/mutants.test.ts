// The mutant catalogue (bench/mutants/): each non-equivalent mutant is killed within the run
// count npm test uses, and each equivalent one makes exactly its base's KVM calls. Seeds come
// from FC_SEED, as in every suite.

import { checkProperty, DEFAULT_NUM_RUNS, optionsFromEnv } from '../properties/engine/engine';
import { property } from '../properties/properties';
import { loadVariants } from '../properties/registry';
import { declaredKillers, loadMutants, parseOrigin } from '../bench/catalogue';
import { detect } from '../bench/detect';
import { firstDifference } from '../bench/equivalence';

const mutants = loadMutants();
const shipped = loadVariants();
const baseOf = (name: string) => shipped.find((v) => v.name === name)!;
const { seed } = optionsFromEnv();

test('the catalogue holds at least 30 mutants of upstream, fixed, upstream-6.14 and upstream-2026 (at least 10 of the 2026 body), each saying what it changed', () => {
  expect(mutants.length).toBeGreaterThanOrEqual(30);
  expect(mutants.filter((m) => m.base === 'upstream-2026').length).toBeGreaterThanOrEqual(10);
  for (const m of mutants) {
    expect([m.variant.name, ['upstream', 'fixed', 'upstream-6.14', 'upstream-2026'].includes(m.base)]).toEqual([m.variant.name, true]);
    // a mutant runs in the VMs its base runs in
    expect([m.variant.name, m.variant.vmTypes, m.variant.takes]).toEqual([m.variant.name, baseOf(m.base).vmTypes, baseOf(m.base).takes]);
    expect(m.header.length).toBeGreaterThan(20);
    // a mutant of fixed keeps fixed's own failure, so only range-math properties can kill it
    if (m.base === 'fixed') expect(m.variant.expect['mmu-bookkeeping']).toBe('fail');
    // a mutant is either killed by a property it declares to fail, or argued equivalent: one of the two
    expect([m.variant.name, declaredKillers(m, baseOf(m.base)).length > 0]).toEqual([m.variant.name, m.equivalent === undefined]);
  }
});

test('an origin names the base and any equivalence argument', () => {
  expect(parseOrigin('mutant of upstream')).toEqual({ base: 'upstream', equivalent: undefined });
  expect(parseOrigin('mutant of upstream-6.14')).toEqual({ base: 'upstream-6.14', equivalent: undefined });
  expect(parseOrigin('mutant of fixed; equivalent: max() is commutative')).toEqual({ base: 'fixed', equivalent: 'max() is commutative' });
  expect(parseOrigin('googleprodkernel/linux-cc @bcc304e3')).toBeNull();
});

const killed = mutants.filter((m) => !m.equivalent);

// A kill is a matter of odds. Every mutant is killed within the default count at every seed
// measured (30000), but one: u-end-find-to-end needs about 100 cases on average and survived the
// first 1000 at 4 of 30000 seeds (FC_SEED=-613667415 killed it at case 1068). It alone gets the
// next two seeds too: three runs survived are a run count that no longer kills it, not chance
// (about 1 in 10^11).
const RUNS_OF: Record<string, number> = { 'u-end-find-to-end': 3 };
test.each(killed.map((m) => [m.variant.name, m] as const))(
  `%s is killed within ${DEFAULT_NUM_RUNS} cases by a property it declares to fail, at FC_SEED=${seed}`,
  (name, m) => {
    const ids = declaredKillers(m, baseOf(m.base));
    const runs = RUNS_OF[name] ?? 1;
    const survived: string[] = [];
    for (let at = seed; survived.length < runs; at++) {
      const d = detect(m.variant, { seed: at, cap: DEFAULT_NUM_RUNS, properties: ids });
      expect(d.harnessError).toBeUndefined();
      if (Object.keys(d.first).length > 0) break;
      survived.push(`seed ${at}`);
    }
    expect([name, survived.length < runs ? 'killed' : `survived ${DEFAULT_NUM_RUNS} cases of ${ids.join(', ')} at ${survived.join(', ')}`]).toEqual([name, 'killed']);
  },
);

test.each(mutants.filter((m) => m.equivalent).map((m) => [m.variant.name, m] as const))(
  `%s (equivalent) makes exactly its base's KVM calls on ${DEFAULT_NUM_RUNS} cases (FC_SEED=${seed})`,
  (_, m) => {
    expect(firstDifference(m.variant, baseOf(m.base), seed, DEFAULT_NUM_RUNS)).toBeNull();
  },
);

test('detect() counts cases exactly as the engine does', () => {
  for (const [name, id] of [['buggy', 'no-stale-mapping'], ['fixed', 'mmu-bookkeeping'], ['mike-base', 'no-collateral-unmap']] as const) {
    const v = baseOf(name);
    const engine = checkProperty(v, property(id), { seed, numRuns: DEFAULT_NUM_RUNS });
    expect([name, detect(v, { seed, cap: DEFAULT_NUM_RUNS, properties: [id] }).first[id]]).toEqual([name, engine.numRuns]);
  }
});
