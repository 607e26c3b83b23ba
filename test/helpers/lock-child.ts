// Child process for the lock tests. `hold DIR`: takes the data folder's lock, prints "held" and keeps
// it until killed. `try DIR`: tries once and prints the outcome as one JSON line.
import { StationLock } from '../../src/store'

const [mode, dir] = process.argv.slice(2)
try {
  const lock = StationLock.acquire(dir!, '2026-01-01T00:00:00.000+00:00')
  if (mode === 'hold') {
    process.stdout.write('held\n')
    setInterval(() => undefined, 1 << 30)
  } else {
    lock.release()
    process.stdout.write(`${JSON.stringify({ acquired: true })}\n`)
  }
} catch (err) {
  process.stdout.write(
    `${JSON.stringify({ acquired: false, name: (err as Error).name, message: (err as Error).message })}\n`
  )
}
