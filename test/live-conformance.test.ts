// The live check (npm run kvm, live/): a bounded conformance pass against this machine's
// kernel, the comparison itself on hand-made results (no KVM needed), and the skip where there
// is no usable /dev/kvm (simulated with GMEM_KVM_DEVICE). No assertion on time.

import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE } from '../model/callers';
import { Case } from '../properties/case';
import { GfnRead, LiveResult, caseLine, compileRunner, liveKvm } from '../live/kernel';
import { compareLive, formatLiveCase, main, parseCli, runConformance, saveDisagreement } from '../live/conformance';
import { diskFullFor } from './helpers';
import { onTheLiveKernel } from './live-gate';

const ROOT = path.join(__dirname, '..');
/** Where this file's runs record themselves (never live/RESULTS.md: a test leaves the tree as it was). */
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'gmem-live-record-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));
const PUNCH = FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE;

/** Two slots: file [0, 4) -> gfns [16, 20), file [4, 6) -> gfns [100, 102); a punch of file pages [3, 5). */
const twoSlots: Case = {
  layout: { filePages: 8n, slots: [{ id: 0, pgoff: 0n, npages: 4n, base_gfn: 16n }, { id: 1, pgoff: 4n, npages: 2n, base_gfn: 100n }] },
  op: { kind: 'punch', mode: PUNCH, offset: 3n << 12n, len: 2n << 12n },
};

const page = (i: number): GfnRead => ({ kind: 'page', index: BigInt(i) });
const zero: GfnRead = { kind: 'zero' };

/** What the kernel gives when it does exactly what the reference says: gfns 19 and 100 unmapped. */
function agreeing(over: Partial<Extract<LiveResult, { kind: 'ran' }>> = {}): LiveResult {
  return {
    kind: 'ran', vm: 0, gmem: 0, binds: [0, 0], op: { kind: 'punch', errno: 0 },
    slots: [
      { id: 0, before: [page(0), page(1), page(2), page(3)], after: [page(0), page(1), page(2), zero] },
      { id: 1, before: [page(4), page(5)], after: [zero, page(5)] },
    ],
    stats: { pages_4k: [20, 18, 20], pf_fixed: [10, 10, 12], remote_tlb_flush_requests: [1, 2, 2] },
    line: '{}',
    ...over,
  };
}

