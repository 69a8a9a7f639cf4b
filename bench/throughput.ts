// Throughput on one core: where a case's time goes (generator, model set-up, reference, variant,
// checks), cases per second per variant and property as the engine runs them (generate, execute,
// judge one property), and how the cost grows with the number of slots and of xarray chunks.

import fc from 'fast-check';
import { resolve } from '../model/callers';
import { makeKernel } from '../model/kernel';
import { expectedUnmaps } from '../model/reference';
import { PropertyId, Variant } from '../model/variant';
import { WORD64 } from '../model/word';
import { storeRangeChunks } from '../model/xarray';
import { caseArb } from '../properties/arbitraries';
import { Case, LayoutSpec, materialize } from '../properties/case';
import { checkProperty, screen } from '../properties/engine/engine';
import { Outcome, execute } from '../properties/engine/execute';
import { PROPERTIES, property, violations } from '../properties/properties';
import { cpuMs } from './stats';

export interface ThroughputConfig {
  readonly cases: number;
  readonly seed: number;
}

/** Microseconds per case of each phase, for one variant over the same generated cases. */
export interface Phases {
  readonly variant: string;
  readonly generator: number;
  readonly model: number;
  readonly reference: number;
  readonly run: number;
  readonly checks: Record<PropertyId, number>;
}

export interface Rate {
  readonly variant: string;
  readonly property: PropertyId;
  /** Derived from the phases: generate + execute + judge this one property. */
  readonly casesPerSecond: number;
}

export interface Growth {
  readonly label: string;
  readonly slots: number;
  readonly chunks: number;
  /** Microseconds per case: execute() alone, and the checks of every property on its outcome. */
  readonly execute: number;
  readonly checks: number;
}

// CPU time, not wall time: the machine is shared, and a process waiting for a core spends none
const now = cpuMs;
const perCase = (ms: number, n: number) => (ms * 1000) / n;
/** The fastest of `rounds` timings of fn, in ms: the least disturbed by GC and other processes. */
function fastest(rounds: number, fn: () => void): number {
  let best = Infinity;
  for (let i = 0; i < rounds; i++) {
    const t = now();
    fn();
    best = Math.min(best, now() - t);
  }
  return best;
}
const ROUNDS = 3;
/** End to end and raw fast-check: the median of this many rounds (the machine is shared: one round may be disturbed either way). */
export const E2E_ROUNDS = 5;
function medianTime(rounds: number, fn: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = now();
    fn();
    times.push(now() - t);
  }
  return times.sort((a, b) => a - b)[rounds >> 1];
}

/** The generator's cost, measured once: fc.sample draws cases as fc.check does. */
function generatorCost(cfg: ThroughputConfig): { cases: Case[]; usPerCase: number } {
  let cases: Case[] = [];
  const ms = fastest(ROUNDS, () => { cases = fc.sample(caseArb, { numRuns: cfg.cases, seed: cfg.seed }); });
  return { cases, usPerCase: perCase(ms, cfg.cases) };
}

/** The phases of execute() timed one at a time over all cases, then each property's checks. */
export function phases(v: Variant, cases: readonly Case[], generator: number): Phases {
  const layouts = cases.map((c) => materialize(c.layout));
  const resolved = cases.map((c, i) => resolve(layouts[i], c.op, WORD64));
  // a fresh spec each time: materialize() caches per spec object, and the binding is the cost
  const model = perCase(fastest(ROUNDS, () => cases.forEach((c) => resolve(materialize({ ...c.layout }), c.op, WORD64))), cases.length);
  const reference = perCase(fastest(ROUNDS, () => resolved.forEach((r, i) => {
    if (r.kind === 'invalidate') expectedUnmaps(layouts[i], r.start, r.end);
  })), cases.length);
  const run = perCase(fastest(ROUNDS, () => resolved.forEach((r, i) => {
    if (r.kind !== 'invalidate') return;
    const { kernel, recorder } = makeKernel(layouts[i], WORD64);
    try {
      recorder.phase = 'begin';
      v.invalidate_begin(kernel, r.start, r.end);
      recorder.phase = 'end';
      v.invalidate_end(kernel, r.start, r.end);
    } catch { /* a fault is judged by the checks, not timed here */ }
  })), cases.length);
  const outcomes: Outcome[] = cases.map((c) => execute(v, c, WORD64));
  const checks = {} as Record<PropertyId, number>;
  for (const p of PROPERTIES) {
    checks[p.id] = perCase(fastest(ROUNDS, () => outcomes.forEach((o) => violations(p, o))), cases.length);
  }
  return { variant: v.name, generator, model, reference, run, checks };
}

