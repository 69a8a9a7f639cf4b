// A bench worker process: runs each job the parent sends and sends back its result.

import { Job, runJob } from './jobs';

process.on('message', (job: Job) => {
  try {
    process.send!({ ok: true, result: runJob(job) });
  } catch (e) {
    process.send!({ ok: false, error: e instanceof Error ? e.stack ?? e.message : String(e) });
  }
});
