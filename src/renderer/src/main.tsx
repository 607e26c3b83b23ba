import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App, Problem } from './App'
import { ConsoleModel } from './state/model'
import { chooseTransport } from './transport/select'
import './styles.css'

declare global {
  interface Window {
    /** The StationApi the Electron preload exposes (over IPC); absent in a plain browser. */
    retrovue?: unknown
  }
}

const root = document.getElementById('root')
if (!root) throw new Error('index.html has no #root element')

const choice = chooseTransport(window)
if (choice.kind === 'none') {
  createRoot(root).render(<Problem message={choice.problem} />)
} else {
  let storage: Storage | null = null
  let windowStorage: Storage | null = null
  try {
    storage = window.localStorage
    // This window's own: what it listens to is not another console's business.
    windowStorage = window.sessionStorage
  } catch {
    // storage disabled: preferences last for this page only
  }
  const model = new ConsoleModel(choice.api, { storage, windowStorage })
  model.start()
  const reactRoot = createRoot(root)
  reactRoot.render(
    <StrictMode>
      <App model={model} />
    </StrictMode>
  )
  // Leaving the page ends the previews (their detach requests are sent with keepalive) and the event stream.
  window.addEventListener('pagehide', () => {
    reactRoot.unmount()
    model.stop()
  })
}
