// Several VMs' views of one inode (2025 on, KERNEL-FACTS §6), case by case: each view binds on
// its own, a punch invalidates every view and a release only the one it closes, the kernel a
// variant receives holds each view's kvm and bindings apart, every property holds per view, and
// the shipped mistakes of today's code (a loop cut to one view, a release of every view) fail
// with the smallest case that shows them: two views, one slot each.

import fc from 'fast-check';
import path from 'path';
import { GmemFile, XA_PRESENT, makeKernel } from '../model/kernel';
import { KernelError, ModelInputError } from '../model/errno';
import { PAGE_SHIFT, addView, bind, createGmem, viewsOf } from '../model/layout';
import { resolve } from '../model/callers';
import { expectedUnmapsOfViews } from '../model/reference';
import { WORD64 } from '../model/word';
import { defineVariant } from '../model/variant';
import { Case, LayoutSpec, materialize } from '../properties/case';
import { caseArb, caseArbFor } from '../properties/arbitraries';
import { checkProperty, optionsFromEnv } from '../properties/engine/engine';
import { execute } from '../properties/engine/execute';
import { minimize } from '../properties/engine/minimize';
import { property, violations } from '../properties/properties';
import { takesFault } from '../properties/registry';
import { caseOf, caseRecord } from '../properties/reports/record';
import { decodeRequest, encodeRequest } from '../properties/isolation/ts-wire';
import { requestLine } from '../native/replay';
import upstream2026, { __kvm_gmem_invalidate_begin, __kvm_gmem_invalidate_end } from '../variants/upstream-2026';
import firstViewOnly from '../variants/first-view-only';
import releaseAllViews from '../variants/release-all-views';
import { checkHere, scratchFolders } from './command-helpers';
import { viewsWarning } from '../properties/command/port-check';
import { outsideOf } from '../properties/engine/saved-cases';

const { seed } = optionsFromEnv();
const PUNCH = 3;
const page = (n: bigint) => n << PAGE_SHIFT;

/** A file of 8 pages with two views: view 0 binds [0, 4) at gfn 100, view 1 binds [2, 6) at gfn 100 (its own gfn space). */
const twoViews: LayoutSpec = {
  filePages: 8n,
  slots: [{ id: 0, pgoff: 0n, npages: 4n, base_gfn: 100n }],
  otherViews: [{ slots: [{ id: 0, pgoff: 2n, npages: 4n, base_gfn: 100n }] }],
};
const punch = (layout: LayoutSpec, offset: bigint, len: bigint): Case => ({ layout, op: { kind: 'punch', mode: PUNCH, offset: page(offset), len: page(len) } });

describe('the layout: each view binds on its own', () => {
  const file = createGmem(page(8n));
  const region = (slot: number, pgoff: bigint, npages: bigint, gfn: bigint) => ({ slot, guest_phys_addr: page(gfn), memory_size: page(npages), guest_memfd_offset: page(pgoff) });

  test('another VM may bind the indices a view has bound, at the same gfns and slot ids: its own bindings xarray, its own gfn space', () => {
    const l = bind(addView(bind(file, region(0, 0n, 4n, 100n))), region(0, 2n, 4n, 100n), 1);
    expect(viewsOf(l).map((v) => v.slots.map((s) => [s.id, s.pgoff, s.npages, s.base_gfn]))).toEqual([[[0, 0n, 4n, 100n]], [[0, 2n, 4n, 100n]]]);
  });

  test('within one view the kernel\'s rules hold as before: the same indices twice is -EINVAL, the same gfns -EEXIST', () => {
    const l = bind(addView(file), region(0, 0n, 4n, 100n), 1);
    expect(() => bind(l, region(1, 2n, 2n, 200n), 1)).toThrow(KernelError);
    expect(() => bind(l, region(1, 2n, 2n, 200n), 1)).toThrow(/kvm_gmem_bind: file range overlaps another binding of the view \(slot 0\)/);
    expect(() => bind(l, region(1, 4n, 2n, 101n), 1)).toThrow(/gfns overlap another slot in the same address space \(slot 0\)/);
    expect(bind(l, region(1, 0n, 4n, 100n), 0).slots).toHaveLength(1); // view 0 is another VM
  });

  test('a view the file does not have is refused', () => {
    expect(() => bind(file, region(0, 0n, 1n, 0n), 1)).toThrow(ModelInputError);
    expect(() => resolve(materialize(twoViews), { kind: 'release', view: 2 }, WORD64)).toThrow(/release of view 2, but the file has 2 view\(s\)/);
  });
});

