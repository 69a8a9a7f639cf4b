// The --json output and its schema: docs/check-output.schema.json is the schema the code has
// (npm run schema:output), and real runs validate against it with ajv, an independent validator:
// a check with a clean variant, a failure, a broken file and a hang (one run of a scratch folder),
// an exhaustive run, a report's replay and a proof (npm run prove -- --json). (Every other --json
// run of the suites is held to it too, by test/command-helpers.ts.) The schema is strict: an
// output it does not describe fails.

import fs from 'fs';
import path from 'path';
import { OUTPUT_SCHEMA_FILE, outputSchemaText } from '../properties/command/output-schema';
import { proveMain } from '../properties/command/prove';
import { ROOT, checkHere, scratchFolders } from './command-helpers';
import { outputErrors } from './output-schema';

const { scratch, cleanup } = scratchFolders();
afterAll(cleanup);

const variant = (name: string, body: string) => `import { defineVariant, expectations } from '../model/variant';
import upstream from '../variants/upstream';
${body}
// upstream's invalidation without its kvm_gmem_bind(), whose 6.8 overflow would fail bind-within-file
export default defineVariant({ ...upstream, bind: undefined, name: '${name}', origin: 'test', expect: expectations({ 'no-redundant-unmap': 'report' }) });
`;

test('docs/check-output.schema.json is the schema the code has (npm run schema:output)', () => {
  expect(fs.readFileSync(OUTPUT_SCHEMA_FILE, 'utf8')).toBe(outputSchemaText());
});

test('a check of a clean variant, a failing one, a broken file and a hang validates, and says each', () => {
  const dir = scratch({
    'clean.ts': variant('json-clean', ''),
    'fails.ts': `import buggy from '../variants/buggy';\nimport { defineVariant, expectations } from '../model/variant';\nexport default defineVariant({ ...buggy, name: 'json-fails', origin: 'test', expect: expectations() });\n`,
    'broken.ts': 'export default 42;\n',
    'hangs.ts': variant('json-hangs', '').replace("origin: 'test',", "origin: 'test', invalidate_begin() { for (;;) { /* a hang */ } },"),
  });
  const r = checkHere([dir, '--runs', '20', '--timeout', '100', '--json', '--no-typecheck']);
  expect(outputErrors(r.out)).toEqual([]);
  const j = JSON.parse(r.out);
  expect(j.mode).toBe('check');
  expect(j.broken).toEqual([{ file: path.join(dir, 'broken.ts'), message: expect.stringMatching(/does not default-export a variant/) }]);
  const of = (name: string) => j.verdicts.filter((v: { variant: string }) => v.variant === name);
  expect(of('json-clean').every((v: { matches: boolean }) => v.matches)).toBe(true);
  expect(of('json-fails').find((v: { property: string }) => v.property === 'no-stale-mapping')).toMatchObject({ actual: 'fail', matches: false, replay: expect.stringMatching(/^npm run check -- --seed=5 --path \S+ --property no-stale-mapping \S*fails\.ts$/) });
  expect(of('json-hangs')[0]).toMatchObject({ confirmation: 'hang', replay: expect.stringMatching(/^npm run check -- --report \S+json-hangs--no-stale-mapping--[0-9a-f]{12}\.json$/) });
  expect(r.code).toBe(2);
}, 120_000);

test('an exhaustive run and a report\'s replay validate too', () => {
  const ex = checkHere(['--exhaustive', '1', path.join(ROOT, 'variants', 'buggy.ts'), '--property', 'no-stale-mapping', '--no-typecheck', '--json']);
  expect(outputErrors(ex.out)).toEqual([]);
  expect(JSON.parse(ex.out).mode).toBe('exhaustive');
  const report = fs.readdirSync(path.join(ROOT, 'shrink-reports')).find((f) => /^buggy--no-stale-mapping--.*\.json$/.test(f))!;
  const rep = checkHere(['--report', path.join(ROOT, 'shrink-reports', report), '--json']);
  expect(outputErrors(rep.out)).toEqual([]);
  expect(JSON.parse(rep.out)).toMatchObject({ mode: 'replay', variant: { name: 'buggy' }, property: 'no-stale-mapping', status: 'reproduces', exitCode: 0 });
}, 60_000);

test('a proof validates: a counterexample (saved), a verdict not judged and a broken file, each said', async () => {
  const dir = scratch({ 'broken.ts': 'export default 42;\n' });
  let out = '';
  const code = await proveMain([path.join(ROOT, 'variants', 'upstream.ts'), path.join(ROOT, 'variants', 'fixed.ts'), path.join(dir, 'broken.ts'),
    '--property', 'bind-within-file', '--bound', 'small', '--reports-dir', dir, '--json'], (s) => { out += s; }, () => undefined);
  expect(outputErrors(out)).toEqual([]);
  const j = JSON.parse(out);
  expect(j).toMatchObject({ mode: 'prove', bound: 'small', exitCode: 2, broken: [{ file: path.join(dir, 'broken.ts'), message: expect.stringMatching(/does not default-export a variant/) }] });
  expect(code).toBe(2);
  const [upstream, fixed] = j.variants;
  expect(upstream.results).toEqual([expect.objectContaining({ property: 'bind-within-file', status: 'counterexample', expected: 'fail', matches: true, replay: 'confirmed', report: expect.stringMatching(/upstream--bind-within-file--[0-9a-f]{12}\.md$/) })]);
  expect(fixed.results).toEqual([expect.objectContaining({ status: 'not-judged', matches: null, reason: expect.stringMatching(/has no bind\(\)/) })]);
  // a verdict the schema does not know is refused
  expect(outputErrors(JSON.stringify({ ...j, variants: [{ ...fixed, results: [{ ...fixed.results[0], status: 'maybe' }] }] }))).not.toEqual([]);
}, 60_000);

test('the schema is strict: a field it does not know, a missing one or a wrong mode is refused', () => {
  const ok = { mode: 'replay', report: 'r.json', variant: { name: 'v', file: null }, property: 'no-warn', expected: 'pass', status: 'fixed', violations: [], fault: null, exitCode: 0 };
  expect(outputErrors(JSON.stringify(ok))).toEqual([]);
  expect(outputErrors(JSON.stringify({ ...ok, extra: 1 }))).not.toEqual([]);
  const { status: _s, ...missing } = ok;
  expect(outputErrors(JSON.stringify(missing))).not.toEqual([]);
  expect(outputErrors(JSON.stringify({ ...ok, mode: 'frobnicate' }))).not.toEqual([]);
  expect(outputErrors(JSON.stringify({ ...ok, exitCode: 3 }))).not.toEqual([]);
});
