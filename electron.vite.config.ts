import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import { rendererConfig } from './vite.web.config'

export default defineConfig({
  main: {
    build: {
      // Two entries: the window's main process, and the engine that main forks as a utilityProcess.
      rollupOptions: {
        input: {
          index: resolve(import.meta.dirname, 'src/main/index.ts'),
          'engine-process': resolve(import.meta.dirname, 'src/main/engine-process.ts')
        }
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
