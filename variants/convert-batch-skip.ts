// convert-batch-skip: conversion-2026 whose __kvm_gmem_set_attributes() moves to the next batch by
// a whole huge page instead of by the pages the batch converted. From an unaligned start the
// first batch ends at the huge page's edge and the second begins a huge page after the start,
// so the pages between are never zapped: they stay mapped private while userspace takes them
// as shared. Shipped buggy.

import { defineVariant, expectations } from '../model/variant';
import conversion2026, { kvm_gmem_convert } from './conversion-2026';

export default defineVariant({
  ...conversion2026,
  name: 'convert-batch-skip',
  origin: 'buggy on purpose: conversion-2026 advancing each batch by batch_size instead of batch_nr_pages',
  expect: expectations({
    'no-stale-mapping': 'fail',
    'mmu-bookkeeping': 'fail', // the skipped pages' huge page is never bracketed either
    'no-redundant-unmap': 'fail',
  }),

  convert(k, fns, start, nr_pages) {
    const order = k.GMEM_I(k.inode).page_order;
    const end = k.ul(start + nr_pages);
    const batch_size = order > 0 ? 1n << BigInt(order) : k.inode.i_size >> 12n;

    for (let batch_start = start; batch_start < end; batch_start = k.ul(batch_start + batch_size)) { // the bug: batch_size
      const batch_end = k.min(k.round_up(k.ul(batch_start + 1n), batch_size), end);

      kvm_gmem_convert(k, fns, batch_start, k.ul(batch_end - batch_start));
    }
  },
});