describe('the reference: who must lose what', () => {
  const l = materialize(twoViews);

  test('a punch invalidates every view: each loses the gfns its own bindings back', () => {
    const r = resolve(l, punch(twoViews, 3n, 2n).op, WORD64);
    expect(r).toEqual({ kind: 'invalidate', start: 3n, end: 5n });
    expect(expectedUnmapsOfViews(l, 3n, 5n).map((e) => [e.view, e.slot.id, e.gfns])).toEqual([
      [0, 0, { start: 103n, end: 104n }], // view 0: index 3 of [0, 4)
      [1, 0, { start: 101n, end: 103n }], // view 1: indices 3, 4 of [2, 6)
    ]);
  });

  test('a release closes one view\'s file and invalidates that view only, (0, ULONG_MAX)', () => {
    const r = resolve(l, { kind: 'release', view: 1 }, WORD64);
    expect(r).toEqual({ kind: 'invalidate', start: 0n, end: WORD64.MAX, view: 1 });
    expect(expectedUnmapsOfViews(l, 0n, WORD64.MAX, 1).map((e) => [e.view, e.gfns])).toEqual([[1, { start: 100n, end: 104n }]]);
    expect(resolve(l, { kind: 'release' }, WORD64)).toEqual({ kind: 'invalidate', start: 0n, end: WORD64.MAX, view: 0 });
  });
});

describe('the kernel a variant receives', () => {
  test('lists every view, in order, on the inode (2026) and on i_private_list (2025), each with its own kvm and bindings', () => {
    const { kernel: k } = makeKernel(materialize(twoViews), WORD64);
    const files = [...k.kvm_gmem_for_each_file(k.inode)];
    expect(files).toHaveLength(2);
    expect([...k.list_for_each_entry(k.inode.i_mapping.i_private_list)]).toEqual(files);
    expect(files[0]).toBe(k.gmem);
    expect(files[1].kvm).not.toBe(files[0].kvm);
    expect([...k.xa_for_each_range(files[1].bindings, 0n, 1n)]).toEqual([]); // view 1 binds nothing below 2
    expect([...k.xa_for_each_range(files[0].bindings, 0n, 1n)].map(([i]) => i)).toEqual([0n]);
  });

  test('a range unmapped in a VM it does not belong to is the variant\'s fault, naming both views', () => {
    const m = makeKernel(materialize(twoViews), WORD64);
    const [f0, f1] = [...m.kernel.kvm_gmem_for_each_file(m.kernel.inode)];
    const [[, slotOfView1]] = [...m.kernel.xa_for_each_range(f1.bindings, 2n, 2n)];
    expect(() => m.kernel.kvm_mmu_unmap_gfn_range(f0.kvm, { start: 100n, end: 101n, slot: slotOfView1 }))
      .toThrow(/range->slot is a memslot of view 1, not of the VM \(view 0\) it is unmapped in/);
    expect(() => m.kernel.KVM_MMU_LOCK({} as GmemFile['kvm'])).toThrow(/kvm is not a VM bound to this file/);
  });
});

