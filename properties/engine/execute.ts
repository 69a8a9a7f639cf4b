// Runs one variant on one case: resolve the caller through the kernel's front end, then call
// invalidate_begin and invalidate_end on a fresh kernel and keep what it recorded.

import { Resolved, resolve } from '../../model/callers';
import { WalkRecord, makeKernel } from '../../model/kernel';
import { KvmEvent } from '../../model/kvm';
import { Layout } from '../../model/layout';
import { SlotGfns, expectedUnmaps } from '../../model/reference';
import { Variant } from '../../model/variant';
import { WORD64, Word } from '../../model/word';
import { XarrayMode } from '../../model/xarray';
import { Case, materialize } from '../case';

export interface Outcome {
  readonly case: Case;
  readonly layout: Layout;
  readonly resolved: Resolved;
  readonly mode: XarrayMode;
  /** What the reference says each slot must lose (nothing when the caller failed). */
  readonly expected: readonly SlotGfns[];
  readonly events: readonly KvmEvent[];
  readonly walks: readonly WalkRecord[];
  /** The variant threw: which function, and the error's message. */
  /** `hang`: it did not return within the time limit (a worker or a C child was stopped). */
  /** `notRun`: never sent (its variant hung on an earlier case): no failure of the case's own. */
  readonly fault?: { readonly phase: 'begin' | 'end'; readonly message: string; readonly hang?: boolean; readonly notRun?: boolean };
}

/** The case as the kernel sees it before any variant runs: layout, caller, reference. */
export function prepare(c: Case, mode: XarrayMode, word: Word): Outcome {
  const layout = materialize(c.layout);
  const resolved = resolve(layout, c.op, word);
  const expected = resolved.kind === 'invalidate' ? expectedUnmaps(layout, resolved.start, resolved.end) : [];
  return { case: c, layout, resolved, mode, expected, events: [], walks: [] };
}

export function execute(variant: Variant, c: Case, mode: XarrayMode, word: Word = WORD64): Outcome {
  const before = prepare(c, mode, word);
  const { layout, resolved } = before;
  if (resolved.kind !== 'invalidate') return before;
  const { start, end } = resolved;
  const { kernel, recorder, walks } = makeKernel(layout, word, mode);
  let fault: Outcome['fault'];
  try {
    recorder.phase = 'begin';
    variant.invalidate_begin(kernel, start, end);
    recorder.phase = 'end';
    variant.invalidate_end(kernel, start, end);
  } catch (e) {
    fault = { phase: recorder.phase, message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
  return { ...before, events: recorder.events, walks, fault };
}

/** The outcome of a case the variant never finished (a hang), or was not run on. */
export function faultOutcome(c: Case, mode: XarrayMode, message: string, word: Word = WORD64, hang = false): Outcome {
  return { ...prepare(c, mode, word), fault: { phase: 'begin', message, ...(hang ? { hang } : {}) } };
}
