// Runs once before the test workers start: quiet logs, and a built console for the HTTP and e2e tests.
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export default function setup(): void {
  process.env['RETROVUE_LOG_LEVEL'] ??= 'silent';
  const root = path.resolve(import.meta.dirname, '../..');
  execFileSync(path.join(root, 'node_modules/.bin/vite'), ['build', '-c', 'vite.web.config.ts', '--logLevel', 'error'], {
    cwd: root,
    stdio: 'inherit',
  });
}
