// The C subset the translator reads, parsed from macro-expanded tokens (prover/c/lex.ts) into a
// small tree: function definitions with declarations, if/for/while/do/return/break/continue,
// expressions of C's precedence, designated initializers, and the loops of the shim's macros
// (xa_for_each_range, list_for_each_entry), which stay loops. What is outside the subset is a
// Refusal at its line: goto, switch, labels, arrays, function pointers, the comma operator, sizeof.

import { Refusal, Token } from './lex';
import { CType, KEYWORD_TYPES, T, ptr, struct } from './types';

export type Expr =
  | { readonly k: 'num'; readonly text: string; readonly at: string }
  | { readonly k: 'id'; readonly name: string; readonly at: string }
  | { readonly k: 'str'; readonly at: string }
  | { readonly k: 'call'; readonly callee: string; readonly args: readonly Expr[]; readonly at: string }
  | { readonly k: 'member'; readonly obj: Expr; readonly field: string; readonly arrow: boolean; readonly at: string }
  | { readonly k: 'unary'; readonly op: string; readonly arg: Expr; readonly at: string }
  | { readonly k: 'postfix'; readonly op: '++' | '--'; readonly arg: Expr; readonly at: string }
  | { readonly k: 'binary'; readonly op: string; readonly left: Expr; readonly right: Expr; readonly at: string }
  | { readonly k: 'assign'; readonly op: string; readonly left: Expr; readonly right: Expr; readonly at: string }
  | { readonly k: 'cond'; readonly test: Expr; readonly then: Expr; readonly else: Expr; readonly at: string }
  | { readonly k: 'cast'; readonly type: CType; readonly arg: Expr; readonly at: string }
  | { readonly k: 'type'; readonly type: CType; readonly at: string }
  | { readonly k: 'init'; readonly fields: ReadonlyArray<{ readonly name: string; readonly value: Expr }>; readonly at: string };

export interface Declarator { readonly name: string; readonly type: CType; readonly init?: Expr; readonly at: string }

export type Stmt =
  | { readonly k: 'block'; readonly body: readonly Stmt[]; readonly at: string }
  | { readonly k: 'decl'; readonly vars: readonly Declarator[]; readonly at: string }
  | { readonly k: 'expr'; readonly e: Expr; readonly at: string }
  | { readonly k: 'if'; readonly test: Expr; readonly then: Stmt; readonly else?: Stmt; readonly at: string }
  | { readonly k: 'for'; readonly init?: Stmt; readonly test?: Expr; readonly step?: Expr; readonly body: Stmt; readonly at: string }
  | { readonly k: 'while'; readonly test: Expr; readonly body: Stmt; readonly at: string }
  | { readonly k: 'do'; readonly body: Stmt; readonly test: Expr; readonly at: string }
  | { readonly k: 'return'; readonly e?: Expr; readonly at: string }
  | { readonly k: 'break' | 'continue' | 'empty'; readonly at: string }
  /** xa_for_each_range(xa, index, entry, first, last) body */
  | { readonly k: 'xa_loop'; readonly xa: Expr; readonly index: string; readonly entry: string; readonly first: Expr; readonly last: Expr; readonly body: Stmt; readonly at: string }
  /** list_for_each_entry(pos, head, member) body */
  | { readonly k: 'list_loop'; readonly pos: string; readonly head: Expr; readonly member: string; readonly body: Stmt; readonly at: string };

export interface FunctionAst {
  readonly name: string;
  readonly ret: CType;
  readonly params: readonly Declarator[];
  readonly body: Stmt;
  readonly at: string;
}

const QUALIFIERS = new Set(['const', 'volatile', 'static', 'inline', '__inline', '__always_inline', '__maybe_unused', '__rcu', '__user', 'register', 'extern', 'noinline', '__attribute_const__']);
const BASE_WORDS = new Set(['void', '_Bool', 'char', 'short', 'int', 'long', 'signed', 'unsigned']);

const BINARY: ReadonlyArray<readonly string[]> = [
  ['||'], ['&&'], ['|'], ['^'], ['&'], ['==', '!='], ['<', '>', '<=', '>='], ['<<', '>>'], ['+', '-'], ['*', '/', '%'],
];
const ASSIGN = new Set(['=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<=', '>>=']);

export class Parser {
  private i = 0;
  constructor(private readonly toks: readonly Token[], private readonly typedefs: ReadonlyMap<string, CType>) {}

