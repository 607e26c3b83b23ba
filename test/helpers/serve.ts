// Runs the real CLI (`serve`) as a child process, the way an operator or CI script would.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { nodeTs, repoRoot } from './tmp'

export interface ServeHandle {
  url: string
  token: string
  child: ChildProcessWithoutNullStreams
  stdout: () => string
  stderr: () => string
  stop: () => Promise<number | null>
  api: (route: string, init?: RequestInit) => Promise<Response>
}

/**
 * fdLimit: run under `ulimit -n` (through bash, which then execs node: still a direct child).
 * builtCli: run this built cli.js (out/main/cli.js) with plain node, as the packaged app does,
 * instead of src/cli.ts through tsx (whose compiling takes seconds of a start on a loaded machine).
 */
export async function startServe(
  dataDir: string,
  extra: string[] = [],
  env: Record<string, string> = {},
  o: { fdLimit?: number; builtCli?: string } = {}
): Promise<ServeHandle> {
  const serveArgs = ['serve', '--data-dir', dataDir, '--port', '0', ...extra]
  const [node, nodeArgs]: [string, string[]] = o.builtCli
    ? [process.execPath, [o.builtCli, ...serveArgs]]
    : nodeTs(path.join(repoRoot, 'src/cli.ts'), ...serveArgs)
  const [cmd, args]: [string, string[]] = o.fdLimit
    ? ['bash', ['-c', `ulimit -n ${o.fdLimit} && exec "$0" "$@"`, node, ...nodeArgs]]
    : [node, nodeArgs]
  const child = spawn(cmd, args, {
    cwd: repoRoot,
    env: { ...process.env, RETROVUE_LOG_LEVEL: 'warn', ...env }
  })
  let out = ''
  let err = ''
  child.stdout.on('data', (c: Buffer) => (out += c.toString()))
  child.stderr.on('data', (c: Buffer) => (err += c.toString()))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new Error(`serve did not print its URL in 60 s\nstdout: ${out}\nstderr: ${err}`)),
      60_000
    )
    const check = () => {
      const m = /on air at (http:\/\/\S+?)\/#token=/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(m[1]!)
      }
    }
    child.stdout.on('data', check)
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`serve exited with ${code}\nstdout: ${out}\nstderr: ${err}`))
    })
  })
  const token =
    env['RETROVUE_API_TOKEN'] ?? fs.readFileSync(path.join(dataDir, 'api-token'), 'utf8').trim()
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code))
  )
  return {
    url,
    token,
    child,
    stdout: () => out,
    stderr: () => err,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      return exited
    },
    api: (route, init = {}) =>
      fetch(`${url}${route}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) }
      })
  }
}
