// The source transform: a variant file (and the variant files it imports) compiled so that every
// operator, condition, short circuit, typeof, switch, loop iteration and BigInt.asUintN/asIntN
// goes through the symbolic runtime (prover/runtime.ts), each call naming its file and line.
// Files of model/, properties/ and prover/ load as they are: a variant meets the kernel only
// through the `k` it is handed.

import fs from 'fs';
import Module from 'module';
import path from 'path';
import ts from 'typescript';

const RUNTIME = path.join(__dirname, 'runtime');
/** Methods that compare their first argument with a collection's keys or an array's elements by identity (runtime.ts member()). */
const KEYED_METHODS = ['has', 'get', 'set', 'add', 'delete', 'includes', 'indexOf', 'lastIndexOf'];
const RT = '__sym';
const ROOT = path.resolve(__dirname, '..');
/** Folders whose files are the harness, never transformed. */
const PLAIN = ['model', 'properties', 'prover', 'native', 'live'].map((d) => path.join(ROOT, d) + path.sep);

const ARITH = new Map<ts.SyntaxKind, string>([
  [ts.SyntaxKind.PlusToken, '+'], [ts.SyntaxKind.MinusToken, '-'], [ts.SyntaxKind.AsteriskToken, '*'],
  [ts.SyntaxKind.SlashToken, '/'], [ts.SyntaxKind.PercentToken, '%'],
  [ts.SyntaxKind.LessThanToken, '<'], [ts.SyntaxKind.LessThanEqualsToken, '<='],
  [ts.SyntaxKind.GreaterThanToken, '>'], [ts.SyntaxKind.GreaterThanEqualsToken, '>='],
  [ts.SyntaxKind.EqualsEqualsEqualsToken, '==='], [ts.SyntaxKind.ExclamationEqualsEqualsToken, '!=='],
  [ts.SyntaxKind.EqualsEqualsToken, '=='], [ts.SyntaxKind.ExclamationEqualsToken, '!='],
  [ts.SyntaxKind.AmpersandToken, '&'], [ts.SyntaxKind.BarToken, '|'], [ts.SyntaxKind.CaretToken, '^'],
  [ts.SyntaxKind.LessThanLessThanToken, '<<'], [ts.SyntaxKind.GreaterThanGreaterThanToken, '>>'],
  [ts.SyntaxKind.GreaterThanGreaterThanGreaterThanToken, '>>>'],
]);
const COMPOUND = new Map<ts.SyntaxKind, string>([
  [ts.SyntaxKind.PlusEqualsToken, '+'], [ts.SyntaxKind.MinusEqualsToken, '-'], [ts.SyntaxKind.AsteriskEqualsToken, '*'],
  [ts.SyntaxKind.SlashEqualsToken, '/'], [ts.SyntaxKind.PercentEqualsToken, '%'], [ts.SyntaxKind.AmpersandEqualsToken, '&'],
  [ts.SyntaxKind.BarEqualsToken, '|'], [ts.SyntaxKind.CaretEqualsToken, '^'], [ts.SyntaxKind.LessThanLessThanEqualsToken, '<<'],
  [ts.SyntaxKind.GreaterThanGreaterThanEqualsToken, '>>'],
]);
const LOGIC = new Map<ts.SyntaxKind, string>([
  [ts.SyntaxKind.AmpersandAmpersandToken, '&&'], [ts.SyntaxKind.BarBarToken, '||'], [ts.SyntaxKind.QuestionQuestionToken, '??'],
]);
const UNARY = new Map<ts.SyntaxKind, string>([
  [ts.SyntaxKind.ExclamationToken, '!'], [ts.SyntaxKind.MinusToken, '-'], [ts.SyntaxKind.PlusToken, '+'], [ts.SyntaxKind.TildeToken, '~'],
]);

/** An operand whose early evaluation changes nothing: a name, a literal, a field, or ! of one. */
function pure(e: ts.Expression): boolean {
  if (ts.isParenthesizedExpression(e)) return pure(e.expression);
  if (ts.isIdentifier(e) || ts.isLiteralExpression(e) || e.kind === ts.SyntaxKind.TrueKeyword || e.kind === ts.SyntaxKind.FalseKeyword) return true;
  if (ts.isPropertyAccessExpression(e)) return pure(e.expression);
  if (ts.isPrefixUnaryExpression(e) && UNARY.has(e.operator)) return pure(e.operand);
  if (ts.isBinaryExpression(e) && (ARITH.has(e.operatorToken.kind) || LOGIC.has(e.operatorToken.kind))) return pure(e.left) && pure(e.right);
  if (ts.isConditionalExpression(e)) return pure(e.condition) && pure(e.whenTrue) && pure(e.whenFalse);
  return false;
}

