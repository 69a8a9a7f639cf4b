// @ts-check
// The worker thread behind properties/isolation/sync-child.ts. One worker serves every SyncChild
// of its process (a thread costs as much CPU to start as a child process): each opens a channel,
// and a channel owns one child process at a time (a compiled C driver, or a Node process running
// a TypeScript variant), writes it a batch of request lines, splits the child's protocol output
// into one reply per case ("end SEQ" closes a case), and watches it:
//  - a case is a hang candidate when the child's process group has used `limitMs` of CPU on
//    it, or when `blockedMs` of wall time have passed (a child blocked for good uses no CPU);
//    wall time alone never declares a hang before that, so a busy machine cannot fake one;
//  - a child whose resident memory passes `memoryLimitMb` during a case is killed, and the case
//    is a memory fault, as is a death at V8's heap limit (its "heap out of memory" on stderr);
//  - a candidate, a crash (a signal), an exit or output out of step ends that case with what
//    it wrote so far, and is reported at once; the rest of the batch is "not-run", and the
//    caller decides what to send again (after a hang candidate, only once it is confirmed);
//  - the child runs in its own process group (detached), and the whole group is SIGKILLed when
//    it hangs, crashes, is replaced or closed, so forked children do not outlive it.
// The child's own output (stdout when the protocol has its own descriptor, and stderr) goes
// back with the batch, capped, so a variant's printing never reaches the command's stdout.
// Every reply carries the batch's sequence number, and the shared flag is set to it only
// after the reply is posted: the caller waits for its number, never for "something changed".
// Plain JavaScript so that a worker thread loads it without a TypeScript loader.
'use strict';

const { parentPort, workerData } = require('worker_threads');
const { spawn } = require('child_process');
const fs = require('fs');
const { statOf } = require('./proc-stat');

/** How often a running case's memory is looked at. */
const MEMORY_TICK_MS = 250;
/** V8's own words when a process reaches its heap limit (it then aborts). */
const HEAP_OUT = /^.*(?:heap out of memory|Allocation failed - JavaScript heap).*$/m;
/** The child's own output kept per batch; the rest is counted, not kept. */
const OUTPUT_LIMIT = 64 * 1024;

/**
 * util-linux's setpriv, if the machine has it: the child is started with PR_SET_PDEATHSIG, so it
 * dies with the thread that started it, even when the command is killed (Ctrl-C) and nothing
 * here runs to kill it. (What it forks and leaves running is killed with its group at the end
 * of a run; after a kill of the command, only the child itself is sure to go.)
 */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((f) => fs.existsSync(f));

/** @typedef {import('child_process').ChildProcess} Child */

/** SIGKILL to the child's whole process group (it is its leader: spawned detached). */
function killGroup(/** @type {Child | null} */ c) {
  if (!c || c.pid === undefined) return;
  try { process.kill(-c.pid, 'SIGKILL'); } catch { /* gone already */ }
  try { c.kill('SIGKILL'); } catch { /* gone already */ }
}

