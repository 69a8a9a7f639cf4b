// Each property and the recorder, case by case: small hand-written variants that do one thing
// wrong, run on one fixed layout and punch, must be caught by exactly the property named.

import { Kernel, XA_PRESENT } from '../model/kernel';
import { KvmGfnRange } from '../model/kvm';
import { Variant, expectations } from '../model/variant';
import { Case } from '../properties/case';
import { execute } from '../properties/engine/execute';
import { PROPERTIES, violations } from '../properties/properties';
import mikeIndex from '../variants/mike-index';
import upstream from '../variants/upstream';
import { spec } from './helpers';

type Begin = (k: Kernel, start: bigint, end: bigint) => void;

function variant(begin: Begin, end: Begin = upstream.invalidate_end): Variant {
  return { name: 'test', origin: 'test', expect: expectations(), invalidate_begin: begin, invalidate_end: end };
}

// slot 0: file [0, 4) -> gfns [100, 104); slot 1: file [4, 70) -> gfns [200, 266) (two chunks)
const layout = spec(80n, [[0n, 4n, 100n], [4n, 66n, 200n]]);
const punch = (startPage: bigint, pages: bigint): Case => ({
  layout, op: { kind: 'punch', mode: 3, offset: startPage * 4096n, len: pages * 4096n },
});

/** The ids of the properties a variant violates on a case. */
function failed(v: Variant, c: Case = punch(2n, 4n)): Record<string, string[]> {
  const o = execute(v, c);
  const out: Record<string, string[]> = {};
  for (const p of PROPERTIES) {
    const found = violations(p, o);
    if (found.length) out[p.id] = found;
  }
  return out;
}

/** Upstream's begin with the gfn range computed by `range` and the unmap done by `unmap`. */
function withRange(range: (k: Kernel, slot: KvmGfnRange['slot'], start: bigint, end: bigint) => [bigint, bigint]): Variant {
  return variant((k, start, end) => {
    let flush = false, found = false;
    for (const [, slot] of k.xa_for_each_range(k.gmem.bindings, start, k.ul(end - 1n))) {
      const [s, e] = range(k, slot, start, end);
      if (!found) { found = true; k.KVM_MMU_LOCK(k.kvm); k.kvm_mmu_invalidate_begin(k.kvm); }
      flush = k.kvm_mmu_unmap_gfn_range(k.kvm, { start: s, end: e, slot }) || flush;
    }
    if (flush) k.kvm_flush_remote_tlbs(k.kvm);
    if (found) k.KVM_MMU_UNLOCK(k.kvm);
  });
}

test('upstream on a punch across two slots and two chunks violates only no-redundant-unmap', () => {
  expect(Object.keys(failed(upstream, punch(2n, 64n)))).toEqual(['no-redundant-unmap']);
  expect(failed(upstream, punch(2n, 4n))).toEqual({});
});

test('a range one page short is a stale mapping of that page', () => {
  const short = withRange((k, slot, start, end) => {
    const p = slot.gmem.pgoff;
    return [k.ul(slot.base_gfn + k.max(p, start) - p), k.ul(slot.base_gfn + k.min(p + slot.npages, end) - p - 1n)];
  });
  expect(failed(short)['no-stale-mapping']).toEqual(['slot 0: gfns [103, 104) still mapped', 'slot 1: gfns [201, 202) still mapped']);
});

test('a range one page long is collateral, and outside the slot it is also ill-formed', () => {
  const long = withRange((k, slot, start, end) => {
    const p = slot.gmem.pgoff;
    return [k.ul(slot.base_gfn + k.max(p, start) - p), k.ul(slot.base_gfn + k.min(p + slot.npages, end) - p + 1n)];
  });
  const f = failed(long);
  expect(f['no-collateral-unmap']).toEqual(['slot 0: gfns [104, 105) unmapped for nothing', 'slot 1: gfns [202, 203) unmapped for nothing']);
  expect(f['ranges-well-formed']).toEqual(["slot 0: range [102, 105) leaves the slot's gfns [100, 104)"]);
  expect(f['no-stale-mapping']).toBeUndefined();
});

