// The mutant kill matrix: for each mutant, which properties kill it, how many generated cases
// each needs over many seeds, how small the engine's shrunk counterexample is, and for an
// equivalent mutant the evidence that it makes the same KVM calls as its base.

import { PropertyId, Variant } from '../model/variant';
import { DEFAULT_NUM_RUNS, checkProperty } from '../properties/engine/engine';
import { property } from '../properties/properties';
import { Mutant, declaredKillers, killable } from './catalogue';
import { caseText, sizeText } from './case-text';
import { detect } from './detect';
import { firstDifference } from './equivalence';
import { median, worst, within } from './stats';

export interface KillConfig {
  /** Seeds 1..scanSeeds run every killable property for DEFAULT_NUM_RUNS cases. */
  readonly scanSeeds: number;
  /** Seeds 1..seeds time each property the scan saw fail, up to `cap` cases. */
  readonly seeds: number;
  readonly cap: number;
}

export interface PropertyDetection {
  readonly property: PropertyId;
  readonly median: number | null;
  readonly worst: number | null;
  /** Seeds in which it failed within DEFAULT_NUM_RUNS cases. */
  readonly withinDefault: number;
}

export type KillStatus = 'killed' | 'equivalent' | 'SURVIVES' | 'SOMETIMES' | 'NOT EQUIVALENT';

export interface KillRow {
  readonly name: string;
  readonly base: string;
  readonly header: string;
  readonly equivalent: string | null;
  readonly declared: PropertyId[];
  /** Properties seen failing in the scan. */
  readonly killers: PropertyDetection[];
  readonly best: PropertyDetection | null;
  /** Seeds in which some killer failed within DEFAULT_NUM_RUNS cases. */
  readonly killedSeeds: number;
  readonly seeds: number;
  readonly status: KillStatus;
  /** The declaration matches what was measured: 'fail' ones always fail, 'pass' ones never. */
  readonly agrees: boolean;
  readonly shrunk: { readonly text: string; readonly size: string; readonly ms: number } | null;
  /** For a mutant declared equivalent: the first case where its KVM calls differ from the base's. */
  readonly difference: number | null;
}

export function killRow(m: Mutant, base: Variant, cfg: KillConfig): KillRow {
  const candidates = killable(base);
  const seen = new Set<PropertyId>();
  for (let seed = 1; seed <= cfg.scanSeeds; seed++) {
    const d = detect(m.variant, { seed, cap: DEFAULT_NUM_RUNS, properties: candidates });
    for (const id of Object.keys(d.first) as PropertyId[]) seen.add(id);
  }
  const ids = candidates.filter((id) => seen.has(id));
  const samples = new Map(ids.map((id) => [id, [] as Array<number | null>]));
  let killedSeeds = 0;
  for (let seed = 1; seed <= cfg.seeds && ids.length > 0; seed++) {
    const d = detect(m.variant, { seed, cap: cfg.cap, properties: ids });
    for (const id of ids) samples.get(id)!.push(d.first[id] ?? null);
    if (ids.some((id) => (d.first[id] ?? Infinity) <= DEFAULT_NUM_RUNS)) killedSeeds++;
  }
  const killers = ids.map((id) => {
    const xs = samples.get(id)!;
    return { property: id, median: median(xs), worst: worst(xs), withinDefault: within(xs, DEFAULT_NUM_RUNS) };
  });
  const rank = (p: PropertyDetection) => [p.median ?? Infinity, p.worst ?? Infinity];
  const best = [...killers].sort((a, b) => rank(a)[0] - rank(b)[0] || rank(a)[1] - rank(b)[1])[0] ?? null;

  const declared = declaredKillers(m, base);
  // A declaration says what the mutant can fail (seen in at least half the seeds, within the cap: a
  // median exists); how fast
  // each property finds it is measured beside it, and "killed" asks the default run count of
  // the best one only: a slow secondary property does not make the declaration wrong.
  const agrees = candidates.every((id) => {
    const want = m.variant.expect[id];
    const k = killers.find((x) => x.property === id);
    if (want === 'fail') return k !== undefined && k.median !== null;
    if (want === 'pass') return k === undefined;
    return true;
  });

  let shrunk: KillRow['shrunk'] = null;
  if (best) {
    const t = performance.now();
    const v = checkProperty(m.variant, property(best.property), { seed: 1, numRuns: DEFAULT_NUM_RUNS });
    const c = v.counterexample?.case;
    shrunk = c ? { text: caseText(c), size: sizeText(c), ms: performance.now() - t } : null;
  }
  const difference = m.equivalent ? firstDifference(m.variant, base, 1, DEFAULT_NUM_RUNS * cfg.scanSeeds) : null;

  let status: KillStatus;
  if (m.equivalent) status = killers.length === 0 && difference === null ? 'equivalent' : 'NOT EQUIVALENT';
  else if (killedSeeds === cfg.seeds && killers.length > 0) status = 'killed';
  else if (killers.length > 0) status = 'SOMETIMES';
  else status = 'SURVIVES';

  return {
    name: m.variant.name, base: m.base, header: m.header, equivalent: m.equivalent ?? null,
    declared, killers, best, killedSeeds, seeds: cfg.seeds, status, agrees, shrunk, difference,
  };
}
