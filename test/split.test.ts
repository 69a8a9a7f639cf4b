// The split era of the in-place conversion + HugeTLB series (KERNEL-FACTS §6), case by case: a
// page order on the inode and what it does to fallocate, memory failure and the file's size;
// the conversion caller's checks and its reference (the pages zapped, the huge pages bracketed);
// the shipped conversion variants and their mistakes, each shrunk to one huge page or two; and
// the C side, which reads a split-era file and calls its zap between begin and end.

import path from 'path';
import { convert, fallocate, memoryFailure } from '../model/callers';
import { KernelError } from '../model/errno';
import { makeKernel } from '../model/kernel';
import { PAGE_SHIFT, createGmem } from '../model/layout';
import { WORD64 } from '../model/word';
import { defineVariant } from '../model/variant';
import { Case, materialize } from '../properties/case';
import { checkProperty, optionsFromEnv } from '../properties/engine/engine';
import { execute } from '../properties/engine/execute';
import { outsideOf } from '../properties/engine/saved-cases';
import { property, violations } from '../properties/properties';
import { takesFault } from '../properties/registry';
import { caseRecord } from '../properties/reports/record';
import { eraOfSource, glue } from '../native/era';
import conversion2026 from '../variants/conversion-2026';
import convertZapAligned from '../variants/convert-zap-aligned';
import convertBracketExact from '../variants/convert-bracket-exact';
import convertBatchSkip from '../variants/convert-batch-skip';
import { checkHere } from './command-helpers';
import { loadReport } from '../properties/reports/store';
import { reportStem } from '../properties/reports/record';
import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';

const { seed } = optionsFromEnv();
const P = 1n << PAGE_SHIFT;
const HUGE = 512n; // order 9: 2 MiB

