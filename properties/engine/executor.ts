// How a case runs, as the engine and the runners both speak of it: the executor, an isolated
// executor that confirms what it finds, and the part of a variant the engine needs. Types only, so that the engine, properties/isolation and the reports
// can share them without importing one another.

import type { Variant } from '../../model/variant';
import type { Case } from '../case';
import type { Outcome } from './execute';

/** Runs one case of one variant: in this process, or in the variant's own (properties/isolation). */
export type Executor = (c: Case) => Outcome;

/** What replaying a failure in fresh processes showed. */
export type Confirmation =
  /** It fails alone in a fresh process. */
  | { readonly kind: 'reproduced' }
  /** It fails in a fresh process only after these cases: the variant keeps state across calls. */
  | { readonly kind: 'history'; readonly history: readonly Case[] }
  /** It failed once and then neither alone nor after its whole history: the variant is not deterministic. */
  | { readonly kind: 'not-reproduced' };

/** An executor that runs a variant in its own process: it confirms hangs and failures. */
export interface Isolated {
  readonly run: Executor;
  /** The confirmed hang of this variant, if any: every case after it is "not run". */
  hungOn(): { readonly case: Case; readonly message: string; readonly outcome: Outcome } | undefined;
  /** True for the first property that asks after a hang: that one reports it, the rest are "not run". */
  claimHang(): boolean;
  /** Replays a failure in fresh processes: `fails` judges the property with the executor it is given. */
  confirm?(c: Case, fails: (exec: Executor) => boolean): Confirmation;
  /** A fresh process that has run `history` first: where a history-dependent report is replayed. */
  afterHistory?(history: readonly Case[]): { readonly run: Executor; close(): void };
}

/** What the engine needs of a variant: its declarations, and its functions if it runs in this process. */
export type VariantInfo = Omit<Variant, 'invalidate_begin' | 'invalidate_end'> & Partial<Pick<Variant, 'invalidate_begin' | 'invalidate_end'>>;

