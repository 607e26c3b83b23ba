// Each import rule of docs/architecture.md is proved by linting a violation as if it were a file where the rule
// applies and checking that lint rejects it (and that the allowed form passes).
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'
import { repoRoot } from '../helpers/tmp'

const eslint = new ESLint({ cwd: repoRoot })

/** Lints code as if it were a file in `dir` (nothing is written to disk); returns the errors. */
async function lint(dir: string, code: string, ext = 'ts'): Promise<string[]> {
  const [result] = await eslint.lintText(code, {
    filePath: path.join(repoRoot, dir, `probe.${ext}`)
  })
  return (result?.messages ?? [])
    .filter((m) => m.severity === 2)
    .map((m) => `${m.ruleId}: ${m.message}`)
}

describe('import rules (docs/architecture.md) enforced by lint', () => {
  it('only src/main and src/preload import electron', async () => {
    const code = "import { app } from 'electron';\nexport const a = app;\n"
    for (const dir of [
      'src/runtime',
      'src/playout',
      'src/server',
      'src/store',
      'src/schedule',
      'src/media'
    ]) {
      expect(await lint(dir, code)).toEqual([
        expect.stringMatching(
          /no-restricted-imports: .*Only src\/main and src\/preload may import electron/
        )
      ])
    }
    expect(await lint('src', code)).toHaveLength(1)
    expect(await lint('src/main', code)).toEqual([])
    expect(await lint('src/preload', code)).toEqual([])
  })

  it('shared/ imports nothing of ours and no Node', async () => {
    expect(
      await lint('src/shared', "import type { Store } from '../store';\nexport type S = Store;\n")
    ).toEqual([expect.stringMatching(/shared is the contract/)])
    expect(await lint('src/shared', "import fs from 'node:fs';\nexport const f = fs;\n")).toEqual([
      expect.stringMatching(/shared is the contract/)
    ])
    expect(
      await lint(
        'src/shared',
        "import { readFileSync } from 'fs';\nexport const f = readFileSync;\n"
      )
    ).toHaveLength(1)
    expect(
      await lint('src/shared', "import * as fsp from 'fs/promises';\nexport const f = fsp;\n")
    ).toHaveLength(1)
    expect(
      await lint(
        'src/shared',
        "import { DateTime } from 'luxon';\nimport { z } from 'zod';\nexport const x = [DateTime, z];\n"
      )
    ).toEqual([])
    expect(
      await lint(
        'src/shared',
        "import { parseInstant } from './time';\nexport const p = parseInstant;\n"
      )
    ).toEqual([])
  })

  it('playout/ never imports runtime/, schedule/, store/ or server/', async () => {
    for (const target of [
      '../runtime/alarms',
      '../schedule',
      '../store',
      '../server/http',
      '../store/playlog'
    ]) {
      expect(
        await lint('src/playout', `import * as m from '${target}';\nexport const x = m;\n`)
      ).toEqual([expect.stringMatching(/Producers execute the playout plan/)])
    }
    expect(
      await lint(
        'src/playout',
        "import { parseInstant } from '../shared/time';\nexport const p = parseInstant;\n"
      )
    ).toEqual([])
    expect(
      await lint(
        'src/playout',
        "import { PROFILES } from '../media/profiles';\nexport const p = PROFILES;\n"
      )
    ).toEqual([])
  })

  it('the director and channel managers reach the playout engine only through playout/index.ts', async () => {
    expect(
      await lint('src/runtime', "import * as p from '../playout/base';\nexport const x = p;\n")
    ).toEqual([expect.stringMatching(/only through playout\/index\.ts/)])
    expect(
      await lint('src/runtime', "import * as p from '../playout';\nexport const x = p;\n")
    ).toEqual([])
    expect(
      await lint('src/runtime', "import * as p from '../playout/index';\nexport const x = p;\n")
    ).toEqual([])
    expect(
      await lint(
        'src/runtime/channel',
        "import * as p from '../../playout/engine';\nexport const x = p;\n"
      )
    ).toHaveLength(1)
    expect(
      await lint(
        'src/server',
        "import * as p from '../playout/normal-producer';\nexport const x = p;\n"
      )
    ).toHaveLength(1)
  })

  it('renderer/ imports only shared/ and browser libraries', async () => {
    for (const target of [
      '../../runtime/clock',
      '../../playout',
      '../../store',
      '../../server/http',
      '../../station',
      'node:fs',
      'electron'
    ]) {
      expect(
        await lint(
          'src/renderer/src',
          `import * as m from '${target}';\nexport const x = m;\n`,
          'tsx'
        ),
        target
      ).toHaveLength(1)
    }
    expect(
      await lint(
        'src/renderer/src',
        "import { parseInstant } from '../../shared/time';\nimport { create } from 'zustand';\nexport const x = [parseInstant, create];\n",
        'tsx'
      )
    ).toEqual([])
  })

  it('only runtime/clock.ts reads the system time', async () => {
    const reads = [
      'Date.now()',
      'new Date()',
      'Date()',
      'performance.now()',
      'DateTime.now()',
      'DateTime.local()',
      'DateTime.utc()',
      'process.hrtime.bigint()',
      'process.hrtime()'
    ]
    for (const read of reads) {
      const code = `import { DateTime } from 'luxon';\nexport const t = () => [DateTime, ${read}];\n`
      for (const dir of ['src/runtime', 'src/schedule', 'src/server', 'src/renderer/src']) {
        expect(
          await lint(dir, code, dir.includes('renderer') ? 'tsx' : 'ts'),
          `${read} in ${dir}`
        ).toEqual([expect.stringMatching(/Only src\/runtime\/clock\.ts reads the system time/)])
      }
    }
    // Constructing a Date from a known instant is not reading the time.
    expect(
      await lint('src/runtime', 'export const t = (ms: number) => new Date(ms).toISOString();\n')
    ).toEqual([])
    // clock.ts itself reads it and passes lint.
    const [clock] = await eslint.lintFiles([path.join(repoRoot, 'src/runtime/clock.ts')])
    expect(clock?.errorCount).toBe(0)
  })

  it('runtime and schedule code uses clock timers, not the global ones', async () => {
    expect(
      await lint('src/runtime', 'export const x = () => setTimeout(() => undefined, 10);\n')
    ).toEqual([expect.stringMatching(/MasterClock timers/)])
    expect(
      await lint('src/schedule', 'export const x = () => setInterval(() => undefined, 10);\n')
    ).toHaveLength(1)
  })

  it('keeps schedule/ from importing runtime/ (the runtime asks the schedule, never the reverse)', async () => {
    for (const target of ['../runtime/clock', '../runtime/program-director', '../runtime']) {
      expect(
        await lint('src/schedule', `import * as m from '${target}';\nexport const x = m;\n`),
        target
      ).toEqual([expect.stringMatching(/schedule never depends on the runtime/)])
    }
    expect(
      await lint(
        'src/schedule',
        "import type { MasterClock } from '../shared/clock';\nexport type C = MasterClock;\n"
      )
    ).toEqual([])
    expect(
      await lint('src/runtime', "import * as s from '../schedule/service';\nexport const x = s;\n")
    ).toEqual([])
  })

  it('keeps server/ out of everything below it (facade, outputs, runtime, schedule, media, store)', async () => {
    for (const [dir, target] of [
      ['src/runtime', '../server/timeline'],
      ['src/schedule', '../server/http'],
      ['src/media', '../server/errors'],
      ['src/store', '../server'],
      ['src/outputs', '../server/iptv/ts-stream'],
      ['src/library', '../server/api'],
      ['src/ops', '../server/metrics']
    ] as const) {
      expect(
        await lint(dir, `import * as m from '${target}';\nexport const x = m;\n`),
        `${target} from ${dir}`
      ).toEqual([expect.stringMatching(/server\/ is the HTTP room on top/)])
    }
    const [facade] = await eslint.lintText(
      "import { apiRoutes } from './server/api';\nexport const x = apiRoutes;\n",
      { filePath: path.join(repoRoot, 'src/station-facade.ts') }
    )
    expect(facade?.messages.map((m) => m.message)).toEqual([
      expect.stringMatching(/server\/ is the HTTP room on top/)
    ])
    // Downhill is allowed: the outputs room uses the runtime and the store, the station composes the server.
    expect(
      await lint(
        'src/outputs',
        "import type { Store } from '../store';\nimport type { LiveSession } from '../runtime/viewer-sessions';\nexport type X = [Store, LiveSession];\n"
      )
    ).toEqual([])
    expect(
      await lint('src', "import { apiRoutes } from './server/api';\nexport const x = apiRoutes;\n")
    ).toEqual([])
  })

  it('keeps the media library out of the playout engine, and the library off server/', async () => {
    for (const target of ['../library', '../library/scanner']) {
      expect(
        await lint('src/playout', `import * as m from '${target}';\nexport const x = m;\n`),
        `${target} from src/playout`
      ).toEqual([expect.stringMatching(/Producers execute the playout plan they are given/)])
    }
    expect(
      await lint(
        'src/library',
        "import { apiRoutes } from '../server/api';\nexport const x = apiRoutes;\n"
      )
    ).toEqual([expect.stringMatching(/server\/ is the HTTP room on top/)])
    // The library uses the store, media and the clock's timers, never the global ones.
    expect(
      await lint(
        'src/library',
        "import type { Store } from '../store';\nimport { probeMedia } from '../media/probe';\nexport const x: Store | null = null;\nexport const p = probeMedia;\n"
      )
    ).toEqual([])
    expect(await lint('src/library', 'setTimeout(() => {}, 10);\n')).toEqual([
      expect.stringMatching(/MasterClock timers/)
    ])
  })

  it('keeps routes off the ProgramDirector and the concrete StationFacade (they call the StationApi)', async () => {
    for (const [dir, target] of [
      ['src/server', '../runtime/program-director'],
      ['src/server/iptv', '../../runtime/program-director'],
      ['src/server', '../station-facade']
    ] as const) {
      expect(
        await lint(dir, `import type { X } from '${target}';\nexport type Y = X;\n`),
        `${target} from ${dir}`
      ).toEqual([expect.stringMatching(/never the ProgramDirector or the concrete StationFacade/)])
    }
    expect(
      await lint(
        'src/server',
        "import type { HttpEngine } from '../shared/api-routes';\nimport type { LiveSession } from '../runtime/viewer-sessions';\nexport type X = [HttpEngine, LiveSession];\n"
      )
    ).toEqual([])
  })

  it('makes the lint command itself fail on a violation', () => {
    let status = 0
    try {
      execFileSync(
        path.join(repoRoot, 'node_modules/.bin/eslint'),
        ['--max-warnings', '0', '--stdin', '--stdin-filename', 'src/store/probe.ts'],
        {
          cwd: repoRoot,
          stdio: 'pipe',
          input: "import { app } from 'electron';\nexport const a = app;\n"
        }
      )
    } catch (err) {
      status = (err as { status: number }).status
    }
    expect(status).toBe(1)
  })
})
