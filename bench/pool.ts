// Runs jobs on a few worker processes (one core each), taking them in the order given (put the
// longest first), and returns the results in that order.

import { ChildProcess, fork } from 'child_process';
import path from 'path';
import { Job, JobResult } from './jobs';

type Reply = { ok: true; result: JobResult } | { ok: false; error: string };

export async function runPool(jobs: readonly Job[], workers: number, onDone?: (job: Job, ms: number) => void): Promise<JobResult[]> {
  const results = new Array<JobResult>(jobs.length);
  const queue = jobs.map((job, i) => ({ job, i }));
  const spawn = (): ChildProcess =>
    fork(path.join(__dirname, 'worker.ts'), [], { execArgv: ['-r', path.join(__dirname, '..', 'properties', 'isolation', 'register.js')], stdio: 'inherit' });
  const procs = Array.from({ length: Math.max(1, Math.min(workers, jobs.length)) }, spawn);
  try {
    await Promise.all(procs.map((proc) => (async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const t = performance.now();
        const reply = await new Promise<Reply>((ok, fail) => {
          const onExit = (code: number | null) => fail(new Error(`bench worker exited (${code}) during ${JSON.stringify(next!.job)}`));
          proc.once('exit', onExit);
          proc.once('message', (m: Reply) => { proc.off('exit', onExit); ok(m); });
          proc.send(next!.job);
        });
        if (!reply.ok) throw new Error(`bench job ${JSON.stringify(next.job)} failed:\n${reply.error}`);
        results[next.i] = reply.result;
        onDone?.(next.job, performance.now() - t);
      }
    })()));
  } finally {
    for (const p of procs) p.kill();
  }
  return results;
}
