/** CPU seconds used so far by another process (Linux /proc; 0 elsewhere): e.g. the Temporal dev server's share of a benchmark. */
import fs from 'node:fs';

export function procCpuSeconds(pid: number | undefined): number {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds the whole machine has used so far, every process together (Linux /proc/stat; 0
 * elsewhere): what one completion costs the Temporal server, PostgreSQL and this process at once.
 */
export function machineCpuSeconds(): number {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: all but idle and iowait
    return (f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!) / 100;
  } catch {
    return 0;
  }
}