describe('the comparison', () => {
  test('a kernel that does what the reference says agrees', () => {
    expect(compareLive(twoSlots, agreeing())).toEqual([]);
  });

  test('a missed unmap (a punched gfn still reads its page) is a disagreement, by slot and gfn', () => {
    const r = agreeing({
      slots: [
        { id: 0, before: [page(0), page(1), page(2), page(3)], after: [page(0), page(1), page(2), page(3)] },
        { id: 1, before: [page(4), page(5)], after: [zero, page(5)] },
      ],
    });
    expect(compareLive(twoSlots, r)).toEqual(['slot 0 after the punch: gfns [19 (0x13), 20 (0x14)) read file pages (kept), expected zero']);
  });

  test('an extra unmap shows in the counters only', () => {
    const r = agreeing({ stats: { pages_4k: [20, 17, 20], pf_fixed: [10, 10, 13] } });
    const found = compareLive(twoSlots, r);
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/removed 3 4K mappings .* the reference unmaps 2 gfns/);
    expect(found[1]).toMatch(/fixed 3 page faults .* expected 2/);
    expect(compareLive(twoSlots, r, { counters: false })).toEqual([]);
  });

  test('an invalidation that unmapped gfns must request a TLB flush, one that unmapped none must not', () => {
    const noFlush = agreeing({ stats: { pages_4k: [20, 18, 20], pf_fixed: [10, 10, 12], remote_tlb_flush_requests: [1, 1, 1] } });
    expect(compareLive(twoSlots, noFlush)).toEqual([expect.stringMatching(/made 0 remote TLB flush requests .* expected at least one/)]);
    const twoFlushes = agreeing({ stats: { pages_4k: [20, 18, 20], pf_fixed: [10, 10, 12], remote_tlb_flush_requests: [1, 3, 3] } });
    expect(compareLive(twoSlots, twoFlushes)).toEqual([]);
  });

  test('errnos are compared, and a refused slot has no data on either side', () => {
    const gfnClash: Case = { ...twoSlots, layout: { ...twoSlots.layout, slots: [twoSlots.layout.slots[0], { ...twoSlots.layout.slots[1], base_gfn: 18n }] } };
    expect(compareLive(gfnClash, agreeing())[0]).toMatch(/^slot 1 .*KVM_SET_USER_MEMORY_REGION2: kernel 0, model -EEXIST/);
    const refused = agreeing({
      binds: [0, 17],
      slots: [{ id: 0, before: [page(0), page(1), page(2), page(3)], after: [page(0), page(1), page(2), zero] }],
      stats: { pages_4k: [20, 19, 20], pf_fixed: [10, 10, 11] },
    });
    expect(compareLive(gfnClash, refused)).toEqual([]);
    const unaligned: Case = { ...twoSlots, op: { kind: 'punch', mode: PUNCH, offset: 1n, len: 4096n } };
    expect(compareLive(unaligned, agreeing())[0]).toMatch(/kernel 0, model -EINVAL/);
  });

  test('after a release every bound gfn must exit, however it exits', () => {
    const release: Case = { ...twoSlots, op: { kind: 'release' } };
    const gone = (n: number): GfnRead[] => Array.from({ length: n }, (_, k) => (k % 2 ? { kind: 'mmio' } : { kind: 'fault' }));
    const r = agreeing({
      op: { kind: 'release', errno: 0 },
      slots: [
        { id: 0, before: [page(0), page(1), page(2), page(3)], after: gone(4) },
        { id: 1, before: [page(4), page(5)], after: [{ kind: 'fault' }, page(5)] },
      ],
      stats: { pages_4k: [20, 14, 14], pf_fixed: [10, 10, 10] },
    });
    expect(compareLive(release, r)).toEqual(['slot 1 after the release: gfns [101 (0x65), 102 (0x66)) read file pages (kept), expected an exit (no access)']);
  });

  test('a live run that broke is not a disagreement but an error', () => {
    expect(() => compareLive(twoSlots, { kind: 'error', why: 'timeout' })).toThrow('timeout');
  });

  test('the runner line carries the case as the runner reads it', () => {
    expect(caseLine('7', twoSlots)).toBe('C 7 8 punch 3 12288 8192 2 0 0 4 16 1 4 2 100');
    expect(formatLiveCase(twoSlots, agreeing())).toContain('reference unmaps: slot 0 gfns [19 (0x13), 20 (0x14)), slot 1 gfns [100 (0x64), 101 (0x65))');
  });
});

test('npm run kvm holds --runs, --seed and FC_SEED to the check\'s rules', () => {
  expect(() => parseCli(['--runs', '0'], {})).toThrow(/^--runs needs an integer >= 1, got "0"$/);
  expect(() => parseCli([], { FC_SEED: '99999999999' })).toThrow(/^FC_SEED needs an integer from -2147483648 to 2147483647/);
  expect(parseCli(['--seed', '7'], { FC_SEED: '8' }).seed).toBe(7);
  // as the check: a CI's typo in the variable is said even where the flag wins
  expect(() => parseCli(['--seed', '7'], { FC_SEED: 'ignored' })).toThrow(/^FC_SEED needs an integer from -2147483648 to 2147483647, got "ignored"$/);
  // node's "argument is ambiguous" for a value that starts with "-", in the check's words
  expect(() => parseCli(['--runs', '-1'], {})).toThrow(/^--runs needs a value; one that starts with "-" is written --runs=VALUE$/);
});

