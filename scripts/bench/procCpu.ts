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
