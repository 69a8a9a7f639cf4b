// Evidence for an equivalent mutant: on every case it makes exactly the KVM calls its base makes
// (same order, same ranges, same results), so no property can tell the two apart.

import fc from 'fast-check';
import { Variant } from '../model/variant';
import { caseArbFor } from '../properties/arbitraries';
import { Case } from '../properties/case';
import { execute } from '../properties/engine/execute';

const calls = (v: Variant, c: Case): string => {
  const o = execute(v, c);
  return JSON.stringify({ events: o.events, fault: o.fault }, (_, x) => (typeof x === 'bigint' ? x.toString() : x));
};

/** The first generated case (1-based, in the VMs `b` runs in) on which the two variants' KVM calls differ, or null. */
export function firstDifference(a: Variant, b: Variant, seed: number, numRuns: number, arb: fc.Arbitrary<Case> = caseArbFor(b)): number | null {
  let i = 0, found: number | null = null;
  fc.check(fc.property(arb, (c) => {
    i++;
    if (calls(a, c) === calls(b, c)) return true;
    found = i;
    return false;
  }), { seed, numRuns, endOnFailure: true });
  return found;
}
