// A merge saves what its shards found; before it does, each failure it would save runs again
// here, on the variant as this checkout has it, in a fresh process (after its history, when it
// has one), as the check confirms a failure before saving it. A shard's file is only JSON: one
// made by another commit's harness, of another version of the variant, or edited by hand would
// otherwise become a report that does not reproduce. The merge saves a failure only when the
// variant does here what the shard says it did (the same KVM calls, walks, bind answer and fault)
// and that fails the property.

import path from 'path';
import { isDeepStrictEqual } from 'util';
import { Verdict } from '../engine/engine';
import { outcomeRecord, HandedVariant } from './handover';
import { confirmed } from '../reports/reporter';
import { replayCase } from '../reports/replay';
import { ReportVariant, openVariant } from '../reports/variant-of';
import { Outcome } from '../engine/execute';

/**
 * What a variant did on a case, as a merge compares it: as JSON holds it (a shard's went through
 * JSON, which drops a field left undefined), a fault by its phase and kind, not its message (a
 * hang's names its time). isDeepStrictEqual() then ignores the order of keys, which JSON changes.
 */
function doing(o: Outcome): unknown {
  const { events, walks, bound, fault } = outcomeRecord(o);
  return JSON.parse(JSON.stringify({ events, walks, bound, fault: fault && { phase: fault.phase, hang: fault.hang === true } }));
}

/**
 * Each merged verdict's failure checked on the variant here: for each verdict, undefined when it
 * saves nothing or reproduces, else why the merge must not save it.
 */
export function confirmMerged(verdicts: ReadonlyArray<{ readonly variant: HandedVariant; readonly verdict: Verdict }>, timeoutMs: number): Array<string | undefined> {
  const open = new Map<string, ReportVariant | string>();
  const variantOf = (h: HandedVariant): ReportVariant | string => {
    let v = open.get(h.name);
    if (v === undefined) {
      v = openHanded(h, timeoutMs);
      open.set(h.name, v);
    }
    return v;
  };
  try {
    return verdicts.map(({ variant, verdict }) => {
      if (!confirmed(verdict)) return undefined;
      const v = variantOf(variant);
      const not = (why: string) => `${variant.name} failing ${verdict.property}: the shards' counterexample was not saved: ${why}`;
      if (typeof v === 'string') return not(v);
      const o = verdict.counterexample!;
      let again: ReturnType<typeof replayCase>;
      try {
        again = replayCase(o.case, verdict.history ?? [], verdict.property, v);
      } catch (e) {
        return not(`its case could not be run here (${(e as Error).message})`);
      }
      if (verdict.confirmation === 'hang') return again.outcome.fault?.hang ? undefined : not('the shard says the variant hung on its case, and here it returns');
      if (!isDeepStrictEqual(doing(again.outcome), doing(o))) return not('the variant does something else on its case here than the shard says it did (a shard of another commit, or an edited file?)');
      if (again.violations.length === 0) return not('here the variant passes the property on its case');
      return undefined;
    });
  } finally {
    for (const v of open.values()) if (typeof v !== 'string') v.close();
  }
}

/** The shards' variant, opened here from its file (relative to where the merge runs, as the shards named it); a string says why it cannot be. */
function openHanded(h: HandedVariant, timeoutMs: number): ReportVariant | string {
  const file = path.resolve(h.file);
  let v: ReportVariant | undefined;
  try {
    v = openVariant(h.name, file, { timeoutMs });
  } catch (e) {
    return `its variant ${h.file} cannot be loaded here (${(e as Error).message})`;
  }
  if (!v) return `${h.file} holds no variant named ${h.name} here`;
  if (v.sourceHash !== h.sourceHash) {
    v.close();
    return `${h.file} is not the file the shards checked (its sha256 differs): merge where the shards ran, at the same commit`;
  }
  return v;
}
