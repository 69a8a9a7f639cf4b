// The machine-readable report: one counterexample of one property of one variant, every
// 64-bit value a decimal string, built from an outcome here and checked against its schema
// (schema.ts) when it is loaded. The name of a report is derived from its content, so the same
// counterexample always lands in one file.

import crypto from 'crypto';
import fc from 'fast-check';
import { Operation } from '../../model/callers';
import { KvmEvent, phaseName } from '../../model/kvm';
import { PropertyId } from '../../model/variant';
import { Case, LayoutSpec } from '../case';
import { diff } from '../diff';
import { returnText } from '../../model/errno';
import { Outcome } from '../engine/execute';
import { CaseRecord, FORMAT, RangeRecord, ReportRecord } from './schema';

export { FORMAT, schemaFault, upgradeRecord } from './schema';
export type { CaseRecord, RangeRecord, ReportRecord } from './schema';

const dec = (x: bigint): string => x.toString();
const range = (r: { start: bigint; end: bigint }): RangeRecord => ({ start: dec(r.start), end: dec(r.end) });

const slotRecords = (ss: LayoutSpec['slots']): CaseRecord['layout']['slots'] =>
  ss.map((s) => ({ id: s.id, pgoff: dec(s.pgoff), npages: dec(s.npages), base_gfn: dec(s.base_gfn) }));
const slotSpecs = (ss: CaseRecord['layout']['slots']): LayoutSpec['slots'] =>
  ss.map((s) => ({ id: s.id, pgoff: BigInt(s.pgoff), npages: BigInt(s.npages), base_gfn: BigInt(s.base_gfn) }));
/** A view as a record names it: only one beyond the first. */
export const viewField = (view: number): { view?: number } => (view ? { view } : {});

export function caseRecord(c: Case): CaseRecord {
  const op = c.op;
  return {
    layout: {
      filePages: dec(c.layout.filePages),
      slots: slotRecords(c.layout.slots),
      // only a VM that is not a default one is named, and only views beyond the first, so the
      // records (and names) of every other case stay as they were
      ...(c.layout.vmType === 'tdx' ? { vmType: c.layout.vmType } : {}),
      ...(c.layout.otherViews?.length ? { otherViews: c.layout.otherViews.map((v) => ({ slots: slotRecords(v.slots), ...(v.vmType === 'tdx' ? { vmType: v.vmType } : {}) })) } : {}),
      ...(c.layout.pageOrder ? { pageOrder: c.layout.pageOrder as 9 | 18 } : {}),
      ...(c.layout.bindEra ? { bindEra: c.layout.bindEra } : {}),
    },
    op: op.kind === 'punch' ? { kind: 'punch', mode: op.mode, offset: dec(op.offset), len: dec(op.len) }
      : op.kind === 'release' ? { kind: 'release', ...(op.view ? { view: op.view } : {}) }
      : op.kind === 'convert' ? { kind: 'convert', offset: dec(op.offset), size: dec(op.size), toPrivate: op.toPrivate }
      : op.kind === 'bind' ? { kind: 'bind', slot: op.slot, guest_phys_addr: dec(op.guest_phys_addr), memory_size: dec(op.memory_size), guest_memfd_offset: dec(op.guest_memfd_offset) }
      : { kind: 'memory-failure', index: dec(op.index), order: op.order },
  };
}

export function caseOf(r: CaseRecord): Case {
  const layout: LayoutSpec = {
    filePages: BigInt(r.layout.filePages),
    slots: slotSpecs(r.layout.slots),
    ...(r.layout.vmType ? { vmType: r.layout.vmType } : {}),
    ...(r.layout.otherViews ? { otherViews: r.layout.otherViews.map((v) => ({ slots: slotSpecs(v.slots), ...(v.vmType ? { vmType: v.vmType } : {}) })) } : {}),
    ...(r.layout.pageOrder ? { pageOrder: r.layout.pageOrder } : {}),
    ...(r.layout.bindEra ? { bindEra: r.layout.bindEra } : {}),
  };
  const op: Operation = r.op.kind === 'punch' ? { kind: 'punch', mode: r.op.mode, offset: BigInt(r.op.offset), len: BigInt(r.op.len) }
    : r.op.kind === 'release' ? { kind: 'release', ...(r.op.view ? { view: r.op.view } : {}) }
    : r.op.kind === 'convert' ? { kind: 'convert', offset: BigInt(r.op.offset), size: BigInt(r.op.size), toPrivate: r.op.toPrivate }
    : r.op.kind === 'bind' ? { kind: 'bind', slot: r.op.slot, guest_phys_addr: BigInt(r.op.guest_phys_addr), memory_size: BigInt(r.op.memory_size), guest_memfd_offset: BigInt(r.op.guest_memfd_offset) }
    : { kind: 'memory-failure', index: BigInt(r.op.index), order: r.op.order };
  return { layout, op };
}

