// The runnable repros (live/repro.ts, `npm run check -- --report <json> --live`): each saved
// report's case as one self-checking C program for the live kernel. Without a kernel: every
// program compiles with -Wall -Wextra and no warning, a case that cannot run live says why and
// exits 4, the command skips in one line without /dev/kvm. On this machine's kernel (whose
// invalidation is upstream's): three shipped reports' repros pass and print what the generator
// predicts, and a report whose `expected` is hand-edited to demand one more gfn fails, as the
// generator predicts for a kernel that misses that gfn. No assertion on time.

import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { EXIT_SKIPPED, ReproSource, buildAndRun, compileRepro, expectedOutput, withTheBug } from '../live/repro';
import { onTheLiveKernel } from './live-gate';
import { ReportRecord } from '../properties/reports/record';
import { loadReport } from '../properties/reports/store';

const ROOT = path.join(__dirname, '..');
const REPORTS = path.join(ROOT, 'shrink-reports');

/** The first shipped report matching the first pattern that matches any (named by a content hash, so not spelt out here). */
function shipped(...patterns: RegExp[]): ReproSource {
  const names = fs.readdirSync(REPORTS).filter((f) => f.endsWith('.json')).sort();
  for (const p of patterns) {
    const name = names.find((f) => p.test(f));
    if (name) return loadReport(path.join(REPORTS, name));
  }
  throw new Error(`no shipped report matches ${patterns.join(' or ')}`);
}

const THREE = {
  'a TypeScript variant (buggy, a missed unmap)': shipped(/^buggy--no-stale-mapping--/),
  'a C variant (buggy-c)': shipped(/^buggy-c--no-stale-mapping--/, /^(buggy|fixed|upstream)-c--/),
  'mike-base (an extra unmap)': shipped(/^mike-base--no-collateral-unmap--/),
};

/** mike-base's report (punch of file page 1 of 2, slot 0 over both) with `expected` hand-edited to demand gfn 0 unmapped too. */
function tampered(): ReproSource {
  const src = THREE['mike-base (an extra unmap)'];
  const record: ReportRecord = {
    ...src.record,
    expected: [{ slot: 0, gfns: { start: '0', end: '2' } }],
    // for the prediction: a kernel that unmaps what this one does misses gfn 0 of that demand
    difference: { ...src.record.difference, slots: [{ slot: 0, missed: [{ start: '0', end: '1' }], extra: [] }] },
  };
  return { stem: src.stem, record };
}

/** The program's lines as predicted, the kernel release left open. */
function matchesPrediction(stdout: string, predicted: readonly string[]): void {
  const got = stdout.trimEnd().split('\n');
  const last = predicted[predicted.length - 1].replace(/ on Linux <release>$/, ' on ');
  expect(got.slice(0, -1)).toEqual(predicted.slice(0, -1));
  expect(got[got.length - 1].startsWith(last)).toBe(true);
}

const node = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
  spawnSync(process.execPath, [path.join(ROOT, 'properties', 'command', 'bin.js'), ...args], { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 });

