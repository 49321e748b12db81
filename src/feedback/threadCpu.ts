/**
 * CPU time of the calling thread (main or worker) in ms, from Linux's /proc/thread-self/stat
 * (utime + stime, 10 ms ticks); null where that file does not exist. Node 20 has no per-thread
 * CPU clock (process.cpuUsage is process-wide), and wall time per thread inflates whenever other
 * processes take the cores: cost comparisons use this when it is there.
 */
import fs from 'node:fs';

const TICK_MS = 10; // CLK_TCK = 100 on Linux

export function threadCpuMs(): number | null {
  try {
    const stat = fs.readFileSync('/proc/thread-self/stat', 'utf8');
    // fields after the ")" of the command name: state is field 3, utime 14, stime 15
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(rest[11]);
    const stime = Number(rest[12]);
    return Number.isFinite(utime + stime) ? (utime + stime) * TICK_MS : null;
  } catch {
    return null;
  }
}
