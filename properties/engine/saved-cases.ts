// The saved cases a check runs before generating any (engine.ts): a variant's own
// reports, then, for a property it must pass, every other variant's, so a bug one variant had is
// a regression test for all. Reports are read as data; the engine knows nothing of their files.

import { PropertyId, Variant, expectationOf } from '../../model/variant';
import { VmType, runsIn } from '../../model/vm';
import { Case, inBindEra } from '../case';
import { caseOf } from '../reports/record';
import type { CaseRecord } from '../reports/schema';

/** What the engine reads of a saved report. */
export interface SavedReportLike {
  readonly stem: string;
  readonly record: {
    readonly variant: { readonly name: string };
    readonly property: PropertyId;
    readonly counterexample: CaseRecord;
    readonly history?: readonly CaseRecord[];
  };
}

/** A saved case to run before generating: whose report it is, whether it is this variant's own, and the cases to run first. */
export interface SavedCase {
  readonly stem: string;
  readonly own: boolean;
  readonly case: Case;
  /** A history-dependent report's history: run first, in a fresh process. */
  readonly history?: readonly Case[];
}

/**
 * The saved cases to try first for (variant, property): the variant's own reports (with their
 * history, if they have one), then, if the variant must pass the property, every other
 * variant's without one, in a VM type it runs in: a bug one had is a regression test for all;
 * another's history is not.
 */
export function savedCasesFor(variant: Pick<Variant, 'name' | 'expect' | 'vmTypes' | 'takes' | 'zap' | 'convert' | 'bind' | 'bindEra'>, id: PropertyId, saved: readonly SavedReportLike[]): SavedCase[] {
  const same = saved.filter((s) => s.record.property === id);
  const own = same.filter((s) => s.record.variant.name === variant.name);
  // another's case in a VM type this variant's era does not run in (a TDX VM before 6.14), or with
  // views its functions do not take (several before 2025), proves nothing of it
  const runsThere = (c: CaseRecord) => outsideOf(variant, c) === null;
  const others = expectationOf(variant, id) === 'pass'
    ? same.filter((s) => s.record.variant.name !== variant.name && !s.record.history?.length && runsThere(s.record.counterexample)) : [];
  return [...own.map((s) => ({ s, own: true })), ...others.map((s) => ({ s, own: false }))]
    .map(({ s, own: mine }) => ({
      // made as the kernel of this variant's bind era makes it (another era's report is a test of this one too)
      stem: s.stem, own: mine, case: inBindEra(caseOf(s.record.counterexample), variant.bindEra),
      ...(s.record.history?.length ? { history: s.record.history.map(caseOf) } : {}),
    }));
}

/**
 * Why a saved case is not one a variant's cases can be: a VM type its era does not run in (a TDX
 * VM before 6.14), or several views when its functions take one view's kvm_gmem (before 2025).
 * Null when it is one.
 */
export function outsideOf(variant: Pick<Variant, 'vmTypes' | 'takes' | 'zap' | 'convert' | 'bind'>, c: CaseRecord): string | null {
  const vms = runsIn(variant.vmTypes);
  const types = [c.layout.vmType ?? 'default', ...(c.layout.otherViews ?? []).map((v) => v.vmType ?? 'default')];
  const foreign = types.find((t) => !vms.includes(t as VmType));
  if (foreign) return `its case is in a ${foreign === 'tdx' ? 'TDX' : foreign} VM, and the variant runs in ${vms.join(' and ')} VMs only (vmTypes)`;
  if (c.layout.otherViews && variant.takes !== 'inode') {
    return `its case has ${1 + c.layout.otherViews.length} views of the file, and the variant's functions take one view's kvm_gmem (an era before 2025; takes: 'inode' is the 2025 shape)`;
  }
  if (c.layout.pageOrder && !variant.zap) return `its file has page order ${c.layout.pageOrder} (the HugeTLB series), and the variant is of an era before it (no zap)`;
  if (c.op.kind === 'convert' && !variant.convert) return 'its case is a conversion (the in-place conversion series), and the variant has no convert()';
  if (c.op.kind === 'bind' && !variant.bind) return 'its case is a bind request, and the variant has no bind() (kvm_gmem_bind())';
  return null;
}
