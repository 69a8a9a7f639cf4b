// C → TypeScript variant source: a C variant file (variants/c/) or a kernel tree's invalidation
// functions (--from-kernel, native/extract.ts) become the source of a TypeScript variant over the
// model's Kernel, which the prover runs symbolically like any other (prover/c/load.ts). The same
// functions the C runner compiles are translated (the era's roots and what they call, with the
// file's macros), and so is the era's glue (native/era.ts: what a release calls, the split era's
// zap), so both run the same calls. The header comment of a C file (native/header.ts) or a tree's
// name (native/cvariant.ts kernelHeader()) carries over. A construct outside the subset is a
// Refusal naming its file and line (prover/c/emit.ts, prover/c/parse.ts).

import fs from 'fs';
import path from 'path';
import { FunctionDef, MacroDef, topLevel } from '../../native/cparse';
import { eraSpace, kernelHeader } from '../../native/cvariant';
import { EraInfo, glue, recogniseEra } from '../../native/era';
import { Item, closure, invalidationRoots, locateSource } from '../../native/extract';
import { parseHeader } from '../../native/header';
import { Variant } from '../../model/variant';
import { FunctionEmitter, PRELUDE, jsName } from './emit';
import { Macro, Refusal, Token, expand, lex, parseDefine } from './lex';
import { FunctionAst, Parser } from './parse';
import { CType, SHIM, shimTypedefs } from './types';

export interface Translation {
  /** The C file the functions are in (a variant file, or a tree's guest_memfd.c). */
  readonly file: string;
  /** The name the TypeScript is loaded under: the C file's, with .ts after it. */
  readonly virtualFile: string;
  readonly source: string;
  readonly era: EraInfo;
  readonly variant: Pick<Variant, 'name' | 'origin' | 'expect' | 'vmTypes' | 'takes'>;
  /** The C functions translated, in file order. */
  readonly taken: readonly string[];
  /** For each line of `source` (0-based), the C `file:line` it came from, if any. */
  readonly cLines: ReadonlyArray<string | undefined>;
}

/** Shim macros the translator reads itself (their bodies use what it does not translate: typeof, statement expressions). */
const KEEP = new Set(['min', 'max', 'min_t', 'max_t', 'container_of', 'list_for_each_entry', 'xa_for_each_range', 'NULL', 'XA_PRESENT', '__pte',
  '__always_inline', '__maybe_unused', '__rcu', '__user', '__bitwise']);

interface Shim { readonly macros: ReadonlyMap<string, Macro>; readonly refused: ReadonlyMap<string, Refusal>; readonly typedefs: ReadonlyMap<string, CType> }
let shimCache: Shim | undefined;
/** The shim's macros and typedefs, read from native/include/kvm_gmem_shim.h: the translation expands what gcc expands. */
function shim(): Shim {
  if (shimCache) return shimCache;
  const text = fs.readFileSync(SHIM, 'utf8');
  const macros = new Map<string, Macro>(), refused = new Map<string, Refusal>();
  const where = path.relative(path.join(__dirname, '..', '..'), SHIM);
  for (const m of topLevel(text).macros) {
    try {
      macros.set(m.name, parseDefine(m.text, where, m.line));
    } catch (e) {
      if (!(e instanceof Refusal)) throw e;
      refused.set(m.name, e);
    }
  }
  return (shimCache = { macros, refused, typedefs: shimTypedefs(text) });
}

/**
 * The tokens of one item with every macro expanded, the file's own macros before the shim's; a
 * function of the file is never a shim macro's use (native/extract.ts #undefs the shim's GMEM_I and
 * kvm_gmem_for_each_file so that the tree's own win).
 */
function tokensOf(item: { text: string; line: number }, file: string, fileMacros: ReadonlyMap<string, Macro>, fileFunctions: ReadonlySet<string> = new Set()): Token[] {
  const s = shim();
  const macros = new Map([...s.macros, ...fileMacros]);
  for (const f of fileFunctions) if (!fileMacros.has(f)) macros.delete(f);
  const keep = new Set([...KEEP].filter((n) => !fileMacros.has(n)));
  const out = expand(lex(item.text, file, item.line), macros, keep);
  for (const t of out) {
    const r = t.kind === 'id' && !fileMacros.has(t.text) ? s.refused.get(t.text) : undefined;
    if (r) throw new Refusal(t.where, `the shim's macro ${t.text} (${r.construct})`);
  }
  return out;
}

const parseFunction = (item: { text: string; line: number }, file: string, macros: ReadonlyMap<string, Macro>, functions: ReadonlySet<string>): FunctionAst =>
  new Parser(tokensOf(item, file, macros, functions), shim().typedefs).functionDef();

/** The glue's functions, as the Variant's: which harness_call_* is which, and how its view is named. */
const GLUE: ReadonlyArray<{ c: string; ts: string; params: readonly string[]; view?: string }> = [
  { c: 'harness_call_begin', ts: 'invalidate_begin', params: ['k', 'start', 'end'] },
  { c: 'harness_call_zap', ts: 'zap', params: ['k', 'start', 'end'] },
  { c: 'harness_call_end', ts: 'invalidate_end', params: ['k', 'start', 'end'] },
  { c: 'harness_call_release_begin', ts: 'release_begin', params: ['k', '$f'], view: '$f' },
  { c: 'harness_call_release_zap', ts: 'release_zap', params: ['k', '$f'], view: '$f' },
  { c: 'harness_call_release_end', ts: 'release_end', params: ['k', '$f'], view: '$f' },
];