describe('the properties hold per view, and a failure names its view', () => {
  test('a body that locks the first VM and unmaps in the second breaks both VMs\' bookkeeping, each named', () => {
    const crossed = defineVariant({
      ...upstream2026,
      name: 'crossed',
      invalidate_begin(k, start, end) {
        const kvm = k.kvm; // the mistake: the first view's VM, hoisted out of the loop
        for (const f of k.kvm_gmem_for_each_file(k.inode)) {
          let flush = false, found = false;
          for (const [, slot] of k.xa_for_each_range(f.bindings, start, k.ul(end - 1n))) {
            const p = slot.gmem.pgoff;
            if (!found) { found = true; k.KVM_MMU_LOCK(kvm); k.kvm_mmu_invalidate_begin(kvm); }
            const range = { start: k.ul(slot.base_gfn + k.max(p, start) - p), end: k.ul(slot.base_gfn + k.min(p + slot.npages, end) - p), slot, attr_filter: k.KVM_FILTER_PRIVATE };
            flush = k.kvm_mmu_unmap_gfn_range(f.kvm, range) || flush;
          }
          if (flush) k.kvm_flush_remote_tlbs(f.kvm);
          if (found) k.KVM_MMU_UNLOCK(kvm);
        }
      },
    });
    const o = execute(crossed, punch(twoViews, 3n, 2n));
    const said = violations(property('mmu-bookkeeping'), o);
    expect(said).toContain('view 0: mmu_invalidate_in_progress is 1 after invalidate_begin + invalidate_end, not 0');
    expect(said).toContain('view 1: unmap of [101, 103) outside the MMU lock (in invalidate_begin)');
    expect(violations(property('no-stale-mapping'), o)).toEqual([]); // what is unmapped is right; how is not
  });

  test('a release of a file with one view goes through release\'s own calls too, as kvm_gmem_release() always does', () => {
    const noEnd = defineVariant({ ...upstream2026, name: 'no-release-end', release_end: () => undefined });
    const one: Case = { layout: { filePages: 1n, slots: [{ id: 0, pgoff: 0n, npages: 1n, base_gfn: 0n }] }, op: { kind: 'release' } };
    const o = execute(noEnd, one);
    expect(violations(property('mmu-bookkeeping'), o)).toEqual(['mmu_invalidate_in_progress is 1 after invalidate_begin + invalidate_end, not 0']);
    expect(violations(property('mmu-bookkeeping'), execute(noEnd, { ...one, op: { kind: 'punch', mode: PUNCH, offset: 0n, len: page(1n) } }))).toEqual([]);
  });

  test('the end half of each view counts in that view: one view\'s begin does not balance another\'s end', () => {
    const o = execute(upstream2026, punch(twoViews, 3n, 2n));
    for (const id of ['no-stale-mapping', 'no-collateral-unmap', 'ranges-well-formed', 'no-warn', 'mmu-bookkeeping'] as const) {
      expect([id, violations(property(id), o)]).toEqual([id, []]);
    }
    expect(o.events.filter((e) => e.op === 'invalidate_begin').map((e) => e.view ?? 0)).toEqual([0, 1]);
  });
});

describe('the generators', () => {
  const sample = fc.sample(caseArbFor(upstream2026), { seed: 11, numRuns: 600 });

  test('only a variant that takes the inode gets views: every earlier era\'s cases are the ones they were', () => {
    expect(caseArbFor({})).toBe(caseArb);
    expect(fc.sample(caseArbFor({ vmTypes: ['default', 'tdx'] }), { seed: 3, numRuns: 300 }).some((c) => c.layout.otherViews)).toBe(false);
  });

  test('a view may bind what the first view leaves unbound: a body that asks only the first view\'s bindings fails', () => {
    // the mistake a review found the generators blind to: each view gated on the first view's xa_find
    const gated = defineVariant({
      ...upstream2026,
      name: 'gated-on-first-view',
      invalidate_begin(k, s, e) { if (k.xa_find(k.gmem.bindings, s, k.ul(e - 1n), XA_PRESENT)) upstream2026.invalidate_begin(k, s, e); },
      invalidate_end(k, s, e) { if (k.xa_find(k.gmem.bindings, s, k.ul(e - 1n), XA_PRESENT)) upstream2026.invalidate_end(k, s, e); },
    });
    for (const seed of [1, 2, 3, 4, 5]) {
      const r = checkProperty(gated, property('no-stale-mapping'), { seed, numRuns: 1000 });
      expect([seed, r.actual, r.violations?.[0]]).toEqual([seed, 'fail', expect.stringMatching(/^view 1: slot 0: gfns \[\d+, \d+\) still mapped$/)]);
    }
    expect(sample.filter((c) => c.layout.otherViews?.some((v) => v.slots.some((s) => !c.layout.slots.some((f) => f.pgoff <= s.pgoff && s.pgoff < f.pgoff + f.npages)))).length).toBeGreaterThan(30);
  });

  test('a useful share has two or three views, views overlap in the file and differ in gfns, and releases close later views', () => {
    const counts = sample.map((c) => 1 + (c.layout.otherViews?.length ?? 0));
    expect(counts.filter((n) => n === 2).length).toBeGreaterThan(120);
    expect(counts.filter((n) => n === 3).length).toBeGreaterThan(60);
    const overlapping = sample.filter((c) => c.layout.otherViews?.some((v) => v.slots.some((s) => c.layout.slots.some((f) => s.pgoff < f.pgoff + f.npages && f.pgoff < s.pgoff + s.npages && s.base_gfn !== f.base_gfn))));
    expect(overlapping.length).toBeGreaterThan(60);
    expect(sample.filter((c) => c.op.kind === 'release' && c.op.view).length).toBeGreaterThan(10);
    expect(sample.filter((c) => c.layout.otherViews?.some((v) => v.vmType === 'tdx')).length).toBeGreaterThan(30);
    for (const c of sample) expect(() => materialize(c.layout)).not.toThrow(); // every one is a layout the kernel accepts
  });

  test('the minimizer drops views and makes one view the whole file when that still fails', () => {
    const three: Case = { ...punch({ ...twoViews, otherViews: [...twoViews.otherViews!, { slots: [{ id: 0, pgoff: 0n, npages: 8n, base_gfn: 9n }], vmType: 'tdx' }] }, 0n, 8n) };
    const shrunk = minimize(three, (c) => violations(property('no-stale-mapping'), execute(firstViewOnly, c)).length > 0);
    expect(shrunk.layout.otherViews).toHaveLength(1);
    expect([shrunk.layout.slots.length, shrunk.layout.otherViews![0].slots.length]).toEqual([1, 1]);
  });
});

