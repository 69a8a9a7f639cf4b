// What the prover returns: per variant and property, proved within a bound, a counterexample
// (a shape and the solver's values for its inputs), or unknown with the reason. The command
// shows and saves them (properties/command/prove.ts); nothing here prints or writes.

import { PropertyId } from '../model/variant';
import { Assignment } from './inputs';
import { Shape } from './shapes';


/** 'not-judged': the property cannot judge the variant (bind-within-file and a variant without a kvm_gmem_bind()): no verdict, never a pass. */
export type Status = 'proved' | 'counterexample' | 'unknown' | 'not-judged';

export interface PropertyProof {
  readonly property: PropertyId;
  readonly status: Status;
  /** Unknown: why (a solver limit, a construct at file:line, a path cut); not judged: why. */
  readonly reason?: string;
  /** Counterexample: the shape it was found in and the solver's values for that shape's inputs. */
  readonly shape?: Shape;
  readonly assignment?: Assignment;
  /** Over-approximations the counterexample's path went through (it may not be real). */
  readonly abstractions?: readonly string[];
  /** Unknown because the prover disagreed with itself: a prover bug (the command's exit 2). */
  readonly proverBug?: boolean;
  /** When the verdict was settled, from the start of the variant's proof. */
  readonly ms: number;
}

export interface VariantProof {
  readonly variant: string;
  readonly file: string;
  /** The bound, in words. */
  readonly bound: string;
  readonly shapes: number;
  readonly paths: number;
  readonly queries: number;
  /** Of those, how many an earlier identical query answered (a variant that shares code with one proved before). */
  readonly cached: number;
  /** Wall time, and CPU time of the prover's process and the solver's together. */
  readonly ms: number;
  readonly cpuMs: number;
  readonly results: readonly PropertyProof[];
}
