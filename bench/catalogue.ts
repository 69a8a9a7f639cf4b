// The mutant catalogue: every file in bench/mutants/, with the variant it mutates, and the
// equivalence argument its origin line states ("mutant of upstream; equivalent: ..."). A mutant
// nothing kills is a hole to close in the properties, not a state to record.

import { notJudged, property } from '../properties/properties';
import fs from 'fs';
import path from 'path';
import { PROPERTY_IDS, PropertyId, Variant } from '../model/variant';
import { loadVariants, variantFile } from '../properties/registry';

const MUTANTS_DIR = path.join(__dirname, 'mutants');

export interface Mutant {
  readonly variant: Variant;
  /** The shipped variant it was made from. */
  readonly base: string;
  /** Why no input can tell it from its base, when it is equivalent. */
  readonly equivalent?: string;
  /** The file's header line: what was changed, and why a tired developer might write it. */
  readonly header: string;
}

export function parseOrigin(origin: string): { base: string; equivalent?: string } | null {
  const m = /^mutant of ([\w.-]+)(.*)$/.exec(origin);
  if (!m) return null;
  const field = (name: string) => new RegExp(`; ${name}: ([^;]+)`).exec(m[2])?.[1];
  return { base: m[1], equivalent: field('equivalent') };
}

export function loadMutants(): Mutant[] {
  return loadVariants(MUTANTS_DIR).map((variant) => {
    const o = parseOrigin(variant.origin);
    if (!o) throw new Error(`${variant.name}: origin must start "mutant of <variant>", got "${variant.origin}"`);
    const first = fs.readFileSync(variantFile(variant)!, 'utf8').split('\n')[0];
    return { variant, ...o, header: first.replace(/^\/\/\s*[\w-]+:\s*/, '') };
  });
}

/** The properties that can kill a mutant of `base`: those the base is declared to pass, and that judge it (bind-within-file needs a bind()). */
export const killable = (base: Variant): PropertyId[] => PROPERTY_IDS.filter((id) => base.expect[id] === 'pass' && !notJudged(property(id), base));

/** The properties a mutant declares it fails among those its base passes: its declared killers. */
export const declaredKillers = (m: Mutant, base: Variant): PropertyId[] =>
  killable(base).filter((id) => m.variant.expect[id] === 'fail');
