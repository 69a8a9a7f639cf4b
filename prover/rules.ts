// The model's input rules as formulas: model/rules.ts, loaded through the transform (its s64()
// and u64() the runtime's), run on symbolic inputs down every path of its code, and each path's
// conditions gathered into the formula under which a rule accepts. The prover states no input
// rule of its own: a rule changed in model/rules.ts changes what every proof assumes.

import path from 'path';
import * as plainWord from '../model/word';
import type * as Rules from '../model/rules';
import { Path, PathCut, RUN_LIMITS, onPath, s64, ul } from './runtime';
import { BoolVal, Sym, Unsupported, and, boolSmt, or } from './term';
import { symbolicLoader } from './transform';

export type RulesModule = typeof Rules;

export const RULES_FILE = path.resolve(__dirname, '..', 'model', 'rules.ts');
const WORD_FILE = path.resolve(__dirname, '..', 'model', 'word');

/**
 * model/rules.ts (or a file standing for it: a test's mutated copy, given by its text in
 * `sources`) loaded symbolically; its import of model/word.ts gets the runtime's wraps.
 */
export function loadRules(file = RULES_FILE, sources: ReadonlyMap<string, string> = new Map()): RulesModule {
  const word = { ...plainWord, s64, u64: ul };
  return symbolicLoader(require, undefined, sources, new Map([[WORD_FILE, word]]))(file) as RulesModule;
}

let shipped: RulesModule | undefined;
/** The shipped rules, loaded once per process. */
export const modelRules = (): RulesModule => (shipped ??= loadRules());

/** Decisions one path of a rule may take (a rule has a handful; more is a loop gone wrong). */
const RULE_LIMITS = { ...RUN_LIMITS, decisions: 500 };

/**
 * Formulas of the rules, each the disjunction over every path of the rule's code of the path's
 * conditions and what the path returns. One naming context for all of them (`prefix` keeps its
 * names apart from a run's); the definitions of the names go beside the inputs' declarations.
 * Every literal keeps its shadow, so a formula's shadow is the rule's answer on the shadow inputs.
 */
export class RuleFormulas {
  private readonly path: Path;
  /**
   * `guard`: the formulas are only ever asked beside it (a rule of one folio order, say), so the
   * names they define are defined under it alone, and cost the solver nothing where it is false.
   */
  constructor(prefix: string, guard?: BoolVal) {
    this.path = new Path(RULE_LIMITS, prefix, [], guard === undefined ? undefined : boolSmt(guard));
  }

  /** SMT-LIB declarations and definitions of the names the formulas use. */
  get defs(): readonly string[] {
    return this.path.defs;
  }

  /** Where `f` (which calls rules) returns true, or a formula that holds: over every path of its code. */
  holds(f: () => boolean | BoolVal, what: string): BoolVal {
    const out: BoolVal[] = [];
    const todo: boolean[][] = [[]];
    while (todo.length) {
      const forced = todo.pop()!;
      this.path.restart(forced);
      let v: boolean | BoolVal;
      try {
        v = onPath(this.path, f);
      } catch (e) {
        if (e instanceof Unsupported || e instanceof PathCut) {
          throw new Error(`the input rules (${what}) cannot be run symbolically: ${e.message}${e.where ? ` at ${e.where}` : this.path.at ? ` near ${this.path.at}` : ''}`);
        }
        throw e;
      }
      const bs = [...this.path.branches];
      for (let j = forced.length; j < bs.length; j++) todo.push([...bs.slice(0, j).map((b) => b.taken), !bs[j].taken]);
      const when = bs.map((b) => new Sym('Bool', b.taken ? b.smt : `(not ${b.smt})`, b.taken === b.shadow));
      out.push(and(...when, v));
    }
    return or(...out);
  }
}

/** `f`'s answer is null (the call is accepted): a helper for the rules that return a Refusal or null. */
export const accepts = (r: unknown): boolean => r === null;