describe('without a kernel', () => {
  test.each(Object.entries(THREE))('the repro of %s compiles with -Wall -Wextra and no warning', (_, src) => {
    const { program, file } = compileRepro(src);
    expect(program.warnings).toBe('');
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toContain('#include <linux/kvm.h>'); // live/guest.h, carried whole
    expect(text).not.toMatch(/^#include "/m); // one file: nothing of this repo to include
    expect(text).toContain(`On a kernel with the reported bug (${src.record.variant.name}`);
  });

  test('the prediction for a tampered expectation: a FAIL line naming the gfn, and the counters', () => {
    const bug = withTheBug(tampered());
    expect(bug.lines).toEqual([
      'slot 0: gfn 0 still reads 0x676d656d00000001 (file page 0) after the punch, expected 0: FAIL',
      'mappings: the punch removed 1 4K mapping and the guest faulted 1 gfn back in; the reference unmaps 2 gfns: FAIL',
      `FAIL: ${tampered().stem} on Linux <release>`,
    ]);
  });

  test('a case that cannot run live (memory failure) gives a program that says why and exits 4', () => {
    const src = THREE['a TypeScript variant (buggy, a missed unmap)'];
    const record: ReportRecord = { ...src.record, counterexample: { ...src.record.counterexample, op: { kind: 'memory-failure', index: '0', order: 0 } } };
    const { program } = compileRepro({ stem: 'memory-failure-case', record });
    expect(program.warnings).toBe('');
    const r = spawnSync(program.binary, [], { encoding: 'utf8' });
    expect(r.status).toBe(EXIT_SKIPPED);
    expect(r.stdout).toMatch(/^skipped: memory failure is never performed live \(it would poison this machine's memory\)/);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(1);
  });

  test('every slot\'s userspace_addr stays below the user address limit, however far into the file it binds', () => {
    // two shipped reports bind at file page 85762613951: an address that far into the reservation
    // would lie above 0x7ffffffff000, and KVM refuses such a slot with -EINVAL (KERNEL-FACTS section 7)
    const far = fs.readdirSync(REPORTS).filter((f) => f.endsWith('.json') && fs.readFileSync(path.join(REPORTS, f), 'utf8').includes('"pgoff": "85762613951"'));
    expect(far.length).toBeGreaterThanOrEqual(2);
    for (const f of [...far, `${THREE['mike-base (an extra unmap)'].stem}.json`]) {
      const { program } = compileRepro(loadReport(path.join(REPORTS, f)));
      const r = spawnSync(program.binary, ['--dry-run'], { encoding: 'utf8' });
      expect([f, r.status]).toEqual([f, 0]);
      const slots = [...r.stdout.matchAll(/^slot \d+: guest_memfd_offset (\d+), memory_size (\d+), userspace_addr (\d+)$/gm)];
      expect(slots.length).toBeGreaterThan(0);
      for (const [line, , size, hva] of slots) expect([f, line, BigInt(hva) + BigInt(size) <= 0x7ffffffff000n]).toEqual([f, line, true]);
    }
  });

  test('--live without a KVM device prints one line and exits 0', () => {
    const file = path.relative(ROOT, path.join(REPORTS, `${THREE['mike-base (an extra unmap)'].stem}.json`));
    const r = node(['--report', file, '--live'], { ...process.env, GMEM_KVM_DEVICE: '/nonexistent' });
    expect(r.stdout).toBe('live: skipped: /nonexistent does not exist (no KVM here)\n');
    expect(r.status).toBe(0);
    // required (a CI with KVM), the skip is a failure: exit 2, saying why
    const required = node(['--report', file, '--live', '--require-live'], { ...process.env, GMEM_KVM_DEVICE: '/nonexistent' });
    expect(required.stderr).toBe('live: the live kernel is required (--require-live or GMEM_REQUIRE_KVM=1) and cannot be used: /nonexistent does not exist (no KVM here)\n');
    expect(required.status).toBe(2);
    const bad = node(['--report', file, '--live'], { ...process.env, GMEM_KVM_DEVICE: '/nonexistent', GMEM_REQUIRE_KVM: 'on' });
    expect(bad.stderr).toBe('GMEM_REQUIRE_KVM needs 1 (on) or 0 (off), got "on"\n');
    expect(bad.status).toBe(2);
  }, 130_000);
});

onTheLiveKernel('live repros', () => {
  describe('on the live kernel', () => {
    test.each(Object.entries(THREE))('the repro of %s passes and prints what was predicted', (_, src) => {
      const r = buildAndRun(src);
      expect(r.skipped).toBeUndefined();
      expect(r.warnings).toBe('');
      matchesPrediction(r.stdout, expectedOutput(src)!);
      expect(r.stdout).toMatch(/^PASS: /m);
      expect(r.stdout).not.toMatch(/FAIL/);
      expect(r.status).toBe(0);
    }, 130_000);

    test('a report whose expectation demands one more gfn unmapped fails, as a kernel missing that gfn would', () => {
      const src = tampered();
      const r = buildAndRun(src);
      expect(r.status).toBe(1);
      expect(r.stdout).toContain('slot 0: gfn 0 still reads 0x676d656d00000001 (file page 0) after the punch, expected 0: FAIL\n');
      const predicted = withTheBug(src).lines!;
      const got = r.stdout.trimEnd().split('\n');
      expect(got.slice(1, -1)).toEqual(predicted.slice(0, -1)); // the FAIL lines, exactly
      expect(got[got.length - 1]).toMatch(/^FAIL: /);
    }, 130_000);

    test('the command: a hand-edited report file is refused before anything runs (exit 2), the shipped one passes live (exit 0)', () => {
      const src = tampered();
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gmem-live-repro-'));
      try {
        const file = path.join(dir, `${src.stem}.json`);
        fs.writeFileSync(file, JSON.stringify(src.record, null, 2));
        // its "expected" no longer follows from its case: the report store refuses it, naming why
        // (that the program FAILs on such an expectation is the test above, run without the store)
        const bad = node(['--report', file, '--live']);
        expect(bad.stderr).toMatch(/"expected" is not what the model says its case must unmap .*was it edited by hand\?/);
        expect(bad.status).toBe(2);
        const good = node(['--report', path.join(REPORTS, `${src.stem}.json`), '--live']);
        expect(good.stdout).toMatch(/live: PASS \(exit 0\)\n$/);
        expect(good.status).toBe(0);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }, 130_000);
  });
});
