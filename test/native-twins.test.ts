// The shipped C variants against their TypeScript twins: the same declared verdicts and VMs, and
// the same KVM events, walks and faults on the same generated cases (in a TDX VM too, for the
// 6.14 twins on; with several views, for the 2025 and 2026 twins).

import { Variant } from '../model/variant';
import { execute } from '../properties/engine/execute';
import { CVariant, loadCVariant } from '../native/cvariant';
import buggy from '../variants/buggy';
import fixed from '../variants/fixed';
import filterSharedAlways from '../variants/filter-shared-always';
import upstream from '../variants/upstream';
import upstream614 from '../variants/upstream-6.14';
import upstream2025 from '../variants/upstream-2025';
import upstream2026 from '../variants/upstream-2026';
import upstream72 from '../variants/upstream-7.2';
import conversion2026 from '../variants/conversion-2026';
import { expectSameOutcome, observable, sampleBinds, sampleCases, seed } from './native-helpers';

const PAIRS: Array<[string, Variant]> = [
  ['variants/c/buggy.c', buggy], ['variants/c/fixed.c', fixed], ['variants/c/upstream.c', upstream],
  ['variants/c/upstream-6.14.c', upstream614], ['variants/c/filter-shared-always.c', filterSharedAlways],
  ['variants/c/upstream-2025.c', upstream2025], ['variants/c/upstream-2026.c', upstream2026], ['variants/c/upstream-7.2.c', upstream72],
  ['variants/c/conversion-2026.c', conversion2026],
];
const loaded = new Map<string, CVariant>();
const load = (file: string) => {
  if (!loaded.has(file)) loaded.set(file, loadCVariant(file));
  return loaded.get(file)!;
};
afterAll(() => { for (const v of loaded.values()) v.runner.close(); });

const cases = sampleCases(300);

describe.each(PAIRS)('%s', (file, twin) => {
  // no C variant converts: its twin's cases are the split era's punches, memory failures and releases
  const drawn = twin.vmTypes || twin.takes ? sampleCases(300, 0, { ...twin, convert: undefined }) : cases;
  // a release of a later view, for every drawn case with views (drawn ones alone are few, by chance)
  const releases = drawn.flatMap((k): typeof drawn => (k.layout.otherViews?.length ? [{ ...k, op: { kind: 'release', view: k.layout.otherViews.length } }] : []));
  const mine = twin.takes ? [...drawn, ...releases.slice(0, 40)] : drawn;

  test('is named after its twin, compiles without warnings and declares the same verdicts and VMs', () => {
    const c = load(file);
    expect(c.name).toBe(`${twin.name}-c`);
    expect(c.warnings).toBe('');
    expect(c.expect).toEqual(twin.expect);
    expect(c.vmTypes).toEqual(twin.vmTypes);
    expect(c.takes).toEqual(twin.takes);
    expect([c.zap === undefined, c.release_zap === undefined]).toEqual([twin.zap === undefined, twin.release_zap === undefined]);
    expect([c.bind === undefined, c.bindEra]).toEqual([twin.bind === undefined, twin.bindEra]);
  });

  // a twin with a kvm_gmem_bind(): the same answers, binding and stores on the requests bind-within-file draws
  // The draws are the property's own, which refuse most requests of the 7.2 era (15 of 200 accepted
  // at some seeds): batches of 200 are drawn until 30 of each answer are in, so no seed makes it vacuous.
  if (twin.bind) test(`gives the same answer as its twin to bind requests, 30 accepted and 30 refused at least (FC_SEED=${seed})`, () => {
    const c = load(file);
    let accepted = 0, refused = 0;
    for (let batch = 0; batch < 10 && (accepted < 30 || refused < 30); batch++) {
      const binds = sampleBinds(200, twin, batch);
      const outcomes = c.runner.runMany(binds);
      for (const [i, k] of binds.entries()) {
        const got = observable(outcomes[i]);
        expectSameOutcome(got, observable(execute(twin, k)));
        if (got.bound?.ret === 0) accepted++;
        else refused++;
      }
    }
    expect(accepted).toBeGreaterThanOrEqual(30); // not only refusals
    expect(refused).toBeGreaterThanOrEqual(30);
  });

  test(`gives the same events as its twin on 300 cases (FC_SEED=${seed})`, () => {
    const c = load(file);
    const outcomes = c.runner.runMany(mine); // in batches, not a round trip per case
    let invalidations = 0;
    for (const [i, k] of mine.entries()) {
      const got = observable(outcomes[i]);
      const want = observable(execute(twin, k));
      if (got.resolved.kind === 'invalidate') invalidations++;
      expectSameOutcome(got, want);
    }
    expect(invalidations).toBeGreaterThan(200); // the comparison is not vacuous
    if (twin.vmTypes) expect(mine.filter((k) => k.layout.vmType === 'tdx').length).toBeGreaterThan(50);
    if (twin.zap) expect(mine.filter((k) => k.layout.pageOrder).length).toBeGreaterThan(100); // files with huge pages
    if (twin.takes) {
      expect(mine.filter((k) => k.layout.otherViews?.length).length).toBeGreaterThan(100);
      expect(mine.filter((k) => k.op.kind === 'release' && k.op.view).length).toBeGreaterThanOrEqual(40); // a release of a later view
    }
  });
});

test('the twins differ where their sources differ (buggy-c and upstream-c do not agree everywhere)', () => {
  const b = load('variants/c/buggy.c'), u = load('variants/c/upstream.c');
  const differ = cases.filter((k) => JSON.stringify(observable(b.runner.run(k)).events, (_, x) => (typeof x === 'bigint' ? `${x}` : x))
    !== JSON.stringify(observable(u.runner.run(k)).events, (_, x) => (typeof x === 'bigint' ? `${x}` : x)));
  expect(differ.length).toBeGreaterThan(50);
});
