// bind() applies the kernel's memslot and guest_memfd checks in the kernel's order and
// refuses bad input with the kernel's errno, never fixing it up.

import { KernelError, ModelInputError } from '../model/errno';
import { KVM_MEM_MAX_NR_PAGES, KVM_USER_MEM_SLOTS, Layout, Region2, bind, createGmem } from '../model/layout';

const P = 4096n;
const file = (pages: bigint) => createGmem(pages * P);
const region = (over: Partial<Region2> = {}): Region2 => ({ slot: 0, guest_phys_addr: 0n, memory_size: 4n * P, guest_memfd_offset: 0n, ...over });

function refused(l: Layout, r: Region2): KernelError {
  try {
    bind(l, r);
  } catch (e) {
    if (e instanceof KernelError) return e;
    throw e;
  }
  throw new Error('bind accepted the region');
}

test('kvm_gmem_create refuses a size that is zero, negative or unaligned', () => {
  for (const size of [0n, -P, P + 1n]) expect(() => createGmem(size)).toThrow(/-EINVAL: kvm_gmem_create/);
  expect(createGmem(3n * P).filePages).toBe(3n);
});

test('a good binding maps file pages to gfns', () => {
  const l = bind(file(16n), region({ guest_phys_addr: 100n * P, guest_memfd_offset: 2n * P }));
  expect(l.slots).toEqual([{ id: 0, pgoff: 2n, npages: 4n, base_gfn: 100n }]);
});

test.each([
  ['slot id at KVM_USER_MEM_SLOTS', { slot: KVM_USER_MEM_SLOTS }, 'EINVAL', /KVM_USER_MEM_SLOTS/],
  ['unaligned memory_size', { memory_size: P + 1n }, 'EINVAL', /memory_size must be page aligned/],
  ['unaligned guest_phys_addr', { guest_phys_addr: 1n }, 'EINVAL', /guest_phys_addr must be page aligned/],
  ['unaligned guest_memfd_offset', { guest_memfd_offset: 512n }, 'EINVAL', /guest_memfd_offset must be page aligned/],
  ['offset + size wrapping a u64', { guest_memfd_offset: (1n << 64n) - P }, 'EINVAL', /offset \+ size must not wrap/],
  ['gpa + size wrapping a u64', { guest_phys_addr: (1n << 64n) - 2n * P }, 'EINVAL', /guest_phys_addr \+ memory_size/],
  ['more than KVM_MEM_MAX_NR_PAGES', { memory_size: (KVM_MEM_MAX_NR_PAGES + 1n) * P }, 'EINVAL', /KVM_MEM_MAX_NR_PAGES/],
  ['deleting a slot that does not exist', { memory_size: 0n }, 'EINVAL', /does not exist/],
  ['a binding past the end of the file', { guest_memfd_offset: 14n * P }, 'EINVAL', /exceed the file size/],
  ['a negative loff_t offset', { guest_memfd_offset: 1n << 63n }, 'EINVAL', /must not be negative/],
] as const)('bind refuses %s', (_, over, errno, rule) => {
  const e = refused(file(16n), region(over));
  expect(e.errno).toBe(errno);
  expect(e.rule).toMatch(rule);
});

test('gfn overlap with another slot is -EEXIST; file overlap with another binding is -EINVAL', () => {
  const one = bind(file(16n), region());
  expect(refused(one, region({ slot: 1, guest_phys_addr: 3n * P, guest_memfd_offset: 8n * P })).errno).toBe('EEXIST');
  const e = refused(one, region({ slot: 1, guest_phys_addr: 100n * P, guest_memfd_offset: 3n * P }));
  expect(e.errno).toBe('EINVAL');
  expect(e.rule).toMatch(/overlaps another binding of the view \(slot 0\)/);
});

test('a guest_memfd slot cannot be modified, only deleted (which unbinds without invalidating)', () => {
  const one = bind(file(16n), region());
  expect(refused(one, region({ guest_phys_addr: 64n * P })).rule).toMatch(/immutable/);
  expect(bind(one, region({ memory_size: 0n })).slots).toEqual([]);
});

test('the checks run in the kernel order: the earliest failing rule names the errno', () => {
  // unaligned size and past-EOF offset: __kvm_set_memory_region refuses before kvm_gmem_bind
  expect(refused(file(4n), region({ memory_size: P + 1n, guest_memfd_offset: 100n * P })).rule).toMatch(/memory_size/);
});

test('kvm_gmem_bind sums offset + size as a signed loff_t, so a sum past LLONG_MAX wraps and passes', () => {
  // Modelled as the kernel computes it (-fno-strict-overflow): the size check sees a negative sum.
  const offset = (1n << 63n) - P;
  const l = bind(file(16n), region({ guest_memfd_offset: offset, memory_size: 2n * P }));
  expect(l.slots[0].pgoff).toBe(offset / P);
});

test('values userspace cannot express are a model error, not an errno', () => {
  expect(() => bind(file(4n), region({ guest_phys_addr: -P }))).toThrow(ModelInputError);
});