describe('the shipped variants of today\'s code', () => {
  const opts = { numRuns: 1000, seed };

  // that upstream-2025 and upstream-2026 pass every correctness property with views is test/variants.test.ts's (every shipped variant's verdicts)

  test('first-view-only leaves the second view mapped, shrunk to two views of one slot', () => {
    const v = checkProperty(firstViewOnly, property('no-stale-mapping'), opts);
    expect(v.actual).toBe('fail');
    const c = v.counterexample!.case;
    expect([c.layout.slots.length, c.layout.otherViews?.map((o) => o.slots.length)]).toEqual([1, [1]]);
    expect(v.violations![0]).toMatch(/^view 1: slot 0: gfns \[\d+, \d+\) still mapped$/);
  });

  test('release-all-views unmaps a view whose file was not closed, shrunk to two views of one slot', () => {
    const v = checkProperty(releaseAllViews, property('no-collateral-unmap'), opts);
    expect(v.actual).toBe('fail');
    const c = v.counterexample!.case;
    expect(c.op.kind).toBe('release');
    expect([c.layout.slots.length, c.layout.otherViews?.map((o) => o.slots.length)]).toEqual([1, [1]]);
    expect(v.violations![0]).toMatch(/^view [01]: slot 0: gfns \[\d+, \d+\) unmapped for nothing$/);
  });

  test('a variant that takes the inode must say what release calls; no other may', () => {
    expect(takesFault({ takes: 'inode' })).toMatch(/define release_begin and release_end\(k, f\)/);
    expect(takesFault({ release_begin: () => undefined })).toMatch(/only a variant that takes the inode has \(takes: 'inode'\)/);
    expect(takesFault({ takes: 'gmem' })).toMatch(/takes must be 'inode' or absent/);
    expect(takesFault({ takes: 'inode', release_begin: () => undefined, release_end: () => undefined })).toBeNull();
    expect(releaseAllViews.release_end).not.toBe(__kvm_gmem_invalidate_end); // the shipped mistake is release's own
  });
});

describe('the wire and the record carry every view', () => {
  const c: Case = { layout: { ...twoViews, otherViews: [{ ...twoViews.otherViews![0], vmType: 'tdx' }] }, op: { kind: 'release', view: 1 } };

  test('a report\'s case and a TypeScript child\'s request come back as they went', () => {
    expect(caseOf(caseRecord(c))).toEqual(c);
    const layout = materialize(c.layout);
    const back = decodeRequest(encodeRequest({ seq: 1, layout, start: 0n, end: WORD64.MAX, view: 1, word: WORD64 }));
    expect(back.view).toBe(1);
    expect(viewsOf(back.layout)).toEqual(viewsOf(layout));
  });

  test('the C request lists each view with its own bindings\' entries, and names the view a release closes', () => {
    const line = requestLine(7, materialize(twoViews), 3n, 5n);
    // view 0: slot 0 at gfn 100 over [0, 4), one entry [0, 3]; view 1: its own slot 0 over [2, 6), one entry [2, 5]
    expect(line).toBe('case 7 3 5 1 0 100 4 0 1 0 3 0 0 view 1 0 100 4 2 1 2 5 0 0');
    expect(requestLine(7, materialize(twoViews), 0n, WORD64.MAX, 1)).toMatch(/ release 1$/);
  });
});