/** Resident memory of a process in MB, or undefined (gone, or not Linux). */
function rssMbOf(/** @type {number | undefined} */ pid) {
  if (pid === undefined) return undefined;
  try {
    return Math.round((Number(fs.readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * 4096) / (1 << 20));
  } catch {
    return undefined;
  }
}

/**
 * @typedef {{ port: import('worker_threads').MessagePort, flag: SharedArrayBuffer, command: string,
 *   args: string[], env?: NodeJS.ProcessEnv, protocolFd: number, outputMarks: boolean, testNotifyDelayMs?: number,
 *   startupMs: number, startupCpuMs: number, memoryLimitMb: number }} Config
 */

/** The channels open in this worker: a bug that escapes one fails the callers of all. */
/** @type {Set<{ fail: (e: unknown) => void }>} */
const channels = new Set();

/** One SyncChild's channel: its child, its batches and its replies. */
function serve(/** @type {Config} */ config) {
  const { port, command, args, protocolFd } = config;
  const flag = new Int32Array(config.flag);

  /** @type {Child | null} */
  let child = null;
  /** The first line the child writes ("ready ..."), once it has. */
  /** @type {string | null} */
  let hello = null;
  /** @type {null | ((why: string | null) => void)} */
  let onHello = null;
  let output = '';
  let dropped = 0;
  /** The end of the child's output, kept whatever the cap: the evidence of how it died. */
  let tail = '';
  /** The start of the child's first line, until it is whole. */
  let pending = '';
  /**
   * The child the case clock killed, until its death is seen or it is dropped. It gets no clock
   * and no batch: the case it was killed in may still end (its end was already in the pipe) and
   * finish the batch, and the next batch would then meet a death that is not its own.
   */
  /** @type {Child | null} */
  let condemned = null;
  /** @type {null | { seq: number, requests: string[], next: number, replies: object[], lines: string[], partial: string,
   *   timer: NodeJS.Timeout | null, limitMs: number, blockedMs: number, hung: null | { cpuMs: number, wallMs: number, blocked: boolean, at: number },
   *   memoryWatch: NodeJS.Timeout | null, outOfMemory: null | { rssMb: number, at: number } }} */
  let job = null;
  /** The child's resident memory at the last look, in MB. */
  let lastRssMb = 0;

  /** The message being served, whose reply the caller waits for. */
  /** @type {number | null} */
  let serving = null;
  /** Why this channel is broken (a bug of the thread killed its child): every later request gets it. */
  /** @type {string | null} */
  let broken = null;

  function reply(/** @type {object} */ msg) {
    serving = null;
    port.postMessage(msg);
    Atomics.store(flag, 0, /** @type {{seq: number}} */ (msg).seq);
    // test hook (test/isolation-wait.test.ts): a late notify must not be taken for a reply
    if (config.testNotifyDelayMs) setTimeout(() => Atomics.notify(flag, 0), config.testNotifyDelayMs);
    else Atomics.notify(flag, 0);
  }

  /**
   * With `outputMarks` (the C driver), the child ends each case's stderr with "\x01\n", and a batch
   * is finished only once the marks of its cases have arrived, so a case's printk comes back
   * with that case's batch. Counted per child; a partial mark waits for its newline.
   */
  let marks = 0, finishedOk = 0, partialMark = false;
  /** @type {NodeJS.Timeout | null} */
  let markTimer = null;

  function keepOutput(/** @type {string} */ text, /** @type {boolean} */ current) {
    if (config.outputMarks && current) {
      if (partialMark) text = `\x01${text}`;
      partialMark = text.endsWith('\x01');
      if (partialMark) text = text.slice(0, -1);
      marks += text.split('\x01\n').length - 1;
    }
    text = text.split('\x01\n').join('');
    tail = (tail + text).slice(-8192);
    const room = OUTPUT_LIMIT - output.length;
    if (text.length <= room) output += text;
    else {
      output += text.slice(0, Math.max(0, room));
      dropped += text.length - Math.max(0, room);
    }
  }

  function takeOutput() {
    const text = dropped ? `${output}\n[${dropped} more characters of the variant's output not shown]\n` : output;
    output = '';
    dropped = 0;
    return text;
  }

  function startChild() {
    /** @type {import('child_process').StdioOptions} */
    const stdio = protocolFd === 3 ? ['pipe', 'pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe'];
    const [cmd, argv] = SETPRIV ? [SETPRIV, ['--pdeathsig', 'KILL', '--', command, ...args]] : [command, args];
    const me = spawn(cmd, argv, { stdio, detached: true, env: config.env ?? process.env });
    child = me;
    hello = null;
    tail = '';
    lastRssMb = 0;
    // the caller can kill the group without waiting for a reply that names it
    if (me.pid !== undefined && flag.length > 1) Atomics.store(flag, 1, me.pid);
    armStartClock(me);
    const proto = /** @type {import('stream').Readable} */ (me.stdio[protocolFd]);
    proto.setEncoding('utf8');
    proto.on('data', (d) => { if (me === child) onData(d); });
    marks = 0;
    finishedOk = 0;
    partialMark = false;
    for (const fd of protocolFd === 3 ? [1, 2] : [2]) {
      const s = /** @type {import('stream').Readable} */ (me.stdio[fd]);
      s.setEncoding('utf8');
      s.on('data', (d) => { keepOutput(d, me === child && fd === 2); if (me === child) maybeFinish(); });
    }
    me.stdin?.on('error', () => { /* the child died; 'close' reports it */ });
    me.on('error', (e) => { if (me === child) onSpawnError(e); });
    // 'exit' as soon as the child dies: its group goes too, so a fork that holds the pipes open
    // cannot keep 'close' (which comes once they are read to the end) from coming
    me.on('exit', () => killGroup(me));
    me.on('close', (code, signal) => { if (me === child) onDeath(code, signal); });
  }

  /**
   * The start-up's clock: a child that has not said it is ready after `startupCpuMs` of CPU (its
   * top-level code does not return) or `startupMs` of wall time is killed, and says why.
   */
  function armStartClock(/** @type {Child} */ me) {
    const t0 = Date.now();
    const check = () => {
      if (child !== me || hello !== null) return;
      const cpu = groupCpuMs() ?? 0;
      const wall = Date.now() - t0;
      if (cpu >= config.startupCpuMs || wall >= config.startupMs) {
        startFailure = `it did not say it was ready after ${Math.round(cpu)} ms of CPU in ${wall} ms (does its top-level code return?)`;
        killGroup(me);
        return;
      }
      setTimeout(check, 250);
    };
    setTimeout(check, 250);
  }
  /** Why the last start failed, when the start clock ran out. */
  /** @type {string | null} */
  let startFailure = null;

  /** CPU time the child itself has used so far (with its reaped children), in ms: one small read. */
  function leaderCpuMs() {
    const pid = child?.pid;
    const s = pid === undefined ? undefined : statOf(String(pid));
    return s && s.own + s.reaped;
  }

  /**
   * CPU time of the whole process group, in ms: the leader, its reaped children and every live
   * member (a variant's fork). Scans /proc, so only when a limit has passed, never per case.
   */
  function groupCpuMs() {
    const pid = child?.pid;
    const leader = leaderCpuMs();
    if (pid === undefined || leader === undefined) return undefined;
    let total = leader;
    let others = [];
    try { others = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d) && d !== String(pid)); } catch { /* not Linux */ }
    for (const d of others) {
      const s = statOf(d);
      if (s && s.pgrp === pid) total += s.own;
    }
    return total;
  }

  /**
   * The case's clock: CPU time decides a hang; wall time only for a child that uses none. Armed
   * only for a child that is up (its start-up is not the case's time); a clock whose child has
   * been replaced since stops, and the new child's start arms another.
   */
  function armTimer() {
    if (!job) return;
    const j = job;
    if (j.timer) clearTimeout(j.timer);
    j.timer = null;
    const me = child;
    if (!me || hello === null || me === condemned) return;
    // the case's CPU is counted from the leader's at its start; a fork's CPU counts in full
    const cpu0 = leaderCpuMs(), t0 = Date.now();
    const check = () => {
      if (job !== j || child !== me || j.next >= j.requests.length) return;
      const cpu = groupCpuMs();
      const used = cpu !== undefined && cpu0 !== undefined ? cpu - cpu0 : undefined;
      const wall = Date.now() - t0;
      const cpuBound = used === undefined ? wall >= j.limitMs : used >= j.limitMs;
      if (cpuBound || wall >= j.blockedMs) {
        j.hung = { cpuMs: used ?? -1, wallMs: wall, blocked: !cpuBound, at: j.next };
        condemned = me;
        killGroup(me);
        return;
      }
      const cpuLeft = used === undefined ? j.limitMs - wall : j.limitMs - used;
      j.timer = setTimeout(check, Math.max(10, Math.min(cpuLeft, j.blockedMs - wall)));
    };
    j.timer = setTimeout(check, j.limitMs);
  }

  /**
   * The memory watch of a batch: a child whose resident memory passes `memoryLimitMb` while it
   * runs a case is killed, and the case is a memory fault (never a hang: a variant that takes
   * memory without end also burns CPU, in the collector, and would use up its CPU limit next).
   */
  function watchMemory() {
    const j = job, me = child;
    if (!j || !me || hello === null || me === condemned || j.next >= j.requests.length) return;
    const rss = rssMbOf(me.pid);
    if (rss === undefined) return;
    lastRssMb = rss;
    if (rss <= config.memoryLimitMb) return;
    j.outOfMemory = { rssMb: rss, at: j.next };
    condemned = me;
    killGroup(me);
  }

  /** Starts the child if there is none and calls back once it has said hello (or died trying). */
  function ensureStarted(/** @type {(why: string | null) => void} */ then) {
    if (child && child === condemned) {
      // its close is ignored from here on (it is no longer the child); its group is already killed
      child = null;
      condemned = null;
      pending = '';
    }
    if (child && hello !== null) { then(null); return; }
    if (!child) startChild();
    onHello = then;
  }

  function sendRest() {
    if (!job) return;
    const j = job;
    ensureStarted((why) => {
      if (job !== j) return;
      if (why !== null) {
        while (job === j && j.next < j.requests.length) settle({ kind: 'exit', lines: [], code: null, why });
        return;
      }
      j.lines = [];
      j.partial = '';
      armTimer();
      /** @type {NonNullable<Child['stdin']>} */ (/** @type {Child} */ (child).stdin).write(j.requests.slice(j.next).join('\n') + '\n');
    });
  }

  /** @param {{ kind: string }} r */
  function settle(r) {
    if (!job) return;
    job.replies.push(r);
    job.next++;
    job.lines = [];
    if (r.kind === 'ok') finishedOk++;
    if (job.next < job.requests.length) armTimer();
    else {
      if (job.timer) clearTimeout(job.timer);
      maybeFinish();
    }
  }

  /** The batch is done once its output marks have caught up (a dead child has sent all it will). */
  function maybeFinish() {
    if (!job || job.next < job.requests.length) return;
    if (!config.outputMarks || !child || marks >= finishedOk) { finish(); return; }
    // a variant that closed its stderr sends no marks: do not wait for them long
    markTimer ??= setTimeout(finish, 1000);
  }

  function finish() {
    if (markTimer) clearTimeout(markTimer);
    markTimer = null;
    if (!job) return;
    if (job.timer) clearTimeout(job.timer);
    if (job.memoryWatch) clearInterval(job.memoryWatch);
    const { seq, replies } = job;
    job = null;
    reply({ seq, replies, output: takeOutput()});
  }

  function onData(/** @type {string} */ d) {
    if (hello === null) {
      const at = d.indexOf('\n');
      if (at < 0) { pending += d; return; }
      hello = pending + d.slice(0, at);
      pending = '';
      d = d.slice(at + 1);
      const cb = onHello;
      onHello = null;
      cb?.(null);
    }
    if (!job) return;
    const text = job.partial + d;
    const lines = text.split('\n');
    job.partial = /** @type {string} */ (lines.pop());
    for (const line of lines) {
      if (!job) return;
      const m = /^end (\d+)$/.exec(line);
      if (!m) { job.lines.push(line); continue; }
      if (Number(m[1]) !== job.next) {
        // the stream is out of step with the batch: nothing after this can be trusted
        settle({ kind: 'malformed', lines: job.lines, why: `"end ${m[1]}" where case ${job.next} was due` });
        while (job && job.next < job.requests.length) settle({ kind: 'not-run', lines: [] });
        replace();
        return;
      }
      settle({ kind: 'ok', lines: job.lines });
    }
  }
  /** Kills the child's group and, if the batch goes on, starts another for the rest. */
  function replace() {
    const old = child;
    child = null;
    pending = '';
    killGroup(old);
    if (job && job.next < job.requests.length) sendRest();
  }

  /**
   * @param {number | null} code
   * @param {NodeJS.Signals | null} signal
   */
  function onDeath(code, signal) {
    const was = child;
    child = null;
    condemned = null;
    pending = '';
    killGroup(was); // anything it forked goes with it
    if (onHello) {
      const cb = onHello;
      onHello = null;
      const why = startFailure ?? (signal ? `it was killed by ${signal} before it was ready` : `it exited with status ${code} before it was ready`);
      startFailure = null;
      cb(why);
      return;
    }
    if (!job || job.next >= job.requests.length) return;
    const lines = job.partial ? [...job.lines, job.partial] : job.lines;
    // out of memory: past the limit (killed here), or at V8's heap limit (it aborts, saying so on stderr)
    const heapOut = signal || code ? HEAP_OUT.exec(tail) : null;
    if ((job.outOfMemory && job.outOfMemory.at === job.next) || heapOut) {
      const seen = job.outOfMemory;
      job.outOfMemory = null;
      job.hung = null;
      settle(heapOut ? { kind: 'memory', lines, evidence: heapOut[0].trim(), signal } : { kind: 'memory', lines, rssMb: seen?.rssMb, limitMb: config.memoryLimitMb });
      while (job && job.next < job.requests.length) settle({ kind: 'not-run', lines: [] });
      return;
    }
    if (job.hung) {
      const { at, ...hung } = job.hung;
      job.hung = null;
      // the clock ran out for case `at`; if that case's end was already in the pipe, the child
      // was killed between cases: nothing hung, and the rest goes again
      if (at === job.next) settle({ kind: 'hang', lines, ...hung, limitMs: job.limitMs });
      // the caller confirms a hang before anything more of this variant runs
      while (job && job.next < job.requests.length) settle({ kind: 'not-run', lines: [] });
      return;
    }
    // a SIGKILL the harness did not send: the kernel's OOM killer sends one when memory runs out
    if (signal) settle({ kind: 'signal', lines, signal, ...(signal === 'SIGKILL' ? { lastRssMb } : {}) });
    else settle({ kind: 'exit', lines, code });
    // the caller decides whether the rest is worth a new child (it is not for cases read ahead)
    while (job && job.next < job.requests.length) settle({ kind: 'not-run', lines: [] });
  }

  function onSpawnError(/** @type {Error} */ e) {
    child = null;
    if (onHello) {
      const cb = onHello;
      onHello = null;
      cb(`cannot run ${command}: ${e.message}`);
    }
    while (job && job.next < job.requests.length) settle({ kind: 'spawn-error', lines: [], message: e.message });
  }

  const channel = {
    // a bug here must not leave the caller waiting for a reply that never comes: it gets the error
    fail(/** @type {unknown} */ e) {
      const c = child;
      child = null;
      killGroup(c);
      if (job?.memoryWatch) clearInterval(job.memoryWatch);
      job = null;
      // an idle channel too: its child is gone, and its next request must not run in a fresh one silently
      broken = `the supervisor failed: ${e instanceof Error ? e.stack : String(e)}`;
      if (serving !== null) reply({ seq: serving, error: broken });
    },
  };
  channels.add(channel);

  port.on('message', (msg) => {
    if (msg.type !== 'close') serving = msg.seq;
    if (broken !== null && msg.type !== 'close') reply({ seq: msg.seq, error: broken });
    else if (msg.type === 'start') {
      if (msg.fresh) replace();
      ensureStarted((why) => reply({ seq: msg.seq, hello, why, output: takeOutput()}));
    } else if (msg.type === 'batch') {
      if (msg.fresh) replace();
      job = {
        seq: msg.seq, requests: msg.requests, next: 0, replies: [], lines: [], partial: '', timer: null, limitMs: msg.limitMs, blockedMs: msg.blockedMs, hung: null,
        memoryWatch: setInterval(watchMemory, MEMORY_TICK_MS), outOfMemory: null,
      };
      if (msg.requests.length === 0) finish();
      else sendRest();
    } else if (msg.type === 'close') {
      const c = child;
      child = null;
      killGroup(c);
      if (job?.timer) clearTimeout(job.timer);
      if (job?.memoryWatch) clearInterval(job.memoryWatch);
      if (markTimer) clearTimeout(markTimer);
      job = null;
      channels.delete(channel);
      port.close();
    }
  });
}

// this thread's id, for the caller to see that it died (its Atomics.wait runs no 'exit' event)
if (workerData?.tid) {
  try { Atomics.store(new Int32Array(workerData.tid), 0, Number(fs.readlinkSync('/proc/thread-self').split('/').pop())); } catch { /* not Linux: the wait's bound stands */ }
}

process.on('uncaughtException', (e) => { for (const ch of channels) ch.fail(e); });

/** @type {import('worker_threads').MessagePort} */ (parentPort).on('message', (/** @type {{ type: string, config: Config }} */ m) => {
  if (m.type === 'open') serve(m.config);
});