test('a wrapped or empty range is ill-formed', () => {
  const wrapped = withRange((k, slot) => [slot.base_gfn + 1n, slot.base_gfn]);
  expect(failed(wrapped)['ranges-well-formed']).toEqual(['slot 0: range [101, 100) is wrapped', 'slot 1: range [201, 200) is wrapped']);
});

test('an unmap under another slot does not count for the slot it belongs to', () => {
  // slot 0's gfns unmapped under slot 1 and slot 1's under slot 0
  const begin: Begin = (k, start, end) => {
    const visits = [...k.xa_for_each_range(k.gmem.bindings, start, k.ul(end - 1n))];
    k.KVM_MMU_LOCK(k.kvm); k.kvm_mmu_invalidate_begin(k.kvm);
    const [[, a], [, b]] = visits;
    const [as, ae] = [102n, 104n], [bs, be] = [200n, 202n];
    k.kvm_mmu_unmap_gfn_range(k.kvm, { start: as, end: ae, slot: b });
    k.kvm_mmu_unmap_gfn_range(k.kvm, { start: bs, end: be, slot: a });
    k.kvm_flush_remote_tlbs(k.kvm); k.KVM_MMU_UNLOCK(k.kvm);
  };
  expect(failed(variant(begin))['no-stale-mapping']).toEqual(['slot 0: gfns [102, 104) still mapped', 'slot 1: gfns [200, 202) still mapped']);
});

test.each([
  ['an unmap outside the lock', ((k, start, end) => {
    k.KVM_MMU_LOCK(k.kvm); k.kvm_mmu_invalidate_begin(k.kvm); k.KVM_MMU_UNLOCK(k.kvm);
    for (const [, slot] of k.xa_for_each_range(k.gmem.bindings, start, k.ul(end - 1n))) {
      k.kvm_mmu_unmap_gfn_range(k.kvm, { start: slot.base_gfn, end: slot.base_gfn + 1n, slot });
    }
  }) as Begin, /unmap of \[100, 101\) outside the MMU lock/],
  ['no flush after an unmap that did work', ((k, start, end) => {
    k.KVM_MMU_LOCK(k.kvm); k.kvm_mmu_invalidate_begin(k.kvm);
    const [[, slot]] = k.xa_for_each_range(k.gmem.bindings, start, k.ul(end - 1n));
    k.kvm_mmu_unmap_gfn_range(k.kvm, { start: 102n, end: 104n, slot });
    k.KVM_MMU_UNLOCK(k.kvm);
  }) as Begin, /KVM_MMU_UNLOCK with no TLB flush since unmaps that reported work/],
  ['a flush only after the unlock', ((k, start, end) => {
    k.KVM_MMU_LOCK(k.kvm); k.kvm_mmu_invalidate_begin(k.kvm);
    const [[, slot]] = k.xa_for_each_range(k.gmem.bindings, start, k.ul(end - 1n));
    k.kvm_mmu_unmap_gfn_range(k.kvm, { start: 102n, end: 104n, slot });
    k.KVM_MMU_UNLOCK(k.kvm);
    k.kvm_flush_remote_tlbs(k.kvm);
  }) as Begin, /KVM_MMU_UNLOCK with no TLB flush since unmaps that reported work/],
  ['returning with the lock held', ((k) => { k.KVM_MMU_LOCK(k.kvm); k.kvm_mmu_invalidate_begin(k.kvm); }) as Begin, /returned with the MMU lock held/],
  ['taking the lock twice', ((k) => { k.KVM_MMU_LOCK(k.kvm); k.KVM_MMU_LOCK(k.kvm); }) as Begin, /lock already held/],
  ['an unlock without the lock', ((k) => { k.KVM_MMU_UNLOCK(k.kvm); }) as Begin, /KVM_MMU_UNLOCK without the lock \(in invalidate_begin\)/],
  ['an unmap with no invalidation in progress', ((k, start, end) => {
    k.KVM_MMU_LOCK(k.kvm);
    const [[, slot]] = k.xa_for_each_range(k.gmem.bindings, start, k.ul(end - 1n));
    k.kvm_mmu_unmap_gfn_range(k.kvm, { start: 102n, end: 104n, slot });
    k.kvm_flush_remote_tlbs(k.kvm); k.KVM_MMU_UNLOCK(k.kvm);
  }) as Begin, /with no invalidation in progress/],
  ['an unmap whose range was never added', ((k, start, end) => {
    k.KVM_MMU_LOCK(k.kvm); k.kvm_mmu_invalidate_begin(k.kvm);
    const [[, slot]] = k.xa_for_each_range(k.gmem.bindings, start, k.ul(end - 1n));
    k.kvm_unmap_gfn_range(k.kvm, { start: 102n, end: 104n, slot });
    k.kvm_flush_remote_tlbs(k.kvm); k.KVM_MMU_UNLOCK(k.kvm);
  }) as Begin, /outside the ranges added/],
])('mmu-bookkeeping catches %s', (_, begin, message) => {
  expect(failed(variant(begin))['mmu-bookkeeping']?.join('\n')).toMatch(message);
});