/** Cases per second per property, as the engine spends them: generate, execute, judge. */
export function rates(p: Phases): Rate[] {
  const exec = p.model + p.reference + p.run;
  return PROPERTIES.map((prop) => ({
    variant: p.variant,
    property: prop.id,
    casesPerSecond: 1e6 / (p.generator + exec + p.checks[prop.id]),
  }));
}

/** One real fc.check through the engine, to hold the derived rates against (a property the variant passes). */
function measuredRate(v: Variant, id: PropertyId, numRuns: number, seed: number): number {
  const run = () => {
    const verdict = checkProperty(v, property(id), { seed, numRuns });
    if (verdict.actual !== 'pass') throw new Error(`${v.name} fails ${id}: pick a property it passes to time`);
  };
  run(); // warm: fast-check's runner is cold on the first call
  return numRuns / (fastest(ROUNDS, run) / 1000);
}

function timeCase(v: Variant, c: Case, label: string, slots: number, chunks: number, reps: number): Growth {
  const o = execute(v, c);
  const exec = () => { for (let i = 0; i < reps; i++) execute(v, { ...c, layout: { ...c.layout } }); };
  const check = () => { for (let i = 0; i < reps; i++) for (const p of PROPERTIES) violations(p, o); };
  exec(); check(); // warm
  return { label, slots, chunks, execute: perCase(fastest(ROUNDS, exec), reps), checks: perCase(fastest(ROUNDS, check), reps) };
}

const release = (layout: LayoutSpec): Case => ({ layout, op: { kind: 'release' } });

/** k slots of 64 pages each, one xarray chunk per binding, released (every binding is visited). */
function growthWithSlots(v: Variant, counts: readonly number[], reps: number): Growth[] {
  return counts.map((k) => {
    const slots = Array.from({ length: k }, (_, i) => ({ id: i, pgoff: 64n * BigInt(i), npages: 64n, base_gfn: 64n * BigInt(i) }));
    return timeCase(v, release({ filePages: 64n * BigInt(k), slots }), `${k} x 64 pages`, k, k, reps);
  });
}

/** One binding from index 1 of increasing size, so that it is stored as more and more chunks, released. */
function growthWithChunks(v: Variant, reps: number): Growth[] {
  const byCount = new Map<number, bigint>();
  for (let bits = 1n; bits <= 31n; bits++) {
    for (const npages of [(1n << bits) - 1n, (1n << bits) + 1n]) {
      if (npages < 1n || npages > (1n << 31n) - 1n) continue;
      const n = storeRangeChunks(1n, npages).length;
      if (!byCount.has(n)) byCount.set(n, npages);
    }
  }
  return [...byCount].sort((a, b) => a[0] - b[0]).map(([chunks, npages]) => {
    const layout = { filePages: npages + 1n, slots: [{ id: 0, pgoff: 1n, npages, base_gfn: 0n }] };
    return timeCase(v, release(layout), `npages ${npages}`, 1, chunks, reps);
  });
}

/** One fc.check end to end, in µs per case: a variant's cases drawn, executed once and judged on every property; or raw fast-check. */
export interface EndToEnd {
  readonly variant: string;
  readonly usPerCase: number;
}

const U64 = (1n << 64n) - 1n;

/**
 * fast-check alone, the floor any generator built on it stands on: fc.check drawing a 5-tuple of
 * 64-bit bigints and checking a trivial predicate of them.
 */
function rawFastCheckRun(cfg: ThroughputConfig): () => void {
  const u64 = fc.bigInt({ min: 0n, max: U64 });
  const arb = fc.tuple(u64, u64, u64, u64, u64);
  return () => { fc.assert(fc.property(arb, (t) => t[0] + t[1] + t[2] + t[3] + t[4] >= 0n), { numRuns: cfg.cases, seed: cfg.seed }); };
}

/**
 * A variant's cases as the engine's screened check spends them, end to end: its first pass over
 * the generated cases (screen()), which draws each case from the variant's own space (VM types,
 * views, split era), runs execute() once, and judges every property of invalidations that has not
 * failed yet on that outcome (bind-within-file draws bind requests of its own). A property that
 * failed is not judged again: its verdict is made, and its own check shrinks its counterexample.
 */
