// convert-bracket-exact: conversion-2026 whose kvm_gmem_convert() brackets only the pages it
// converts, not the huge page around them. The zap is right, but the invalidation's ranges leave
// out the rest of the huge page: a vCPU fault racing the conversion there can map the whole huge
// page again, across the pages whose attributes are changing. Shipped buggy.

import { defineVariant, expectations } from '../model/variant';
import conversion2026, { __kvm_gmem_set_attributes } from './conversion-2026';

export default defineVariant({
  ...conversion2026,
  name: 'convert-bracket-exact',
  origin: 'buggy on purpose: conversion-2026 bracketing [start, end) instead of the huge pages around it',
  expect: expectations({
    'mmu-bookkeeping': 'fail',
    'no-redundant-unmap': 'fail',
  }),

  // the batch's begin and end get [start, end) as the zap does: kvm_gmem_compute_invalidate_*() left out
  convert: (k, fns, start, nr_pages) => __kvm_gmem_set_attributes(k, {
    kvm_gmem_invalidate_begin: () => undefined,
    kvm_gmem_zap: (s, e) => { fns.kvm_gmem_invalidate_begin(s, e); fns.kvm_gmem_zap(s, e); fns.kvm_gmem_invalidate_end(s, e); },
    kvm_gmem_invalidate_end: () => undefined,
  }, start, nr_pages),
});
