// convert-zap-aligned: conversion-2026 whose kvm_gmem_convert() zaps the whole huge page it
// brackets instead of the pages it converts. Nothing is left mapped, but every other page of the
// huge page loses its mappings for nothing: a guest touching them faults them back in, and a
// conversion of one 4 KiB page in a 1 GiB page unmaps 262143 pages. A plausible slip of the
// series (both ranges are at hand); shipped buggy.

import { defineVariant, expectations } from '../model/variant';
import conversion2026, { __kvm_gmem_set_attributes, kvm_gmem_compute_invalidate_end, kvm_gmem_compute_invalidate_start } from './conversion-2026';

export default defineVariant({
  ...conversion2026,
  name: 'convert-zap-aligned',
  origin: 'buggy on purpose: conversion-2026 zapping [invalidate_start, invalidate_end) instead of [start, end)',
  expect: expectations({
    'no-collateral-unmap': 'fail',
    'no-redundant-unmap': 'fail',
  }),

  convert: (k, fns, start, nr_pages) => __kvm_gmem_set_attributes(k, {
    ...fns,
    // the batch's zap sees the bracket: the aligned range in place of the exact one
    kvm_gmem_zap: (s, e) => fns.kvm_gmem_zap(kvm_gmem_compute_invalidate_start(k, k.inode, s), kvm_gmem_compute_invalidate_end(k, k.inode, e)),
  }, start, nr_pages),
});
