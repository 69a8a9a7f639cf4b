// docs/check-output.schema.json as an independent validator (ajv) reads it: what every --json run
// of the command in these suites must print (test/command-helpers.ts checks each one).
// ajv compiles the schema to JavaScript in about a second of CPU, and every suite that runs the
// command would pay it again: the compiled code (ajv's standalone output, the same code its
// compile() runs) is kept in node_modules/.cache, keyed by ajv's version, its options and the
// schema's text, and written whole (writeAtomic).

import Ajv2020 from 'ajv/dist/2020';
import standaloneCode from 'ajv/dist/standalone';
import crypto from 'crypto';
import fs from 'fs';
import Module from 'module';
import path from 'path';
import { OUTPUT_SCHEMA_FILE } from '../properties/command/output-schema';
import { makeFolder } from '../properties/isolation/make-folder';
import { writeAtomic } from '../properties/reports/store';

type Validate = ReturnType<Ajv2020['compile']>;
let validate: Validate | undefined;

const OPTIONS = { allErrors: true, strict: true } as const;
const CACHE = path.join(__dirname, '..', 'node_modules', '.cache', 'gmem-ajv');

function compiledSchema(): Validate {
  const text = fs.readFileSync(OUTPUT_SCHEMA_FILE, 'utf8');
  const ajvVersion = (JSON.parse(fs.readFileSync(require.resolve('ajv/package.json'), 'utf8')) as { version: string }).version;
  const key = crypto.createHash('sha256').update(`${ajvVersion}\0${JSON.stringify(OPTIONS)}\0${text}`).digest('hex');
  const file = path.join(CACHE, `${key}.js`);
  let code: string;
  try {
    code = fs.readFileSync(file, 'utf8');
  } catch {
    const ajv = new Ajv2020({ ...OPTIONS, code: { source: true } });
    code = standaloneCode(ajv, ajv.compile(JSON.parse(text)));
    try {
      makeFolder(CACHE);
      writeAtomic(file, code);
    } catch { /* a read-only cache only costs time */ }
  }
  // the standalone code requires ajv's runtime helpers: resolved from here, as ajv's own would be
  const m = { exports: {} as { default?: Validate } };
  new Function('module', 'exports', 'require', code)(m, m.exports, Module.createRequire(__filename));
  if (typeof m.exports.default !== 'function') throw new Error(`${file}: not ajv's standalone validator (delete it to compile again)`);
  return m.exports.default;
}

/** The errors ajv finds in a --json run's stdout against the committed schema ([] when it conforms). */
export function outputErrors(stdout: string): string[] {
  validate ??= compiledSchema();
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch (e) {
    return [`not JSON: ${(e as Error).message}`];
  }
  return validate(parsed) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}