test('an unmap made in invalidate_end is too late: a stale mapping and a bookkeeping fault', () => {
  // the caller truncates the folios between begin and end: unmapping in end leaves a window
  const late = variant(
    (k) => { k.KVM_MMU_LOCK(k.kvm); k.kvm_mmu_invalidate_begin(k.kvm); k.KVM_MMU_UNLOCK(k.kvm); },
    (k, start, end) => {
      k.KVM_MMU_LOCK(k.kvm);
      for (const [, slot] of k.xa_for_each_range(k.gmem.bindings, start, k.ul(end - 1n))) {
        const p = slot.gmem.pgoff;
        k.kvm_mmu_unmap_gfn_range(k.kvm, { start: k.ul(slot.base_gfn + k.max(p, start) - p), end: k.ul(slot.base_gfn + k.min(p + slot.npages, end) - p), slot });
      }
      k.kvm_flush_remote_tlbs(k.kvm);
      k.kvm_mmu_invalidate_end(k.kvm);
      k.KVM_MMU_UNLOCK(k.kvm);
    },
  );
  const f = failed(late);
  expect(f['no-stale-mapping']).toEqual(['slot 0: gfns [102, 104) still mapped', 'slot 1: gfns [200, 202) still mapped']);
  expect(f['mmu-bookkeeping']?.[0]).toMatch(/unmap of \[102, 104\) in invalidate_end, after the caller truncated the folios/);
  expect(f['no-collateral-unmap']).toBeUndefined();
});

test('begin unconditional with end conditional leaves an invalidation in progress when nothing overlaps', () => {
  const v = variant(
    (k) => { k.KVM_MMU_LOCK(k.kvm); k.kvm_mmu_invalidate_begin(k.kvm); k.KVM_MMU_UNLOCK(k.kvm); },
    (k, start, end) => {
      k.KVM_MMU_LOCK(k.kvm);
      if (k.xa_find(k.gmem.bindings, start, k.ul(end - 1n), XA_PRESENT)) k.kvm_mmu_invalidate_end(k.kvm);
      k.KVM_MMU_UNLOCK(k.kvm);
    },
  );
  expect(failed(v, punch(75n, 2n))['mmu-bookkeeping']).toEqual(['mmu_invalidate_in_progress is 1 after invalidate_begin + invalidate_end, not 0']);
});

test('no-warn reports the variant\'s WARN_ON_ONCE and the WARNs of the KVM helpers', () => {
  const v = variant((k) => {
    k.WARN_ON_ONCE(true);
    k.KVM_MMU_LOCK(k.kvm); k.kvm_mmu_invalidate_begin(k.kvm); k.KVM_MMU_UNLOCK(k.kvm); // no range added
  });
  expect(failed(v)['no-warn']).toEqual([
    'WARN_ON_ONCE in the variant (in invalidate_begin)',
    'kvm_mmu_invalidate_end: WARN_ON_ONCE(mmu_invalidate_range_start == INVALID_GPA) (in invalidate_end)',
  ]);
});

