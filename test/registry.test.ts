// A new file in a variants folder is picked up without editing a list; a file that is not a
// variant is refused with a message naming the file and the fault.

import { tempFolder } from './helpers';
import fs from 'fs';
import path from 'path';
import { VariantFileError, loadVariants } from '../properties/registry';

const MODEL = path.join(__dirname, '..', 'model', 'variant');
const UPSTREAM = path.join(__dirname, '..', 'variants', 'upstream');

function folder(files: Record<string, string>): string {
  const dir = tempFolder('variants-');
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

test('a new variant file is found by the registry', () => {
  const dir = folder({
    'mine.ts': `import { defineVariant, expectations } from ${JSON.stringify(MODEL)};
import upstream from ${JSON.stringify(UPSTREAM)};
export default defineVariant({ ...upstream, name: 'mine', origin: 'a test', expect: expectations() });`,
  });
  expect(loadVariants(dir).map((v) => v.name)).toEqual(['mine']);
});

test.each([
  ['no default export', 'export const x = 1;', /nothing\.ts: does not default-export a variant/],
  ['no invalidate_end', `export default { name: 'x', origin: '', expect: {}, invalidate_begin() {} };`, /nothing\.ts: the variant has no invalidate_end function/],
  ['missing expectations', `export default { name: 'x', origin: '', expect: {}, invalidate_begin() {}, invalidate_end() {} };`, /no valid expectation for no-stale-mapping/],
  // what the type check refuses (TS2353), refused on loading too: a variant may run without the check
  ['a misspelt expectation key', `import { expectations } from ${JSON.stringify(MODEL)};
export default { name: 'x', origin: '', expect: expectations({ 'no-stale-maping': 'fail' }), invalidate_begin() {}, invalidate_end() {} };`,
  /nothing\.ts: unknown property "no-stale-maping" in expect \(the properties are no-stale-mapping, no-collateral-unmap, /],
  ['an expectation key of no property beside every valid one', `import { expectations } from ${JSON.stringify(MODEL)};
export default { name: 'x', origin: '', expect: { ...expectations(), 'no-warn ': 'fail' }, invalidate_begin() {}, invalidate_end() {} };`,
  /nothing\.ts: unknown property "no-warn " in expect/],
])('a file with %s is refused, naming the file', (_, text, message) => {
  const dir = folder({ 'nothing.ts': text });
  expect(() => loadVariants(dir)).toThrow(VariantFileError);
  expect(() => loadVariants(dir)).toThrow(message);
});