test('--from-kernel judges every view: a 2026 tree passes, and with its view loop cut to one view fails with two views of one slot', () => {
  const fixtures = path.join(__dirname, 'fixtures');
  const r = checkHere(['--from-kernel', path.join(fixtures, 'mutant-2026-one-view'), '--from-kernel', path.join(fixtures, 'linux-2026'),
    '--runs', '300', '--property', 'no-stale-mapping', '--json']);
  expect(r.err).not.toMatch(/gcc warnings/);
  const [mutant, tree] = JSON.parse(r.out).verdicts;
  expect(mutant).toMatchObject({ variant: expect.stringMatching(/^kernel-2026-/), actual: 'fail', matches: false });
  expect(mutant.counterexample.layout.slots).toHaveLength(1);
  expect(mutant.counterexample.layout.otherViews.map((v: { slots: unknown[] }) => v.slots.length)).toEqual([1]);
  expect(mutant.violations[0]).toMatch(/^view 1: slot 0: gfns \[\d+, \d+\) still mapped$/);
  expect(tree).toMatchObject({ actual: 'pass', matches: true });
  expect(r.code).toBe(1);
}, 60_000);

describe('what a user meets', () => {
  const { scratch, cleanup } = scratchFolders();
  afterAll(cleanup);

  test('a port that walks the views without takes: \'inode\' is warned of at its line: its loop would never meet a second view', () => {
    const src = "export default defineVariant({\n  name: 'x',\n  invalidate_begin(k, start, end) {\n    for (const f of k.kvm_gmem_for_each_file(k.inode)) go(f);\n  },\n});\n";
    expect(viewsWarning('x.ts', undefined, src)).toEqual([{ file: 'x.ts', line: 4, message: expect.stringMatching(/^walks the inode's views, but does not declare takes: 'inode'/) }]);
    expect(viewsWarning('x.ts', 'inode', src)).toEqual([]);
    expect(viewsWarning('x.ts', undefined, 'const r = { start, end };')).toEqual([]);
  });

  test('a saved case with views, or in a VM, that a variant\'s era has not is refused by --report, saying why', () => {
    const withViews = caseRecord({ layout: twoViews, op: { kind: 'release' } });
    expect(outsideOf({}, withViews)).toMatch(/its case has 2 views of the file, and the variant's functions take one view's kvm_gmem/);
    expect(outsideOf({ vmTypes: ['default', 'tdx'], takes: 'inode' }, withViews)).toBeNull();
    const inTdx = caseRecord({ layout: { ...twoViews, otherViews: [{ slots: [], vmType: 'tdx' }] }, op: { kind: 'release' } });
    expect(outsideOf({ takes: 'inode' }, inTdx)).toMatch(/its case is in a TDX VM, and the variant runs in default VMs only/);
  });

  test('a throw in a TypeScript port names the line of the port it came from', () => {
    const dir = scratch({ 'thrower.ts': [
      "import { defineVariant } from '../model/variant';",
      "import upstream2026 from '../variants/upstream-2026';",
      '',
      "export default defineVariant({ ...upstream2026, name: 'thrower',",
      '  invalidate_begin(k, start, end) {',
      '    const flags = (k.inode as unknown as { flags: number }).flags; // not on the 2026 inode: GMEM_I(inode).flags is',
      '    if (flags === undefined) throw new TypeError(`no flags at ${start}, ${end}`);',
      '  },',
      '});',
      '',
    ].join('\n') });
    const r = checkHere([path.join(dir, 'thrower.ts'), '--runs', '20', '--property', 'no-stale-mapping', '--json', '--no-typecheck']);
    expect(JSON.parse(r.out).verdicts[0].violations[0]).toMatch(new RegExp(`invalidate_begin threw: TypeError: no flags at \\d+, \\d+ \\(at ${path.join(dir, 'thrower.ts')}:7:\\d+\\)`));
  }, 60_000);
});
