// What a shard hands the merge (`--shard i/n --json`, then `--merge`): its verdicts with their
// outcomes as JSON, every 64-bit value a decimal string, and back. An outcome is handed as its
// case and what the variant did (the KVM calls, the walks, a fault); the rest of it (the
// layout, the caller's range, the reference) the merge derives from the case as the run did, so
// the merge prints and saves what the whole run would have without running a variant.

import { WalkRecord } from '../../model/kernel';
import { KvmEvent } from '../../model/kvm';
import { viewsOf } from '../../model/layout';
import { Expectation, PropertyId } from '../../model/variant';
import { WORD64 } from '../../model/word';
import { Case } from '../case';
import { Outcome, prepare } from '../engine/execute';
import type { Verdict } from '../engine/engine';
import type { CasePlace, ExhaustiveVerdict } from '../engine/exhaustive';
import { Shard } from '../engine/shard';
import { CaseRecord, caseOf, caseRecord } from '../reports/record';
import type { PortWarning } from './port-check';

/** The handover's format: a merge refuses another. */
export const HANDOVER_FORMAT = 1;

/** A variant a shard checked: where it is, where its reports go, and its row of the run. */
export interface HandedVariant {
  readonly name: string;
  /** Its file (or kernel tree), relative to the folder the command ran in. */
  readonly file: string;
  readonly kernelTree: boolean;
  readonly sourceHash: string;
  readonly expect: Readonly<Record<PropertyId, Expectation>>;
  /** Its reports folder, relative to the folder the command ran in. */
  readonly dir: string;
  /** What --json lists of it (its VM types, views, split era, hang confirmations). */
  readonly ran: Readonly<Record<string, unknown>>;
}

type EventRecord = Record<string, unknown>;
interface OutcomeRecord {
  readonly case: CaseRecord;
  readonly events: readonly EventRecord[];
  readonly walks: ReadonlyArray<{ readonly view?: number; readonly start: string; readonly last: string; readonly visits: ReadonlyArray<readonly [string, number]> }>;
  readonly fault?: Outcome['fault'];
}

/** A verdict as handed over: every field the engine gave, its outcome and history as records. */
export type HandedVerdict = Omit<Verdict, 'counterexample' | 'history'> & Partial<Omit<ExhaustiveVerdict, 'counterexample' | 'scope' | 'shard'>> & {
  readonly counterexample?: OutcomeRecord;
  readonly history?: readonly CaseRecord[];
  readonly at?: CasePlace;
};

export interface Handover {
  readonly format: number;
  readonly kind: 'check' | 'exhaustive';
  readonly shard: Shard;
  /** A check's seed and cases per property (all of them, not the shard's), or an exhaustive scope's N. */
  readonly seed?: number;
  readonly numRuns?: number;
  readonly maxPages?: number;
  readonly variants: readonly HandedVariant[];
  readonly broken: ReadonlyArray<{ readonly file: string; readonly message: string }>;
  readonly warnings: readonly PortWarning[];
  readonly verdicts: readonly HandedVerdict[];
}

const BIG_FIELDS = ['start', 'end'] as const;

function eventRecord(e: KvmEvent): EventRecord {
  const r: EventRecord = { ...e };
  for (const f of BIG_FIELDS) if (typeof r[f] === 'bigint') r[f] = String(r[f]);
  return r;
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
    walks: o.walks.map((w) => ({ ...(w.view ? { view: w.view } : {}), start: String(w.start), last: String(w.last), visits: w.visits.map((v) => [String(v.index), v.slot.id] as const) })),
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
  return { ...before, events: r.events.map(eventOf), walks, ...(r.fault ? { fault: r.fault } : {}) };
}

/** A verdict as a shard hands it over. */
export function handedVerdict(v: (Verdict | ExhaustiveVerdict) & { at?: CasePlace }): HandedVerdict {
  const { counterexample, ...rest } = v as Verdict & Partial<ExhaustiveVerdict>;
  const { scope: _scope, shard: _shard, history, report: _report, dir: _dir, ...fields } = rest as typeof rest & { dir?: string };
  return {
    ...(fields as Omit<Verdict, 'counterexample' | 'history'>),
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
