// The mutant catalogue: every file in bench/mutants/, with the variant it mutates, and the
// equivalence argument or known hole its origin line states ("mutant of upstream; equivalent: ...").

import fs from 'fs';
import path from 'path';
import { PROPERTY_IDS, PropertyId, Variant } from '../model/variant';
import { loadVariants } from '../properties/registry';

export const MUTANTS_DIR = path.join(__dirname, 'mutants');

export interface Mutant {
  readonly variant: Variant;
  /** The shipped variant it was made from. */
  readonly base: string;
  /** Why no input can tell it from its base, when it is equivalent. */
  readonly equivalent?: string;
  /** Why it survives, when it is a known hole in the properties. */
  readonly hole?: string;
  /** The file's header line: what was changed, and why a tired developer might write it. */
  readonly header: string;
}

export function parseOrigin(origin: string): { base: string; equivalent?: string; hole?: string } | null {
  const m = /^mutant of ([\w-]+)(.*)$/.exec(origin);
  if (!m) return null;
  const field = (name: string) => new RegExp(`; ${name}: ([^;]+)`).exec(m[2])?.[1];
  return { base: m[1], equivalent: field('equivalent'), hole: field('hole') };
}

export function loadMutants(dir: string = MUTANTS_DIR): Mutant[] {
  return loadVariants(dir).map((variant) => {
    const o = parseOrigin(variant.origin);
    if (!o) throw new Error(`${variant.name}: origin must start "mutant of <variant>", got "${variant.origin}"`);
    const file = path.join(dir, `${variant.name}.ts`);
    const first = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n')[0] : '';
    return { variant, ...o, header: first.replace(/^\/\/\s*[\w-]+:\s*/, '') };
  });
}

/** The properties that can kill a mutant of `base`: those the base is declared to pass. */
export const killable = (base: Variant): PropertyId[] => PROPERTY_IDS.filter((id) => base.expect[id] === 'pass');

/** The properties a mutant declares it fails among those its base passes: its declared killers. */
export const declaredKillers = (m: Mutant, base: Variant): PropertyId[] =>
  killable(base).filter((id) => m.variant.expect[id] === 'fail');
