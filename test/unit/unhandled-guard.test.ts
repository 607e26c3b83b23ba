// The guard in test/helpers/unhandled.ts must really fail a test: prove it on a throwaway run.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { expect, it } from 'vitest'
import { repoRoot } from '../helpers/tmp'

it('fails a test during which a promise rejection goes unhandled', () => {
  // Under out/ (ignored, outside test/) so that no other run picks the leaking test up.
  fs.mkdirSync(path.join(repoRoot, 'out'), { recursive: true })
  const dir = fs.mkdtempSync(path.join(repoRoot, 'out/unhandled-guard-'))
  fs.writeFileSync(
    path.join(dir, 'leak.test.ts'),
    "import { it } from 'vitest';\nit('leaks', async () => {\n  void Promise.reject(new Error('nobody caught me'));\n  await new Promise((r) => setTimeout(r, 20));\n});\n"
  )
  fs.writeFileSync(
    path.join(dir, 'vitest.config.ts'),
    `export default { test: { include: ['leak.test.ts'], setupFiles: [${JSON.stringify(path.join(repoRoot, 'test/helpers/unhandled.ts'))}] } };\n`
  )
  let out = ''
  let status = 0
  try {
    execFileSync(
      path.join(repoRoot, 'node_modules/.bin/vitest'),
      ['run', '--root', dir, '--dangerouslyIgnoreUnhandledErrors'],
      { cwd: repoRoot, stdio: 'pipe' }
    )
  } catch (err) {
    status = (err as { status: number }).status
    out = String((err as { stdout: Buffer }).stdout) + String((err as { stderr: Buffer }).stderr)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
  // Even with vitest's own reporting of unhandled errors switched off, the test itself fails.
  expect(status).not.toBe(0)
  expect(out).toContain('unhandled rejection during this test')
  expect(out).toMatch(/leaks/)
})
