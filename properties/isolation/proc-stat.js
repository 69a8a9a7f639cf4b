// A process's counters from /proc/PID/stat (Linux): plain JavaScript, as the supervisor's worker
// thread loads it without the TypeScript loader; the prover's solver reads its child's CPU here too.
'use strict';

const fs = require('fs');

/** Clock ticks per second of /proc/PID/stat's times (USER_HZ: 100 on every Linux we run on). */
const CLK_TCK = 100;

/**
 * A process's group, its parent, its own CPU (utime + stime) and its reaped children's (cutime +
 * cstime) in ms, and whether it is a zombie; undefined when it is gone, or not Linux. The fields
 * are read after the last ')', as the command name may hold spaces and parentheses.
 */
function statOf(/** @type {number | string} */ pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      state: f[0], ppid: Number(f[1]), pgrp: Number(f[2]),
      own: ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK, reaped: ((Number(f[13]) + Number(f[14])) * 1000) / CLK_TCK,
    };
  } catch {
    return undefined;
  }
}

module.exports = { statOf };