function transformer(file: string): ts.TransformerFactory<ts.SourceFile> {
  const rel = path.relative(ROOT, file);
  return (ctx) => {
    const f = ctx.factory;
    return (sf) => {
      const at = (n: ts.Node) => f.createStringLiteral(`${rel}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}`);
      const call = (fn: string, args: ts.Expression[]) => f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(RT), fn), undefined, args);
      const cond = (e: ts.Expression, n: ts.Node) => call('cond', [e, at(n)]);
      // every loop's body counts its iterations first, so a loop that never ends is cut (RunLimits)
      const counted = (body: ts.Statement, loop: ts.Node) => f.createBlock([f.createExpressionStatement(call('iteration', [at(loop)])), body], true);
      const visit = (node: ts.Node): ts.Node => {
        const n = ts.visitEachChild(node, visit, ctx);
        if (ts.isBinaryExpression(n)) {
          const k = n.operatorToken.kind;
          const op = ARITH.get(k);
          if (op) return call('bin', [f.createStringLiteral(op), n.left, n.right, at(node)]);
          const lg = LOGIC.get(k);
          if (lg) {
            const isPure = pure((node as ts.BinaryExpression).right);
            return call('logic', [f.createStringLiteral(lg), n.left, f.createArrowFunction(undefined, undefined, [], undefined, undefined, n.right), isPure ? f.createTrue() : f.createFalse(), at(node)]);
          }
          const cop = COMPOUND.get(k);
          if (cop) {
            if (!ts.isIdentifier(n.left) && !ts.isPropertyAccessExpression(n.left)) return n;
            return f.createAssignment(n.left, call('bin', [f.createStringLiteral(cop), n.left, n.right, at(node)]));
          }
          return n;
        }
        if (ts.isPrefixUnaryExpression(n)) {
          const op = UNARY.get(n.operator);
          if (op) return call('unary', [f.createStringLiteral(op), n.operand, at(node)]);
          return n;
        }
        if (ts.isConditionalExpression(n)) {
          // both sides without effects: a term (ite), not a decision; else a decision, as JavaScript evaluates one side
          const c = node as ts.ConditionalExpression;
          if (pure(c.whenTrue) && pure(c.whenFalse)) return call('select', [n.condition, n.whenTrue, n.whenFalse, at(node)]);
          return f.updateConditionalExpression(n, cond(n.condition, node), n.questionToken, n.whenTrue, n.colonToken, n.whenFalse);
        }
        if (ts.isIfStatement(n)) return f.updateIfStatement(n, cond(n.expression, node), n.thenStatement, n.elseStatement);
        if (ts.isWhileStatement(n)) return f.updateWhileStatement(n, cond(n.expression, node), counted(n.statement, node));
        if (ts.isDoStatement(n)) return f.updateDoStatement(n, counted(n.statement, node), cond(n.expression, node));
        if (ts.isForStatement(n)) return f.updateForStatement(n, n.initializer, n.condition && cond(n.condition, node), n.incrementor, counted(n.statement, node));
        if (ts.isForOfStatement(n)) return f.updateForOfStatement(n, n.awaitModifier, n.initializer, n.expression, counted(n.statement, node));
        if (ts.isForInStatement(n)) return f.updateForInStatement(n, n.initializer, n.expression, counted(n.statement, node));
        if (ts.isTypeOfExpression(n)) return call('typeOf', [n.expression]);
        // BigInt.asUintN(N, x) and asIntN: a wrap to N bits, which the runtime writes as a term
        if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && ts.isIdentifier(n.expression.expression)
          && n.expression.expression.text === 'BigInt' && ['asUintN', 'asIntN'].includes(n.expression.name.text) && n.arguments.length === 2) {
          return call(n.expression.name.text, [...n.arguments, at(node)]);
        }
        if (ts.isSwitchStatement(n)) return f.updateSwitchStatement(n, call('switchOn', [n.expression, at(node)]), n.caseBlock);
        // comparisons by identity (a Set's or Map's key, includes/indexOf, Object.is): the runtime refuses a symbolic value there
        if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && !n.expression.questionDotToken && !n.questionDotToken) {
          const name = n.expression.name.text;
          if (ts.isIdentifier(n.expression.expression) && n.expression.expression.text === 'Object' && name === 'is' && n.arguments.length === 2) {
            return call('objectIs', [...n.arguments, at(node)]);
          }
          if (KEYED_METHODS.includes(name)) return call('member', [n.expression.expression, f.createStringLiteral(name), f.createArrayLiteralExpression(n.arguments), at(node)]);
        }
        if (ts.isNewExpression(n) && ts.isIdentifier(n.expression) && ['Set', 'Map', 'WeakSet', 'WeakMap'].includes(n.expression.text)) {
          return call('construct', [n.expression, f.createArrayLiteralExpression(n.arguments ?? []), at(node)]);
        }
        return n;
      };
      return ts.visitNode(sf, visit) as ts.SourceFile;
    };
  };
}

