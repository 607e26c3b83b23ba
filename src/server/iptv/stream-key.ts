// The optional stream key: when set, every viewer URL carries it in its path (/iptv/<key>/...),
// where players, IPTV apps and media servers keep it as part of the URL they were given. It is
// compared in equal time (access.ts) and never logged: a request's path is logged with long
// segments as `:id`, which is why a key is at least 16 characters.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

/** A generated stream key (`serve --stream-key generate`), kept so viewers' URLs survive restarts. */
export const STREAM_KEY_FILE = 'stream-key'
/** URL-safe (no escaping in any URL), and long enough to be redacted from log lines. */
export const STREAM_KEY_PATTERN = /^[A-Za-z0-9_-]{16,128}$/
export const STREAM_KEY_RULE = 'a stream key is 16 to 128 letters, digits, "-" or "_"'

function readKey(file: string): string | undefined {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8').trim()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  if (!STREAM_KEY_PATTERN.test(text))
    throw new Error(`${file} does not hold a stream key (${STREAM_KEY_RULE}); fix or delete it`)
  return text
}

/** `<data-dir>/stream-key`, created (mode 0600, never overwriting another process's) on first use. */
export function loadOrCreateStreamKey(dataDir: string): string {
  const file = path.join(dataDir, STREAM_KEY_FILE)
  const existing = readKey(file)
  if (existing) return existing
  fs.mkdirSync(dataDir, { recursive: true })
  const key = crypto.randomBytes(24).toString('base64url')
  try {
    fs.writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readKey(file)!
    throw err
  }
  return key
}
