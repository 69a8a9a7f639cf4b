// Types of proc-stat.js (plain JavaScript: the supervisor's worker thread loads it).
export function statOf(pid: number | string): { state: string; ppid: number; pgrp: number; own: number; reaped: number } | undefined;
