// Proofs for C: a C variant file or a kernel tree, translated (prover/c/translate.ts) and proved
// like a TypeScript variant (prover/prove.ts); a construct the translator refuses makes every
// property unknown with its file and line. Places in the reasons name the C line, not the
// generated one. A counterexample is replayed on the compiled C itself (cSubject()), so what is
// reported never rests on the translation alone.

import fs from 'fs';
import path from 'path';
import { Variant } from '../../model/variant';
import { topLevel } from '../../native/cparse';
import { GccNotFoundError } from '../../native/compile';
import { CVariant, kernelHeader, loadCVariant, loadKernelVariant } from '../../native/cvariant';
import { recogniseEra } from '../../native/era';
import { locateSource } from '../../native/extract';
import { parseHeader } from '../../native/header';
import { Case } from '../../properties/case';
import { Outcome, execute } from '../../properties/engine/execute';
import { PROVER_PROPERTIES, ProveOptions, proveVariant } from '../prove';
import { VariantProof } from '../verdicts';
import { Refusal } from './lex';
import { loadPlain, loadSymbolic } from './load';
import { Translation, cWhere, translateCFile, translateTree } from './translate';

/** A C variant file, or a kernel tree (or its guest_memfd.c) as --from-kernel takes it. */
export interface CTarget { readonly file: string; readonly tree: boolean }

export const translateTarget = (t: CTarget): Translation => (t.tree ? translateTree(t.file) : translateCFile(t.file));

/** The name and expectations of a target the translator refused (its C still names it as the check does), and whether it has a kvm_gmem_bind(). */
function identify(t: CTarget): { file: string; variant: Pick<Variant, 'name' | 'expect'>; hasBind: boolean } {
  const file = t.tree ? locateSource(t.file) : t.file;
  const src = fs.readFileSync(file, 'utf8');
  const { functions, macros } = topLevel(src);
  const hasBind = functions.some((f) => f.name === 'kvm_gmem_bind');
  if (!t.tree) return { file, variant: parseHeader(file, src), hasBind };
  return { file, variant: kernelHeader(file, recogniseEra(file, functions, macros), []), hasBind };
}

export interface CProof {
  readonly proof: VariantProof;
  readonly variant: Pick<Variant, 'name' | 'expect'>;
  readonly translation?: Translation;
}

/**
 * Why a C file's bind-within-file has no proof: it has no kvm_gmem_bind(), or the translation
 * takes the invalidation's functions only.
 */
const noBind = (file: string, hasBind: boolean): string => (hasBind
  ? "not judged: prover/c translates the invalidation's functions, not kvm_gmem_bind() (its goto, fget() and struct file are outside the subset); npm run check judges it on the compiled C"
  : `not judged: ${path.basename(file)} has no kvm_gmem_bind()`);

export async function proveC(target: CTarget, opts: ProveOptions): Promise<CProof> {
  const t0 = performance.now();
  let t: Translation;
  try {
    t = translateTarget(target);
  } catch (e) {
    if (!(e instanceof Refusal)) throw e;
    const { file, variant, hasBind } = identify(target);
    const ms = performance.now() - t0;
    const ids = opts.properties ?? PROVER_PROPERTIES;
    return {
      variant,
      proof: {
        variant: variant.name, file, bound: 'none: the C was not translated', shapes: 0, paths: 0, queries: 0, cached: 0, ms, cpuMs: ms,
        results: ids.map((property) => (property === 'bind-within-file' ? { property, status: 'not-judged', reason: noBind(file, hasBind), ms } : { property, status: 'unknown', reason: e.message, ms })),
      },
    };
  }
  const proof = await proveVariant(t.file, opts, loadSymbolic(t));
  // the era takes a kvm_gmem_bind() of a known shape (bind) and names one of another (bindSkipped)
  const hasBind = t.era.bind !== undefined || t.era.bindSkipped !== undefined;
  return {
    variant: t.variant,
    translation: t,
    proof: { ...proof, results: proof.results.map((r) => (r.status === 'not-judged' ? { ...r, reason: noBind(t.file, hasBind) } : r.reason ? { ...r, reason: cWhere(t, r.reason) } : r)) },
  };
}

/** What replays a counterexample: the compiled C, or without gcc the translation run by the engine (said so). */
export interface CSubject {
  readonly variant: Variant;
  run(c: Case): Outcome;
  close(): void;
  /** Set when the C could not be compiled and the translation stands in for it. */
  readonly note?: string;
}

export function cSubject(target: CTarget): CSubject {
  let c: CVariant;
  try {
    c = target.tree ? loadKernelVariant(target.file) : loadCVariant(target.file);
  } catch (e) {
    if (!(e instanceof GccNotFoundError)) throw e;
    const plain = loadPlain(translateTarget(target));
    return { variant: plain, run: (x) => execute(plain, x), close: () => {}, note: `replayed on the translation, not the C: ${e.message}` };
  }
  return { variant: c, run: (x) => c.runner.run(x), close: () => c.runner.close() };
}

