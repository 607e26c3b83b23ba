// Runs once before the test workers start: quiet logs, a built console for the HTTP and e2e tests,
// and the generated media fixtures (with the media that goes black, freezes and falls silent).
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { locateFfmpeg } from '../../src/media/ffmpeg'
import { ensureFaultMedia } from './fault-media'
import { ensureFixtures } from './fixtures'

export default async function setup(): Promise<void> {
  process.env['RETROVUE_LOG_LEVEL'] ??= 'silent'
  const root = path.resolve(import.meta.dirname, '../..')
  execFileSync(
    path.join(root, 'node_modules/.bin/vite'),
    ['build', '-c', 'vite.web.config.ts', '--logLevel', 'error'],
    {
      cwd: root,
      stdio: 'inherit',
      // The console as it ships: vitest sets NODE_ENV=test, which would build React's development
      // bundle (twice the size, effects run twice under StrictMode).
      env: { ...process.env, NODE_ENV: 'production' }
    }
  )
  const tools = await locateFfmpeg()
  await ensureFixtures(tools)
  await ensureFaultMedia(tools)
}
