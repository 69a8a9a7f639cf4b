// Small builders shared by the suites: a layout from (pgoff, npages, base_gfn) triples, bound
// through the model's own bind(), the fast-check options taken from FC_SEED / FC_NUM_RUNS, and a
// full disk for the files a test picks.

import fs from 'fs';
import os from 'os';
import path from 'path';
import { Layout, PAGE_SHIFT, bind, createGmem } from '../model/layout';
import { Variant } from '../model/variant';
import { LayoutSpec } from '../properties/case';
import { CheckOptions, Verdict, checkProperty } from '../properties/engine/engine';
import { Property } from '../properties/properties';
import { variantFile, variantSourceHash } from '../properties/registry';
import { reportVerdict, reportedVariant } from '../properties/reports/reporter';
import { SavedReport } from '../properties/reports/store';

export type Triple = [pgoff: bigint, npages: bigint, base_gfn: bigint];

export function spec(filePages: bigint, triples: Triple[]): LayoutSpec {
  return { filePages, slots: triples.map(([pgoff, npages, base_gfn], id) => ({ id, pgoff, npages, base_gfn })) };
}

export function layoutOf(filePages: bigint, triples: Triple[]): Layout {
  let l = createGmem(filePages << PAGE_SHIFT);
  triples.forEach(([pgoff, npages, base_gfn], id) => {
    l = bind(l, { slot: id, guest_phys_addr: base_gfn << PAGE_SHIFT, memory_size: npages << PAGE_SHIFT, guest_memfd_offset: pgoff << PAGE_SHIFT });
  });
  return l;
}

/**
 * A property checked in this process and its failure handed to the reporter, as the command
 * does: saved in `reports.dir` when it is one to save.
 */
export function checkAndReport(variant: Variant, prop: Property, o: Omit<CheckOptions, 'saved'> & { reports?: { dir: string; saved: SavedReport[] } }): Verdict {
  const v = checkProperty(variant, prop, { ...o, saved: o.reports?.saved });
  return o.reports ? reported(variant, v, o.reports) : v;
}

/** A verdict handed to the reporter, as the command does: saved in `reports.dir` when it is one to save. */
export function reported(variant: Variant, v: Verdict, reports: { dir: string; saved: SavedReport[] }): Verdict {
  return reportVerdict(v, reportedVariant(variant, variantSourceHash(variant), variantFile(variant)), reports);
}

/** Temporary folders this test file made, removed when it ends (each test file has its own module registry). */
const temporary: string[] = [];
afterAll(() => { for (const d of temporary.splice(0)) fs.rmSync(d, { recursive: true, force: true }); });

/** A fresh temporary folder, removed when the test file ends. */
export function tempFolder(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  temporary.push(dir);
  return dir;
}

/** fs.writeFileSync as on a full disk for the files `full` picks: part of the text written, then ENOSPC. */
export function diskFullFor(full: (file: string) => boolean) {
  const real = fs.writeFileSync;
  return jest.spyOn(fs, 'writeFileSync').mockImplementation((file, data, options) => {
    if (!full(String(file))) return real(file, data, options);
    real(file, String(data).slice(0, 1), options);
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
  });
}