// a pure function of its three inputs, and a proof or a suite loads the same files again and
// again (each loader, each shape): each text is transformed once per process
const transformed = new Map<string, string>();

/** The file's JavaScript with the runtime (prover/runtime.ts unless another is named) routed in. */
export function transformSource(file: string, text: string, runtime = RUNTIME): string {
  const key = `${runtime}\0${path.resolve(file)}\0${text}`;
  let js = transformed.get(key);
  if (js === undefined) transformed.set(key, (js = transformOnce(file, text, runtime)));
  return js;
}

function transformOnce(file: string, text: string, runtime: string): string {
  const out = ts.transpileModule(text, {
    fileName: file,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    transformers: { before: [transformer(path.resolve(file))] },
  }).outputText;
  return `const ${RT} = require(${JSON.stringify(runtime)});\n${out}`;
}

/** Whether a file is variant code the prover runs symbolically (not the harness itself). */
const isVariantCode = (file: string) => file.endsWith('.ts') && !PLAIN.some((d) => file.startsWith(d));

/**
 * Loads a variant file with its operators routed through the runtime, and every variant file
 * it imports the same way (cached per loader); anything else is loaded by `plainRequire`.
 * `runtime` names another runtime module (the self-test's deliberately broken one).
 * `sources` gives the text of files that are not on disk (a variant generated from C, say): a
 * virtual path there loads like a file, and imports resolve from its folder.
 * `modules` stands in for a harness module a loaded file imports (by its absolute path without
 * the extension): model/rules.ts gets the runtime's s64() and u64() for model/word.ts's.
 */
export function symbolicLoader(plainRequire: NodeJS.Require = require, runtime = RUNTIME, sources: ReadonlyMap<string, string> = new Map(), modules: ReadonlyMap<string, unknown> = new Map()): (file: string) => unknown {
  const cache = new Map<string, Module>();
  const load = (file: string): unknown => {
    const abs = path.resolve(file);
    const hit = cache.get(abs);
    if (hit) return hit.exports;
    const m = new Module(abs);
    m.filename = abs;
    m.paths = (Module as unknown as { _nodeModulePaths(d: string): string[] })._nodeModulePaths(path.dirname(abs));
    cache.set(abs, m);
    m.require = ((spec: string) => {
      if (spec.startsWith('.')) {
        const base = path.resolve(path.dirname(abs), spec);
        if (modules.has(base)) return modules.get(base);
        const found = [`${base}.ts`, path.join(base, 'index.ts'), base].find((c) => c.endsWith('.ts') && (sources.has(c) || fs.existsSync(c)));
        if (found && isVariantCode(found)) return load(found);
        return plainRequire(base);
      }
      // the runtime (an absolute path) and packages: the prover's own instances, so a variant's
      // decisions land on the path the prover is exploring
      return plainRequire(spec);
    }) as NodeJS.Require;
    const text = sources.get(abs) ?? fs.readFileSync(abs, 'utf8');
    (m as unknown as { _compile(code: string, file: string): void })._compile(transformSource(abs, text, runtime), abs);
    m.loaded = true;
    return m.exports;
  };
  return load;
}
