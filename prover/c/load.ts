// A translated C variant (prover/c/translate.ts) loaded as a Variant: symbolically, through the
// prover's own loader under the translation's virtual name (prover/transform.ts), or plainly, for
// the ordinary engine (the differential test holds that one against the compiled C).

import Module from 'module';
import ts from 'typescript';
import { Variant } from '../../model/variant';
import { Harness, loadHarness } from '../explore';
import { loadSymbolicVariant } from '../prove';
import { symbolicLoader } from '../transform';
import { Translation } from './translate';

/** The translation as the prover runs it: every operator through the symbolic runtime. */
export function loadSymbolic(t: Translation): { variant: Variant; harness: Harness } {
  const load = symbolicLoader(require, undefined, new Map([[t.virtualFile, t.source]]));
  return { variant: loadSymbolicVariant(t.virtualFile, load), harness: loadHarness(load) };
}

/** The translation as plain TypeScript, for the engine's execute(). */
export function loadPlain(t: Translation): Variant {
  const js = ts.transpileModule(t.source, { fileName: t.virtualFile, compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
  const m = new Module(t.virtualFile);
  m.filename = t.virtualFile;
  (m as unknown as { _compile(code: string, file: string): void })._compile(js, t.virtualFile);
  const v = (m.exports as { default?: Variant }).default;
  if (!v || typeof v.invalidate_begin !== 'function') throw new Error(`${t.file}: its translation does not export a variant`);
  return v;
}