test('unmap reports work only the first time a gfn is unmapped', () => {
  const results: boolean[] = [];
  const v = variant((k, start, end) => {
    const [[, slot]] = k.xa_for_each_range(k.gmem.bindings, start, k.ul(end - 1n));
    k.KVM_MMU_LOCK(k.kvm); k.kvm_mmu_invalidate_begin(k.kvm);
    for (let i = 0; i < 2; i++) results.push(k.kvm_mmu_unmap_gfn_range(k.kvm, { start: 102n, end: 104n, slot }));
    results.push(k.kvm_mmu_unmap_gfn_range(k.kvm, { start: 500n, end: 600n, slot })); // nothing mapped there
    k.kvm_flush_remote_tlbs(k.kvm); k.KVM_MMU_UNLOCK(k.kvm);
  });
  execute(v, punch(2n, 4n));
  expect(results).toEqual([true, false, false]);
});

test.each([
  ['a number where a gfn belongs', { start: 1 as unknown as bigint }, /kvm_mmu_unmap_gfn_range: range->start must be a 64-bit unsigned bigint, got number 1/],
  ['a negative gfn (a port that forgot ul())', { start: -1n }, /range->start = -1 is not a 64-bit unsigned value \(wrap it with ul\(\) as C would\)/],
  ['a gfn wider than 64 bits', { end: 1n << 64n }, /range->end = 18446744073709551616 is not a 64-bit unsigned value/],
  ['a slot that is not bound to the file', { slot: { id: 9, base_gfn: 0n, npages: 1n, gmem: { pgoff: 0n, index: 0n } } }, /range->slot is not a memslot of this VM bound to the file/],
])('garbage handed to KVM is a fault naming the call: %s', (_, over, message) => {
  const v = variant((k, start, end) => {
    const [[, slot]] = k.xa_for_each_range(k.gmem.bindings, start, k.ul(end - 1n));
    k.KVM_MMU_LOCK(k.kvm); k.kvm_mmu_invalidate_begin(k.kvm);
    k.kvm_mmu_unmap_gfn_range(k.kvm, { start: 102n, end: 104n, slot, ...over });
  });
  const f = failed(v);
  expect(Object.keys(f)).toHaveLength(PROPERTIES.length); // a crash fails every property
  expect(f['no-stale-mapping'][0]).toMatch(message);
});

test('a throw of a value that cannot be printed is the variant\'s fault, named as its own process names it, not a harness error', () => {
  const o = execute(variant(() => { throw Object.create(null); }), punch(2n, 4n));
  expect(o.fault).toEqual({ phase: 'begin', message: 'an exception that cannot be printed' });
  const getter = Object.defineProperty(new Error('x'), 'message', { get() { throw new Error('no'); } });
  expect(execute(variant(() => { throw getter; }), punch(2n, 4n)).fault?.message).toBe('an exception that cannot be printed');
});

test('inputs are frozen: a variant cannot poison the next case', () => {
  const v = variant((k, start, end) => {
    const [[, slot]] = k.xa_for_each_range(k.gmem.bindings, start, k.ul(end - 1n));
    (slot as { base_gfn: bigint }).base_gfn = 0n;
  });
  expect(failed(v)['no-stale-mapping'][0]).toMatch(/TypeError: Cannot assign to read only property 'base_gfn'/);
});

test('a variant that trusts the walk index is right under the documented xarray contract', () => {
  // start 67 lies inside slot 1's second chunk [64, 69]: the documents promise index 67 first
  // (xarray.rst: "it will not be altered"), so mike-index unmaps exactly what upstream does
  expect(failed(mikeIndex, punch(67n, 2n))).toEqual(failed(upstream, punch(67n, 2n)));
  expect(Object.keys(failed(mikeIndex, punch(67n, 2n)))).toEqual([]);
});
