// The harness comment of a C variant file, which says what a TypeScript variant says in
// defineVariant(): `harness: name=upstream-c origin="..." expect=no-redundant-unmap:fail,...`.
// Anything left out takes the defaults of model/variant.ts expectations().

import path from 'path';
import { Expectation, Expectations, PROPERTY_IDS, PropertyId, expectations } from '../model/variant';

export interface CHeader {
  readonly name: string;
  readonly origin: string;
  readonly expect: Expectations;
}

export class CVariantFileError extends Error {
  constructor(readonly file: string, fault: string) {
    super(`${file}: ${fault}`);
    this.name = 'CVariantFileError';
  }
}

const VERDICTS: readonly Expectation[] = ['pass', 'fail', 'report'];
const FIELDS: readonly string[] = ['name', 'origin', 'expect'];

/** The harness comment's fields; a file without one is named after itself and expected to pass. */
export function parseHeader(file: string, src: string): CHeader {
  const fallback = { name: path.basename(file).replace(/\.c$/, ''), origin: file, expect: expectations() };
  const comment = /\/\*([\s\S]*?)\*\//g;
  let body: string | undefined;
  for (let m = comment.exec(src); m; m = comment.exec(src)) {
    const at = m[1].search(/(^|\s)harness:/);
    if (at >= 0) { body = m[1].slice(m[1].indexOf('harness:', at) + 'harness:'.length); break; }
  }
  if (body === undefined) return fallback;
  // the fields run up to the first blank line of the comment; leading " * " are decoration
  const text = body.split('\n').map((l) => l.replace(/^\s*\*(?!\/)/, '')).join('\n').split(/\n\s*\n/)[0];
  const fields = new Map<string, string>();
  const field = /\s*([a-z]+(?:-[a-z]+)*)=("([^"]*)"|\S+)/y;
  let rest = text;
  for (;;) {
    if (/^\s*$/.test(rest)) break;
    field.lastIndex = 0;
    const m = field.exec(rest);
    if (!m) throw new CVariantFileError(file, `cannot read the harness comment at "${rest.trim().slice(0, 40)}" (want key=value or key="value")`);
    if (!FIELDS.includes(m[1])) throw new CVariantFileError(file, `unknown harness field "${m[1]}" (${FIELDS.join(', ')})`);
    fields.set(m[1], m[3] ?? m[2]);
    rest = rest.slice(m[0].length);
  }
  const overrides = verdicts(file, 'expect', fields.get('expect') ?? '');
  return {
    name: fields.get('name') ?? fallback.name,
    origin: fields.get('origin') ?? fallback.origin,
    expect: expectations(overrides),
  };
}

/** `id:verdict,...` of an expect= field. */
function verdicts(file: string, key: string, value: string): Partial<Record<PropertyId, Expectation>> {
  const out: Partial<Record<PropertyId, Expectation>> = {};
  for (const item of value.split(',').filter((s) => s.trim() !== '')) {
    const [id, verdict] = item.split(':').map((s) => s.trim());
    if (!(PROPERTY_IDS as readonly string[]).includes(id)) throw new CVariantFileError(file, `unknown property "${id}" in ${key}= (${PROPERTY_IDS.join(', ')})`);
    if (!(VERDICTS as readonly string[]).includes(verdict)) throw new CVariantFileError(file, `${key} ${id}:${verdict ?? ''}: the verdict is pass, fail or report`);
    out[id as PropertyId] = verdict as Expectation;
  }
  return out;
}
