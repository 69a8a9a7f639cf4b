// The report format as one schema (zod): the TypeScript types of a record are inferred from it,
// a record read from disk is checked against it, and shrink-reports/report.schema.json is
// generated from it, so that any other tool can validate a report.

import { z } from 'zod';
import { PROPERTY_IDS } from '../../model/variant';

/**
 * 2: a case has no xarray mode and no pick (the contract mode could never differ from the faithful
 * walk, and went). A format-1 report of the faithful walk reads as format 2 (upgradeRecord).
 */
export const FORMAT = 2;

/** A bigint as JSON holds it: a decimal string. */
const Dec = z.string().regex(/^(0|-?[1-9][0-9]*)$/, 'must be a decimal string');
const Int = z.number().int();

export const RangeRecord = z.object({ start: Dec, end: Dec }).strict();

const Slots = z.array(z.object({ id: Int, pgoff: Dec, npages: Dec, base_gfn: Dec }).strict());
/** The view a slot or a range belongs to, when it is not the first (model/layout.ts viewsOf). */
const View = Int.min(1).optional();

export const CaseRecord = z.object({
  layout: z.object({
    filePages: Dec,
    slots: Slots,
    /** The VM's type when it is not a default VM (model/vm.ts). */
    vmType: z.enum(['tdx']).optional(),
    /** The other VMs' views of the inode (2025 on), each with its own slots; absent: one view. */
    otherViews: z.array(z.object({ slots: Slots, vmType: z.enum(['tdx']).optional() }).strict()).min(1).optional(),
    /** The inode's page order (the HugeTLB series): 9 or 18; absent: 0. */
    pageOrder: z.union([z.literal(9), z.literal(18)], { error: (issue) => `pageOrder is ${JSON.stringify(issue.input)}: a page order is 9 or 18 (absent: 0)` }).optional(),
    /** The kvm_gmem_bind() era of the kernel that binds the slots, 7.2 (model/rules.ts BindEra); absent: 6.8 to 7.1. */
    bindEra: z.literal('7.2', { error: (issue) => `bindEra is ${JSON.stringify(issue.input)}: the era named is '7.2' (absent: 6.8 to 7.1)` }).optional(),
  }).strict(),
  op: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('punch'), mode: Int, offset: Dec, len: Dec }).strict(),
    /** `view`: the view whose file is closed, when it is not the first. */
    z.object({ kind: z.literal('release'), view: View }).strict(),
    z.object({ kind: z.literal('memory-failure'), index: Dec, order: Int }).strict(),
    /** KVM_SET_MEMORY_ATTRIBUTES2 on the file (the in-place conversion series): bytes [offset, offset + size). */
    z.object({ kind: z.literal('convert'), offset: Dec, size: Dec, toPrivate: z.boolean() }).strict(),
    /** KVM_SET_USER_MEMORY_REGION2 of a new KVM_MEM_GUEST_MEMFD slot: the request kvm_gmem_bind() answers (bind-within-file). */
    z.object({ kind: z.literal('bind'), slot: Int, guest_phys_addr: Dec, memory_size: Dec, guest_memfd_offset: Dec }).strict(),
  ]),
}).strict();

const Property = z.enum(PROPERTY_IDS, { error: (issue) => `property ${JSON.stringify(issue.input)} is not a known property id` });

export const ReportRecord = z.object({
  format: z.literal(FORMAT, { error: (issue) => `format is ${JSON.stringify(issue.input)}, this harness reads format ${FORMAT}` }),
  /** `file`, for a variant checked by path: where it lives, relative to the reports folder. */
  variant: z.object({ name: z.string(), sourceHash: z.string(), file: z.string().optional() }).strict(),
  property: Property,
  counterexample: CaseRecord,
  invalidated: RangeRecord.nullable(),
  expected: z.array(z.object({ view: View, slot: Int, gfns: RangeRecord }).strict()),
  actual: z.object({ calls: z.array(z.string()), fault: z.string().nullable() }).strict(),
  difference: z.object({
    slots: z.array(z.object({ view: View, slot: Int, missed: z.array(RangeRecord), extra: z.array(RangeRecord) }).strict()),
    warnings: z.array(z.string()),
    violations: z.array(z.string()),
  }).strict(),
  /** `fromReport`: found by replaying that saved report's case (no search; seed and path say nothing then). */
  /** `proof`: found by the prover (npm run prove) in this shape, not drawn (seed and path say nothing then). */
  found: z.object({
    seed: Int, path: z.string(), numRuns: Int, numShrinks: Int, fastCheck: z.string(), fromReport: z.string().optional(),
    proof: z.object({ shape: z.string() }).strict().optional(),
  }).strict(),
  /**
   * How the failure was confirmed before it was saved: 'reproduced' alone in a fresh process,
   * 'history' only after `history` (run first, in order, in a fresh process), 'hang' a confirmed
   * hang, 'in-process' run in the command itself. Absent in reports saved before confirmation.
   */
  confirmation: z.enum(['reproduced', 'history', 'hang', 'in-process']).optional(),
  /** For 'history': the cases to run before the counterexample, in order. */
  history: z.array(CaseRecord).optional(),
}).strict();

export type RangeRecord = z.infer<typeof RangeRecord>;
export type CaseRecord = z.infer<typeof CaseRecord>;
export type ReportRecord = z.infer<typeof ReportRecord>;

/**
 * A record of an older format as this one reads it, or the reason it cannot be read. Format 1
 * named each case's xarray mode and pick; a case of the faithful walk is the same case without
 * them, and a case of the contract mode (removed) has no reading today.
 */
export function upgradeRecord(x: unknown): { record: unknown } | { fault: string } {
  const r = x as { format?: unknown; counterexample?: Record<string, unknown>; history?: Array<Record<string, unknown>> } | null;
  if (r === null || typeof r !== 'object' || r.format !== 1) return { record: x };
  const cases = [r.counterexample, ...(Array.isArray(r.history) ? r.history : [])];
  if (cases.some((c) => c?.xarray === 'contract')) return { fault: 'format 1, with a case in the xarray contract mode, which is gone (it could never differ from the faithful walk): re-check its variant to find the failure again' };
  const bare = (c: Record<string, unknown> | undefined) => {
    if (c === undefined || c === null || typeof c !== 'object') return c;
    const { xarray: _x, pick: _p, ...rest } = c;
    return rest;
  };
  return { record: { ...r, format: FORMAT, counterexample: bare(r.counterexample), ...(Array.isArray(r.history) ? { history: r.history.map(bare) } : {}) } };
}

/** The first thing wrong with a parsed report, with where it is, or null when it is well formed. */
export function schemaFault(x: unknown): string | null {
  const r = ReportRecord.safeParse(x);
  if (r.success) return null;
  const issue = r.error.issues[0];
  const where = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
  return where && !issue.message.includes(where.split('.')[0]) ? `${where}: ${issue.message}` : issue.message;
}

/** The report format as JSON Schema (draft 2020-12), for shrink-reports/report.schema.json. */
export function reportJsonSchema(): object {
  return {
    ...z.toJSONSchema(ReportRecord, { target: 'draft-2020-12' }),
    $id: 'https://gmem-invalidate-harness/report.schema.json',
    title: 'gmem-invalidate-harness counterexample report',
    description: 'One counterexample of one property of one guest_memfd invalidation variant (properties/reports/schema.ts).',
  };
}
