// Runs one variant on one case: resolve the caller through the kernel's front end, then call
// invalidate_begin and invalidate_end on a fresh kernel the way the era's callers do (or, for a
// bind request, its kvm_gmem_bind()), and keep what it recorded.

import { BindRequest, Resolved, resolve } from '../../model/callers';
import { BindStore, Machine, NewMemslot, WalkRecord, makeKernel } from '../../model/kernel';
import { KvmEvent, Phase } from '../../model/kvm';
import { Layout } from '../../model/layout';
import { SlotGfns, expectedUnmapsOfViews } from '../../model/reference';
import { Variant } from '../../model/variant';
import { WORD64, Word } from '../../model/word';
import { Case, materialize } from '../case';

export interface Outcome {
  readonly case: Case;
  readonly layout: Layout;
  readonly resolved: Resolved;
  /** What the reference says each slot must lose (nothing when the caller failed). */
  readonly expected: readonly SlotGfns[];
  readonly events: readonly KvmEvent[];
  readonly walks: readonly WalkRecord[];
  /** A bind request: what the variant's kvm_gmem_bind() answered and stored (absent if it did not return). */
  readonly bound?: BindAnswer;
  /** The variant threw: which function, and the error's message. */
  /** `hang`: it did not return within the time limit (a worker or a C child was stopped). */
  /** `notRun`: never sent (its variant hung on an earlier case): no failure of the case's own. */
  readonly fault?: { readonly phase: Phase; readonly message: string; readonly hang?: boolean; readonly notRun?: boolean };
}

/** What a kvm_gmem_bind() did with a request. */
export interface BindAnswer {
  /** What it returned: 0, or a negative errno. */
  readonly ret: number;
  /** slot->gmem.pgoff as it left it. */
  readonly pgoff: bigint;
  /** Each xa_store_range() of the bindings it made, in order. */
  readonly stores: readonly BindStore[];
}

/** The new memslot a bind request hands kvm_gmem_bind(): not yet bound, gmem.pgoff 0. */
export const newMemslot = (r: BindRequest): NewMemslot => ({ id: r.slot.id, base_gfn: r.slot.base_gfn, npages: r.slot.npages, gmem: { pgoff: 0n } });

/** The case as the kernel sees it before any variant runs: layout, caller, reference. */
export function prepare(c: Case, word: Word): Outcome {
  const layout = materialize(c.layout);
  const resolved = resolve(layout, c.op, word);
  const expected = resolved.kind === 'invalidate' ? expectedUnmapsOfViews(layout, resolved.start, resolved.end, resolved.view) : [];
  return { case: c, layout, resolved, expected, events: [], walks: [] };
}

export function execute(variant: Variant, c: Case, word: Word = WORD64): Outcome {
  const before = prepare(c, word);
  const { layout, resolved } = before;
  if (resolved.kind === 'bind') return executeBind(variant, before, resolved, word);
  if (resolved.kind !== 'invalidate') return before;
  const { start, end } = resolved;
  const machine = makeKernel(layout, word);
  const { recorder, walks } = machine;
  let fault: Outcome['fault'];
  try {
    const call = callsOf(variant, machine, resolved);
    for (const step of call.steps) {
      recorder.phase = step.phase;
      step.run(start, end);
    }
  } catch (e) {
    fault = { phase: recorder.phase, message: thrownText(e) };
  }
  return { case: c, layout, resolved, expected: before.expected, events: recorder.events, walks, fault };
}

/**
 * What a variant threw, as its failure says it; a value that cannot be made a string (a null
 * prototype, a getter that throws) is still the variant's fault, named as its own process names it
 * (isolation/ts-child-main.ts), not a harness error.
 */
function thrownText(e: unknown): string {
  try {
    return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  } catch {
    return 'an exception that cannot be printed';
  }
}

