// The callers: fallocate through vfs_fallocate and kvm_gmem_fallocate (errors in the kernel's
// order, and then no invalidation), release (0, ULONG_MAX), and memory failure of a folio.

import {
  FALLOC_FL_COLLAPSE_RANGE, FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE, FALLOC_FL_UNSHARE_RANGE, FALLOC_FL_ZERO_RANGE,
  fallocate, memoryFailure, release,
} from '../model/callers';
import { ModelInputError } from '../model/errno';
import { LLONG_MAX, createGmem } from '../model/layout';
import { WORD64 } from '../model/word';

const P = 4096n;
const KEEP = FALLOC_FL_KEEP_SIZE, PUNCH = FALLOC_FL_PUNCH_HOLE;
/** A file of 16 pages: the size only matters to an allocation. */
const SIZE = 16n * P;

test('a page-aligned punch invalidates [offset >> 12, (offset + len) >> 12)', () => {
  expect(fallocate(KEEP | PUNCH, 3n * P, 2n * P, SIZE)).toEqual({ kind: 'invalidate', start: 3n, end: 5n });
});

test('punching past the end of the file is allowed (no size check)', () => {
  expect(fallocate(KEEP | PUNCH, 1n << 40n, P, SIZE)).toMatchObject({ kind: 'invalidate', start: 1n << 28n });
});

test('the largest punch ends at 2^51 - 1 pages', () => {
  const offset = LLONG_MAX - (LLONG_MAX % P) - P;
  expect(fallocate(KEEP | PUNCH, offset, P, SIZE)).toMatchObject({ end: (1n << 51n) - 1n });
});

test('KEEP_SIZE alone allocates inside the file and never invalidates; past its end it is -EINVAL', () => {
  expect(fallocate(KEEP, 0n, P, SIZE)).toEqual({ kind: 'allocate' });
  expect(fallocate(KEEP, 15n * P, P, SIZE)).toEqual({ kind: 'allocate' });
  // kvm_gmem_allocate: "Dedicated guest is immutable by default" (measured live: -EINVAL)
  expect(fallocate(KEEP, 15n * P, 2n * P, SIZE)).toMatchObject({ kind: 'error', errno: 'EINVAL', rule: expect.stringMatching(/kvm_gmem_allocate: offset \+ len past the end/) });
});

test.each([
  ['offset < 0', KEEP | PUNCH, -P, P, 'EINVAL', /vfs_fallocate: offset < 0/],
  ['len == 0', KEEP | PUNCH, 0n, 0n, 'EINVAL', /len <= 0/],
  ['unknown mode bits', KEEP | PUNCH | 0x100, 0n, P, 'EOPNOTSUPP', /unknown mode bits/],
  ['NO_HIDE_STALE (not in the supported mask)', KEEP | PUNCH | 0x04, 0n, P, 'EOPNOTSUPP', /unknown mode bits/],
  ['PUNCH_HOLE with ZERO_RANGE', KEEP | PUNCH | FALLOC_FL_ZERO_RANGE, 0n, P, 'EOPNOTSUPP', /more than one mode bit/],
  ['PUNCH_HOLE without KEEP_SIZE', PUNCH, 0n, P, 'EOPNOTSUPP', /without KEEP_SIZE/],
  // Linux 6.12 on (57413d8e172c), measured live: -EOPNOTSUPP where 6.8 said -EINVAL
  ['COLLAPSE_RANGE with KEEP_SIZE', KEEP | FALLOC_FL_COLLAPSE_RANGE, 0n, P, 'EOPNOTSUPP', /COLLAPSE_RANGE, INSERT_RANGE or WRITE_ZEROES with KEEP_SIZE/],
  ['COLLAPSE_RANGE with PUNCH_HOLE', KEEP | PUNCH | FALLOC_FL_COLLAPSE_RANGE, 0n, P, 'EOPNOTSUPP', /more than one mode bit/],
  ['COLLAPSE_RANGE alone (passes the VFS)', FALLOC_FL_COLLAPSE_RANGE, 0n, P, 'EOPNOTSUPP', /kvm_gmem_fallocate: mode must contain KEEP_SIZE/],
  ['offset + len past LLONG_MAX', KEEP | PUNCH, LLONG_MAX - P + 1n, P, 'EFBIG', /s_maxbytes/],
  ['plain allocation without KEEP_SIZE', 0, 0n, P, 'EOPNOTSUPP', /kvm_gmem_fallocate: mode must contain KEEP_SIZE/],
  ['UNSHARE_RANGE|KEEP_SIZE (passes the VFS)', KEEP | FALLOC_FL_UNSHARE_RANGE, 0n, P, 'EOPNOTSUPP', /only KEEP_SIZE and PUNCH_HOLE/],
  ['ZERO_RANGE|KEEP_SIZE (passes the VFS)', KEEP | FALLOC_FL_ZERO_RANGE, 0n, P, 'EOPNOTSUPP', /only KEEP_SIZE and PUNCH_HOLE/],
  ['an unaligned offset', KEEP | PUNCH, 1n, P, 'EINVAL', /page aligned/],
  ['an unaligned len', KEEP | PUNCH, 0n, P + 1n, 'EINVAL', /page aligned/],
  ['an unaligned range that also overflows: EFBIG comes first', KEEP | PUNCH, LLONG_MAX - 10n, 100n, 'EFBIG', /s_maxbytes/],
] as const)('fallocate refuses %s', (_, mode, offset, len, errno, rule) => {
  const r = fallocate(mode, offset, len, SIZE);
  expect(r).toMatchObject({ kind: 'error', errno });
  if (r.kind === 'error') expect(r.rule).toMatch(rule);
});

test('release invalidates (0, ULONG_MAX) of the view whose file is closed: the first, when the file has one', () => {
  expect(release(WORD64)).toEqual({ kind: 'invalidate', start: 0n, end: WORD64.MAX, view: 0 });
});

test('memory failure invalidates the folio, which may run past the end of the file', () => {
  const l = createGmem(600n * P);
  expect(memoryFailure(l, 512n, 9)).toEqual({ kind: 'invalidate', start: 512n, end: 1024n });
  expect(() => memoryFailure(l, 5n, 9)).toThrow(ModelInputError); // not aligned to its size
  expect(() => memoryFailure(l, 600n, 0)).toThrow(ModelInputError); // outside the file
  expect(() => memoryFailure(l, 0n, 19)).toThrow(ModelInputError); // larger than 1 GiB
});
