// Inside the worker: load one variant file, then run each case posted to it and post back the
// outcome, waking the blocked main thread through the shared flag (properties/isolate.ts).

import { MessagePort, workerData } from 'worker_threads';
import { Variant } from '../model/variant';
import { makeWord } from '../model/word';
import { XarrayMode } from '../model/xarray';
import { Case } from './case';
import { execute } from './execute';
import type { WorkerReply } from './isolate';
import { loadVariantFile } from './registry';

const { file, port, flag, bits } = workerData as { file: string; port: MessagePort; flag: Int32Array; bits: number };
const word = makeWord(bits);

function reply(r: WorkerReply): void {
  port.postMessage(r);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

let variant: Variant | undefined;
try {
  variant = loadVariantFile(file);
  reply({ kind: 'ready' });
} catch (e) {
  reply({ kind: 'load-error', message: e instanceof Error ? e.message : String(e) });
}

if (variant) {
  const v = variant;
  port.on('message', ({ c, mode }: { c: Case; mode: XarrayMode }) => reply({ kind: 'outcome', outcome: execute(v, c, mode, word) }));
}