type Header = Pick<Variant, 'name' | 'origin' | 'expect'>;

function translate(file: string, src: string, functions: readonly FunctionDef[], macros: readonly MacroDef[], era: EraInfo, header: (taken: readonly string[]) => Header): Translation {
  const rel = path.relative(process.cwd(), file) || file;
  // the invalidation's functions: a kvm_gmem_bind() is not translated (the prover does not judge bind-within-file)
  const items: Item[] = closure(file, src, functions, macros, invalidationRoots(era));
  const fileMacros = new Map<string, Macro>();
  for (const m of items) if (m.kind === 'macro') fileMacros.set(m.name, parseDefine(m.text, rel, m.line));
  const asts = new Map<string, FunctionAst>();
  const fileFunctions = new Set(items.filter((i) => i.kind === 'function').map((i) => i.name));
  for (const f of items) if (f.kind === 'function') asts.set(f.name, parseFunction(f, rel, fileMacros, fileFunctions));
  const filesOn = era.filesOn === 'i_private_list';

  const lines: Array<{ text: string; at?: string }> = [];
  const taken = items.filter((i) => i.kind === 'function').map((i) => i.name);
  const space = eraSpace(era);
  const h = header(items.map((i) => i.name));
  lines.push(
    { text: `// Generated by prover/c/translate.ts from ${rel} (era ${era.era}): ${taken.join(', ')}, statement for statement,` },
    { text: '// over the model\'s Kernel; C\'s arithmetic kept exactly (k.ul: unsigned 64-bit wrap, k.s64: signed). Do not edit: edit the C.' },
    ...PRELUDE.map((text) => ({ text })),
  );
  for (const [name, fn] of asts) {
    lines.push({ text: '' });
    lines.push(...new FunctionEmitter(asts, filesOn).function(fn, `function ${jsName(name)}($PARAMS)`));
  }

  // the era's glue (native/era.ts), translated like the functions: what the harness calls, with what
  const glueFns = new Map(topLevel(glue(era)).functions.map((f) => [f.name, f]));
  const wanted = GLUE.filter((g) => (g.ts === 'zap' ? era.zap : g.ts === 'release_zap' ? era.release?.zap : g.view ? era.release : true));
  const methods: Array<{ text: string; at?: string }> = [];
  for (const g of wanted) {
    const def = glueFns.get(g.c);
    if (!def) throw new Error(`native/era.ts glue() has no ${g.c}`);
    const ast = new Parser(tokensOf(def, '<harness glue>', new Map(), fileFunctions), shim().typedefs).functionDef();
    methods.push(...new FunctionEmitter(asts, filesOn, g.view ? { view: g.view } : {}).function(ast, `${g.ts}($PARAMS)`, g.params).map((l) => ({ ...l, text: `  ${l.text}`.replace(/^  \}$/, '  },') })));
  }
  const variant = { ...h, ...(space.vmTypes ? { vmTypes: space.vmTypes } : {}), ...(space.takes ? { takes: space.takes } : {}) };
  lines.push(
    { text: '' },
    { text: 'export default Object.freeze({' },
    ...Object.entries(variant).map(([key, value]) => ({ text: `  ${key}: ${JSON.stringify(value)},` })),
    ...methods,
    { text: '});' },
  );
  return {
    file, virtualFile: `${path.resolve(file)}.ts`, source: `${lines.map((l) => l.text).join('\n')}\n`, era, variant, taken,
    cLines: lines.map((l) => l.at),
  };
}

/** A C variant file (its harness comment, its era, the functions its era's glue calls). */
export function translateCFile(file: string): Translation {
  const src = fs.readFileSync(file, 'utf8');
  const { functions, macros } = topLevel(src);
  const era = recogniseEra(file, functions, macros);
  return translate(file, src, functions, macros, era, () => parseHeader(file, src));
}

/** A kernel tree's (or its guest_memfd.c's) invalidation functions, as --from-kernel takes them. */
export function translateTree(treeOrFile: string): Translation {
  const file = locateSource(treeOrFile);
  const src = fs.readFileSync(file, 'utf8');
  const { functions, macros } = topLevel(src);
  const era = recogniseEra(file, functions, macros);
  return translate(file, src, functions, macros, era, (taken) => kernelHeader(file, era, taken));
}

/** A text (an unknown verdict's reason) with each place in the generated source replaced by the C line it came from. */
export function cWhere(t: Translation, text: string): string {
  const rel = path.relative(path.resolve(__dirname, '..', '..'), t.virtualFile);
  const escaped = rel.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return text.replace(new RegExp(`${escaped}:(\\d+)`, 'g'), (all, n: string) => t.cLines[Number(n) - 1] ?? all);
}