  private peek(o = 0): Token | undefined { return this.toks[this.i + o]; }
  private where(): string { return (this.peek() ?? this.toks[this.toks.length - 1])?.where ?? '?'; }
  private is(text: string, o = 0): boolean { return this.peek(o)?.text === text && this.peek(o)?.kind !== 'str'; }
  private next(): Token {
    const t = this.peek();
    if (!t) throw new Refusal(this.where(), 'the text ends too early');
    this.i++;
    return t;
  }
  private expect(text: string): Token {
    const t = this.next();
    if (t.text !== text) throw new Refusal(t.where, `"${t.text}" where "${text}" was expected`);
    return t;
  }
  private ident(): string {
    const t = this.next();
    if (t.kind !== 'id') throw new Refusal(t.where, `"${t.text}" where a name was expected`);
    return t.text;
  }
  done(): boolean { return this.i >= this.toks.length; }

  /** Whether a type begins here (a declaration, a cast, a type argument). */
  startsType(o = 0): boolean {
    const t = this.peek(o);
    if (!t || t.kind !== 'id') return false;
    return QUALIFIERS.has(t.text) || BASE_WORDS.has(t.text) || t.text === 'struct' || t.text === 'enum' || t.text === 'union' || this.typedefs.has(t.text);
  }

  /** Declaration specifiers: the base type (qualifiers skipped). */
  baseType(): CType {
    const words: string[] = [];
    let named: CType | undefined;
    for (;;) {
      const t = this.peek();
      if (!t || t.kind !== 'id') break;
      if (QUALIFIERS.has(t.text)) { this.i++; continue; }
      if (t.text === '__attribute__') throw new Refusal(t.where, '__attribute__ in a declaration');
      if (BASE_WORDS.has(t.text)) { words.push(t.text); this.i++; continue; }
      if (words.length || named) break;
      if (t.text === 'struct' || t.text === 'enum') {
        this.i++;
        const name = this.ident();
        if (this.is('{')) throw new Refusal(t.where, `a ${t.text} definition inside a function`);
        if (t.text === 'enum') {
          if (name !== 'kvm_gfn_range_filter') throw new Refusal(t.where, `enum ${name} (the shim's one enum is kvm_gfn_range_filter)`);
          named = T.filter;
        } else {
          named = struct(name);
        }
        continue;
      }
      if (t.text === 'union') throw new Refusal(t.where, 'a union');
      const td = this.typedefs.get(t.text);
      if (td) { named = td; this.i++; continue; }
      break;
    }
    if (named && words.length) throw new Refusal(this.where(), `a type spelled "${words.join(' ')}" with a type name`);
    if (named) return named;
    const base = KEYWORD_TYPES.get([...words].sort().join(' '));
    if (!base) throw new Refusal(this.where(), words.length ? `the type "${words.join(' ')}"` : `"${this.peek()?.text}" where a type was expected`);
    return base;
  }

  /** `*`s and a name (or no name, in a cast). */
  private declarator(base: CType, named: boolean): { name: string; type: CType; at: string } {
    let type = base;
    while (this.is('*')) { this.i++; while (this.peek()?.text === 'const' || this.peek()?.text === 'volatile' || this.peek()?.text === '__rcu') this.i++; type = ptr(type); }
    if (this.is('(')) throw new Refusal(this.where(), 'a function pointer or a parenthesized declarator');
    const at = this.where();
    const name = named ? this.ident() : '';
    if (this.is('[')) throw new Refusal(this.where(), 'an array');
    return { name, type, at };
  }

  typeName(): CType {
    return this.declarator(this.baseType(), false).type;
  }

  functionDef(): FunctionAst {
    const at = this.where();
    const ret = this.baseType();
    const d = this.declarator(ret, true);
    this.expect('(');
    const params: Declarator[] = [];
    if (this.is('void') && this.is(')', 1)) this.i++;
    while (!this.is(')')) {
      if (this.is('...')) throw new Refusal(this.where(), 'a variadic function');
      const p = this.declarator(this.baseType(), true);
      params.push(p);
      if (!this.is(')')) this.expect(',');
    }
    this.expect(')');
    const body = this.block();
    if (!this.done()) throw new Refusal(this.where(), `text after the body of ${d.name}`);
    return { name: d.name, ret: d.type, params, body, at };
  }

