// bind-within-file: kvm_gmem_bind()'s answer to bind requests, judged by the era's reference. It
// fails the 6.8 to 7.1 bodies (TypeScript and C) on the overflow of findings/bind-offset-overflow.md,
// passes 7.2's, sees each kind of wrong answer, does not judge a variant without bind() (and never
// calls that a pass), and its report shows the request, the answers and the userspace steps.

import fs from 'fs';
import path from 'path';
import { bindRequest } from '../model/callers';
import { ERRNO_NUMBERS } from '../model/errno';
import { createGmem } from '../model/layout';
import { Variant, defineVariant } from '../model/variant';
import { loadCVariant } from '../native/cvariant';
import { Case } from '../properties/case';
import { checkProperty, checkVariant, optionsFromEnv } from '../properties/engine/engine';
import { IsolatedRunner } from '../properties/isolation/isolated';
import { formatFailure } from '../properties/format';
import { bindViolations, property } from '../properties/properties';
import { loadReports } from '../properties/reports/store';
import upstream from '../variants/upstream';
import upstream2026 from '../variants/upstream-2026';
import upstream614 from '../variants/upstream-6.14';
import upstream72 from '../variants/upstream-7.2';
import { ROOT, check, checkHere } from './command-helpers';

const { seed } = optionsFromEnv();
const opts = { seed, numRuns: 300, xarray: 'faithful' as const };
const judge = (v: Variant) => checkProperty(v, property('bind-within-file'), opts);
const OVERFLOW = (1n << 63n) - 4096n;

// Shrunk to the overflow at every seed: the minimizer keeps a request's end while it drops pages
// (at 70 of 100000 seeds, dropping them from the end alone stopped at 2^31 pages ending at 2^63).
test.each([['upstream', upstream], ['upstream-2026', upstream2026]] as const)(`%s fails it on a binding past the end of the file, shrunk to the overflow (FC_SEED=${seed})`, (_, v) => {
  const r = judge(v);
  expect([r.actual, r.matches]).toEqual(['fail', true]);
  // the overflow itself: one page just below 2^63 of a one-page file, nothing bound before
  expect(r.counterexample!.case).toEqual({ layout: { filePages: 1n, slots: [] }, op: { kind: 'bind', slot: 0, guest_phys_addr: 0n, memory_size: 4096n, guest_memfd_offset: OVERFLOW } });
  expect(r.violations![0]).toMatch(/it bound file pages \[2251799813685247, 2251799813685248\), past the end of the file \(1 page\)/);
});

test(`upstream-7.2 passes it, and the C bodies answer as their twins (FC_SEED=${seed})`, () => {
  expect(judge(upstream72)).toMatchObject({ actual: 'pass', matches: true, numRuns: 300 });
  for (const [file, want] of [['variants/c/upstream.c', 'fail'], ['variants/c/upstream-7.2.c', 'pass']] as const) {
    const c = loadCVariant(file);
    try {
      expect([file, checkProperty(c, property('bind-within-file'), { ...opts, isolated: new IsolatedRunner(c.runner) }).actual]).toEqual([file, want]);
    } finally {
      c.runner.close();
    }
  }
});

test("7.2's body judged by the errnos of 6.8 fails on a second binding: the era's errno is judged too", () => {
  const wrongEra = defineVariant({ ...upstream72, name: 'upstream-7.2-as-6.8', bindEra: undefined });
  const r = judge(wrongEra);
  expect(r.actual).toBe('fail');
  expect(r.violations![0]).toMatch(/with -EEXIST where the 6\.8 to 7\.1 rule says -EINVAL \(kvm_gmem_bind: file range overlaps another binding of the view: slot \d+\)/);
});

