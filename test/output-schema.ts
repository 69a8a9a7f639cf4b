// docs/check-output.schema.json as an independent validator (ajv) reads it: what every --json run
// of the command in these suites must print (test/command-helpers.ts checks each one).

import Ajv2020 from 'ajv/dist/2020';
import fs from 'fs';
import { OUTPUT_SCHEMA_FILE } from '../properties/command/output-schema';

let validate: ReturnType<Ajv2020['compile']> | undefined;

/** The errors ajv finds in a --json run's stdout against the committed schema ([] when it conforms). */
export function outputErrors(stdout: string): string[] {
  validate ??= new Ajv2020({ allErrors: true, strict: true }).compile(JSON.parse(fs.readFileSync(OUTPUT_SCHEMA_FILE, 'utf8')));
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch (e) {
    return [`not JSON: ${(e as Error).message}`];
  }
  return validate(parsed) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}
