/** What benchmarks read of their processes from /proc: CPU times, memory, children. Linux only. */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** Fields of /proc/<pid>/stat from field 3 on (field k of stat(5) is at index k - 3); undefined once gone. */
export function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** utime + stime (fields 14, 15) and cutime + cstime (16, 17: children waited for), in seconds; NaN once gone. */
export function cpuTimes(pid: number): { own: number; children: number } {
  const f = statFields(pid);
  if (!f) return { own: NaN, children: NaN };
  return { own: (Number(f[11]) + Number(f[12])) / CLK_TCK, children: (Number(f[13]) + Number(f[14])) / CLK_TCK };
}

/** A memory figure of /proc/<pid>/status in MiB; `whenGone` once the process has ended. */
export function statusMiB(pid: number, field: 'VmRSS' | 'VmHWM', whenGone = NaN): number {
  try {
    return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
  } catch {
    return whenGone;
  }
}

/** The running children of a process (of any of its threads). */
export function childPids(pid: number): number[] {
  const pids: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      try {
        pids.push(...readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
      } catch {
        // the thread ended
      }
    }
  } catch {
    // the process ended
  }
  return pids;
}