  private block(): Stmt {
    const at = this.expect('{').where;
    const body: Stmt[] = [];
    while (!this.is('}')) body.push(this.statement());
    this.expect('}');
    return { k: 'block', body, at };
  }

  private paren(): Expr {
    this.expect('(');
    const e = this.expression();
    this.expect(')');
    return e;
  }

  statement(): Stmt {
    const t = this.peek();
    if (!t) throw new Refusal(this.where(), 'the text ends inside a function');
    const at = t.where;
    if (t.kind === 'punct' && t.text === '#') throw new Refusal(at, 'a preprocessor directive inside a function');
    if (t.text === '{') return this.block();
    if (t.text === ';') { this.i++; return { k: 'empty', at }; }
    if (t.kind === 'id') {
      switch (t.text) {
        case 'if': {
          this.i++;
          const test = this.paren();
          const then = this.statement();
          if (this.is('else')) { this.i++; return { k: 'if', test, then, else: this.statement(), at }; }
          return { k: 'if', test, then, at };
        }
        case 'while': { this.i++; const test = this.paren(); return { k: 'while', test, body: this.statement(), at }; }
        case 'do': {
          this.i++;
          const body = this.statement();
          this.expect('while');
          const test = this.paren();
          this.expect(';');
          return { k: 'do', body, test, at };
        }
        case 'for': {
          this.i++;
          this.expect('(');
          const init = this.is(';') ? (this.i++, undefined) : this.startsType() ? this.declaration() : (() => { const e = this.expression(); this.expect(';'); return { k: 'expr', e, at } as Stmt; })();
          const test = this.is(';') ? undefined : this.expression();
          this.expect(';');
          const step = this.is(')') ? undefined : this.expression();
          this.expect(')');
          return { k: 'for', ...(init ? { init } : {}), ...(test ? { test } : {}), ...(step ? { step } : {}), body: this.statement(), at };
        }
        case 'return': {
          this.i++;
          if (this.is(';')) { this.i++; return { k: 'return', at }; }
          const e = this.expression();
          this.expect(';');
          return { k: 'return', e, at };
        }
        case 'break': case 'continue': this.i++; this.expect(';'); return { k: t.text, at };
        case 'goto': case 'switch': case 'case': case 'default': case 'asm': case '__asm__':
          throw new Refusal(at, `${t.text}`);
        case 'xa_for_each_range': return this.xaLoop();
        case 'list_for_each_entry': return this.listLoop();
      }
      if (this.is(':', 1)) throw new Refusal(at, `the label ${t.text}`);
      if (this.startsType()) return this.declaration();
      if (this.peek(1)?.kind === 'id') throw new Refusal(at, `the type ${t.text}, which the shim does not define`);
    }
    const e = this.expression();
    this.expect(';');
    return { k: 'expr', e, at };
  }

  private loopVar(what: string): string {
    const e = this.assignment();
    if (e.k !== 'id') throw new Refusal(e.at, `the ${what} of a loop macro must be a variable`);
    return e.name;
  }

  private xaLoop(): Stmt {
    const at = this.next().where;
    this.expect('(');
    const xa = this.assignment(); this.expect(',');
    const index = this.loopVar('index'); this.expect(',');
    const entry = this.loopVar('entry'); this.expect(',');
    const first = this.assignment(); this.expect(',');
    const last = this.assignment();
    this.expect(')');
    return { k: 'xa_loop', xa, index, entry, first, last, body: this.statement(), at };
  }

  private listLoop(): Stmt {
    const at = this.next().where;
    this.expect('(');
    const pos = this.loopVar('cursor'); this.expect(',');
    const head = this.assignment(); this.expect(',');
    const member = this.ident();
    this.expect(')');
    return { k: 'list_loop', pos, head, member, body: this.statement(), at };
  }

  private declaration(): Stmt {
    const at = this.where();
    const base = this.baseType();
    const vars: Declarator[] = [];
    for (;;) {
      const d = this.declarator(base, true);
      let init: Expr | undefined;
      if (this.is('=')) { this.i++; init = this.is('{') ? this.initializer() : this.assignment(); }
      vars.push({ ...d, ...(init ? { init } : {}) });
      if (this.is(',')) { this.i++; continue; }
      break;
    }
    this.expect(';');
    return { k: 'decl', vars, at };
  }

