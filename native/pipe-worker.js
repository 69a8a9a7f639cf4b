// @ts-check
// The worker thread behind native/sync-child.ts: it owns one C driver process, writes it a
// batch of request lines, splits its output into one reply per case ("end SEQ" closes a
// case), and watches it. A crash (a signal), an exit, a hang (a case not finished within the
// time limit, see armTimer: SIGKILL) or a reply out of sequence ends that case with what it
// wrote so far; the child is restarted and the rest of the batch goes on. The child's stderr (a variant's
// printk) goes back with the batch that wrote it: the driver ends each case with a "\x01"
// line on stderr, and a batch is finished once those marks have caught up. Plain JavaScript
// so that a worker thread can load it without a TypeScript loader (jest, ts-node).
'use strict';

const { workerData } = require('worker_threads');
const { spawn } = require('child_process');
const fs = require('fs');

/** USER_HZ: /proc reports CPU time in ticks of 1/100 s on Linux. */
const CLK_TCK = 100;

/** @type {{ port: import('worker_threads').MessagePort, flag: SharedArrayBuffer, binary: string, timeoutMs: number }} */
const { port, flag, binary, timeoutMs } = workerData;
const done = new Int32Array(flag);

/** @type {import('child_process').ChildProcessWithoutNullStreams | null} */
let child = null;
let stderr = '';
/** Since the child started: cases it finished, and stderr marks seen; a partial mark. */
let finished = 0, marks = 0, pendingErr = '';
/** The child said "ready": the per-case clock runs from then, not from exec(). */
let ready = false;
const STARTUP_MS = 10_000;
/** @type {NodeJS.Timeout | null} */
let markTimer = null;
/** @type {null | { requests: string[], next: number, replies: object[], lines: string[], partial: string, timer: NodeJS.Timeout | null, hung: boolean }} */
let job = null;

function startChild() {
  const me = spawn(binary, [], { stdio: ['pipe', 'pipe', 'pipe'] });
  child = me;
  ready = false;
  finished = 0;
  marks = 0;
  pendingErr = '';
  me.stdout.setEncoding('utf8');
  me.stderr.setEncoding('utf8');
  me.stdout.on('data', (d) => { if (me === child) onData(d); });
  me.stderr.on('data', (d) => onStderr(d, me === child));
  me.stdin.on('error', () => { /* the child died; 'close' reports it */ });
  me.on('error', (e) => { if (me === child) onSpawnError(e); });
  me.on('close', (code, signal) => { if (me === child) onDeath(code, signal); });
}

/**
 * CPU time the process has used, in ms, from /proc (Linux); undefined elsewhere.
 * @param {number | undefined} pid
 */
function cpuMs(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/**
 * The case's clock. When it runs out, the case is a hang only if the child spent at least half
 * of it on the CPU (an endless loop), or if four limits have passed (blocked for good): a
 * machine too busy to schedule the child, or a paused VM, is not the variant's hang.
 */
function armTimer() {
  if (!job) return;
  if (job.timer) clearTimeout(job.timer);
  const pid = child?.pid, cpu0 = cpuMs(pid), t0 = Date.now();
  const check = () => {
    if (!job || !child || job.next >= job.requests.length) return;
    const cpu = cpuMs(pid);
    const starved = cpu !== undefined && cpu0 !== undefined && cpu - cpu0 < timeoutMs / 2;
    if (starved && Date.now() - t0 < 4 * timeoutMs) {
      job.timer = setTimeout(check, timeoutMs / 2);
      return;
    }
    job.hung = true;
    child.kill('SIGKILL');
  };
  job.timer = setTimeout(check, ready ? timeoutMs : STARTUP_MS + timeoutMs);
}

function sendRest() {
  if (!job) return;
  if (!child) startChild();
  const rest = job.requests.slice(job.next);
  job.lines = [];
  job.partial = '';
  job.hung = false;
  armTimer();
  /** @type {NonNullable<typeof child>} */ (child).stdin.write(rest.join('\n') + '\n');
}

/**
 * @param {string} d
 * @param {boolean} current
 */
function onStderr(d, current) {
  let text = (current ? pendingErr : '') + d;
  if (current) pendingErr = '';
  for (let at = text.indexOf('\x01\n'); at >= 0; at = text.indexOf('\x01\n')) {
    stderr += text.slice(0, at);
    text = text.slice(at + 2);
    if (current) marks++;
  }
  if (current && text.endsWith('\x01')) {
    pendingErr = '\x01';
    text = text.slice(0, -1);
  }
  stderr += text;
  if (current) maybeFinish();
}

/** @param {{ kind: string }} reply */
function settle(reply) {
  if (!job) return;
  job.replies.push(reply);
  job.next++;
  job.lines = [];
  if (reply.kind === 'ok') finished++;
  if (job.next < job.requests.length) armTimer();
  else {
    if (job.timer) clearTimeout(job.timer);
    maybeFinish();
  }
}

/** The batch is done once its stderr has arrived too (a dead child has sent all it will). */
function maybeFinish() {
  if (!job || job.next < job.requests.length) return;
  if (!child || marks >= finished) { finish(); return; }
  // a variant that closed its stderr sends no marks: do not wait for them forever
  if (!markTimer) markTimer = setTimeout(finish, 1000);
}

function finish() {
  if (!job) return;
  if (job.timer) clearTimeout(job.timer);
  if (markTimer) clearTimeout(markTimer);
  markTimer = null;
  port.postMessage({ replies: job.replies, stderr });
  stderr = '';
  job = null;
  Atomics.store(done, 0, 1);
  Atomics.notify(done, 0);
}

/** @param {string} d */
function onData(d) {
  if (!job) return;
  const text = job.partial + d;
  const lines = text.split('\n');
  job.partial = /** @type {string} */ (lines.pop());
  for (const line of lines) {
    if (!job) return;
    if (line === 'ready' && !ready) { ready = true; armTimer(); continue; }
    const m = /^end (\d+)$/.exec(line);
    if (!m) { job.lines.push(line); continue; }
    if (Number(m[1]) !== job.next) {
      // the stream is out of step with the batch: nothing after this can be trusted
      settle({ kind: 'malformed', lines: job.lines, why: `"end ${m[1]}" where case ${job.next} was due` });
      restart();
      return;
    }
    settle({ kind: 'ok', lines: job.lines });
  }
}

function restart() {
  const old = child;
  child = null;
  if (old) old.kill('SIGKILL');
  if (job && job.next < job.requests.length) sendRest();
  else maybeFinish();
}

/**
 * @param {number | null} code
 * @param {NodeJS.Signals | null} signal
 */
function onDeath(code, signal) {
  child = null;
  if (!job) return;
  if (job.next >= job.requests.length) { maybeFinish(); return; }
  const lines = job.partial ? [...job.lines, job.partial] : job.lines;
  if (job.hung) settle({ kind: 'hang', lines, ms: timeoutMs });
  else if (signal) settle({ kind: 'signal', lines, signal });
  else settle({ kind: 'exit', lines, code });
  if (job) sendRest();
}

/** @param {Error} e */
function onSpawnError(e) {
  child = null;
  if (!job) return;
  while (job) settle({ kind: 'spawn-error', lines: [], message: e.message });
}

port.on('message', (msg) => {
  if (msg.type === 'batch') {
    job = { requests: msg.requests, next: 0, replies: [], lines: [], partial: '', timer: null, hung: false };
    if (msg.requests.length === 0) finish();
    else sendRest();
  } else if (msg.type === 'close') {
    if (child) child.kill('SIGKILL');
    child = null;
    port.close();
  }
});
