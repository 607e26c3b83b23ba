// The operator console as a plain web build (served by `serve` at /). electron.vite.config.ts reuses
// this for the Electron window, so both are one bundle that picks its transport at run time.
import { resolve } from 'node:path'
import react from '@vitejs/plugin-react'
import { defineConfig, type UserConfig } from 'vite'

export const rendererConfig: UserConfig = {
  root: resolve(import.meta.dirname, 'src/renderer'),
  base: './',
  plugins: [react()],
  build: {
    outDir: resolve(import.meta.dirname, 'out/renderer'),
    emptyOutDir: true,
    rollupOptions: { input: resolve(import.meta.dirname, 'src/renderer/index.html') }
  }
}

export default defineConfig(rendererConfig)
