// The worker thread's entry point: plain JavaScript, so it can register ts-node before
// loading the TypeScript worker (jest's transform does not reach worker threads).
require('ts-node').register({ transpileOnly: true });
require('./isolate-worker.ts');
