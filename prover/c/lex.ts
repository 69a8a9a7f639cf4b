// C tokens for the translator (prover/c/translate.ts), and the preprocessor's one job it needs:
// expanding macros (the file's own #defines, then the shim's). Every token keeps the file and
// line it came from, so a construct the translator refuses is named where a reader finds it.

/** A construct the translator does not translate: refused at its file and line, never guessed. */
export class Refusal extends Error {
  constructor(readonly where: string, readonly construct: string) {
    super(`unsupported construct at ${where}: ${construct}`);
    this.name = 'Refusal';
  }
}

export interface Token {
  readonly kind: 'id' | 'num' | 'str' | 'char' | 'punct';
  readonly text: string;
  /** `file:line` of the token, or of the macro use it was expanded from. */
  readonly where: string;
  /** The macros it came out of, innermost last (a macro is not expanded inside itself). */
  readonly hide?: ReadonlySet<string>;
}

const PUNCTS = ['<<=', '>>=', '...', '->', '++', '--', '<<', '>>', '<=', '>=', '==', '!=', '&&', '||', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '##'];

/** The tokens of C text whose first line is line `line` of `file`; comments dropped, line continuations joined. */
export function lex(text: string, file: string, line: number): Token[] {
  const out: Token[] = [];
  let i = 0;
  const at = () => `${file}:${line}`;
  while (i < text.length) {
    const c = text[i];
    if (c === '\n') { line++; i++; continue; }
    if (c === '\\' && text[i + 1] === '\n') { line++; i += 2; continue; }
    if (/\s/.test(c)) { i++; continue; }
    if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      const to = close < 0 ? text.length : close + 2;
      line += (text.slice(i, to).match(/\n/g) ?? []).length;
      i = to;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    const where = at();
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_]\w*/.exec(text.slice(i))!;
      out.push({ kind: 'id', text: m[0], where });
      i += m[0].length;
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^(0[xX][0-9a-fA-F]+|[0-9]+)[uUlL]*/.exec(text.slice(i))!;
      if (/[.eEpP]/.test(text[i + m[0].length] ?? '')) throw new Refusal(where, 'a floating-point constant');
      out.push({ kind: 'num', text: m[0], where });
      i += m[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      let k = i + 1;
      while (k < text.length && text[k] !== c && text[k] !== '\n') k += text[k] === '\\' ? 2 : 1;
      out.push({ kind: c === '"' ? 'str' : 'char', text: text.slice(i, k + 1), where });
      i = k + 1;
      continue;
    }
    const p = PUNCTS.find((x) => text.startsWith(x, i)) ?? c;
    out.push({ kind: 'punct', text: p, where });
    i += p.length;
  }
  return out;
}

/** A #define: object-like (no params) or function-like. */
export interface Macro {
  readonly name: string;
  readonly params?: readonly string[];
  /** Takes more arguments than it names (`...`); its body must not use them (__VA_ARGS__). */
  readonly variadic?: boolean;
  readonly body: readonly Token[];
  readonly where: string;
}

/** The macro a `#define` line (continuations included) defines. */
export function parseDefine(text: string, file: string, line: number): Macro {
  const m = /^\s*#\s*define\s+([A-Za-z_]\w*)(\()?/.exec(text);
  if (!m) throw new Refusal(`${file}:${line}`, 'a preprocessor line that is not a #define');
  const where = `${file}:${line}`;
  const rest = text.slice(m[0].length);
  if (!m[2]) return { name: m[1], body: lex(rest, file, line), where };
  const close = rest.indexOf(')');
  const params = rest.slice(0, close).split(',').map((s) => s.trim()).filter((s) => s !== '');
  const variadic = params[params.length - 1] === '...';
  if (variadic) params.pop();
  if (params.some((p) => !/^[A-Za-z_]\w*$/.test(p))) throw new Refusal(where, `the parameters of macro ${m[1]}`);
  const body = lex(rest.slice(close + 1), file, line);
  if (body.some((t) => t.text === '#' || t.text === '##')) throw new Refusal(where, `# or ## in macro ${m[1]}`);
  if (body.some((t) => t.text === '__VA_ARGS__')) throw new Refusal(where, `macro ${m[1]} passes its variable arguments on (__VA_ARGS__)`);
  return { name: m[1], params, ...(variadic ? { variadic } : {}), body, where };
}

/** The arguments of a call-like use starting at tokens[open] === '(': each a token list, and the index after ')'. */
export function splitArgs(tokens: readonly Token[], open: number): { args: Token[][]; next: number } {
  const args: Token[][] = [[]];
  let depth = 0;
  for (let k = open; k < tokens.length; k++) {
    const t = tokens[k];
    if (t.text === '(' || t.text === '[' || t.text === '{') depth++;
    if (t.text === ')' || t.text === ']' || t.text === '}') depth--;
    if (depth === 0) return { args: args.length === 1 && args[0].length === 0 ? [] : args, next: k + 1 };
    if (k === open) continue;
    if (t.text === ',' && depth === 1) args.push([]);
    else args[args.length - 1].push(t);
  }
  throw new Refusal(tokens[open].where, 'an unbalanced parenthesis');
}

/**
 * Expands every macro of `macros` in `tokens` (rescanning the result, never a macro inside its
 * own expansion); a use takes the `where` of the token it replaces. Names in `keep` are left for
 * the translator even where a macro of that name exists (it knows what they mean).
 */
export function expand(tokens: readonly Token[], macros: ReadonlyMap<string, Macro>, keep: ReadonlySet<string> = new Set()): Token[] {
  const out: Token[] = [];
  let work = [...tokens];
  let i = 0;
  while (i < work.length) {
    const t = work[i];
    const m = t.kind === 'id' && !keep.has(t.text) && !t.hide?.has(t.text) ? macros.get(t.text) : undefined;
    if (!m || (m.params && work[i + 1]?.text !== '(')) { out.push(t); i++; continue; }
    const hide = new Set([...(t.hide ?? []), m.name]);
    const mark = (x: Token): Token => ({ ...x, where: t.where, hide: new Set([...(x.hide ?? []), ...hide]) });
    let replacement: Token[];
    let next = i + 1;
    if (!m.params) {
      replacement = m.body.map(mark);
    } else {
      const call = splitArgs(work, i + 1);
      if (m.variadic ? call.args.length < m.params.length : call.args.length !== m.params.length) throw new Refusal(t.where, `macro ${m.name} used with ${call.args.length} arguments, defined with ${m.params.length}`);
      // arguments are expanded before substitution, as the preprocessor does for operands not next to # or ##
      const args = call.args.map((a) => expand(a, macros, keep));
      replacement = m.body.flatMap((b) => {
        const p = b.kind === 'id' ? m.params!.indexOf(b.text) : -1;
        return p >= 0 ? args[p].map((x) => ({ ...x, where: t.where })) : [mark(b)];
      });
      next = call.next;
    }
    work = [...work.slice(0, i), ...replacement, ...work.slice(next)];
  }
  return out;
}
