// What a variant of kvm_gmem_invalidate_begin()/_end() is: the two functions, where they come
// from, and the verdict expected of each property. The property ids are stable: reports and
// expectations are keyed by them.

import { Kernel } from './kernel';
import { VmType } from './vm';
import { pgoff_t } from './word';

export const CORRECTNESS = ['no-stale-mapping', 'no-collateral-unmap', 'ranges-well-formed', 'no-warn', 'mmu-bookkeeping'] as const;
export const ADVISORY = ['no-redundant-unmap', 'xarray-contract-robust'] as const;
export const PROPERTY_IDS = [...CORRECTNESS, ...ADVISORY] as const;
export type PropertyId = (typeof PROPERTY_IDS)[number];

/** 'report': an advisory property whose verdict is shown but never fails the run. */
export type Expectation = 'pass' | 'fail' | 'report';
export type Expectations = Readonly<Record<PropertyId, Expectation>>;

export interface Variant {
  readonly name: string;
  /** Where the code comes from: tree, path, commit or message id. */
  readonly origin: string;
  readonly expect: Expectations;
  /**
   * Verdicts that differ when the walk runs in the xarray's contract mode (model/xarray.ts):
   * a variant that relies on the first index lib/xarray.c yields may pass faithfully and fail
   * there. Properties left out take `expect`'s verdict. See expectationOf().
   */
  readonly expectContract?: Partial<Record<PropertyId, Expectation>>;
  /**
   * The VM types its cases run in (model/vm.ts): absent, a default VM only. From 6.14 the ranges
   * carry an attribute filter, and a TDX VM is where a wrong one leaves private memory mapped.
   */
  readonly vmTypes?: readonly VmType[];
  invalidate_begin(k: Kernel, start: pgoff_t, end: pgoff_t): void;
  invalidate_end(k: Kernel, start: pgoff_t, end: pgoff_t): void;
}

export const isAdvisory = (id: PropertyId): boolean => (ADVISORY as readonly string[]).includes(id);

/** Every correctness property passes and advisory ones are reported, unless said otherwise. */
export function expectations(overrides: Partial<Record<PropertyId, Expectation>> = {}): Expectations {
  const out = {} as Record<PropertyId, Expectation>;
  for (const id of PROPERTY_IDS) out[id] = overrides[id] ?? (isAdvisory(id) ? 'report' : 'pass');
  return Object.freeze(out);
}

/** The verdict expected of `variant` on property `id` with the walk in xarray mode `xarray`. */
export function expectationOf(variant: Pick<Variant, 'expect' | 'expectContract'>, id: PropertyId, xarray: 'faithful' | 'contract'): Expectation {
  return (xarray === 'contract' ? variant.expectContract?.[id] : undefined) ?? variant.expect[id];
}

export function defineVariant(v: Variant): Variant {
  return Object.freeze({ ...v });
}
