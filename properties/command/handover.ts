// What a shard hands the merge (`--shard I/N --json`, then `--merge`): its verdicts with their
// outcomes as JSON, every 64-bit value a decimal string, and back. An outcome is handed as its
// case and what the variant did (the KVM calls, the walks, a bind's answer, a fault); the rest of
// it (the layout, the caller's range, the reference) the merge derives from the case as the run
// did, so the merge prints and saves what the whole run would have; merge-confirm.ts runs each
// failure it saves again on the variant first.
// The shape is output-schema.ts's Handover.

import { WalkRecord } from '../../model/kernel';
import { KvmEvent } from '../../model/kvm';
import { viewsOf } from '../../model/layout';
import { WORD64 } from '../../model/word';
import { Case } from '../case';
import { Outcome, prepare } from '../engine/execute';
import type { Verdict } from '../engine/engine';
import type { CasePlace, ExhaustiveVerdict } from '../engine/exhaustive';
import { caseOf, caseRecord } from '../reports/record';
import type { Handover } from './output-schema';

export type { Handover } from './output-schema';

/** The handover's format: a merge refuses another. */
export const HANDOVER_FORMAT = 1;

/** A variant a shard checked: where it is, where its reports go, and its row of the run. */
export type HandedVariant = Handover['variants'][number];
/** A verdict as handed over: every field the engine gave, its outcome and history as records. */
export type HandedVerdict = Handover['verdicts'][number];
type OutcomeRecord = NonNullable<HandedVerdict['counterexample']>;
type EventRecord = OutcomeRecord['events'][number];

const BIG_FIELDS = ['start', 'end'] as const;

function eventRecord(e: KvmEvent): EventRecord {
  const r: Record<string, unknown> = { ...e };
  for (const f of BIG_FIELDS) if (typeof r[f] === 'bigint') r[f] = String(r[f]);
  return r as EventRecord;
}

function eventOf(r: EventRecord): KvmEvent {
  const e: Record<string, unknown> = { ...r };
  for (const f of BIG_FIELDS) if (typeof e[f] === 'string') e[f] = BigInt(e[f] as string);
  return e as unknown as KvmEvent;
}

export function outcomeRecord(o: Outcome): OutcomeRecord {
  return {
    case: caseRecord(o.case),
    events: o.events.map(eventRecord),
    walks: o.walks.map((w) => ({ ...(w.view ? { view: w.view } : {}), start: String(w.start), last: String(w.last), visits: w.visits.map((v) => [String(v.index), v.slot.id] as [string, number]) })),
    ...(o.bound ? { bound: { ret: o.bound.ret, pgoff: String(o.bound.pgoff), stores: o.bound.stores.map((s) => ({ ...s, first: String(s.first), last: String(s.last) })) } } : {}),
    ...(o.fault ? { fault: o.fault } : {}),
  };
}

/** The outcome again: the case's layout, range and reference made as the run made them, and what the variant did. */
export function outcomeOf(r: OutcomeRecord): Outcome {
  const before = prepare(caseOf(r.case), WORD64);
  const views = viewsOf(before.layout);
  const walks: WalkRecord[] = r.walks.map((w) => ({
    ...(w.view ? { view: w.view } : {}),
    start: BigInt(w.start),
    last: BigInt(w.last),
    visits: w.visits.map(([index, id]) => ({ index: BigInt(index), slot: views[w.view ?? 0].slots.find((s) => s.id === id)! })),
  }));
  const bound = r.bound && { ret: r.bound.ret, pgoff: BigInt(r.bound.pgoff), stores: r.bound.stores.map((s) => ({ ...s, first: BigInt(s.first), last: BigInt(s.last) })) };
  return { ...before, events: r.events.map(eventOf), walks, ...(bound ? { bound } : {}), ...(r.fault ? { fault: r.fault } : {}) };
}

/** A verdict as a shard hands it over (its report and folder are the merge's to make). */
export function handedVerdict(v: (Verdict | ExhaustiveVerdict) & { at?: CasePlace }): HandedVerdict {
  const { counterexample, ...rest } = v as Verdict & Partial<ExhaustiveVerdict>;
  const { scope: _scope, shard: _shard, history, report: _report, dir: _dir, ...fields } = rest as typeof rest & { dir?: string };
  return {
    ...(fields as Omit<HandedVerdict, 'counterexample' | 'history'>),
    ...(counterexample ? { counterexample: outcomeRecord(counterexample) } : {}),
    ...(history ? { history: history.map(caseRecord) } : {}),
  };
}

/** The verdict again, with its outcome and history. */
export function verdictOf(h: HandedVerdict): Verdict & { readonly failures?: number; readonly crashes?: number; readonly at?: CasePlace } {
  const { counterexample, history, ...fields } = h;
  return {
    ...(fields as Omit<Verdict, 'counterexample' | 'history'>),
    ...(counterexample ? { counterexample: outcomeOf(counterexample) } : {}),
    ...(history ? { history: history.map((c): Case => caseOf(c)) } : {}),
  };
}
