// The porting guide's worked example (docs/porting.md), followed as a new user would: saved where
// it says, checked with the command it gives, and judged as it promises (exit 0, a verdict for
// every property); and every report the README and the docs name is shipped.

import fs from 'fs';
import path from 'path';
import { ROOT, check, scratchFolders } from './command-helpers';
import { PROPERTY_IDS } from '../model/variant';

const { scratch, cleanup } = scratchFolders();
afterAll(cleanup);

test('the porting guide\'s example compiles, runs and passes as the guide says', () => {
  const guide = fs.readFileSync(path.join(ROOT, 'docs', 'porting.md'), 'utf8');
  const section = guide.slice(guide.indexOf('## In TypeScript'));
  expect(section.length).toBeLessThan(guide.length);
  const code = section.split('```ts\n')[1].split('```')[0];
  expect(code).toMatch(/^\/\/ variants\/my-patch\.ts/);
  expect(section).toMatch(/npm run check -- variants\/my-patch\.ts/);
  // a scratch folder beside variants/, so the example's '../model/variant' resolves unchanged
  const dir = scratch({ 'my-patch.ts': code.replace("from './upstream'", "from '../variants/upstream'") });
  const r = check([path.join(dir, 'my-patch.ts'), '--json'], { FC_SEED: '11' });
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  const out = JSON.parse(r.out);
  expect(out.verdicts).toHaveLength(PROPERTY_IDS.length);
  expect(out.verdicts.filter((v: { actual: string }) => v.actual === 'fail').map((v: { property: string }) => v.property)).toEqual(['no-redundant-unmap']);
  // the example has no bind(): bind-within-file does not judge it, and says so
  expect(out.verdicts.find((v: { property: string }) => v.property === 'bind-within-file')).toMatchObject({ actual: 'not-judged', matches: true });
}, 30000);

test('every report the README and the docs name exists in shrink-reports/', () => {
  const docs = fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => path.join('docs', f));
  const readme = ['README.md', ...docs].map((f) => fs.readFileSync(path.join(ROOT, f), 'utf8')).join('\n');
  const named = [...readme.matchAll(/shrink-reports\/([a-z0-9.-]+--[a-z-]+--[0-9a-f]{12})\.(md|json)/g)].map((m) => `${m[1]}.${m[2]}`);
  expect(named.length).toBeGreaterThan(0);
  expect(named.filter((f) => !fs.existsSync(path.join(ROOT, 'shrink-reports', f)))).toEqual([]);
});
