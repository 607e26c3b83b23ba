// Running a child process that cannot write some paths, for tests about unwritable data folders.
// Root writes through any file mode, so as root the paths are made read-only in a private mount
// namespace (a read-only bind mount: EROFS, as on a read-only disk); where that is not allowed,
// the child runs as nobody (uid 65534, setpriv) against root-owned files; when not root at all, the
// caller's chmod already applies.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { nodeTs, repoRoot, tempDir } from './tmp'

const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups']

export interface Restricted {
  /** How the paths are kept from being written: a read-only mount, another user, or file modes. */
  how: 'read-only-mount' | 'nobody' | 'modes'
  /** The command and arguments that run `node --import tsx file ...args` under the restriction. */
  run: (file: string, ...args: string[]) => [string, string[]]
  cleanup: () => void
}

const runs = (cmd: string, args: string[]) =>
  spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 })

function readOnlyMount(paths: string[]): Restricted | null {
  const unshare = ['/usr/bin/unshare', '/bin/unshare'].find((p) => fs.existsSync(p))
  if (!unshare) return null
  // sh -c 'for each path: bind it onto itself, remount read-only; then exec the command'
  const script =
    'n=$1; shift; while [ "$n" -gt 0 ]; do mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" "$1" || exit 97; shift; n=$((n-1)); done; exec "$@"'
  const prefix = (cmd: string, args: string[]): [string, string[]] => [
    unshare,
    ['-m', 'sh', '-c', script, 'sh', String(paths.length), ...paths, cmd, ...args]
  ]
  const probe = tempDir('retrovue-ro-probe-')
  try {
    const [cmd, args] = [
      unshare,
      [
        '-m',
        'sh',
        '-c',
        script,
        'sh',
        '1',
        probe.dir,
        'sh',
        '-c',
        `touch ${JSON.stringify(path.join(probe.dir, 'x'))}`
      ]
    ]
    const r = runs(cmd, args)
    // Works only if the mount succeeded (not 97) and the write was refused.
    if (r.status === 97 || r.status === 0) return null
  } finally {
    probe.cleanup()
  }
  return {
    how: 'read-only-mount',
    run: (file, ...args) => prefix(...nodeTs(file, ...args)),
    cleanup: () => undefined
  }
}

function asNobody(): Restricted {
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => fs.existsSync(p))
  if (!setpriv)
    throw new Error(
      'running as root with neither a usable unshare nor setpriv (util-linux): cannot make a folder unwritable'
    )
  const t = tempDir('retrovue-node-')
  let node = process.execPath
  if (runs(setpriv, [...NOBODY, node, '-e', '']).status !== 0) {
    // This node lives where nobody cannot reach (e.g. under /root): give nobody a link to it.
    fs.chmodSync(t.dir, 0o755)
    node = path.join(t.dir, 'node')
    try {
      fs.linkSync(process.execPath, node)
    } catch {
      fs.copyFileSync(process.execPath, node)
      fs.chmodSync(node, 0o755)
    }
  }
  const readable = [
    path.join(repoRoot, 'src/cli.ts'),
    path.join(repoRoot, 'node_modules/tsx/package.json'),
    path.join(repoRoot, 'node_modules/better-sqlite3/package.json')
  ]
  const check = runs(setpriv, [
    ...NOBODY,
    node,
    '-e',
    `for (const f of ${JSON.stringify(readable)}) require('fs').readFileSync(f)`
  ])
  if (check.status !== 0) {
    t.cleanup()
    throw new Error(
      `user nobody cannot run ${node} or read the checkout (${repoRoot}): ${check.stderr.trim().split('\n')[0]}`
    )
  }
  return {
    how: 'nobody',
    run: (file, ...args) => [setpriv, [...NOBODY, node, '--import', 'tsx', file, ...args]],
    cleanup: t.cleanup
  }
}

/**
 * A way to run node children that cannot write `paths`. With 'nobody' the paths must be root-owned
 * and not writable by others; with 'modes' the caller chmods them (this process is not root).
 */
export function restrictedNode(paths: string[]): Restricted {
  if (process.getuid?.() !== 0)
    return { how: 'modes', run: (file, ...args) => nodeTs(file, ...args), cleanup: () => undefined }
  return readOnlyMount(paths) ?? asNobody()
}
