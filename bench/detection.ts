// Time to detection of the shipped buggy variants: cases until each expected failure, over many
// seeds, with the project's generators and, side by side, with the naive uniform generator.

import fc from 'fast-check';
import { PROPERTY_IDS, PropertyId, Variant } from '../model/variant';
import { caseArbFor } from '../properties/arbitraries';
import { Case } from '../properties/case';
import { DEFAULT_NUM_RUNS } from '../properties/engine/engine';
import { naiveBindArbFor, naiveCaseArbFor } from './naive';
import { detect } from './detect';
import { median, within, worst } from './stats';

export interface DetectionConfig {
  readonly seeds: number;
  readonly cap: number;
  /** The naive generator rarely finds some failures; its cap keeps the bench short. */
  readonly naiveCap: number;
}

export interface DetectionRow {
  readonly variant: string;
  readonly property: PropertyId;
  readonly generator: 'project' | 'naive';
  readonly median: number | null;
  readonly worst: number | null;
  readonly withinDefault: number;
  readonly seeds: number;
  readonly cap: number;
}

/** A variant's bugs: the properties it is expected to fail, but no-redundant-unmap (upstream's design, not a bug). */
export const bugsOf = (v: Variant): PropertyId[] =>
  PROPERTY_IDS.filter((id) => v.expect[id] === 'fail' && id !== 'no-redundant-unmap');

export function detectionRows(v: Variant, cfg: DetectionConfig): DetectionRow[] {
  const ids = bugsOf(v);
  const run = (generator: 'project' | 'naive', arb: fc.Arbitrary<Case>, cap: number, bindArb?: fc.Arbitrary<Case>): DetectionRow[] => {
    const samples = new Map(ids.map((id) => [id, [] as Array<number | null>]));
    for (let seed = 1; seed <= cfg.seeds; seed++) {
      const d = detect(v, { seed, cap, properties: ids, arb, ...(bindArb ? { bindArb } : {}) });
      for (const id of ids) samples.get(id)!.push(d.first[id] ?? null);
    }
    return ids.map((property) => {
      const xs = samples.get(property)!;
      return { variant: v.name, property, generator, median: median(xs), worst: worst(xs), withinDefault: within(xs, DEFAULT_NUM_RUNS), seeds: cfg.seeds, cap };
    });
  };
  // both in the VMs the variant runs in: a TDX-only bug is found in a TDX VM or not at all
  return [...run('project', caseArbFor(v), cfg.cap), ...run('naive', naiveCaseArbFor(v), cfg.naiveCap, naiveBindArbFor(v))];
}
