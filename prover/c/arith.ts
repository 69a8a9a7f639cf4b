// The translator's arithmetic against gcc's: random C expressions over the integer types a body
// meets (unsigned long, loff_t, int, unsigned int, bool, u64, and their literals), with every
// operator the subset takes (+ - * / % << >> & | ^ ~ ! - comparisons ?: casts min_t max_t), each
// compiled by gcc with the kernel's flags (native/compile.ts) and translated by prover/c/emit.ts,
// then evaluated on the same inputs, edge values first. Equal results on every expression and
// input are the evidence that the usual arithmetic conversions and the wraps are C's.

import { spawnSync } from 'child_process';
import fc from 'fast-check';
import Module from 'module';
import ts from 'typescript';
import { INCLUDE_DIR, buildProgram } from '../../native/compile';
import { WORD64, s64 } from '../../model/word';
import { FunctionEmitter, PRELUDE } from './emit';
import { lex } from './lex';
import { FunctionAst, Parser } from './parse';
import { CType, IntType, T, maxOf, minOf, promote, shimTypedefs, typeName, usual } from './types';

const VARS: ReadonlyArray<readonly [string, CType]> = [['a', T.ulong], ['b', T.llong], ['c', T.int], ['d', T.uint], ['e', T.bool], ['g', T.ullong]];
const CASTS = ['unsigned long', 'loff_t', 'int', 'unsigned int', 'u64', 'u8', 'short', 'bool'];
const typedefs = shimTypedefs();
const typeOf = (name: string): CType => typedefs.get(name) ?? ({ 'unsigned long': T.ulong, int: T.int, 'unsigned int': T.uint, short: T.short } as Record<string, CType>)[name];

interface Gen { readonly text: string; readonly type: CType }

/** A C expression of depth at most `depth` whose every operation gcc defines (no shift past the width, no division by 0 or by -1). */
function expr(depth: number): fc.Arbitrary<Gen> {
  const leaf = fc.oneof(
    fc.constantFrom(...VARS.map(([n, t]) => ({ text: n, type: t }))),
    fc.constantFrom('0', '1', '2', '7', '4096', '0x7fffffff', '0xffffffff', '1ul', '-1ul', '1ULL', '0x8000000000000000ul', '9223372036854775807ll', '12').map((text) => ({ text, type: T.int })),
  );
  if (depth === 0) return leaf;
  const sub = expr(depth - 1);
  const int = (g: Gen): IntType => promote(g.type);
  return fc.oneof(
    { arbitrary: leaf, weight: 2 },
    { arbitrary: fc.tuple(fc.constantFrom('+', '-', '*', '&', '|', '^', '<', '>', '<=', '>=', '==', '!=', '&&', '||'), sub, sub).map(([op, x, y]) => ({ text: `(${x.text} ${op} ${y.text})`, type: ['<', '>', '<=', '>=', '==', '!=', '&&', '||'].includes(op) ? T.int : usual(x.type, y.type) })), weight: 4 },
    { arbitrary: fc.tuple(fc.constantFrom('/', '%'), sub, fc.constantFrom<[string, CType]>(['1', T.int], ['3', T.int], ['4096', T.int], ['7u', T.uint], ['5ul', T.ulong], ['9ll', T.llong])).map(([op, x, [y, t]]) => ({ text: `(${x.text} ${op} ${y})`, type: usual(x.type, t) })), weight: 1 },
    { arbitrary: fc.tuple(fc.constantFrom('<<', '>>'), sub, fc.nat(63)).map(([op, x, s]) => ({ text: `(${x.text} ${op} ${s % int(x).bits})`, type: int(x) })), weight: 1 },
    { arbitrary: fc.tuple(fc.constantFrom('-', '~', '!'), sub).map(([op, x]) => ({ text: `(${op} ${x.text})`, type: op === '!' ? T.int : int(x) })), weight: 1 },
    { arbitrary: fc.tuple(fc.constantFrom(...CASTS), sub).map(([t, x]) => ({ text: `((${t})${x.text})`, type: typeOf(t) })), weight: 1 },
    { arbitrary: fc.tuple(sub, sub, sub).map(([c, x, y]) => ({ text: `(${c.text} ? ${x.text} : ${y.text})`, type: usual(x.type, y.type) })), weight: 1 },
    { arbitrary: fc.tuple(fc.constantFrom('min_t', 'max_t'), fc.constantFrom('unsigned long', 'loff_t', 'int', 'u64'), sub, sub).map(([f, t, x, y]) => ({ text: `${f}(${t}, ${x.text}, ${y.text})`, type: typeOf(t) })), weight: 1 },
  );
}

