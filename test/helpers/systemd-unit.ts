// Running `serve` the way resources/linux/retrovue.service does, without systemd (these tests run
// in a container with no systemd as PID 1): the unit's own ExecStart command line and Environment=,
// in a private mount namespace laid out as the installed deb and the unit's sandbox make it:
// - /opt/RetroVue Master Control/: the app binary (here node, which ignores ELECTRON_RUN_AS_NODE as
//   Electron obeys it) and resources/app.asar (a folder built like the asar: out/, package.json,
//   node_modules) - so the ExecStart paths are the unit's, unchanged;
// - StateDirectory=retrovue: the test's data folder at /var/lib/retrovue, owned by the service user;
// - PrivateTmp: an empty /tmp of its own; ProtectSystem=strict: everything else read-only;
// - User=: uid/gid 65534 (there is no retrovue user on a test machine), NoNewPrivileges and an
//   empty capability bounding set (setpriv), the environment systemd gives a service (env -i).
// Not emulated: SystemCallFilter, PrivateDevices and the Protect*Kernel* options (systemd's own
// seccomp and mount work); systemd-analyze verify checks they are well-formed.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { repoRoot } from './tmp'

export const UNIT_FILE = path.join(repoRoot, 'resources/linux/retrovue.service')
export const INSTALL_DIR = '/opt/RetroVue Master Control'
export const SERVICE_UID = 65534

/** The unit's settings, section by section: each key's values in order (a key may repeat). */
export function parseUnit(text: string): Record<string, Record<string, string[]>> {
  const sections: Record<string, Record<string, string[]>> = {}
  let current: Record<string, string[]> | undefined
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue
    const section = /^\[(.+)\]$/.exec(line)
    if (section) {
      current = sections[section[1]!] = {}
      continue
    }
    const eq = line.indexOf('=')
    if (!current || eq < 0) throw new Error(`${UNIT_FILE}: cannot read "${line}"`)
    const key = line.slice(0, eq).trim()
    ;(current[key] ??= []).push(line.slice(eq + 1).trim())
  }
  return sections
}

/** A command line split as systemd splits ExecStart= (double quotes group words). */
export function splitCommandLine(line: string): string[] {
  const words: string[] = []
  const re = /"([^"]*)"|(\S+)/g
  for (let m = re.exec(line); m; m = re.exec(line)) words.push(m[1] ?? m[2]!)
  return words
}

export interface UnitCommand {
  argv: string[]
  env: Record<string, string>
}

/** ExecStart's words and the environment systemd gives the service (with User= set). */
export function unitCommand(unitText = fs.readFileSync(UNIT_FILE, 'utf8')): UnitCommand {
  const service = parseUnit(unitText)['Service'] ?? {}
  const exec = service['ExecStart']
  if (exec?.length !== 1) throw new Error(`${UNIT_FILE}: expected one ExecStart=`)
  const env: Record<string, string> = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    LANG: 'C.UTF-8',
    HOME: '/var/lib/retrovue',
    USER: service['User']?.[0] ?? 'root',
    LOGNAME: service['User']?.[0] ?? 'root'
  }
  for (const assignment of service['Environment'] ?? []) {
    const [k, ...v] = assignment.split('=')
    env[k!] = v.join('=')
  }
  return { argv: splitCommandLine(exec[0]!), env }
}

/**
 * Builds the app as electron-builder packs it (out/ from electron-vite, package.json; the
 * production node_modules is bound in by spawnAsUnit) into `dir`, which then stands in for
 * resources/app.asar.
 */
