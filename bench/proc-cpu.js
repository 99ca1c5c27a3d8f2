// CPU time of other processes, from /proc, for the benches that say where the CPU goes (Linux only).
'use strict';
const { execFileSync } = require('node:child_process');
const { readFileSync } = require('node:fs');

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** User + system CPU time of the processes, in ms; a process that has ended counts 0 (which only understates). */
function cpuMsOf(pids) {
  let ms = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ms += ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND; // utime + stime
    } catch {
      /* ended */
    }
  }
  return ms;
}

/** Pids from `pgrep <args>` (never this process); none when nothing matches. */
function pgrep(...args) {
  try {
    return execFileSync('pgrep', args)
      .toString()
      .trim()
      .split('\n')
      .map(Number)
      .filter((pid) => pid !== process.pid);
  } catch {
    return [];
  }
}

/** This process's own user + system CPU time, in ms. */
function ownCpuMs() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

module.exports = { cpuMsOf, pgrep, ownCpuMs };
