// The machine-readable report: one counterexample of one property of one variant, every
// 64-bit value a decimal string, checked against its schema when it is loaded. The name of a
// report is derived from its content, so the same counterexample always lands in one file.

import crypto from 'crypto';
import fc from 'fast-check';
import { Operation } from '../../model/callers';
import { KvmEvent } from '../../model/kvm';
import { PROPERTY_IDS, PropertyId } from '../../model/variant';
import { Case, LayoutSpec, XarrayChoice } from '../case';
import { diff } from '../diff';
import { Outcome } from '../execute';

export const FORMAT = 1;

/** A bigint as JSON holds it. */
type Dec = string;

export interface CaseRecord {
  readonly layout: { readonly filePages: Dec; readonly slots: ReadonlyArray<{ id: number; pgoff: Dec; npages: Dec; base_gfn: Dec }> };
  readonly op:
    | { readonly kind: 'punch'; readonly mode: number; readonly offset: Dec; readonly len: Dec }
    | { readonly kind: 'release' }
    | { readonly kind: 'memory-failure'; readonly index: Dec; readonly order: number };
  readonly xarray: XarrayChoice;
  readonly pick: Dec;
}

export interface RangeRecord { readonly start: Dec; readonly end: Dec }

export interface ReportRecord {
  readonly format: number;
  /** `file`, for a variant checked by path: where it lives, relative to the reports folder. */
  readonly variant: { readonly name: string; readonly sourceHash: string; readonly file?: string };
  readonly property: PropertyId;
  readonly counterexample: CaseRecord;
  readonly invalidated: RangeRecord | null;
  readonly expected: ReadonlyArray<{ readonly slot: number; readonly gfns: RangeRecord }>;
  readonly actual: { readonly calls: readonly string[]; readonly fault: string | null };
  readonly difference: {
    readonly slots: ReadonlyArray<{ readonly slot: number; readonly missed: readonly RangeRecord[]; readonly extra: readonly RangeRecord[] }>;
    readonly warnings: readonly string[];
    readonly violations: readonly string[];
  };
  readonly found: { readonly seed: number; readonly path: string; readonly numRuns: number; readonly numShrinks: number; readonly fastCheck: string };
  /**
   * How the failure was confirmed before it was saved: 'reproduced' alone in a fresh process,
   * 'history' only after `history` (run first, in order, in a fresh process), 'hang' a confirmed
   * hang, 'in-process' run in the command itself. Absent in reports saved before confirmation.
   */
  readonly confirmation?: 'reproduced' | 'history' | 'hang' | 'in-process';
  /** For 'history': the cases to run before the counterexample, each in its xarray mode. */
  readonly history?: readonly CaseRecord[];
}

const dec = (x: bigint): Dec => x.toString();
const range = (r: { start: bigint; end: bigint }): RangeRecord => ({ start: dec(r.start), end: dec(r.end) });

export function caseRecord(c: Case, xarray: XarrayChoice): CaseRecord {
  const op = c.op;
  return {
    layout: { filePages: dec(c.layout.filePages), slots: c.layout.slots.map((s) => ({ id: s.id, pgoff: dec(s.pgoff), npages: dec(s.npages), base_gfn: dec(s.base_gfn) })) },
    op: op.kind === 'punch' ? { kind: 'punch', mode: op.mode, offset: dec(op.offset), len: dec(op.len) }
      : op.kind === 'release' ? { kind: 'release' }
      : { kind: 'memory-failure', index: dec(op.index), order: op.order },
    xarray,
    pick: dec(c.pick),
  };
}

export function caseOf(r: CaseRecord): Case {
  const layout: LayoutSpec = {
    filePages: BigInt(r.layout.filePages),
    slots: r.layout.slots.map((s) => ({ id: s.id, pgoff: BigInt(s.pgoff), npages: BigInt(s.npages), base_gfn: BigInt(s.base_gfn) })),
  };
  const op: Operation = r.op.kind === 'punch' ? { kind: 'punch', mode: r.op.mode, offset: BigInt(r.op.offset), len: BigInt(r.op.len) }
    : r.op.kind === 'release' ? { kind: 'release' }
    : { kind: 'memory-failure', index: BigInt(r.op.index), order: r.op.order };
  return { layout, op, pick: BigInt(r.pick) };
}

/** One KVM call as a line of text: what the record keeps of the effects. */
export function callLine(e: KvmEvent): string {
  switch (e.op) {
    case 'unmap': return `${e.phase}: unmap slot ${e.slot} [${e.start}, ${e.end})${e.flush ? ' (flush due)' : ''}`;
    case 'range_add': return `${e.phase}: range_add [${e.start}, ${e.end})`;
    case 'warn': return `${e.phase}: WARN ${e.message}`;
    default: return `${e.phase}: ${e.op}`;
  }
}

export interface Found { seed: number; path: string; numRuns: number; numShrinks: number }

/** How a failure was confirmed, as the record keeps it. */
export interface Confirmed {
  readonly confirmation?: ReportRecord['confirmation'];
  readonly history?: readonly CaseRecord[];
}

