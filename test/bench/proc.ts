// What /proc says about the station under measurement: memory, children, CPU time (Linux only).
import fs from 'node:fs'

export function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) : 0
  } catch {
    return 0
  }
}

/** Proportional set size: shared library pages divided among the processes that map them. */
export function pssKb(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))
    return m ? Number(m[1]) : 0
  } catch {
    return 0
  }
}

/** The fields of /proc/PID/stat after the command name (field 3 onwards). */
function statFields(pid: number): string[] | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  } catch {
    return null // gone
  }
}

export function childrenOf(pid: number): number[] {
  const out: number[] = []
  for (const e of fs.readdirSync('/proc')) {
    if (/^\d+$/.test(e) && Number(statFields(Number(e))?.[1]) === pid) out.push(Number(e))
  }
  return out
}

/** The machine's busy and total CPU time so far (all cores). */
export function cpuBusy(): { busy: number; total: number } {
  const [, ...f] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/)
  const v = f.map(Number)
  const idle = v[3]! + v[4]!
  const total = v.reduce((a, b) => a + b, 0)
  return { busy: total - idle, total }
}

/** Clock ticks a second for /proc times (USER_HZ: 100 on Linux). */
const TICKS = 100

/**
 * CPU seconds used so far by a process alone, and by it with its children (the live ones, and the
 * ones it has reaped, which the kernel adds to its cutime/cstime). A difference of two readings is
 * the CPU the process tree used between them.
 */
export function processCpu(pid: number): { own: number; tree: number } {
  const f = statFields(pid)
  if (!f) return { own: 0, tree: 0 }
  // utime, stime, cutime, cstime are fields 14-17, i.e. 11-14 here.
  const own = (Number(f[11]) + Number(f[12])) / TICKS
  let tree = own + (Number(f[13]) + Number(f[14])) / TICKS
  for (const child of childrenOf(pid)) {
    const c = statFields(child)
    if (c) tree += (Number(c[11]) + Number(c[12]) + Number(c[13]) + Number(c[14])) / TICKS
  }
  return { own, tree }
}