/** Inputs: every variable at its type's edges, then random values. */
function inputs(count: number, seed: number): bigint[][] {
  const edges = (t: CType): bigint[] => (t.k === 'bool' ? [0n, 1n] : [0n, 1n, maxOf(t as IntType), minOf(t as IntType), maxOf(t as IntType) >> 1n, 4096n, BigInt(-4096) < minOf(t as IntType) ? 4095n : -4096n]);
  const out: bigint[][] = [];
  for (let i = 0; i < 7; i++) out.push(VARS.map(([, t]) => { const e = edges(t); return e[i % e.length]; }));
  const rnd = fc.sample(fc.tuple(...VARS.map(([, t]) => (t.k === 'bool' ? fc.constantFrom(0n, 1n) : fc.bigInt(minOf(t as IntType), maxOf(t as IntType))))), { seed, numRuns: count });
  return [...out, ...rnd];
}

export interface ArithResult { readonly expressions: number; readonly inputs: number; readonly mismatches: ReadonlyArray<{ expression: string; input: string; gcc: string; translated: string }> }

/** `count` expressions on `inputCount` random inputs (and the edges) each, through gcc and through the translation (`mutate`d, to show a wrong one is caught). */
export function arithmeticDifferential(count: number, inputCount: number, seed: number, mutate: (source: string) => string = (s) => s): ArithResult {
  const gens = fc.sample(expr(3), { seed, numRuns: count });
  const params = VARS.map(([n, t]) => `${t.k === 'bool' ? 'bool' : typeName(t)} ${n}`).join(', ');
  const fns = gens.map((g, i) => `static u64 e${i}(${params})\n{\n\treturn ${g.text};\n}\n`);
  const ins = inputs(inputCount, seed);
  const cLit = (x: bigint, t: CType) => (t.k === 'bool' ? `${x}` : x < 0n ? `(${x + 1n}LL - 1)` : `${x}ULL`);
  const ctype = (t: CType) => (t.k === 'bool' ? 'bool' : typeName(t));
  const c = [
    '#include "kvm_gmem_shim.h"',
    ...fns,
    ...VARS.map(([n, t], j) => `static const ${ctype(t)} in_${n}[] = { ${ins.map((row) => `(${ctype(t)})${cLit(row[j], t)}`).join(', ')} };`),
    `static u64 (*const fns[])(${params}) = { ${gens.map((_, i) => `e${i}`).join(', ')} };`,
    'int main(void)\n{',
    `\tfor (int r = 0; r < ${ins.length}; r++)`,
    `\t\tfor (int i = 0; i < ${gens.length}; i++)`,
    `\t\t\tprintf("%llu\\n", (unsigned long long)fns[i](${VARS.map(([n]) => `in_${n}[r]`).join(', ')}));`,
    '\treturn 0;\n}',
  ].join('\n');
  // -w: the expressions are random, gcc's warnings about them (overflow of constants, precedence) are expected
  const program = buildProgram({ name: 'arith-differential', inputs: [], generated: { text: c, shownAs: 'arith.c' }, args: (out, gen) => ['-w', '-I', INCLUDE_DIR, '-o', out, gen], file: 'arith.c' });
  const run = spawnSync(program.binary, [], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (run.status !== 0) throw new Error(`the arithmetic program failed: ${run.stderr}`);
  const fromGcc = run.stdout.trim().split('\n');

  const asts: FunctionAst[] = fns.map((f, i) => new Parser(lex(f, `e${i}`, 1), typedefs).functionDef());
  const table = new Map(asts.map((a) => [a.name, a]));
  const source = [...PRELUDE, ...asts.flatMap((a) => new FunctionEmitter(table, false).function(a, `function ${a.name}($PARAMS)`).map((l) => l.text)), `module.exports = { ${asts.map((a) => a.name).join(', ')} };`].join('\n');
  const m = new Module('arith.ts');
  (m as unknown as { _compile(c: string, f: string): void })._compile(ts.transpileModule(mutate(source), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText, 'arith.ts');
  const fnsJs = m.exports as Record<string, (...a: unknown[]) => bigint>;
  const k = { ul: WORD64.ul, s64, min: WORD64.min, max: WORD64.max };
  const mismatches: Array<{ expression: string; input: string; gcc: string; translated: string }> = [];
  let line = 0;
  for (const row of ins) {
    const args = row.map((x, j) => (VARS[j][1].k === 'bool' ? x !== 0n : x));
    gens.forEach((g, i) => {
      const want = fromGcc[line++];
      let got: string;
      try { got = `${fnsJs[`e${i}`](k, ...args)}`; } catch (e) { got = `threw ${(e as Error).message}`; }
      if (got !== want) mismatches.push({ expression: g.text, input: row.join(', '), gcc: want, translated: got });
    });
  }
  return { expressions: gens.length, inputs: ins.length, mismatches };
}

