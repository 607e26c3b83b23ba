// Runs once before the test workers start: quiet logs, a built console for the HTTP and e2e tests,
// and the generated media fixtures.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ensureFixtures } from './fixtures';

export default async function setup(): Promise<void> {
  process.env['RETROVUE_LOG_LEVEL'] ??= 'silent';
  const root = path.resolve(import.meta.dirname, '../..');
  execFileSync(path.join(root, 'node_modules/.bin/vite'), ['build', '-c', 'vite.web.config.ts', '--logLevel', 'error'], {
    cwd: root,
    stdio: 'inherit',
  });
  await ensureFixtures();
}