/** A bind request: the variant's kvm_gmem_bind() on the new slot, on the first view's file. */
function executeBind(variant: Pick<Variant, 'bind'>, before: Outcome, r: BindRequest, word: Word): Outcome {
  const machine = makeKernel(before.layout, word);
  machine.recorder.phase = 'bind';
  const slot = newMemslot(r);
  try {
    if (!variant.bind) throw new Error('the variant has no bind(): it cannot be given a bind request');
    const ret = variant.bind(machine.kernel, slot, r.offset);
    if (typeof ret !== 'number' || !Number.isSafeInteger(ret)) throw new Error(`kvm_gmem_bind() must return an int, got ${typeof ret} ${String(ret)}`);
    return { ...before, events: machine.recorder.events, bound: { ret, pgoff: slot.gmem.pgoff, stores: machine.stores } };
  } catch (e) {
    return { ...before, events: machine.recorder.events, fault: { phase: 'bind', message: thrownText(e) } };
  }
}

type Invalidate = Extract<Resolved, { kind: 'invalidate' }>;

/** One call of the caller's sequence: the phase it is, and the variant function it runs. */
export interface Step {
  readonly phase: Phase;
  run(start: bigint, end: bigint): void;
}

/**
 * How the callers call a variant (KERNEL-FACTS §6). Before 2025 the functions take one view's
 * kvm_gmem and a case has one view: begin, then end. From 2025 they take the inode and loop over
 * the views; a release closes one view's file and calls the per-view functions on it
 * (release_begin/_end). The split era puts zap between begin and end (release_zap for a release),
 * and a conversion is the variant's own convert(), which calls its three functions per huge page.
 */
export function callsOf(variant: Pick<Variant, 'takes' | 'invalidate_begin' | 'invalidate_end' | 'zap' | 'release_begin' | 'release_zap' | 'release_end' | 'convert'>, m: Machine, r: Invalidate, enter: (p: Phase) => void = (p) => { m.recorder.phase = p; }): { readonly steps: readonly Step[] } {
  if (variant.takes === 'inode' && r.convert) {
    const k = m.kernel;
    // each of the three runs in its own phase, and the conversion's own code between them in
    // 'convert' (written out, no closure per call: a conversion calls them once per huge page)
    const fns = {
      kvm_gmem_invalidate_begin: (s: bigint, e: bigint) => { enter('begin'); variant.invalidate_begin(k, s, e); enter('convert'); },
      kvm_gmem_zap: (s: bigint, e: bigint) => { enter('zap'); variant.zap!(k, s, e); enter('convert'); },
      kvm_gmem_invalidate_end: (s: bigint, e: bigint) => { enter('end'); variant.invalidate_end(k, s, e); enter('convert'); },
    };
    const toPrivate = r.convert.toPrivate;
    return { steps: [{ phase: 'convert', run: (s, e) => variant.convert!(k, fns, s, e - s, toPrivate) }] };
  }
  if (variant.takes === 'inode' && r.view !== undefined) {
    const k = m.kernel, f = m.kernelFor(r.view).gmem;
    return {
      steps: [
        { phase: 'begin', run: () => variant.release_begin!(k, f) },
        ...(variant.release_zap ? [{ phase: 'zap' as const, run: () => variant.release_zap!(k, f) }] : []),
        { phase: 'end', run: () => variant.release_end!(k, f) },
      ],
    };
  }
  const k = m.kernelFor(variant.takes === 'inode' ? 0 : r.view ?? 0);
  return {
    steps: [
      { phase: 'begin', run: (s, e) => variant.invalidate_begin(k, s, e) },
      ...(variant.zap ? [{ phase: 'zap' as const, run: (s: bigint, e: bigint) => variant.zap!(k, s, e) }] : []),
      { phase: 'end', run: (s, e) => variant.invalidate_end(k, s, e) },
    ],
  };
}

/** Whether a case runs variant code: it reaches the invalidation, or kvm_gmem_bind(). */
export const runsVariant = (r: Resolved): boolean => r.kind === 'invalidate' || r.kind === 'bind';