describe('a page order on the inode', () => {
  test('the file is made of whole huge pages of a valid order, or refused with -EINVAL', () => {
    expect(createGmem(HUGE * P, 9).pageOrder).toBe(9);
    expect(() => createGmem(HUGE * P, 3)).toThrow(/-EINVAL: kvm_gmem_create: the page order is not 0, 9 or 18 \(gmem_hugetlb_valid_order\) \(page order 3\)/);
    expect(() => createGmem((HUGE + 1n) * P, 9)).toThrow(KernelError);
    expect(createGmem(P).pageOrder).toBeUndefined(); // order 0 is not written down: every earlier case is as it was
  });

  test('fallocate wants offset and length in whole huge pages; memory failure sees huge folios, or 4 KiB ones once split', () => {
    const size = 4n * HUGE * P;
    expect(fallocate(3, HUGE * P, HUGE * P, size, 9)).toEqual({ kind: 'invalidate', start: HUGE, end: 2n * HUGE });
    expect(fallocate(3, P, HUGE * P, size, 9)).toMatchObject({ kind: 'error', errno: 'EINVAL', rule: expect.stringMatching(/multiples of the inode's page \(PAGE_SIZE << page_order\) \(2097152 bytes at order 9\)/) });
    const l = materialize({ filePages: 4n * HUGE, slots: [], pageOrder: 9 });
    expect(memoryFailure(l, HUGE, 9)).toEqual({ kind: 'invalidate', start: HUGE, end: 2n * HUGE });
    expect(memoryFailure(l, 3n, 0)).toEqual({ kind: 'invalidate', start: 3n, end: 4n });
    expect(() => memoryFailure(l, 0n, 4)).toThrow(/folios of order 9 or 0, got 4/);
  });

  test('round_up and round_down compute what the C macros compute, a power of two or not', () => {
    const { kernel: k } = makeKernel(materialize({ filePages: 1n, slots: [] }), WORD64);
    expect([k.round_up(513n, 512n), k.round_down(513n, 512n), k.round_up(512n, 512n), k.round_up(0n, 512n)]).toEqual([1024n, 512n, 512n, 0n]);
    // the series rounds by the file's size in pages at order 0: ((x - 1) | (y - 1)) + 1, never below y
    expect([k.round_up(1n, 5n), k.round_up(4n, 5n), k.round_up(9n, 5n)]).toEqual([5n, 8n, 13n]);
  });
});

describe('the conversion caller (KVM_SET_MEMORY_ATTRIBUTES2 on the file)', () => {
  const l = materialize({ filePages: 4n * HUGE, slots: [], pageOrder: 9 });

  test('refuses what kvm_gmem_set_attributes() refuses, in its order, with -EINVAL', () => {
    expect(convert(l, 0n, 0n, false)).toMatchObject({ errno: 'EINVAL', rule: expect.stringMatching(/size is 0/) });
    expect(convert(l, (1n << 64n) - P, 2n * P, false)).toMatchObject({ errno: 'EINVAL', rule: expect.stringMatching(/wraps/) });
    expect(convert(l, 1n, P, false)).toMatchObject({ errno: 'EINVAL', rule: expect.stringMatching(/page aligned/) });
    expect(convert(l, 4n * HUGE * P - P, 2n * P, false)).toMatchObject({ errno: 'EINVAL', rule: expect.stringMatching(/inside the file/) });
  });

  test('to private is nothing to do on a file that is all private; to shared zaps the pages and brackets their huge pages', () => {
    expect(convert(l, P, P, true)).toEqual({ kind: 'allocate' });
    expect(convert(l, (HUGE - 1n) * P, 2n * P, false)).toEqual({
      kind: 'invalidate', start: HUGE - 1n, end: HUGE + 1n, convert: { toPrivate: false, bracket: { start: 0n, end: 2n * HUGE } },
    });
  });
});

describe('the conversion variants', () => {
  const opts = { numRuns: 1000, seed };
  const hugePages = (c: Case) => {
    if (c.op.kind !== 'convert' || !c.layout.pageOrder) return 0n;
    const huge = 1n << BigInt(c.layout.pageOrder);
    const s = c.op.offset >> PAGE_SHIFT, e = (c.op.offset + c.op.size) >> PAGE_SHIFT;
    return (e + huge - 1n) / huge - s / huge;
  };

  // that conversion-2026 passes every correctness property is test/variants.test.ts's (every shipped variant's verdicts)

  test.each([
    [convertZapAligned.name, convertZapAligned, 'no-collateral-unmap', 1n, /^slot 0: gfns \[\d+, \d+\) unmapped for nothing$/],
    [convertBracketExact.name, convertBracketExact, 'mmu-bookkeeping', 1n, /^the invalidation's ranges leave out gfns \[\d+, \d+\) of slot 0, backed by the huge page\(s\)/],
    [convertBatchSkip.name, convertBatchSkip, 'no-stale-mapping', 2n, /^slot 0: gfns \[\d+, \d+\) still mapped$/],
  ] as const)(`%s fails, shrunk to one view, one slot and the fewest huge pages that show it (FC_SEED=${seed})`, (_, v, id, pages, message) => {
    const r = checkProperty(v, property(id), opts);
    expect(r.actual).toBe('fail');
    const c = r.counterexample!.case;
    expect([c.op.kind, c.layout.otherViews, c.layout.slots.length, hugePages(c)]).toEqual(['convert', undefined, 1, pages]);
    // slot 0 even where a later view was made the whole file (its slot 1 at FC_SEED=-609605439)
    expect(r.violations![0]).toMatch(message);
  });

  test('a split-era variant must take the inode and say what release zaps; convert needs zap', () => {
    const f = () => undefined;
    expect(takesFault({ zap: f, release_zap: f })).toMatch(/declare takes: 'inode'/);
    expect(takesFault({ takes: 'inode', release_begin: f, release_end: f, zap: f })).toMatch(/define release_zap\(k, f\)/);
    expect(takesFault({ takes: 'inode', release_begin: f, release_end: f, convert: f })).toMatch(/defines convert, which calls the split era's begin, zap and end: define zap/);
    expect(takesFault(conversion2026)).toBeNull();
  });

  test('a zap in invalidate_end is late (the folios are gone), one in zap is in time', () => {
    const lateZap = defineVariant({ ...conversion2026, name: 'late-zap', zap: () => undefined, invalidate_end(k, s, e) { conversion2026.zap!(k, s, e); conversion2026.invalidate_end(k, s, e); } });
    const punch: Case = { layout: { filePages: 1n, slots: [{ id: 0, pgoff: 0n, npages: 1n, base_gfn: 0n }] }, op: { kind: 'punch', mode: 3, offset: 0n, len: P } };
    const o = execute(lateZap, punch);
    expect(violations(property('no-stale-mapping'), o)).toEqual(['slot 0: gfns [0, 1) still mapped']);
    const ok = execute(conversion2026, punch);
    expect(ok.events.filter((e) => e.op === 'unmap').map((e) => e.phase)).toEqual(['zap']);
  });

  test('a saved case with a page order or a conversion is not one an earlier era can run', () => {
    const c: Case = { layout: { filePages: HUGE, slots: [], pageOrder: 9 }, op: { kind: 'convert', offset: 0n, size: P, toPrivate: false } };
    expect(outsideOf({ takes: 'inode' }, caseRecord(c))).toMatch(/page order 9 \(the HugeTLB series\)/);
    expect(outsideOf({ takes: 'inode', zap: conversion2026.zap }, caseRecord(c))).toMatch(/is a conversion/);
    expect(outsideOf(conversion2026, caseRecord(c))).toBeNull();
  });
});

describe('the split era in C', () => {
  const fixture = path.join(__dirname, 'fixtures', 'linux-split-2026', 'virt', 'kvm', 'guest_memfd.c');

  test('a file whose kvm_gmem_zap() sits between begin and end is of the split era, with its views on the mapping\'s list', () => {
    const era = eraOfSource(fixture, fs.readFileSync(fixture, 'utf8'));
    expect(era).toMatchObject({ era: 'split', zap: 'kvm_gmem_zap', filesOn: 'i_private_list', release: { view: 'gmem_file', begin: '__kvm_gmem_invalidate_begin', zap: '__kvm_gmem_zap' } });
    const g = glue(era);
    expect(g).toMatch(/const int harness_era_zaps = 1;/);
    expect(g).toMatch(/kvm_gmem_zap\(harness_inode, start, end\);/);
    expect(g).toMatch(/__kvm_gmem_zap\(harness_view_file\(view\), 0, -1ul, kvm_gmem_get_invalidate_filter\(harness_inode\)\);/);
  });

  test('--from-kernel judges a split-era tree: every view, huge pages, the zap in its own phase', () => {
    const r = checkHere(['--from-kernel', path.dirname(path.dirname(path.dirname(fixture))), '--runs', '300', '--json']);
    expect(r.err).not.toMatch(/gcc warnings|broken/);
    const verdicts = JSON.parse(r.out).verdicts as Array<{ variant: string; property: string; actual: string }>;
    expect(verdicts[0].variant).toMatch(/^kernel-split-[0-9a-f]{8}$/);
    expect(verdicts.filter((v) => ['no-stale-mapping', 'no-collateral-unmap', 'ranges-well-formed', 'no-warn', 'mmu-bookkeeping'].includes(v.property)).every((v) => v.actual === 'pass')).toBe(true);
  }, 60_000);
});

describe('what a user meets', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'split-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('a report whose case never reaches the invalidation is refused, saying why', () => {
    const shipped = fs.readdirSync(path.join(__dirname, '..', 'shrink-reports')).find((f) => /^convert-bracket-exact--mmu-bookkeeping--.*\.json$/.test(f))!;
    const r = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'shrink-reports', shipped), 'utf8'));
    r.counterexample.op.size = '0';
    r.invalidated = null;
    r.expected = [];
    const file = path.join(tmp, `${reportStem(r.variant.name, r.property, r.counterexample)}.json`);
    fs.writeFileSync(file, JSON.stringify(r));
    expect(() => loadReport(file)).toThrow(/its case never reaches the invalidation: the caller refuses it \(-EINVAL: kvm_gmem_set_attributes: size is 0/);
  });

  test('npm run trees on a folder with no tree says so and leaves bench/TREES.md alone', () => {
    fs.mkdirSync(path.join(tmp, 'empty', 'not-a-tree'), { recursive: true });
    const before = fs.readFileSync(path.join(__dirname, '..', 'bench', 'TREES.md'), 'utf8');
    const r = spawnSync(process.execPath, ['-r', './properties/isolation/register.js', 'bench/trees.ts', path.join(tmp, 'empty')], { cwd: path.join(__dirname, '..'), encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/not-a-tree has no SOURCE line/);
    expect(r.stderr).toMatch(/no tree in .*empty \(a tree is a folder with a SOURCE line\); bench\/TREES.md is left as it was/);
    expect(fs.readFileSync(path.join(__dirname, '..', 'bench', 'TREES.md'), 'utf8')).toBe(before);
  });
});
