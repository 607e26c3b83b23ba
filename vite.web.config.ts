// The operator console as a plain web build (served by `serve` at /). electron.vite.config.ts reuses
// this for the Electron window, so both are one bundle that picks its transport at run time.
import { readFile, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import zlib from 'node:zlib'
import react from '@vitejs/plugin-react'
import { defineConfig, type Plugin, type UserConfig } from 'vite'

const gzip = promisify(zlib.gzip)
const brotli = promisify(zlib.brotliCompress)

/** Text assets worth compressing (images and fonts are compressed already). */
const COMPRESSIBLE = /\.(js|css|html|svg|json|map|txt)$/
/** Below this a compressed copy saves less than its headers cost. */
const MIN_BYTES = 1024

/**
 * Writes a .br and a .gz beside each text asset at build, at the best levels (done once, not per
 * request): the server sends them with Content-Encoding where the browser accepts one
 * (@fastify/static's preCompressed). From the files as written, after every other plugin's changes.
 */
function precompress(): Plugin {
  return {
    name: 'retrovue-precompress',
    apply: 'build',
    enforce: 'post',
    async writeBundle(options, bundle) {
      const dir = options.dir!
      const files = Object.keys(bundle).filter((f) => COMPRESSIBLE.test(f))
      await Promise.all(
        files.map(async (fileName) => {
          const file = resolve(dir, fileName)
          const raw = await readFile(file)
          if (raw.length < MIN_BYTES) return
          const [gz, br] = await Promise.all([
            gzip(raw, { level: zlib.constants.Z_BEST_COMPRESSION }),
            brotli(raw, {
              params: {
                [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
                [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length
              }
            })
          ])
          await Promise.all([writeFile(`${file}.gz`, gz), writeFile(`${file}.br`, br)])
        })
      )
    }
  }
}

export const rendererConfig: UserConfig = {
  root: resolve(import.meta.dirname, 'src/renderer'),
  base: './',
  plugins: [react(), precompress()],
  build: {
    outDir: resolve(import.meta.dirname, 'out/renderer'),
    emptyOutDir: true,
    rollupOptions: { input: resolve(import.meta.dirname, 'src/renderer/index.html') }
  }
}

export default defineConfig(rendererConfig)