  private initializer(): Expr {
    const at = this.expect('{').where;
    const fields: Array<{ name: string; value: Expr }> = [];
    while (!this.is('}')) {
      if (!this.is('.')) throw new Refusal(this.where(), 'an initializer that is not a designated one (.field = value)');
      this.i++;
      const name = this.ident();
      this.expect('=');
      if (this.is('{')) throw new Refusal(this.where(), `a nested initializer for .${name}`);
      fields.push({ name, value: this.assignment() });
      if (!this.is('}')) this.expect(',');
    }
    this.expect('}');
    return { k: 'init', fields, at };
  }

  expression(): Expr {
    const e = this.assignment();
    if (this.is(',')) throw new Refusal(this.where(), 'the comma operator');
    return e;
  }

  private assignment(): Expr {
    const left = this.conditional();
    const t = this.peek();
    if (t && t.kind === 'punct' && ASSIGN.has(t.text)) {
      this.i++;
      return { k: 'assign', op: t.text, left, right: this.assignment(), at: t.where };
    }
    return left;
  }

  private conditional(): Expr {
    const test = this.binary(0);
    if (!this.is('?')) return test;
    const at = this.next().where;
    const then = this.expression();
    this.expect(':');
    return { k: 'cond', test, then, else: this.conditional(), at };
  }

  private binary(level: number): Expr {
    if (level === BINARY.length) return this.unary();
    let left = this.binary(level + 1);
    for (;;) {
      const t = this.peek();
      if (!t || t.kind !== 'punct' || !BINARY[level].includes(t.text)) return left;
      this.i++;
      left = { k: 'binary', op: t.text, left, right: this.binary(level + 1), at: t.where };
    }
  }

  private unary(): Expr {
    const t = this.peek();
    if (!t) throw new Refusal(this.where(), 'an expression ends too early');
    if (t.kind === 'punct' && ['!', '~', '-', '+', '&', '*', '++', '--'].includes(t.text)) {
      this.i++;
      return { k: 'unary', op: t.text, arg: this.unary(), at: t.where };
    }
    if (t.text === 'sizeof' || t.text === '_Alignof' || t.text === 'typeof' || t.text === '__typeof__') throw new Refusal(t.where, t.text);
    if (t.text === '(' && this.startsType(1)) {
      this.i++;
      const type = this.typeName();
      this.expect(')');
      if (this.is('{')) throw new Refusal(t.where, 'a compound literal');
      return { k: 'cast', type, arg: this.unary(), at: t.where };
    }
    return this.postfix();
  }

  private postfix(): Expr {
    let e = this.primary();
    for (;;) {
      const t = this.peek();
      if (!t || t.kind !== 'punct') return e;
      if (t.text === '.' || t.text === '->') {
        this.i++;
        e = { k: 'member', obj: e, field: this.ident(), arrow: t.text === '->', at: t.where };
      } else if (t.text === '(') {
        if (e.k !== 'id') throw new Refusal(t.where, 'a call through an expression (a function pointer)');
        this.i++;
        const args: Expr[] = [];
        while (!this.is(')')) {
          args.push(this.startsType() ? { k: 'type', type: this.typeName(), at: this.where() } : this.assignment());
          if (!this.is(')')) this.expect(',');
        }
        this.i++;
        e = { k: 'call', callee: e.name, args, at: e.at };
      } else if (t.text === '++' || t.text === '--') {
        this.i++;
        e = { k: 'postfix', op: t.text, arg: e, at: t.where };
      } else if (t.text === '[') {
        throw new Refusal(t.where, 'an array subscript');
      } else {
        return e;
      }
    }
  }

  private primary(): Expr {
    const t = this.next();
    if (t.kind === 'num') return { k: 'num', text: t.text, at: t.where };
    if (t.kind === 'str') {
      while (this.peek()?.kind === 'str') this.i++;
      return { k: 'str', at: t.where };
    }
    if (t.kind === 'char') throw new Refusal(t.where, 'a character constant');
    if (t.kind === 'id') return { k: 'id', name: t.text, at: t.where };
    if (t.text === '(') {
      if (this.is('{')) throw new Refusal(t.where, 'a statement expression ({ ... })');
      const e = this.expression();
      this.expect(')');
      return e;
    }
    throw new Refusal(t.where, `"${t.text}" where an expression was expected`);
  }
}
