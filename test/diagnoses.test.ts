// How a variant that breaks its own process is diagnosed (test/fixtures/hostile/diagnoses), one
// case at a time in its own process, as the command runs it (the whole command's handling of
// such faults is test/hostile.test.ts's): memory taken without end is a memory fault, in the
// heap (V8's limit) or outside it (the harness's limit on a process's memory), never a hang; a
// built-in replaced in a case fails that case by name and is put back for the next; an error the
// case's work throws after it returned (a rejection no one handles, a timer's throw) is pinned on
// that case, and the next case is clean; a built-in replaced and put back within the call changes
// nothing. Counted, not timed.

import path from 'path';
import { FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE } from '../model/callers';
import { Case } from '../properties/case';
import { faultText } from '../properties/properties';
import { TsVariant } from '../properties/isolation/ts-variant';
import { spec } from './helpers';

const DIR = path.join(__dirname, 'fixtures', 'hostile', 'diagnoses');
const punch = (page: bigint): Case => ({ layout: spec(4n, [[0n, 4n, 16n]]), op: { kind: 'punch', mode: FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE, offset: page << 12n, len: 4096n } });

/** The faults of running `cases` one by one in the fixture's process (undefined: the case ran clean), and the hang confirmations it took. */
function faultsOf(fixture: string, cases: readonly Case[]): { faults: Array<string | undefined>; confirmations: number } {
  const v = new TsVariant(path.join(DIR, fixture), { timeoutMs: 2000, onOutput: () => undefined });
  try {
    v.ready();
    const faults = cases.map((c) => {
      const o = v.runner.run(c);
      return o.fault ? faultText(o.fault) : undefined;
    });
    return { faults, confirmations: v.runner.confirmations };
  } finally {
    v.runner.close();
  }
}

test('memory taken without end in the heap is a memory fault at V8\'s heap limit, not a hang', () => {
  const { faults, confirmations } = faultsOf('hogs.ts', [punch(1n)]);
  expect(faults[0]).toMatch(/^the variant's process ran out of memory in invalidate_begin: OutOfMemory: it reached its heap limit and V8 stopped it \(SIG[A-Z]+: ".*heap out of memory"\)/);
  expect(faults[0]).not.toMatch(/did not return|hang/);
  expect(confirmations).toBeLessThanOrEqual(1); // at most a candidate, never a confirmed hang
}, 60_000);

test('memory taken without end outside the heap is a memory fault at the harness\'s limit, not a hang', () => {
  const { faults } = faultsOf('hoards.ts', [punch(1n)]);
  expect(faults[0]).toMatch(/^the variant's process ran out of memory in invalidate_begin: OutOfMemory: it held \d+ MB, past the limit of 512 MB, and was stopped/);
}, 60_000);

test('a case that replaces a built-in its process runs on fails naming it; the next case runs on the built-in as it was', () => {
  const { faults, confirmations } = faultsOf('breaks-push.ts', [punch(1n), punch(2n)]);
  expect(faults).toEqual(['invalidate_begin broke the variant\'s own process: BrokenRuntime: it replaced Array.prototype.push, JavaScript built-in the variant\'s process runs on; put back for the next case', undefined]);
  expect(confirmations).toBe(0); // never taken for a hang
}, 60_000);

test('a rejection no one handles, after the case returned, is pinned on that case; the next case is its own', () => {
  const { faults } = faultsOf('rejects-late.ts', [punch(1n), punch(2n)]);
  expect(faults).toEqual(['invalidate_begin threw: Error: late rejection (an unhandled promise rejection, after it had returned)', undefined]);
}, 60_000);

test('a timer that throws after the case returned is pinned on the case and the step that set it', () => {
  const { faults, confirmations } = faultsOf('throws-later.ts', [punch(1n), punch(2n)]);
  expect(faults).toEqual(['invalidate_end threw: Error: late throw (thrown in a timer it set, after it had returned)', undefined]);
  expect(confirmations).toBe(0);
}, 60_000);

test('a built-in replaced and put back within the variant\'s own call changes nothing the harness judges: the case runs clean', () => {
  // the model's set-up of a case (a VM's initial mappings among it) runs before the variant's call
  const twoSlots = (page: bigint): Case => ({ ...punch(page), layout: spec(8n, [[0n, 4n, 16n], [4n, 4n, 100n]]) });
  const { faults } = faultsOf('swaps-filter.ts', [twoSlots(1n), twoSlots(2n)]);
  expect(faults).toEqual([undefined, undefined]);
}, 60_000);
