// A live check that cannot run: the cause named from the kernel's own evidence (its release, its
// config line, its kvm_gmem_* symbols; KERNEL-FACTS section 7), the skip repeated under jest's
// summary by test/skipped-reporter.js, and GMEM_REQUIRE_KVM=1 turning the live suites' skip
// into a failing test (test/live-gate.ts). No KVM needed.

import { noGuestMemfdCause } from '../live/kernel-build';
import { liveRequired } from '../live/kernel';
import { onTheLiveKernel } from './live-gate';

const { skipLines } = require('./skipped-reporter.js') as { skipLines: (r: unknown) => string[] };

describe('why a kernel has no guest_memfd, from its evidence', () => {
  test('a 6.18 kernel built without it (our machines of that kind): its config and its symbols say so', () => {
    expect(noGuestMemfdCause({ release: '6.18.44-fc-v1272', configLine: '', configFrom: '/proc/config.gz', gmemSymbols: false }))
      .toBe('Linux 6.18.44-fc-v1272 was built without CONFIG_KVM_GUEST_MEMFD (/proc/config.gz has no CONFIG_KVM_GUEST_MEMFD=y; no kvm_gmem_* function in /proc/kallsyms)');
  });

  test('a kernel older than 6.8 predates guest_memfd, whatever its config', () => {
    expect(noGuestMemfdCause({ release: '6.6.30', configLine: '', configFrom: '/boot/config-6.6.30' })).toBe('Linux 6.6.30 predates guest_memfd (Linux 6.8)');
    expect(noGuestMemfdCause({ release: '5.15.0-91-generic' })).toMatch(/predates guest_memfd/);
  });

  test('without a readable config or symbols it says what it could not confirm', () => {
    expect(noGuestMemfdCause({ release: '6.12.1' })).toBe('Linux 6.12.1 was built without CONFIG_KVM_GUEST_MEMFD (neither its config nor /proc/kallsyms can be read to confirm it)');
  });

  test('a kernel whose config has it but whose KVM does not offer it is not called one built without it', () => {
    expect(noGuestMemfdCause({ release: '6.18.1', configLine: 'CONFIG_KVM_GUEST_MEMFD=y', configFrom: '/boot/config-6.18.1', gmemSymbols: false }))
      .toMatch(/^Linux 6\.18\.1 was built with guest_memfd, yet this KVM does not offer it .*\(\/boot\/config-6\.18\.1 has CONFIG_KVM_GUEST_MEMFD=y/);
  });
});

test('GMEM_REQUIRE_KVM is 1 or 0 (empty or absent: 0), and anything else is refused, naming it', () => {
  expect(liveRequired({})).toBe(false);
  expect(liveRequired({ GMEM_REQUIRE_KVM: '' })).toBe(false);
  expect(liveRequired({ GMEM_REQUIRE_KVM: '0' })).toBe(false);
  expect(liveRequired({ GMEM_REQUIRE_KVM: '1' })).toBe(true);
  expect(() => liveRequired({ GMEM_REQUIRE_KVM: 'yes' })).toThrow('GMEM_REQUIRE_KVM needs 1 (on) or 0 (off), got "yes"');
});

test('under jest\'s summary, one line per cause of the skipped tests, with the suites that skipped', () => {
  const why = 'no usable live kernel: /dev/kvm has no guest_memfd: KVM_CAP_GUEST_MEMFD is 0';
  expect(skipLines({
    testResults: [
      { testFilePath: '/r/test/live-finding.test.ts', testResults: [{ status: 'passed', title: 'x' }, { status: 'pending', title: `the finding: skipped, ${why}` }] },
      { testFilePath: '/r/test/live-repro.test.ts', testResults: [{ status: 'pending', title: `live repros: skipped, ${why}` }] },
      { testFilePath: '/r/test/word.test.ts', testResults: [{ status: 'passed', title: 'y' }] },
    ],
  })).toEqual([`Skipped (not passed) in live-finding, live-repro: ${why}\n`]);
});

test('without a live kernel a live suite registers one skipped test naming why; required (GMEM_REQUIRE_KVM=1), one that fails saying so', () => {
  const registered: Array<{ how: string; title: string; body: () => void }> = [];
  const jest = { test: (title: string, body: () => void) => registered.push({ how: 'test', title, body }), skip: (title: string, body: () => void) => registered.push({ how: 'skip', title, body }) };
  const tests = () => registered.push({ how: 'live', title: 'a live test', body: () => undefined });
  const none = { ...process.env, GMEM_KVM_DEVICE: '/nonexistent' };
  onTheLiveKernel('the finding', tests, { ...none, GMEM_REQUIRE_KVM: '' }, jest);
  onTheLiveKernel('the finding', tests, { ...none, GMEM_REQUIRE_KVM: '1' }, jest);
  onTheLiveKernel('the finding', tests, { ...none, GMEM_REQUIRE_KVM: 'yes' }, jest);
  expect(registered.map(({ how, title }) => [how, title])).toEqual([
    ['skip', 'the finding: skipped, no usable live kernel: /nonexistent does not exist (no KVM here)'],
    ['test', 'the finding: a live kernel is required'],
    ['test', 'the finding: GMEM_REQUIRE_KVM'],
  ]);
  expect(registered[1].body).toThrow('the live kernel is required (--require-live or GMEM_REQUIRE_KVM=1) and cannot be used: /nonexistent does not exist (no KVM here)');
  expect(registered[2].body).toThrow('GMEM_REQUIRE_KVM needs 1 (on) or 0 (off), got "yes"');
  // the reporter reads the skip's cause from its title
  expect(skipLines({ testResults: [{ testFilePath: '/r/test/live-finding.test.ts', testResults: [{ status: 'pending', title: registered[0].title }] }] }))
    .toEqual(['Skipped (not passed) in live-finding: no usable live kernel: /nonexistent does not exist (no KVM here)\n']);
});
