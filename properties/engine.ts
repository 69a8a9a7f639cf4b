// The checking engine: every property of a variant run through fast-check (fc.check, so a
// failure is a verdict, not a throw), shrunk by fast-check and then by minimize(), and
// compared with the variant's expectation. Seeds and run counts come from FC_SEED and FC_NUM_RUNS.

import fc from 'fast-check';
import { Expectation, PropertyId, Variant } from '../model/variant';
import { WORD64, Word } from '../model/word';
import { caseArb } from './arbitraries';
import { Case, XarrayChoice, xarrayMode } from './case';
import { Outcome, execute } from './execute';
import { minimize } from './minimize';
import { PROPERTIES, Property, violations } from './properties';

export interface CheckOptions {
  readonly numRuns: number;
  readonly seed: number;
  readonly xarray: XarrayChoice;
  readonly word?: Word;
  /** fast-check's replay path, with the seed that produced it. */
  readonly path?: string;
  readonly properties?: readonly PropertyId[];
}

export interface Verdict {
  readonly variant: string;
  readonly property: PropertyId;
  readonly expected: Expectation;
  readonly actual: 'pass' | 'fail';
  /** The actual verdict is what the variant expects ('report' always matches). */
  readonly matches: boolean;
  readonly seed: number;
  readonly numRuns: number;
  /** Set on failure: the shrunk case, what happened, and how to replay it. */
  readonly counterexample?: Outcome;
  readonly violations?: readonly string[];
  readonly path?: string;
  readonly numShrinks?: number;
  /** The harness itself broke on this case (not the variant): a bug to fix here. */
  readonly harnessError?: string;
}

export const DEFAULT_NUM_RUNS = 1000;

/** FC_SEED and FC_NUM_RUNS, or a fresh seed and the default run count. */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): { numRuns: number; seed: number } {
  const num = (name: string, fallback: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isSafeInteger(n)) throw new Error(`${name} must be an integer, got "${raw}"`);
    return n;
  };
  return { numRuns: num('FC_NUM_RUNS', DEFAULT_NUM_RUNS), seed: num('FC_SEED', Date.now() ^ (Math.random() * 0x7fffffff)) };
}

export function checkProperty(variant: Variant, prop: Property, opts: CheckOptions): Verdict {
  const word = opts.word ?? WORD64;
  const mode = (c: Case) => xarrayMode(c, opts.xarray);
  const run = (c: Case) => {
    const o = execute(variant, c, mode(c), word);
    return violations(prop, o, (pick) => execute(variant, c, { kind: 'contract', pick }, word));
  };
  const details = fc.check(fc.property(caseArb, (c) => run(c).length === 0), {
    numRuns: opts.numRuns,
    seed: opts.seed,
    path: opts.path,
    endOnFailure: false,
  });
  const expected = variant.expect[prop.id];
  const base = { variant: variant.name, property: prop.id, expected, seed: opts.seed, numRuns: details.numRuns };
  if (!details.failed) {
    return { ...base, actual: 'pass', matches: expected !== 'fail' };
  }
  // A predicate that threw (rather than found violations) means the harness broke on this case.
  let c = details.counterexample![0];
  let found: string[] = [], harnessError: string | undefined;
  try {
    found = run(c);
    c = minimize(c, (x) => { try { return run(x).length > 0; } catch { return false; } });
    found = run(c);
  } catch (e) {
    harnessError = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  }
  return {
    ...base,
    actual: 'fail',
    matches: harnessError === undefined && expected !== 'pass',
    counterexample: harnessError ? undefined : execute(variant, c, mode(c), word),
    violations: harnessError ? [harnessError] : found,
    path: details.counterexamplePath ?? undefined,
    numShrinks: details.numShrinks,
    harnessError,
  };
}

export function checkVariant(variant: Variant, opts: CheckOptions): Verdict[] {
  const props = opts.properties ? PROPERTIES.filter((p) => opts.properties!.includes(p.id)) : PROPERTIES;
  return props.map((p) => checkProperty(variant, p, opts));
}
