// Child process: opens the station store in a data folder the way the engine does and prints
// "opened", or the error's message (exit 1). Used to run the store as another user.
import { Store } from '../../src/store'

try {
  Store.open(process.argv[2]!).close()
  process.stdout.write('opened\n')
} catch (err) {
  process.stdout.write(`${(err as Error).message}\n`)
  process.exitCode = 1
}
