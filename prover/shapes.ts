// The bound of a proof: the layout shapes and operation kinds a variant is proved over, each
// stated in words. Within a shape every number (file size, each binding's pgoff, npages and
// base_gfn, its xarray chunk edges, the operation's range, a folio's order) is symbolic: the
// proof covers every value the input rules (prover/inputs.ts) allow.

import { VmType, runsIn } from '../model/vm';
import { VariantInfo } from '../properties/engine/executor';

export type OpKind = 'punch' | 'release' | 'memory-failure' | 'convert' | 'bind';

export interface Shape {
  /** Slots bound in each view (the first view first); a view's slots are in file order. */
  readonly slots: readonly number[];
  readonly vmTypes: readonly VmType[];
  /** The most xarray chunks a binding has. */
  readonly chunks: number;
  readonly pageOrder: number;
  readonly op: OpKind;
  /** A release closes this view's file. */
  readonly releaseView?: number;
  /** A conversion spans at most this many huge pages (page order > 0). */
  readonly hugePages?: number;
  /** The kvm_gmem_bind() era of the kernel that bound the slots (model/rules.ts BindEra); absent: 6.8 to 7.1. */
  readonly bindEra?: '7.2';
}

export interface Bound {
  /** Most slots per view, most views, most chunks per binding, most huge pages a conversion spans. */
  readonly slots: number;
  readonly views: number;
  readonly chunks: number;
  readonly hugePages: number;
}

/** `npm run prove`'s bound. */
export const FULL_BOUND: Bound = { slots: 2, views: 2, chunks: 2, hugePages: 2 };
/** npm test's. */
export const SMALL_BOUND: Bound = { slots: 1, views: 2, chunks: 2, hugePages: 1 };

export const opWords = (s: Shape): string =>
  s.op === 'bind' ? `kvm_gmem_bind() of a new slot (the ${s.bindEra ?? '6.8'} era's rules)`
  : s.op === 'release' ? `release of view ${s.releaseView ?? 0}` : s.op === 'memory-failure' ? 'memory failure (any folio order)'
  : s.op === 'convert' ? `conversion to shared${s.pageOrder ? ` spanning at most ${s.hugePages} huge page(s)` : ''}` : 'punch hole';

/** A shape in words: what its proof covers. */
export function shapeWords(s: Shape): string {
  const views = s.slots.map((n, i) => `${n} slot${n === 1 ? '' : 's'}${s.op === 'bind' ? ' bound before' : ''}${s.vmTypes[i] === 'tdx' ? ' in a TDX VM' : ''}`);
  const layout = views.length === 1 ? views[0] : `${views.length} views (${views.join('; ')})`;
  return `${layout}, each binding of ${s.chunks === 1 ? '1' : `1 to ${s.chunks}`} xarray chunk${s.chunks === 1 ? '' : 's'}, page order ${s.pageOrder}, ${opWords(s)}`;
}

/** A bound in words, for every era: the most of each thing a shape has. */
export function boundSummary(b: Bound): string {
  return `one view of at most ${b.slots} slot(s), bindings of at most ${b.chunks} xarray chunks; or at most ${b.views} views (VMs) of the file, each of at most one slot, bindings of one xarray chunk; conversions of at most ${b.hugePages} huge page(s); every number in a shape symbolic`;
}

type Era = Pick<VariantInfo, 'takes' | 'vmTypes' | 'zap' | 'convert' | 'bind' | 'bindEra'>;

/** A bound in words, for a variant of this era. */
export function boundWords(v: Era, b: Bound): string {
  // several views multiply each other's paths: shapesFor gives them one slot each, of one chunk
  const views = v.takes === 'inode' ? `; or ${b.views === 2 ? '2' : `2 to ${b.views}`} views (VMs) of the file, each of at most one slot, bindings of one xarray chunk` : '';
  const vms = runsIn(v.vmTypes).join(' and ');
  const orders = v.zap ? 'page orders 0, 9 and 18' : 'page order 0';
  const conv = v.convert ? `; conversions to shared in one view: of any size at page order 0 (1 to ${b.slots} slots), of at most ${b.hugePages} huge page(s) at order 9 and 1 at order 18 (1 slot)` : '';
  const bind = v.bind ? `; kvm_gmem_bind() of a new slot beside 0 to ${b.slots} bindings (one view, a default VM, page order 0), by the ${v.bindEra ?? '6.8'} era's rules` : '';
  return `one view of ${b.slots === 1 ? '1 slot' : `1 to ${b.slots} slots`}, bindings of 1 to ${b.chunks} xarray chunks${views}; ${vms} VMs, ${orders}; punch, release and memory failure of every size${conv}${bind}`;
}

/** Every shape a variant of this era is proved over, within the bound. */
export function shapesFor(v: Era, b: Bound): Shape[] {
  const out: Shape[] = [];
  const era = v.bindEra === '7.2' ? { bindEra: v.bindEra } : {};
  const viewCounts = v.takes === 'inode' ? range(1, b.views) : [1];
  const orders = v.zap ? [0, 9, 18] : [0];
  for (const vm of runsIn(v.vmTypes)) {
    for (const nv of viewCounts) {
      // every view gets 1..slots slots; with several views, one slot each and the first view up to the bound
      const layouts: number[][] = nv === 1 ? range(1, b.slots).map((n) => [n]) : [Array(nv).fill(1), [0, ...Array(nv - 1).fill(1)]];
      for (const slots of layouts) {
        for (const pageOrder of orders) {
          // several views multiply each other's paths: their bindings are of one chunk each
          const base = { slots, vmTypes: slots.map(() => vm), chunks: nv === 1 ? b.chunks : 1, pageOrder, ...era };
          const ops: Shape[] = [
            { ...base, op: 'punch' },
            { ...base, op: 'memory-failure' },
            ...range(0, nv - 1).map((releaseView): Shape => ({ ...base, op: 'release', ...(nv > 1 ? { releaseView } : {}) })),
            ...(v.convert && convertsIn(base, b) ? [{ ...base, op: 'convert' as const, ...(pageOrder ? { hugePages: pageOrder === 9 ? b.hugePages : 1 } : {}) }] : []),
          ];
          out.push(...ops);
        }
      }
    }
  }
  // kvm_gmem_bind(): a request on the first view of a default VM (bind knows no other), beside the bindings made before it
  if (v.bind) out.push(...range(0, b.slots).map((n): Shape => ({ slots: [n], vmTypes: ['default'], chunks: b.chunks, pageOrder: 0, op: 'bind', ...era })));
  return out;
}

/**
 * The conversion shapes, the most costly (each batch walks every view three times: the paths of
 * the views and batches multiply): one view; at page order 0 up to the bound's slots; at a huge
 * page order one slot, over up to the bound's huge pages at order 9 (a second batch) and one at 18.
 */
function convertsIn(base: Pick<Shape, 'slots' | 'pageOrder'>, b: Bound): boolean {
  if (base.slots.length > 1) return false;
  return base.pageOrder === 0 || base.slots[0] === 1 || b.slots === 1;
}

const range = (lo: number, hi: number) => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
