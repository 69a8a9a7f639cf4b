// The attribute filter (6.14 on) and the VM it meets, case by case: which roots an unmap zaps on a
// default VM and on a TDX VM (kvm_gfn_range_filter_to_root_types()), what the properties make of
// an unmap that misses the roots mapping the memory, which variants run on which VMs, and a
// counterexample that names the VM and the root that kept the mapping.

import fs from 'fs';
import path from 'path';
import { makeKernel } from '../model/kernel';
import { KvmRecorder } from '../model/kvm';
import { Layout } from '../model/layout';
import { KVM_FILTER_PRIVATE, KVM_FILTER_SHARED, filterToRoots, memoryRoot } from '../model/vm';
import { WORD64 } from '../model/word';
import { Case, materialize } from '../properties/case';
import { caseArbFor, caseArb } from '../properties/arbitraries';
import { checkProperty, optionsFromEnv } from '../properties/engine/engine';
import { cases } from '../properties/engine/exhaustive';
import { savedCasesFor } from '../properties/engine/saved-cases';
import { execute } from '../properties/engine/execute';
import { PROPERTIES, property, violations } from '../properties/properties';
import { vmTypesFault } from '../properties/registry';
import { caseRecord } from '../properties/reports/record';
import fc from 'fast-check';
import filterSharedAlways from '../variants/filter-shared-always';
import upstream614 from '../variants/upstream-6.14';
import upstream from '../variants/upstream';
import { checkHere } from './command-helpers';
import { filterWarning } from '../properties/command/port-check';
import { spec } from './helpers';

const { seed } = optionsFromEnv();

// one slot, file [0, 4) -> gfns [100, 104), in the VM given
const inVm = (vmType?: 'tdx'): Layout => materialize({ ...spec(8n, [[0n, 4n, 100n]]), ...(vmType ? { vmType } : {}) });
const punch = (vmType?: 'tdx'): Case => ({ layout: { ...spec(8n, [[0n, 4n, 100n]]), ...(vmType ? { vmType } : {}) }, op: { kind: 'punch', mode: 3, offset: 0n, len: 4n * 4096n } });

test('kvm_gfn_range_filter_to_root_types: a default VM zaps its direct roots whatever the filter', () => {
  for (const filter of [0, KVM_FILTER_SHARED, KVM_FILTER_PRIVATE, KVM_FILTER_SHARED | KVM_FILTER_PRIVATE]) {
    expect(filterToRoots('default', filter)).toEqual({ roots: ['direct'], empty: false });
  }
  expect(memoryRoot('default')).toBe('direct');
});

test('kvm_gfn_range_filter_to_root_types: a TDX VM zaps mirror roots for PRIVATE, direct ones for SHARED, and WARNs on neither', () => {
  expect(filterToRoots('tdx', KVM_FILTER_PRIVATE)).toEqual({ roots: ['mirror'], empty: false });
  expect(filterToRoots('tdx', KVM_FILTER_SHARED)).toEqual({ roots: ['direct'], empty: false });
  expect(filterToRoots('tdx', KVM_FILTER_SHARED | KVM_FILTER_PRIVATE)).toEqual({ roots: ['mirror', 'direct'], empty: false });
  expect(filterToRoots('tdx', 0)).toEqual({ roots: [], empty: true });
  expect(memoryRoot('tdx')).toBe('mirror');
});

test('the recorder: on a TDX VM only a PRIVATE unmap takes the memory away; SHARED leaves it, and says which roots it reached', () => {
  const slot = () => ({ id: 0, base_gfn: 100n, npages: 4n, gmem: { pgoff: 0n, index: 0n } });
  const shared = new KvmRecorder(inVm('tdx'), WORD64);
  expect(shared.kvm_unmap_gfn_range({ start: 100n, end: 104n, slot: slot(), attr_filter: KVM_FILTER_SHARED })).toBe(false);
  expect(shared.kvm_unmap_gfn_range({ start: 100n, end: 104n, slot: slot(), attr_filter: KVM_FILTER_PRIVATE })).toBe(true); // still mapped until now
  expect(shared.events.map((e) => (e.op === 'unmap' ? [e.roots, e.flush] : e.op))).toEqual([[['direct'], false], [['mirror'], true]]);

  const none = new KvmRecorder(inVm('tdx'), WORD64);
  expect(none.kvm_unmap_gfn_range({ start: 100n, end: 104n, slot: slot() })).toBe(false);
  expect(none.events[0]).toMatchObject({ op: 'warn', source: 'kvm', message: expect.stringMatching(/kvm_gfn_range_filter_to_root_types: WARN_ON_ONCE\(!ret\)/) });

  const plain = new KvmRecorder(inVm(), WORD64);
  expect(plain.kvm_unmap_gfn_range({ start: 100n, end: 104n, slot: slot(), attr_filter: KVM_FILTER_SHARED })).toBe(true);
  expect(plain.events).toEqual([expect.not.objectContaining({ roots: expect.anything() })]); // a default VM's events are as they always were
});

