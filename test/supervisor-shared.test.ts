// The supervisor thread every SyncChild of a process shares (properties/isolation): a harness
// bug in it while a channel is idle makes that channel's next request an error, never a silent
// fresh process (which would lose a stateful variant's history), and a thread that dies is seen
// by a waiting caller within a second, and replaced for the next SyncChild. The supervisor is
// loaded through a wrapper that can be told to throw.
import path from 'path';
import { SyncChild } from '../properties/isolation/sync-child';

const wt = require('worker_threads') as typeof import('worker_threads');
const SUPERVISOR = path.join(__dirname, '..', 'properties', 'isolation', 'supervisor.js');
/** Every supervisor started, each able to be made to throw (a harness bug) on request. */
const workers: import('worker_threads').Worker[] = [];
const Orig = wt.Worker;
(wt as { Worker: unknown }).Worker = class extends Orig {
  constructor(file: string, opts: import('worker_threads').WorkerOptions) {
    super(file === SUPERVISOR
      ? `require(${JSON.stringify(SUPERVISOR)}); require('worker_threads').parentPort.on('message', (m) => { if (m.type === 'boom') setTimeout(() => { throw new Error('injected harness bug'); }); });`
      : file, file === SUPERVISOR ? { ...opts, eval: true } : opts);
    workers.push(this);
  }
};

/** Says "ready", then for "case SEQ" prints how many cases this process has run, and "end SEQ". */
const COUNTER = ['-e', `process.stdout.write('ready\\n'); let r = '', n = 0;
process.stdin.on('data', (d) => { const l = (r + d).split('\\n'); r = l.pop(); for (const x of l) process.stdout.write('n=' + (++n) + '\\nend ' + x.split(' ')[1] + '\\n'); });`];
const LIMITS = { limitMs: 500, blockedMs: 2000 };
const nap = new Int32Array(new SharedArrayBuffer(4));

test('a harness bug in the shared thread while a channel is idle: its next batch is an error, not a silent fresh process', () => {
  const a = new SyncChild({ command: process.execPath, args: COUNTER });
  try {
    expect(a.exchange(['case 0'], LIMITS)[0]).toEqual({ kind: 'ok', lines: ['n=1'] });
    workers.at(-1)!.postMessage({ type: 'boom' });
    Atomics.wait(nap, 0, 0, 500); // the throw lands while no caller waits
    // the process that had run one case is gone: this must not come back as its second case
    expect(() => a.exchange(['case 0'], LIMITS)).toThrow(/supervisor failed/);
  } finally {
    a.close();
  }
}, 20_000);

test('the shared thread dies: a waiting caller learns it from the thread, not the bound, and a new SyncChild gets a new thread', () => {
  const a = new SyncChild({ command: process.execPath, args: COUNTER });
  try {
    a.exchange(['case 0'], LIMITS);
    const before = workers.length;
    void workers.at(-1)!.terminate(); // stands for the thread dying (out of memory, a throw in its handler)
    // told by the thread's absence, not by the wait's 120 s bound ("no answer from its supervisor within ...")
    expect(() => a.exchange(['case 0'], LIMITS)).toThrow(/its supervisor thread died/);
    const b = new SyncChild({ command: process.execPath, args: COUNTER });
    try {
      expect(b.exchange(['case 0'], LIMITS)[0]).toEqual({ kind: 'ok', lines: ['n=1'] });
      expect(workers.length).toBe(before + 1);
    } finally {
      b.close();
    }
  } finally {
    a.close();
  }
}, 20_000);