export function endToEnd(v: Variant, cfg: ThroughputConfig): EndToEnd {
  const run = endToEndRun(v, cfg);
  run();
  return { variant: v.name, usPerCase: perCase(medianTime(E2E_ROUNDS, run), cfg.cases) };
}

/** One round of endToEnd(): cfg.cases cases through screen(). */
function endToEndRun(v: Variant, cfg: ThroughputConfig): () => void {
  return () => {
    const { passes } = screen(v, PROPERTIES, { seed: cfg.seed, numRuns: cfg.cases });
    // once every property has failed (or the run broke) the screen runs no more cases: the round would time cases it skipped
    if (passes.size === 0) throw new Error(`${v.name}: no property held to the end of ${cfg.cases} cases (each failed, or the run broke), so screen() skipped cases a round would count`);
  };
}

/**
 * Raw fast-check and every variant end to end, their rounds taken in turn (one of each, then the
 * next of each): a slow spell of the shared machine falls on a round of every one of them alike,
 * not on the rounds of one variant, so their figures and ratios are taken under the same load.
 */
function endToEndInTurn(variants: readonly Variant[], cfg: ThroughputConfig): { raw: number; ends: EndToEnd[] } {
  const runs = [rawFastCheckRun(cfg), ...variants.map((v) => endToEndRun(v, cfg))];
  // every one once before any is timed: the first one timed must not pay for the JIT
  const times = runs.map((run) => { run(); return [] as number[]; });
  for (let r = 0; r < E2E_ROUNDS; r++) {
    runs.forEach((run, i) => {
      const t = now();
      run();
      times[i].push(now() - t);
    });
  }
  const median = (ts: number[]) => perCase([...ts].sort((a, b) => a - b)[ts.length >> 1], cfg.cases);
  return { raw: median(times[0]), ends: variants.map((v, i) => ({ variant: v.name, usPerCase: median(times[i + 1]) })) };
}

export interface ThroughputResults {
  /** fast-check alone (rawFastCheckRun), measured in the same run, in turn with the variants. */
  readonly rawFastCheck: number;
  readonly endToEnd: EndToEnd[];
  readonly phases: Phases[];
  readonly rates: Rate[];
  readonly measured: { readonly variant: string; readonly property: PropertyId; readonly casesPerSecond: number; readonly derived: number };
  readonly growthSlots: Growth[];
  readonly growthChunks: Growth[];
}

/**
 * Every measurement of this section, after a warm-up pass so the first variant timed does not pay
 * for the JIT. End to end and the engine's own run come first: the phases below hold thousands of
 * generated cases and their layouts across their timings, V8 learns from that to allocate the
 * model's objects in its old generation at once (allocation-site pretenuring), and every case
 * timed after them, raw fast-check's too, costs 2 to 2.5 times as much. With
 * --no-allocation-site-pretenuring the order makes no difference. See docs/cost.md.
 */
export function measureThroughput(variants: readonly Variant[], cfg: ThroughputConfig & { readonly reps: number }): ThroughputResults {
  const { raw, ends } = endToEndInTurn(variants, cfg);
  const upstream = variants.find((v) => v.name === 'upstream')!;
  const id: PropertyId = 'no-stale-mapping';
  const measured = measuredRate(upstream, id, cfg.cases, cfg.seed);
  const warm = generatorCost({ cases: Math.min(cfg.cases, 500), seed: cfg.seed + 1 });
  for (const v of variants) phases(v, warm.cases, 0);
  const gen = generatorCost(cfg);
  const all = variants.map((v) => phases(v, gen.cases, gen.usPerCase));
  const derived = rates(all.find((p) => p.variant === upstream.name)!).find((x) => x.property === id)!.casesPerSecond;
  return {
    rawFastCheck: raw,
    endToEnd: ends,
    phases: all,
    rates: all.flatMap(rates),
    measured: { variant: upstream.name, property: id, casesPerSecond: measured, derived },
    growthSlots: growthWithSlots(upstream, [1, 2, 3, 4, 6, 8, 16, 32, 64], cfg.reps),
    growthChunks: growthWithChunks(upstream, cfg.reps),
  };
}