test('npm run kvm holds --path to the check\'s rules: fast-check\'s form, with its seed', () => {
  expect(() => parseCli(['--seed', '1', '--path', 'abc'], {})).toThrow(/^--path needs fast-check's path of a case, .*got "abc"$/);
  expect(() => parseCli(['--path', '0:1'], {})).toThrow(/^--path replays a case of one seed/);
  expect(parseCli(['--path', '0:1'], { FC_SEED: '2' })).toMatchObject({ path: '0:1', seed: 2 });
});

test('npm run kvm takes its cases from FC_NUM_RUNS under the rule of --runs, the flag first, 2000 when neither is given', () => {
  expect(parseCli([], { FC_NUM_RUNS: '5' }).runs).toBe(5);
  expect(parseCli(['--runs', '3'], { FC_NUM_RUNS: '5' }).runs).toBe(3);
  expect(parseCli([], { FC_NUM_RUNS: '' }).runs).toBe(2000);
  for (const raw of ['abc', '0', '1e3']) expect(() => parseCli([], { FC_NUM_RUNS: raw })).toThrow(`FC_NUM_RUNS needs an integer >= 1, got "${raw}"`);
  expect(() => parseCli(['--runs', '3'], { FC_NUM_RUNS: 'abc' })).toThrow(/^FC_NUM_RUNS needs an integer >= 1/);
});

test('a disagreement that cannot be saved (a full disk) leaves neither its page nor its record, and names the file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'live-full-'));
  try {
    const full = diskFullFor((f) => f.endsWith('.tmp') && path.basename(f).includes('.json.'));
    try {
      expect(() => saveDisagreement(dir, twoSlots, undefined, ['a made-up disagreement'], { seed: 1 })).toThrow(/live--[0-9a-f]{12}\.json cannot be written: ENOSPC/);
      expect(fs.readdirSync(dir)).toEqual([]);
    } finally {
      full.mockRestore();
    }
    const saved = saveDisagreement(dir, twoSlots, undefined, ['a made-up disagreement'], { seed: 1 });
    expect(fs.readdirSync(dir).sort()).toEqual([path.basename(saved), path.basename(saved).replace(/\.json$/, '.md')]); // with room, both
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the runner compiles without a warning', () => {
  expect(compileRunner().warnings).toBe('');
});

describe('without a usable /dev/kvm', () => {
  const env = { ...process.env, GMEM_KVM_DEVICE: '/nonexistent' };

  test('the probe says why', () => {
    expect(liveKvm(env)).toEqual({ ok: false, why: '/nonexistent does not exist (no KVM here)' });
  });

  test('npm run kvm prints one line, exits 0, and records the skip with the kernel it saw', () => {
    const record = path.join(scratch, 'RESULTS.md');
    const r = spawnSync('npm', ['run', '--silent', 'kvm', '--', '--record', record], { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 });
    expect(r.stdout).toBe('kvm: skipped: /nonexistent does not exist (no KVM here)\n');
    expect(r.status).toBe(0);
    const rows = fs.readFileSync(record, 'utf8').trimEnd().split('\n');
    expect(rows[0]).toBe('# Live runs');
    expect(rows.at(-1)).toMatch(new RegExp(`^\\| \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d \\| ${os.release().replace(/\./g, '\\.')} \\| .* \\| /nonexistent \\| -?\\d+ \\| 0 \\| 0 \\| 0 \\| skipped: /nonexistent does not exist \\(no KVM here\\) \\|$`));
  }, 130_000);

  test('with --require-live (or GMEM_REQUIRE_KVM=1) the skip is a failure: exit 2, the cause, and the record says so', () => {
    const record = path.join(scratch, 'required.md');
    const said: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((t: string) => { said.push(t); });
    const device = process.env.GMEM_KVM_DEVICE;
    process.env.GMEM_KVM_DEVICE = '/nonexistent';
    try {
      expect(main(['--require-live', '--runs', '5', '--record', record])).toBe(2);
      expect(said).toEqual(['kvm: the live kernel is required (--require-live or GMEM_REQUIRE_KVM=1) and cannot be used: /nonexistent does not exist (no KVM here)']);
      expect(parseCli([], { GMEM_REQUIRE_KVM: '1' }).requireLive).toBe(true);
    } finally {
      spy.mockRestore();
      if (device === undefined) delete process.env.GMEM_KVM_DEVICE;
      else process.env.GMEM_KVM_DEVICE = device;
    }
    expect(fs.readFileSync(record, 'utf8')).toMatch(/\| required, unusable: \/nonexistent does not exist \(no KVM here\) \|\n$/);
  });

  test('a row that cannot be recorded (a full disk; here a file where its folder should be) is said after the skip, exit 2, not a stack trace', () => {
    const blocker = path.join(scratch, 'a-file');
    fs.writeFileSync(blocker, '');
    const record = path.join(blocker, 'RESULTS.md');
    const out: string[] = [], err: string[] = [];
    const spies = [jest.spyOn(console, 'log').mockImplementation((t: string) => { out.push(t); }), jest.spyOn(console, 'error').mockImplementation((t: string) => { err.push(t); })];
    const device = process.env.GMEM_KVM_DEVICE;
    process.env.GMEM_KVM_DEVICE = '/nonexistent';
    try {
      expect(main(['--runs', '5', '--record', record])).toBe(2);
      expect(out).toEqual(['kvm: skipped: /nonexistent does not exist (no KVM here)']);
      expect(err).toEqual([expect.stringMatching(new RegExp(`^kvm: broken: the run's row was not recorded in ${record.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: .*(EEXIST|ENOTDIR)`))]);
    } finally {
      for (const spy of spies) spy.mockRestore();
      if (device === undefined) delete process.env.GMEM_KVM_DEVICE;
      else process.env.GMEM_KVM_DEVICE = device;
    }
  });

  test('a bad FC_NUM_RUNS is exit 2 naming it, before the skip, and no run is recorded', () => {
    const record = path.join(scratch, 'bad-runs.md');
    const said: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((t: string) => { said.push(t); });
    const saved = { device: process.env.GMEM_KVM_DEVICE, runs: process.env.FC_NUM_RUNS };
    process.env.GMEM_KVM_DEVICE = '/nonexistent';
    process.env.FC_NUM_RUNS = 'abc';
    try {
      expect(main(['--record', record])).toBe(2);
      expect(said).toEqual(['kvm: FC_NUM_RUNS needs an integer >= 1, got "abc"']);
    } finally {
      spy.mockRestore();
      for (const [name, was] of [['GMEM_KVM_DEVICE', saved.device], ['FC_NUM_RUNS', saved.runs]] as const) {
        if (was === undefined) delete process.env[name];
        else process.env[name] = was;
      }
    }
    expect(fs.existsSync(record)).toBe(false);
  });
});

test('npm run kvm holds GMEM_REQUIRE_KVM to 1 or 0', () => {
  expect(() => parseCli([], { GMEM_REQUIRE_KVM: 'true' })).toThrow('GMEM_REQUIRE_KVM needs 1 (on) or 0 (off), got "true"');
  expect(parseCli([], { GMEM_REQUIRE_KVM: '0' }).requireLive).toBe(false);
});

onTheLiveKernel('live conformance', () => test(
  'a bounded pass on the live kernel: every case agrees with the model',
  () => {
    const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : 20261126;
    const s = runConformance({ runs: 300, seed, progress: false });
    const kinds = s.kinds.map((k) => `${k.cases} cases like: ${k.example}`).join('\n');
    const shown = s.shrunk
      ? `${kinds}\nshrunk (seed ${seed}, path ${s.shrunk.path}):\n${[...s.shrunk.found, s.shrunk.harnessError ?? ''].join('\n')}\n${formatLiveCase(s.shrunk.case, s.shrunk.result)}`
      : 'none';
    expect(shown).toBe('none');
    expect({ cases: s.cases, disagreements: s.disagreements }).toEqual({ cases: 300, disagreements: 0 });
  },
  300_000,
));
