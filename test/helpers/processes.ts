// Process accounting for tests: every child the code under test spawns must be gone when it says so.
import fs from 'node:fs'

interface Proc {
  pid: number
  ppid: number
  cmd: string
}

function listProcs(): Proc[] {
  const out: Proc[] = []
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8')
      // The command name may contain spaces and parentheses; fields resume after the last ')'.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      const state = rest[0]
      if (state === 'Z' || state === 'X') continue // reaped-to-be zombies are not running
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim()
      out.push({ pid: Number(entry), ppid: Number(rest[1]), cmd })
    } catch {
      // exited while we looked
    }
  }
  return out
}

/** All live descendants of pid (default: this process). */
export function descendants(pid = process.pid): Proc[] {
  const procs = listProcs()
  const result: Proc[] = []
  const frontier = [pid]
  while (frontier.length > 0) {
    const parent = frontier.pop()!
    for (const p of procs) {
      if (p.ppid === parent) {
        result.push(p)
        frontier.push(p.pid)
      }
    }
  }
  return result
}

/** Live processes anywhere on the machine whose command line matches. */
export function processesMatching(re: RegExp): Proc[] {
  return listProcs().filter((p) => re.test(p.cmd) && p.pid !== process.pid)
}