export function buildRecord(variant: ReportRecord['variant'], property: PropertyId, o: Outcome, xarray: XarrayChoice, violations: readonly string[], found: Found, confirmed: Confirmed = {}): ReportRecord {
  const r = o.resolved;
  return {
    format: FORMAT,
    variant,
    property,
    counterexample: caseRecord(o.case, xarray),
    invalidated: r.kind === 'invalidate' ? range(r) : null,
    expected: o.expected.map((e) => ({ slot: e.slot.id, gfns: range(e.gfns) })),
    actual: { calls: o.events.map(callLine), fault: o.fault ? `invalidate_${o.fault.phase}: ${o.fault.message}` : null },
    difference: {
      slots: diff(o).filter((d) => d.missed.length || d.extra.length).map((d) => ({ slot: d.slot, missed: d.missed.map(range), extra: d.extra.map(range) })),
      warnings: o.events.flatMap((e) => (e.op === 'warn' ? [e.message] : [])),
      violations: [...violations],
    },
    found: { ...found, fastCheck: fc.__version },
    ...(confirmed.confirmation ? { confirmation: confirmed.confirmation } : {}),
    ...(confirmed.history?.length ? { history: confirmed.history } : {}),
  };
}

/** Names only the counterexample and what it breaks: the same case is always the same file. */
export function reportStem(variant: string, property: PropertyId, c: CaseRecord, history?: readonly CaseRecord[]): string {
  // a history is part of the counterexample; without one the key is what it always was
  const key = JSON.stringify(history?.length ? { variant, property, c, history } : { variant, property, c });
  const hash = crypto.createHash('sha256').update(key).digest('hex').slice(0, 12);
  return `${safeName(variant)}--${property}--${hash}`;
}

/** A variant name made safe for a file name: no slashes, dots, spaces or other surprises. */
export function safeName(name: string): string {
  const s = name.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');
  return s === '' ? 'variant' : s.slice(0, 60);
}

/** Everything but how it was found: two records with the same body say the same thing. */
export const body = (r: ReportRecord): string => JSON.stringify({ ...r, found: undefined });

// ---- schema ----

const isDec = (x: unknown): x is string => typeof x === 'string' && /^(0|-?[1-9][0-9]*)$/.test(x);
const isRange = (x: unknown): boolean => typeof x === 'object' && x !== null && isDec((x as RangeRecord).start) && isDec((x as RangeRecord).end);

/** The first thing wrong with a case record at `where`, or null. */
function caseFault(x: unknown, where: string): string | null {
  const c = x as CaseRecord;
  if (typeof c !== 'object' || c === null) return `${where} is missing`;
  if (!isDec(c.layout?.filePages) || !Array.isArray(c.layout?.slots)) return `${where}.layout must have filePages and slots`;
  for (const [i, s] of c.layout.slots.entries()) {
    if (!Number.isInteger(s?.id) || !isDec(s.pgoff) || !isDec(s.npages) || !isDec(s.base_gfn)) return `${where}.layout.slots[${i}] must have id, pgoff, npages, base_gfn`;
  }
  const op = c.op as CaseRecord['op'] | undefined;
  if (!op || !['punch', 'release', 'memory-failure'].includes(op.kind)) return `${where}.op.kind must be punch, release or memory-failure`;
  if (op.kind === 'punch' && (!Number.isInteger(op.mode) || !isDec(op.offset) || !isDec(op.len))) return 'a punch needs mode, offset and len';
  if (op.kind === 'memory-failure' && (!isDec(op.index) || !Number.isInteger(op.order))) return 'a memory failure needs index and order';
  if (c.xarray !== 'faithful' && c.xarray !== 'contract') return `${where}.xarray must be faithful or contract`;
  if (!isDec(c.pick)) return `${where}.pick must be a decimal string`;
  return null;
}

/** The first thing wrong with a parsed report, or null when it is well formed. */
export function schemaFault(x: unknown): string | null {
  const r = x as ReportRecord;
  if (typeof x !== 'object' || x === null) return 'not a JSON object';
  if (r.format !== FORMAT) return `format is ${JSON.stringify(r.format)}, this harness reads format ${FORMAT}`;
  if (typeof r.variant?.name !== 'string' || typeof r.variant?.sourceHash !== 'string') return 'variant must have a name and a sourceHash';
  if (r.variant.file !== undefined && typeof r.variant.file !== 'string') return 'variant.file must be a path';
  if (!PROPERTY_IDS.includes(r.property)) return `property ${JSON.stringify(r.property)} is not a known property id`;
  const bad = caseFault(r.counterexample, 'counterexample');
  if (bad) return bad;
  if (r.invalidated !== null && !isRange(r.invalidated)) return 'invalidated must be a range or null';
  if (!Array.isArray(r.expected) || !r.expected.every((e) => Number.isInteger(e.slot) && isRange(e.gfns))) return 'expected must be a list of { slot, gfns }';
  if (!Array.isArray(r.actual?.calls) || !r.actual.calls.every((s) => typeof s === 'string')) return 'actual.calls must be a list of strings';
  const d = r.difference;
  if (!Array.isArray(d?.slots) || !Array.isArray(d.warnings) || !Array.isArray(d.violations)) return 'difference must have slots, warnings and violations';
  if (r.confirmation !== undefined && !['reproduced', 'history', 'hang', 'in-process'].includes(r.confirmation)) return 'confirmation must be reproduced, history, hang or in-process';
  if (r.history !== undefined) {
    if (!Array.isArray(r.history)) return 'history must be a list of cases';
    for (const [i, h] of r.history.entries()) {
      const f = caseFault(h, `history[${i}]`);
      if (f) return f;
    }
  }
  const f = r.found;
  if (!Number.isInteger(f?.seed) || typeof f.path !== 'string' || !Number.isInteger(f.numRuns) || !Number.isInteger(f.numShrinks) || typeof f.fastCheck !== 'string') {
    return 'found must have seed, path, numRuns, numShrinks and fastCheck';
  }
  return null;
}