test('a kvm_gmem_bind() that does not return an int fails bind-within-file, and its failure says so, not that every property fails', () => {
  const wrongType = defineVariant({ ...upstream72, name: 'bind-returns-text', bind: (...a: Parameters<NonNullable<Variant['bind']>>) => String(upstream72.bind!(...a)) as unknown as number });
  const r = judge(wrongType);
  expect([r.actual, r.matches]).toEqual(['fail', false]);
  expect(r.violations![0]).toMatch(/^bind threw: .*kvm_gmem_bind\(\) must return an int, got string/);
  const text = formatFailure(r);
  expect(text).toMatch(/\(UNEXPECTED: a kvm_gmem_bind\(\) that does not return its answer is never the failure a variant is expected to have\)/);
  expect(text).not.toMatch(/fails every property/);
});

describe('each wrong answer of a kvm_gmem_bind() is a violation', () => {
  // a 16-page file with slot 0 on pages [0, 4); the request: slot 1, two pages
  const layout = { ...createGmem(16n << 12n), slots: [{ id: 0, pgoff: 0n, npages: 4n, base_gfn: 0n }] };
  const request = (page: bigint) => {
    const r = bindRequest(layout, { slot: 1, guest_phys_addr: 100n << 12n, memory_size: 2n << 12n, guest_memfd_offset: page << 12n });
    if (r.kind !== 'bind') throw new Error('a bind request');
    return r;
  };
  const store = (first: bigint, last: bigint, slot = 1) => ({ first, last, slot });
  const EINVAL = -ERRNO_NUMBERS.EINVAL;

  test('the right answers hold', () => {
    expect(bindViolations(request(8n), { ret: 0, pgoff: 8n, stores: [store(8n, 9n)] }, layout.slots)).toEqual([]);
    expect(bindViolations(request(2n), { ret: EINVAL, pgoff: 0n, stores: [] }, layout.slots)).toEqual([]);
    expect(bindViolations(request(15n), { ret: EINVAL, pgoff: 0n, stores: [] }, layout.slots)).toEqual([]);
  });

  test.each([
    ['a valid request refused', 8n, { ret: EINVAL, pgoff: 0n, stores: [] }, /refused .* with -EINVAL, though it lies inside the file \(16 pages\) and meets no other binding/],
    ['a second binding accepted', 2n, { ret: 0, pgoff: 2n, stores: [store(2n, 3n)] }, /over slot 0's binding/],
    ['a range past the end accepted', 15n, { ret: 0, pgoff: 15n, stores: [store(15n, 16n)] }, /past the end of the file \(16 pages\)/],
    ['another errno', 15n, { ret: -ERRNO_NUMBERS.EEXIST, pgoff: 0n, stores: [] }, /with -EEXIST where the 6\.8 to 7\.1 rule says -EINVAL/],
    ['a store left behind a refusal', 2n, { ret: EINVAL, pgoff: 0n, stores: [store(2n, 3n)] }, /after storing file pages \[2, 4\): the binding stays in the xarray/],
    ['another range stored', 8n, { ret: 0, pgoff: 8n, stores: [store(8n, 8n)] }, /bound file pages \[8, 9\) where the request asks for \[8, 10\)/],
    ['slot->gmem.pgoff not the binding', 8n, { ret: 0, pgoff: 0n, stores: [store(8n, 9n)] }, /set slot->gmem\.pgoff to 0, but the binding starts at file page 8/],
    ['no store for an acceptance', 8n, { ret: 0, pgoff: 8n, stores: [] }, /returned 0 after 0 xa_store_range\(\) calls, not one/],
    ['a positive return', 8n, { ret: 1, pgoff: 0n, stores: [] }, /returned 1, neither 0 nor a negative errno/],
  ] as const)('%s', (_, page, answer, message) => {
    expect(bindViolations(request(page), answer, layout.slots)).toContainEqual(expect.stringMatching(message));
  });
});

test('a variant without bind() is not judged: n/a in the table, "not-judged" in --json, never a pass; judging nothing exits 2', () => {
  const [v] = checkVariant(upstream614, { ...opts, properties: ['bind-within-file'] });
  expect(v).toMatchObject({ actual: 'not-judged', matches: true, numRuns: 0, violations: ['not judged: the variant has no bind() (kvm_gmem_bind())'] });
  const both = checkHere(['variants/upstream-6.14.ts', 'variants/upstream-7.2.ts', '--property', 'bind-within-file', '--runs', '50', '--no-typecheck']);
  expect(both.code).toBe(0);
  expect(both.out).toMatch(/^upstream-6\.14 [ -]*n\/a[ -]*$/m);
  expect(both.out).toMatch(/^upstream-7\.2 [ -]*pass[ -]*$/m);
  expect(both.out).toMatch(/^n\/a: not judged, never a pass/m);
  const none = checkHere(['variants/upstream-6.14.ts', '--property', 'bind-within-file', '--runs', '50', '--no-typecheck', '--json']);
  expect(none.code).toBe(2);
  const out = JSON.parse(none.out) as { verdicts: Array<{ actual: string }>; broken: Array<{ message: string }> };
  expect(out.verdicts.map((x) => x.actual)).toEqual(['not-judged']);
  expect(out.broken).toEqual([expect.objectContaining({ message: expect.stringMatching(/^nothing was judged .*the variant has no bind\(\).*: a run that judges nothing is not a pass$/) })]);
}, 60_000);

test("upstream's shipped report shows the request, the answers, the steps and where the live repro is", () => {
  const saved = loadReports().find((s) => s.record.variant.name === 'upstream' && s.record.property === 'bind-within-file')!;
  expect(saved.record.counterexample.op).toEqual({ kind: 'bind', slot: 0, guest_phys_addr: '0', memory_size: '4096', guest_memfd_offset: String(OVERFLOW) });
  const page = fs.readFileSync(saved.file.replace(/\.json$/, '.md'), 'utf8');
  expect(page).toMatch(/\| request: guest_memfd_offset \| 9223372036854771712 \| 0x7ffffffffffff000 \|/);
  expect(page).toMatch(/\| the variant's \| 0 \(slot->gmem\.pgoff 2251799813685247\) \| file pages \[2251799813685247, 2251799813685248\) \|/);
  expect(page).toMatch(/\| what it must answer \(model\/rules\.ts kvmGmemBindExpected\) \| -EINVAL/);
  expect(page).toMatch(/kvm_gmem_bind\(\) of the era 6\.8 to 7\.1/);
  expect(page).toMatch(/`KVM_SET_USER_MEMORY_REGION2` slot 0, flags `KVM_MEM_GUEST_MEMFD`: .*guest_memfd_offset 9223372036854771712 .*it must return -EINVAL/);
  expect(page).toMatch(/TEST_ASSERT\(ret == -1 && errno == EINVAL/);
  expect(page).toMatch(/findings\/bind-offset-overflow\.c/);
  // replayed, it still fails as upstream expects; --live says why it does not run a program for it, and skips
  const replay = checkHere(['--report', path.relative(process.cwd(), saved.file)]);
  expect([replay.code, replay.out]).toEqual([0, expect.stringMatching(/upstream still fails bind-within-file:\n {2}- accepted guest_memfd_offset 9223372036854771712/)]);
  // skipped, with or without a KVM here (a device that is not there says so too): the case has no program to run
  const live = check(['--report', path.relative(ROOT, saved.file), '--live'], { GMEM_KVM_DEVICE: '/nonexistent' });
  expect([live.code, live.out]).toEqual([0, expect.stringMatching(/^live: skipped: it is a bind request, which no guest read observes; the live reproducer .* is findings\/bind-offset-overflow\.c/)]);
}, 60_000);

/** A bind request no kernel would pass to kvm_gmem_bind() is not one the property meets: the caller's checks come first. */
test('a request __kvm_set_memory_region() refuses never reaches kvm_gmem_bind()', () => {
  const c: Case = { layout: { filePages: 4n, slots: [] }, op: { kind: 'bind', slot: 0, guest_phys_addr: 0n, memory_size: 4096n, guest_memfd_offset: 1n } };
  expect(bindRequest(createGmem(4n << 12n), c.op as Extract<Case['op'], { kind: 'bind' }>)).toMatchObject({ kind: 'error', errno: 'EINVAL', rule: expect.stringMatching(/guest_memfd_offset must be page aligned/) });
});
