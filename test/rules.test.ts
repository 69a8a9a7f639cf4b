// The input rules of model/rules.ts against the facts: kvm_gmem_bind()'s two eras (KERNEL-FACTS
// §3 "Bind in 7.2", §7), the reference bind-within-file judges by, the layouts each era's kernel
// makes, and the contract a prover relies on (checked on the module's own text).

import fc from 'fast-check';
import fs from 'fs';
import path from 'path';
import { bindRequest } from '../model/callers';
import { KernelError } from '../model/errno';
import { PAGE_SHIFT, bind, createGmem } from '../model/layout';
import {
  BIND_RANGE, BIND_RANGE_SIGNED, BIND_TAKEN_EEXIST, BIND_TAKEN_EINVAL, BindEra, kvmGmemBind, kvmGmemBindExpected,
} from '../model/rules';
import { bindCaseArbFor } from '../properties/arbitraries';
import { materialize } from '../properties/case';
import { optionsFromEnv } from '../properties/engine/engine';

const P = 4096n;
const MIB2 = 2n << 20n;
const OVERFLOW = (1n << 63n) - P;

/** KVM_SET_USER_MEMORY_REGION2 of two pages at `offset` of a fresh 2 MiB file, by the kernel of `era`: 0 or -errno. */
function answer(offset: bigint, era?: BindEra): string {
  try {
    bind(createGmem(MIB2, 0, era), { slot: 1, guest_phys_addr: 0x100n * P, memory_size: 2n * P, guest_memfd_offset: offset });
    return '0';
  } catch (e) {
    if (e instanceof KernelError) return `-${e.errno}`;
    throw e;
  }
}

describe('kvm_gmem_bind() to 7.1: loff_t offset and size, -EINVAL for a second binding', () => {
  test('2^63 - 4096 on a 2 MiB file is accepted (the sum wraps negative), 2^62 refused: KERNEL-FACTS §7 as measured', () => {
    expect(kvmGmemBind('6.8', MIB2, OVERFLOW, 2n * P, false)).toBeNull();
    expect(kvmGmemBind('6.8', MIB2, 1n << 62n, 2n * P, false)).toBe(BIND_RANGE_SIGNED);
    expect([answer(OVERFLOW), answer(1n << 62n)]).toEqual(['0', '-EINVAL']);
  });

  test('an offset at or above 2^63 is a negative loff_t, refused; a sum that ends below it is compared as it is', () => {
    expect(kvmGmemBind('6.8', MIB2, 1n << 63n, P, false)).toBe(BIND_RANGE_SIGNED);
    expect(kvmGmemBind('6.8', MIB2, OVERFLOW - P, P, false)).toBe(BIND_RANGE_SIGNED); // ends at 2^63 - 4096: positive, past the file
    expect(kvmGmemBind('6.8', MIB2, MIB2 - P, P, false)).toBeNull();
    expect(kvmGmemBind('6.8', MIB2, MIB2 - P, 2n * P, false)).toBe(BIND_RANGE_SIGNED);
  });

  test('a range another binding of the view holds is -EINVAL', () => {
    expect(kvmGmemBind('6.8', MIB2, 0n, P, true)).toBe(BIND_TAKEN_EINVAL);
    expect(BIND_TAKEN_EINVAL.errno).toBe('EINVAL');
  });
});

describe('kvm_gmem_bind() from 7.2: unsigned offset + size, -EEXIST for a second binding', () => {
  test('2^63 - 4096 and 2^62 are both refused with -EINVAL; a range inside the file is bound', () => {
    expect(kvmGmemBind('7.2', MIB2, OVERFLOW, 2n * P, false)).toBe(BIND_RANGE);
    expect(kvmGmemBind('7.2', MIB2, 1n << 62n, 2n * P, false)).toBe(BIND_RANGE);
    expect(kvmGmemBind('7.2', MIB2, MIB2 - 2n * P, 2n * P, false)).toBeNull();
    expect([answer(OVERFLOW, '7.2'), answer(1n << 62n, '7.2')]).toEqual(['-EINVAL', '-EINVAL']);
  });

  test('a range another binding of the view holds is -EEXIST, in the rule and in the layout the 7.2 kernel makes', () => {
    expect(kvmGmemBind('7.2', MIB2, 0n, P, true)).toBe(BIND_TAKEN_EEXIST);
    const one = bind(createGmem(MIB2, 0, '7.2'), { slot: 0, guest_phys_addr: 0n, memory_size: 4n * P, guest_memfd_offset: 0n });
    expect(() => bind(one, { slot: 1, guest_phys_addr: 100n * P, memory_size: P, guest_memfd_offset: 3n * P })).toThrow(/^-EEXIST: kvm_gmem_bind: file range overlaps another binding of the view \(slot 0\)$/);
  });

  test('a 7.2 layout cannot hold a binding past the end of its file; a 6.8 one can, as those kernels accept it', () => {
    const past = { filePages: 512n, slots: [{ id: 0, pgoff: OVERFLOW >> PAGE_SHIFT, npages: 2n, base_gfn: 0x100n }] };
    expect(materialize(past).slots[0].pgoff).toBe((1n << 51n) - 1n);
    expect(() => materialize({ ...past, bindEra: '7.2' })).toThrow(/-EINVAL: kvm_gmem_bind: offset \+ size must not exceed the file size/);
  });
});

