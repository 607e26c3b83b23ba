import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import { rendererConfig } from './vite.web.config'

export default defineConfig({
  main: {
    build: {
      // Three entries: the window's main process, the engine that main forks as a utilityProcess,
      // and the headless CLI (`serve`, `import`). The packaged app has no Node of its own, so the
      // systemd unit (resources/linux/retrovue.service) runs cli.js with the app's own binary under
      // ELECTRON_RUN_AS_NODE=1: the same Node and native modules the app ships, nothing to install.
      rollupOptions: {
        input: {
          index: resolve(import.meta.dirname, 'src/main/index.ts'),
          'engine-process': resolve(import.meta.dirname, 'src/main/engine-process.ts'),
          cli: resolve(import.meta.dirname, 'src/cli.ts')
        },
        // Shared chunks beside the entries, not in chunks/: the Station looks for the console at
        // ../renderer from its own module (findUiDir), which must be out/renderer.
        output: { chunkFileNames: '[name]-[hash].js' }
      }
    }
  },
  preload: {
    build: {
      // A sandboxed preload cannot load packages: zod (the contract's schemas) goes in the bundle.
      externalizeDeps: { exclude: ['zod'] },
      // Sandboxed preloads must be CommonJS.
      rollupOptions: {
        input: { index: resolve(import.meta.dirname, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' }
      }
    }
  },
  renderer: rendererConfig
})