test('a range whose attr_filter is not an enum value is the variant\'s fault', () => {
  const { kernel: k } = makeKernel(inVm('tdx'), WORD64);
  const slot = { id: 0, base_gfn: 100n, npages: 4n, gmem: { pgoff: 0n, index: 0n } };
  expect(() => k.kvm_unmap_gfn_range(k.kvm, { start: 100n, end: 101n, slot, attr_filter: 2n as unknown as number })).toThrow(/range->attr_filter must be an enum kvm_gfn_range_filter/);
});

test('the properties: a SHARED unmap on a TDX VM is a stale mapping in the mirror roots, and nothing else', () => {
  const found = (v: typeof upstream, c: Case) => {
    const o = execute(v, c);
    return Object.fromEntries(PROPERTIES.map((p) => [p.id, violations(p, o)] as const).filter(([, f]) => f.length > 0));
  };
  expect(found(filterSharedAlways, punch('tdx'))).toEqual({ 'no-stale-mapping': ['slot 0: gfns [100, 104) still mapped in the mirror roots (private memory of a TDX VM)'] });
  expect(found(filterSharedAlways, punch())).toEqual({});
  expect(found(upstream614, punch('tdx'))).toEqual({});
  // a 6.8 body on a TDX VM sets no filter: KVM WARNs and unmaps nothing (why 6.8 eras never run there)
  expect(Object.keys(found(upstream, punch('tdx'))).sort()).toEqual(['no-stale-mapping', 'no-warn']);
});

test('which VMs a variant runs in: 6.14 on both, earlier eras a default VM only; a bad list is refused', () => {
  expect(upstream.vmTypes).toBeUndefined();
  expect(upstream614.vmTypes).toEqual(['default', 'tdx']);
  expect(caseArbFor({})).toBe(caseArb); // the cases of every earlier era are the ones they always were
  const sample = fc.sample(caseArbFor({ vmTypes: ['default', 'tdx'] }), { seed: 7, numRuns: 400 });
  const tdx = sample.filter((c) => c.layout.vmType === 'tdx').length;
  expect(tdx).toBeGreaterThan(100);
  expect(tdx).toBeLessThan(300);
  expect(new Set([...cases({ maxPages: 1 }, undefined, { vmTypes: ['default', 'tdx'] })].map((c) => c.layout.vmType ?? 'default'))).toEqual(new Set(['default', 'tdx']));
  expect(vmTypesFault(['default', 'sev'])).toMatch(/vmTypes must be a list of VM types among 'default', 'tdx', got \["default","sev"\]/);
  expect(vmTypesFault(['tdx'])).toMatch(/must include 'default'/);
  expect(vmTypesFault(undefined)).toBeNull();
});

test('a saved case in a TDX VM is a regression test only for variants that run there', () => {
  const record = { ...caseRecord(punch('tdx')) };
  const saved = [{ stem: 'filter-shared-always--no-stale-mapping--x', record: { variant: { name: 'filter-shared-always' }, property: 'no-stale-mapping' as const, counterexample: record } }];
  expect(record.layout.vmType).toBe('tdx');
  expect(savedCasesFor(upstream, 'no-stale-mapping', saved)).toEqual([]);
  expect(savedCasesFor(upstream614, 'no-stale-mapping', saved).map((s) => s.case.layout.vmType)).toEqual(['tdx']);
  // a default VM's record is the record it always was: no vmType field, so report names do not move
  expect(Object.keys(caseRecord(punch()).layout)).toEqual(['filePages', 'slots']);
});