/** One KVM call as a line of text: what the record keeps of the effects. */
/** `several`: the file has several views, and each call names the one it was made on. */
export function callLine(e: KvmEvent, several = false): string {
  return (several || e.view ? `view ${e.view ?? 0} ` : '') + callText(e);
}

function callText(e: KvmEvent): string {
  switch (e.op) {
    case 'unmap': return `${e.phase}: unmap slot ${e.slot} [${e.start}, ${e.end})${e.roots ? ` (${e.roots.join(' and ') || 'no'} roots)` : ''}${e.flush ? ' (flush due)' : ''}`;
    case 'range_add': return `${e.phase}: range_add [${e.start}, ${e.end})`;
    case 'warn': return `${e.phase}: WARN ${e.message}`;
    default: return `${e.phase}: ${e.op}`;
  }
}

/** What a kvm_gmem_bind() did with a bind request, as lines of calls: each store, then what it returned. */
function bindLines(o: Outcome): string[] {
  const b = o.bound;
  if (!b) return [];
  return [
    ...b.stores.map((s) => `bind: xa_store_range [${s.first}, ${s.last}] slot ${s.slot}`),
    `bind: returned ${returnText(b.ret)}, slot->gmem.pgoff ${b.pgoff}`,
  ];
}

/** How a failure was found: fast-check's seed and path, or the saved report whose case it replayed. */
export interface Found { seed: number; path: string; numRuns: number; numShrinks: number; fromReport?: string; proof?: { shape: string } }

/** How a failure was confirmed, as the record keeps it. */
export interface Confirmed {
  readonly confirmation?: ReportRecord['confirmation'];
  readonly history?: CaseRecord[];
}

export function buildRecord(variant: ReportRecord['variant'], property: PropertyId, o: Outcome, violations: readonly string[], found: Found, confirmed: Confirmed = {}): ReportRecord {
  const r = o.resolved;
  return {
    format: FORMAT,
    variant,
    property,
    counterexample: caseRecord(o.case),
    invalidated: r.kind === 'invalidate' ? range(r) : null,
    expected: o.expected.map((e) => ({ ...viewField(e.view), slot: e.slot.id, gfns: range(e.gfns) })),
    actual: { calls: [...o.events.map((e) => callLine(e, !!o.layout.otherViews?.length)), ...bindLines(o)], fault: o.fault ? `${phaseName(o.fault.phase)}: ${o.fault.message}` : null },
    difference: {
      slots: diff(o).filter((d) => d.missed.length || d.extra.length).map((d) => ({ ...viewField(d.view), slot: d.slot, missed: d.missed.map(range), extra: d.extra.map(range) })),
      warnings: o.events.flatMap((e) => (e.op === 'warn' ? [e.message] : [])),
      violations: [...violations],
    },
    found: { ...found, fastCheck: fc.__version },
    ...(confirmed.confirmation ? { confirmation: confirmed.confirmation } : {}),
    ...(confirmed.history?.length ? { history: confirmed.history } : {}),
  };
}

/** Names only the counterexample and what it breaks: the same case is always the same file. */
export function reportStem(variant: string, property: PropertyId, c: CaseRecord, history?: readonly CaseRecord[], named: (name: string) => string = safeName): string {
  // a history is part of the counterexample; without one the key is what it always was
  const key = JSON.stringify(history?.length ? { variant, property, c, history } : { variant, property, c });
  const hash = crypto.createHash('sha256').update(key).digest('hex').slice(0, 12);
  return `${named(variant)}--${property}--${hash}`;
}

/** The name a report had before its variant's dots were kept (upstream-6-14--...): still read, and renamed by reports:index. */
export const legacyReportStem = (variant: string, property: PropertyId, c: CaseRecord, history?: readonly CaseRecord[]): string =>
  reportStem(variant, property, c, history, (name) => {
    const s = name.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');
    return s === '' ? 'variant' : s.slice(0, 60);
  });

/** A kernel tree's variant (--from-kernel): its name carries its era and its file's hash (native/cvariant.ts). */
export const isKernelTree = (name: string): boolean => name.startsWith('kernel-');

/**
 * A variant name made safe for a file name: no slashes, spaces or other surprises. A dot stays
 * (upstream-6.14, kernel-6.8-1a2b3c4d: a report's file is named as its variant is), but never
 * two in a row, nor at either end.
 */
export function safeName(name: string): string {
  const s = name.toLowerCase().replace(/[^a-z0-9_.-]+|\.{2,}/g, '-').replace(/^[-.]+|[-.]+$/g, '');
  return s === '' ? 'variant' : s.slice(0, 60).replace(/[-.]+$/, '');
}

/**
 * Everything but how it was found: two records with the same body say the same thing. Times
 * (a hang's CPU and wall milliseconds) are not what a report says, so they do not count either.
 */
export const body = (r: ReportRecord): string => JSON.stringify({ ...r, found: undefined }).replace(/\b\d+ ms\b/g, 'N ms');
