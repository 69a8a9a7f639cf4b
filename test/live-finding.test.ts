// The bind-overflow finding (findings/bind-offset-overflow.md) held against the live kernel:
// the reproducer binds two pages at guest_memfd_offset 2^63 - 4096 and at 2^62 of a 2 MiB
// guest_memfd, and model/layout.ts bind() must predict the kernel's answer for both. Where
// /dev/kvm is unusable (GMEM_KVM_DEVICE names another device) the live test is skipped, and
// says why in one line.

import { spawnSync } from 'child_process';
import path from 'path';
import { KernelError } from '../model/errno';
import { PAGE_SHIFT, bind, createGmem } from '../model/layout';
import { compileProgram, kvmDevice } from '../live/kernel';
import { onTheLiveKernel } from './live-gate';

const FINDING_C = path.join(__dirname, '..', 'findings', 'bind-offset-overflow.c');
const FILE_SIZE = 2n << 20n;

/** What the model says of KVM_SET_USER_MEMORY_REGION2 of two pages at `offset` of a fresh 2 MiB file. */
function modelAnswer(offset: bigint): string {
  try {
    bind(createGmem(FILE_SIZE), { slot: 1, guest_phys_addr: 0x100n << PAGE_SHIFT, memory_size: 2n << PAGE_SHIFT, guest_memfd_offset: offset });
    return '0';
  } catch (e) {
    if (e instanceof KernelError) return `-${e.errno}`;
    throw e;
  }
}

test('the reproducer compiles without a warning', () => {
  expect(compileProgram(FINDING_C).warnings).toBe('');
});

test('the model accepts the overflowed binding and refuses the control, as the finding says', () => {
  expect(modelAnswer((1n << 63n) - 4096n)).toBe('0');
  expect(modelAnswer(1n << 62n)).toBe('-EINVAL');
});

onTheLiveKernel('the finding on the live kernel', () => test(
  'the live kernel and the model agree on both offsets',
  () => {
    const r = spawnSync(compileProgram(FINDING_C).binary, [kvmDevice()], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const binds = [...r.stdout.matchAll(/^bind offset=(\d+) size=(\d+): (\S+)$/gm)];
    expect(binds.map((m) => m[1])).toEqual([String((1n << 63n) - 4096n), String(1n << 62n)]);
    for (const [, offset, size, kernel] of binds) {
      expect(size).toBe('8192');
      expect({ offset, kernel }).toEqual({ offset, kernel: modelAnswer(BigInt(offset)) });
    }
    // the program got through to its end, guest included
    expect(r.stdout).toMatch(/^result: overflow (accepted \(the bug\)|refused)$/m);
  },
  90_000,
));
