// Child process for the crash test: writes committed transactions in a tight loop and reports each
// committed id on stdout only after its commit returned. The parent kills it with SIGKILL.
import fs from 'node:fs'
import { Store } from '../../src/store'

const store = Store.open(process.argv[2]!)
let i = 0
for (;;) {
  i++
  const id = store.transaction(() => {
    const a = store.audit.append(i, 'system', 'crash-test', { i, pad: 'x'.repeat(200) })
    store.system.set({
      globalMode: 'normal',
      emergencyMessage: null,
      emergencyScope: null,
      emergencySinceMs: null,
      updatedAt: i
    })
    return a
  })
  // Synchronous write: the report leaves the process only after the commit returned.
  fs.writeSync(1, `${id}\n`)
}
