// Just enough C lexing to find a file's top-level function definitions and #defines by brace
// matching: comments and literals are masked out first, so a brace in a string or a comment
// does not count. Not a parser: it finds where things are, gcc judges what they are.

export interface FunctionDef {
  readonly name: string;
  /** The parameter list, inside the parentheses, comments masked. */
  readonly params: string;
  /** Offsets into the source: from the first token of the header to just after the closing brace. */
  readonly start: number;
  readonly end: number;
  /** 1-based line of `start`. */
  readonly line: number;
  readonly text: string;
  /** The body with comments and literals blanked, for looking up identifiers. */
  readonly masked: string;
}

export interface MacroDef {
  readonly name: string;
  readonly start: number;
  readonly end: number;
  readonly line: number;
  readonly text: string;
  readonly masked: string;
}

/** The source with comments and the insides of string and char literals replaced by spaces (newlines kept). */
export function maskC(src: string): string {
  const out = src.split('');
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  let i = 0;
  while (i < src.length) {
    const c = src[i], d = src[i + 1];
    if (c === '/' && d === '*') {
      const close = src.indexOf('*/', i + 2);
      const to = close < 0 ? src.length : close + 2;
      blank(i, to);
      i = to;
    } else if (c === '/' && d === '/') {
      let to = src.indexOf('\n', i);
      if (to < 0) to = src.length;
      blank(i, to);
      i = to;
    } else if (c === '"' || c === "'") {
      let k = i + 1;
      while (k < src.length && src[k] !== c && src[k] !== '\n') k += src[k] === '\\' ? 2 : 1;
      blank(i + 1, k);
      i = k + 1;
    } else {
      i++;
    }
  }
  return out.join('');
}

const lineAt = (src: string, offset: number): number => {
  let n = 1;
  for (let k = src.indexOf('\n'); k >= 0 && k < offset; k = src.indexOf('\n', k + 1)) n++;
  return n;
};

/** Where the preprocessor directive starting at `i` ends (continuation lines included). */
function directiveEnd(masked: string, i: number): number {
  let k = i;
  for (;;) {
    const nl = masked.indexOf('\n', k);
    if (nl < 0) return masked.length;
    let back = nl - 1;
    while (back > k && (masked[back] === ' ' || masked[back] === '\t' || masked[back] === '\r')) back--;
    if (masked[back] !== '\\') return nl;
    k = nl + 1;
  }
}

function matching(masked: string, open: number, o: string, c: string): number {
  let depth = 0;
  for (let k = open; k < masked.length; k++) {
    if (masked[k] === o) depth++;
    else if (masked[k] === c && --depth === 0) return k;
  }
  return -1;
}

/** `name(params)` at the end of a top-level header, or null for a struct, an initializer, ... */
function functionHeader(header: string): { name: string; params: string; at: number } | null {
  let k = header.length - 1;
  // trailing attributes such as __attribute__((x)) or __must_hold(x) would go here; kernel
  // definitions put them before the name, so a header must end with the parameter list
  while (k >= 0 && /\s/.test(header[k])) k--;
  if (header[k] !== ')') return null;
  let depth = 0, open = -1;
  for (let j = k; j >= 0; j--) {
    if (header[j] === ')') depth++;
    else if (header[j] === '(' && --depth === 0) { open = j; break; }
  }
  if (open < 0) return null;
  const before = header.slice(0, open);
  const m = /([A-Za-z_]\w*)\s*$/.exec(before);
  if (!m || /[=;]/.test(before)) return null;
  if (['if', 'while', 'for', 'switch', 'return', 'sizeof'].includes(m[1])) return null;
  return { name: m[1], params: header.slice(open + 1, k), at: m.index };
}

export interface TopLevel {
  readonly functions: readonly FunctionDef[];
  readonly macros: readonly MacroDef[];
}

/** The function definitions and #defines at the top level of a C file, in file order. */
export function topLevel(src: string): TopLevel {
  const masked = maskC(src);
  const functions: FunctionDef[] = [];
  const macros: MacroDef[] = [];
  let segment = 0;
  let atLineStart = true;
  for (let i = 0; i < masked.length; i++) {
    const c = masked[i];
    if (c === '\n') { atLineStart = true; continue; }
    if (atLineStart && c === '#') {
      const end = directiveEnd(masked, i);
      const m = /^#\s*define\s+([A-Za-z_]\w*)/.exec(masked.slice(i, end));
      if (m) macros.push({ name: m[1], start: i, end, line: lineAt(src, i), text: src.slice(i, end), masked: masked.slice(i, end) });
      i = end - 1;
      segment = end;
      continue;
    }
    if (!/\s/.test(c)) atLineStart = false;
    if (c === ';') segment = i + 1;
    else if (c === '{') {
      const close = matching(masked, i, '{', '}');
      if (close < 0) break;
      const header = masked.slice(segment, i);
      const fn = functionHeader(header);
      if (fn) {
        let start = segment;
        while (/\s/.test(masked[start])) start++;
        functions.push({
          name: fn.name, params: fn.params, start, end: close + 1, line: lineAt(src, start),
          text: src.slice(start, close + 1), masked: masked.slice(start, close + 1),
        });
        segment = close + 1;
      }
      i = close;
    }
  }
  return { functions, macros };
}

/** Every identifier in masked C text. */
export const identifiers = (masked: string): Set<string> => new Set(masked.match(/[A-Za-z_]\w*/g) ?? []);

/** The types of a parameter list: `struct kvm_gmem *gmem, pgoff_t start` -> ['struct kvm_gmem *', 'pgoff_t']. */
export function paramTypes(params: string): string[] {
  return params.split(',').map((p) => {
    const t = p.replace(/\s+/g, ' ').replace(/\s*(\*+)\s*/g, ' $1').trim();
    const m = /^(.*?)\s*\b[A-Za-z_]\w*$/.exec(t);
    return (m && m[1] !== '' && !/^(struct|enum|union|const)$/.test(m[1]) ? m[1] : t).trim();
  });
}
