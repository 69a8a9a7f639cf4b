// A case in the generators' terms: a layout (concrete slots) and a caller operation (or a bind
// request). Materialized only through the model's own bind() and callers, by the kernel of the
// layout's bind era, so a generated case is one that kernel would accept.

import { Operation } from '../model/callers';
import { BindEra, Layout, PAGE_SHIFT, Region2, bindEach, bindNewView, createGmem } from '../model/layout';
import { extend } from '../model/extend';
import { recent } from '../model/recent';
import { VmType } from '../model/vm';

export interface SlotSpec {
  readonly id: number;
  readonly pgoff: bigint;
  readonly npages: bigint;
  readonly base_gfn: bigint;
}

/** Another VM's view of the file (2025 on): its own slots and VM type. */
export interface ViewSpec {
  readonly slots: readonly SlotSpec[];
  readonly vmType?: VmType;
}

export interface LayoutSpec {
  readonly filePages: bigint;
  readonly slots: readonly SlotSpec[];
  /** The VM's type; absent: a default VM (model/vm.ts). */
  readonly vmType?: VmType;
  /** The other views of the inode (model/layout.ts); absent: one view. */
  readonly otherViews?: readonly ViewSpec[];
  /** The inode's page order (model/layout.ts); absent: 0. */
  readonly pageOrder?: number;
  /** The kvm_gmem_bind() era of the kernel that binds the slots (model/layout.ts bindEra); absent: 6.8 to 7.1. */
  readonly bindEra?: '7.2';
}

export interface Case {
  readonly layout: LayoutSpec;
  readonly op: Operation;
}

/** The case as the kernel of bind era `era` makes it; 6.8 to 7.1 is left unnamed, so its records stay as they were. */
export function inBindEra(c: Case, era: BindEra | undefined): Case {
  if ((c.layout.bindEra ?? '6.8') === (era ?? '6.8')) return c;
  // a layout drawn without the field (every generated one) is given it; else the field is taken
  // out first, so that it comes last
  if (era === '7.2' && !('bindEra' in c.layout)) return { ...c, layout: extend(c.layout, { bindEra: era }) };
  const { bindEra: _, ...layout } = c.layout;
  return { ...c, layout: era === '7.2' ? extend(layout, { bindEra: era }) : layout };
}

/** The case in a VM of that type; a default VM is left unnamed, so its records stay as they were. */
export const inVm = (c: Case, vmType: VmType): Case => (vmType === 'default' ? c : { ...c, layout: extend(c.layout, { vmType }) });

/**
 * KVM_CREATE_GUEST_MEMFD then one KVM_SET_USER_MEMORY_REGION2 per slot; throws the kernel's
 * errno. The same spec object gives the same layout while it is among the last few materialized
 * (a case's spec is materialized for the reference and again wherever its outcome is made).
 */
export const materialize: (spec: LayoutSpec) => Layout = recent(4, (spec: LayoutSpec) => bindAll(spec));

function bindAll(spec: LayoutSpec): Layout {
  const file = createGmem(spec.filePages << PAGE_SHIFT, spec.pageOrder ?? 0, spec.bindEra);
  const vm = spec.vmType && spec.vmType !== 'default' ? Object.freeze(extend(file, { vmType: spec.vmType })) : file;
  const first = bindEach(vm, regionsOf(spec.slots));
  if (!spec.otherViews?.length) return first;
  // each view binds against its own bindings only (model/layout.ts gmemBind), so each is bound on
  // its own, in view order, and the layout made once: what addView() and bindEach(view) make
  const others = spec.otherViews.map((v) => bindNewView(file, v.vmType, regionsOf(v.slots)));
  return Object.freeze(extend(first, { otherViews: Object.freeze(others) }));
}

/** KVM_SET_USER_MEMORY_REGION2's requests for the slots of a view, in order. */
const regionsOf = (slots: readonly SlotSpec[]): Region2[] => slots.map((s) => ({
  slot: s.id,
  guest_phys_addr: s.base_gfn << PAGE_SHIFT,
  memory_size: s.npages << PAGE_SHIFT,
  guest_memfd_offset: s.pgoff << PAGE_SHIFT,
}));

/** The views of a spec, the first one first (model/layout.ts viewsOf). */
export const viewSpecs = (spec: LayoutSpec): ViewSpec[] => [{ slots: spec.slots, ...(spec.vmType ? { vmType: spec.vmType } : {}) }, ...(spec.otherViews ?? [])];

/** A canonical key for a case. */
export function caseKey(c: Case): string {
  const op = c.op.kind === 'punch' ? `p${c.op.mode},${c.op.offset},${c.op.len}`
    : c.op.kind === 'memory-failure' ? `m${c.op.index},${c.op.order}`
    : c.op.kind === 'convert' ? `c${c.op.offset},${c.op.size},${c.op.toPrivate ? 1 : 0}`
    : c.op.kind === 'bind' ? `b${c.op.slot},${c.op.guest_phys_addr},${c.op.memory_size},${c.op.guest_memfd_offset}` : `r${c.op.view ? c.op.view : ''}`;
  const slotsOf = (ss: Case['layout']['slots']) => ss.map((s) => `${s.id},${s.pgoff},${s.npages},${s.base_gfn}`).join(';');
  const vm = c.layout.vmType && c.layout.vmType !== 'default' ? `|${c.layout.vmType}` : '';
  const views = (c.layout.otherViews ?? []).map((v) => `|v${v.vmType && v.vmType !== 'default' ? v.vmType : ''}:${slotsOf(v.slots)}`).join('');
  const order = c.layout.pageOrder ? `|o${c.layout.pageOrder}` : '';
  const era = c.layout.bindEra ? `|e${c.layout.bindEra}` : '';
  return `${c.layout.filePages}|${slotsOf(c.layout.slots)}|${op}${vm}${views}${order}${era}`;
}