describe("the reference bind-within-file judges by: 7.2's rule, in the era's errnos", () => {
  test('the overflow is refused in both eras; a second binding is -EINVAL to 7.1 and -EEXIST from 7.2', () => {
    for (const era of ['6.8', '7.2'] as const) expect(kvmGmemBindExpected(era, MIB2, OVERFLOW, 2n * P, false)?.errno).toBe('EINVAL');
    expect(kvmGmemBindExpected('6.8', MIB2, 0n, P, true)).toBe(BIND_TAKEN_EINVAL);
    expect(kvmGmemBindExpected('7.2', MIB2, 0n, P, true)).toBe(BIND_TAKEN_EEXIST);
  });

  test('on every request __kvm_set_memory_region() lets through, 7.2 answers as the reference; to 7.1 only the wrap differs', () => {
    const { seed } = optionsFromEnv();
    let wraps = 0;
    for (const era of ['6.8', '7.2'] as const) {
      for (const c of fc.sample(bindCaseArbFor({ bindEra: era === '7.2' ? era : undefined }), { seed, numRuns: 1000 })) {
        if (c.op.kind !== 'bind') throw new Error('a bind case');
        const r = bindRequest(materialize(c.layout), c.op);
        expect(r.kind).toBe('bind'); // the generator makes requests that reach kvm_gmem_bind()
        if (r.kind !== 'bind') continue;
        if (era === '7.2') expect([c, r.kernel]).toEqual([c, r.expected]);
        else if (r.kernel?.errno === r.expected?.errno) continue; // the same answer (6.8's range text names the negative offset too)
        else {
          // the only disagreement: an offset below 2^63 whose loff_t sum wraps, accepted where it must be refused
          expect([r.kernel, r.expected, r.offset < 1n << 63n, r.offset + (r.slot.npages << PAGE_SHIFT) >= 1n << 63n]).toEqual([null, BIND_RANGE, true, true]);
          wraps++;
        }
      }
    }
    expect(wraps).toBeGreaterThan(50); // the generator goes to the edge
  });
});

describe('model/rules.ts keeps the contract a prover relies on', () => {
  const text = fs.readFileSync(path.join(__dirname, '..', 'model', 'rules.ts'), 'utf8');
  /** The bodies of the module's functions, by brace matching (the module has no braces in strings). */
  const bodies = [...text.matchAll(/^export function (\w+)\([^)]*\)[^{]*\{/gm)].map((m) => {
    let depth = 1, i = m.index! + m[0].length;
    for (; depth > 0; i++) depth += text[i] === '{' ? 1 : text[i] === '}' ? -1 : 0;
    return { name: m[1], body: text.slice(m.index! + m[0].length, i - 1) };
  });

  test('its rule functions are found', () => {
    expect(bodies.map((b) => b.name)).toEqual(expect.arrayContaining(['kvmGmemCreate', 'kvmSetMemoryRegion', 'kvmGmemBind', 'kvmGmemBindExpected', 'vfsFallocate', 'kvmGmemFallocate', 'folioFault', 'kvmGmemSetAttributes', 'bindingMeeting']));
  });

  test.each([
    ['a callback', /=>|\bfunction\b/],
    ['an array method', /\.(find|filter|map|some|every|reduce|includes|forEach)\(/],
    ['a switch', /\bswitch\b/],
    ['a throw', /\bthrow\b/],
    ['a string built from a value', /`|\+ *'|' *\+/],
    ['a wrap hidden in a library call (s64()/u64() name it)', /BigInt\.as(Int|Uint)N/],
  ])('no function body has %s', (_, bad) => {
    expect(bodies.filter((b) => bad.test(b.body)).map((b) => b.name)).toEqual([]);
  });
});