test('filter-shared-always fails no-stale-mapping with one TDX VM and one slot; upstream-6.14 passes', () => {
  const v = checkProperty(filterSharedAlways, property('no-stale-mapping'), { seed, numRuns: 300 });
  expect(v.actual).toBe('fail');
  const c = v.counterexample!.case;
  expect([c.layout.vmType, c.layout.slots.length]).toEqual(['tdx', 1]);
  expect(checkProperty(upstream614, property('no-stale-mapping'), { seed, numRuns: 300 }).actual).toBe('pass');
});

test('the command, each variant in its own process: the report names the VM and the root that kept the mapping', () => {
  const r = checkHere([path.join(__dirname, '..', 'variants', 'filter-shared-always.ts'), '--runs', '200', '--property', 'no-stale-mapping', '--json']);
  expect(r.code).toBe(0); // expected to fail it, and does
  const v = JSON.parse(r.out).verdicts[0];
  expect(v).toMatchObject({ actual: 'fail', matches: true, confirmation: 'reproduced' });
  expect(v.counterexample.layout.vmType).toBe('tdx');
  expect(JSON.parse(r.out).variants[0].vmTypes).toEqual(['default', 'tdx']);
  const page = fs.readFileSync(v.report, 'utf8');
  expect(page).toMatch(/`KVM_CREATE_VM` with type `KVM_X86_TDX_VM`/);
  expect(page).toMatch(/Its unmap reached only the direct roots \(the range's attribute filter\), while this VM maps its guest_memfd memory in its mirror roots\./);
  expect(page).toMatch(/unmap slot 0 \[\d+, \d+\) \(direct roots\)/);
}, 60_000);

test('--from-kernel: a 2026 tree runs in TDX VMs too; its filter slip fails there, with one TDX VM and one slot', () => {
  const fixtures = path.join(__dirname, 'fixtures');
  const r = checkHere(['--from-kernel', path.join(fixtures, 'mutant-2026-filter-shared'), '--from-kernel', path.join(fixtures, 'linux-2026'),
    '--runs', '300', '--property', 'no-stale-mapping', '--json']);
  expect(r.err).not.toMatch(/gcc warnings/);
  const [mutant, tree] = JSON.parse(r.out).verdicts;
  expect(mutant).toMatchObject({ variant: expect.stringMatching(/^kernel-2026-/), actual: 'fail', matches: false });
  expect(mutant.counterexample.layout.vmType).toBe('tdx');
  expect(mutant.counterexample.layout.slots).toHaveLength(1);
  expect(mutant.violations[0]).toMatch(/still mapped in the mirror roots/);
  expect(tree).toMatchObject({ actual: 'pass', matches: true }); // the tree itself chooses PRIVATE for a file without INIT_SHARED
  expect(r.code).toBe(1);
}, 60_000);

test('a port that sets attr_filter but runs in default VMs only is warned of at its line; the table says where cases ran', () => {
  const src = "export default defineVariant({\n  name: 'x',\n  invalidate_begin(k) {\n    const r = { attr_filter: k.KVM_FILTER_PRIVATE };\n  },\n});\n";
  expect(filterWarning('x.ts', undefined, src)).toEqual([{ file: 'x.ts', line: 4, message: expect.stringMatching(/^sets attr_filter, but declares no vmTypes with 'tdx': its cases run in default VMs only/) }]);
  expect(filterWarning('x.ts', ['default', 'tdx'], src)).toEqual([]);
  expect(filterWarning('x.ts', undefined, 'const r = { start, end };')).toEqual([]);
  expect(filterWarning('x.c', undefined, '.attr_filter = KVM_FILTER_PRIVATE,')).toEqual([]); // a C file's era decides its VMs
  const r = checkHere([path.join(__dirname, '..', 'variants', 'upstream-6.14.ts'), path.join(__dirname, '..', 'variants', 'upstream.ts'), '--runs', '50', '--property', 'no-warn']);
  expect(r.out).toMatch(/^cases in default VMs, and in TDX VMs too for upstream-6\.14 \(the others in default VMs only\)$/m);
  expect(r.err).not.toMatch(/sets attr_filter/);
}, 60_000);