export function buildApp(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(dir, { recursive: true })
  const r = spawnSync(
    path.join(repoRoot, 'node_modules/.bin/electron-vite'),
    ['build', '--outDir', path.join(dir, 'out'), '-l', 'error'],
    { cwd: repoRoot, encoding: 'utf8', timeout: 180_000 }
  )
  if (r.status !== 0) throw new Error(`electron-vite build failed:\n${r.stdout}\n${r.stderr}`)
  fs.copyFileSync(path.join(repoRoot, 'package.json'), path.join(dir, 'package.json'))
  // Where the checkout's node_modules is bound in the sandbox (a symlink would not do: a checkout
  // under /tmp is hidden there by the unit's private /tmp).
  fs.mkdirSync(path.join(dir, 'node_modules'))
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

export interface UnitSandbox {
  /** The built app (see buildApp), mounted as resources/app.asar. */
  app: string
  /** The test's data folder, mounted at /var/lib/retrovue (chowned to the service user here). */
  dataDir: string
  /** More folders to show inside, read-only (e.g. a station file's folder at /srv/station). */
  binds?: Array<{ from: string; to: string }>
}

/** Spawns `argv` (default: the unit's ExecStart) as the unit runs it. Its pid is the command's own. */
export function spawnAsUnit(
  sandbox: UnitSandbox,
  o: { argv?: (argv: string[]) => string[]; env?: Record<string, string> } = {}
): ChildProcessWithoutNullStreams {
  if (process.getuid?.() !== 0)
    throw new Error('running serve as the unit does needs root (mount namespace, setpriv)')
  const unit = unitCommand()
  const argv = o.argv ? o.argv(unit.argv) : unit.argv
  fs.chownSync(sandbox.dataDir, SERVICE_UID, SERVICE_UID)
  fs.chmodSync(sandbox.dataDir, 0o750)
  const parents = new Set(['/srv', ...(sandbox.binds ?? []).map((b) => path.dirname(b.to))])
  const script = [
    'set -e',
    'mount --make-rprivate /',
    // The installed app: the binary and its asar where the deb puts them.
    `mount -t tmpfs -o mode=0755 tmpfs /opt`,
    `mkdir -p ${q(`${INSTALL_DIR}/resources/app.asar`)}`,
    `touch ${q(`${INSTALL_DIR}/retrovue-master-control`)}`,
    `mount --bind ${q(process.execPath)} ${q(`${INSTALL_DIR}/retrovue-master-control`)}`,
    `mount --bind ${q(sandbox.app)} ${q(`${INSTALL_DIR}/resources/app.asar`)}`,
    // The production node_modules electron-builder packs into the asar: the checkout's.
    `mount --bind ${q(fs.realpathSync(path.join(repoRoot, 'node_modules')))} ${q(`${INSTALL_DIR}/resources/app.asar/node_modules`)}`,
    // StateDirectory=retrovue
    'mount -t tmpfs -o mode=0755 tmpfs /var/lib',
    'mkdir /var/lib/retrovue',
    `mount --bind ${q(sandbox.dataDir)} /var/lib/retrovue`,
    ...[...parents].map((p) => `mount -t tmpfs -o mode=0755 tmpfs ${q(p)}`),
    ...(sandbox.binds ?? []).flatMap((b) => [
      `mkdir -p ${q(b.to)}`,
      `mount --bind ${q(b.from)} ${q(b.to)}`
    ]),
    // PrivateTmp (after the binds above: their sources may be under the host's /tmp).
    'mount -t tmpfs -o mode=1777 tmpfs /tmp',
    // ProtectSystem=strict: the root and the mounts made here read-only; the data folder stays writable.
    'mount -o remount,bind,ro /',
    'mount -o remount,ro /opt',
    ...[...parents].map((p) => `mount -o remount,ro ${q(p)}`),
    ...(sandbox.binds ?? []).map((b) => `mount -o remount,bind,ro ${q(b.to)}`),
    'mount -o remount,ro /var/lib',
    // WorkingDirectory=, then User= with NoNewPrivileges and no capabilities, and systemd's environment.
    'cd /var/lib/retrovue',
    `exec setpriv --reuid=${SERVICE_UID} --regid=${SERVICE_UID} --clear-groups --no-new-privs --inh-caps=-all --bounding-set=-all env -i "$@"`
  ].join('\n')
  const env = { ...unit.env, ...o.env }
  return spawn(
    '/usr/bin/unshare',
    ['-m', 'sh', '-c', script, 'sh', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...argv],
    { stdio: 'pipe' }
  )
}
