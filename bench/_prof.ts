import upstream from '../variants/upstream';
import { endToEnd } from './throughput';
const n = Number(process.argv[2] ?? 30000);
endToEnd(upstream, { cases: 2000, seed: 1 });
const r = endToEnd(upstream, { cases: n, seed: 1 });
console.log(r);
