// Running a child process as an unprivileged user, for tests about permissions: root writes
// through any file mode, so a test running as root drops to nobody (uid 65534) with setpriv.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot, tempDir } from './tmp';

const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];

export interface Unprivileged {
  /** The command and arguments that run `node ...args` as nobody. */
  node: (...args: string[]) => [string, string[]];
  cleanup: () => void;
}

const runs = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });

/**
 * Null when this process is not root (then file modes already apply to its children). Throws,
 * saying what to fix, when nobody cannot run this node or read the checkout.
 */
export function unprivilegedNode(): Unprivileged | null {
  if (process.getuid?.() !== 0) return null;
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => fs.existsSync(p));
  if (!setpriv) throw new Error('running as root without setpriv (util-linux): cannot run a child as an unprivileged user');
  const t = tempDir('retrovue-node-');
  let node = process.execPath;
  if (runs(setpriv, [...NOBODY, node, '-e', '']).status !== 0) {
    // This node lives where nobody cannot reach (e.g. under /root): give nobody a link to it.
    fs.chmodSync(t.dir, 0o755);
    node = path.join(t.dir, 'node');
    try {
      fs.linkSync(process.execPath, node);
    } catch {
      fs.copyFileSync(process.execPath, node);
      fs.chmodSync(node, 0o755);
    }
  }
  const readable = [path.join(repoRoot, 'src/cli.ts'), path.join(repoRoot, 'node_modules/tsx/package.json'), path.join(repoRoot, 'node_modules/better-sqlite3/package.json')];
  const check = runs(setpriv, [...NOBODY, node, '-e', `for (const f of ${JSON.stringify(readable)}) require('fs').readFileSync(f)`]);
  if (check.status !== 0) {
    t.cleanup();
    throw new Error(`user nobody cannot run ${node} or read the checkout (${repoRoot}): ${check.stderr.trim().split('\n')[0]}`);
  }
  return { node: (...args) => [setpriv, [...NOBODY, node, ...args]], cleanup: t.cleanup };
}
