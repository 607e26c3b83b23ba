// A channel's logo in the station file: the PNG (relative to the file) copied into the data folder,
// its placement defaulted field by field, kept on re-import when the file omits it, removed by null;
// bad values and unreadable or non-PNG files refused naming the JSON path, changing nothing.
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { StationFileError } from '../../src/schedule/station-file'
import { DEFAULT_LOGO_PLACEMENT } from '../../src/shared/domain'
import { makeLogo } from '../helpers/logo'
import { scheduleEnv, tools, type ScheduleEnv } from '../helpers/schedule-env'

const loop = {
  epoch: '2026-01-01T00:00:00Z',
  items: [{ title: 'A', asset: 'media/a.mp4', durationMs: 10_000 }]
}
const ch = (logo?: unknown) => ({
  id: 'a',
  name: 'A',
  timezone: 'UTC',
  loop,
  ...(logo === undefined ? {} : { logo })
})

describe('channel logo in the station file', () => {
  let env: ScheduleEnv
  beforeEach(async () => {
    env = scheduleEnv()
    await makeLogo(await tools(), path.join(env.dir, 'logos', 'retro.png'), '0x00ff00', 120, 40)
  })
  afterEach(() => env.close())

  const stored = () => env.store.channels.bySlug('a')?.logo ?? null
  const logoFiles = () => fs.readdirSync(path.join(env.dir, 'data', 'logos')).sort()

  it('copies the PNG into the data folder, fills in the placement, keeps it when a file omits it, removes it with null', async () => {
    await env.importStation({
      version: 1,
      channels: [ch({ path: 'logos/retro.png', corner: 'bottom-left', opacity: 0.5 })]
    })
    const logo = stored()!
    expect(logo).toEqual({
      ...DEFAULT_LOGO_PLACEMENT,
      corner: 'bottom-left',
      opacity: 0.5,
      file: expect.stringMatching(/^[0-9a-f]{32}\.png$/),
      width: 120,
      height: 40
    })
    expect(fs.readFileSync(path.join(env.dir, 'data', 'logos', logo.file))).toEqual(
      fs.readFileSync(path.join(env.dir, 'logos', 'retro.png'))
    )
    // The schedule's view of the channel (what the runtime gets) carries it.
    expect(env.schedule.activeChannels()[0]!.logo).toEqual(logo)

    await env.importStation({ version: 1, channels: [ch()] })
    expect(stored()).toEqual(logo)
    await env.importStation({
      version: 1,
      channels: [
        ch({
          path: 'logos/retro.png',
          corner: 'top-left',
          marginPercent: 2,
          widthPercent: 20,
          hideDuring: []
        })
      ]
    })
    expect(stored()).toEqual({
      ...logo,
      corner: 'top-left',
      marginPercent: 2,
      widthPercent: 20,
      opacity: DEFAULT_LOGO_PLACEMENT.opacity,
      hideDuring: []
    })
    await env.importStation({ version: 1, channels: [ch(null)] })
    expect(stored()).toBeNull()
    // No channel uses it any more: swept from the data folder.
    expect(logoFiles()).toEqual([])
  })

  it.each([
    [{ path: 'logos/missing.png' }, '$.channels[0].logo.path', 'logo not found'],
    [{ path: 'media/a.mp4' }, '$.channels[0].logo.path', 'is not a PNG file'],
    [
      { path: 'logos/huge.png' },
      '$.channels[0].logo.path',
      'is 4000x40 pixels; each side must be from 8 to 2048'
    ],
    [{ path: 'logos/cut.png' }, '$.channels[0].logo.path', 'truncated'],
    [{ path: '' }, '$.channels[0].logo.path', 'must not be empty'],
    [{ corner: 'top-right' }, '$.channels[0].logo.path', 'must be a path to a PNG file'],
    [
      { path: 'logos/retro.png', corner: 'middle' },
      '$.channels[0].logo.corner',
      'must be one of top-left, top-right, bottom-left, bottom-right'
    ],
    [
      { path: 'logos/retro.png', opacity: 1.5 },
      '$.channels[0].logo.opacity',
      'must be from 0 to 1'
    ],
    [
      { path: 'logos/retro.png', widthPercent: 80 },
      '$.channels[0].logo.widthPercent',
      'must be from 2 to 50 (percent)'
    ],
    [
      { path: 'logos/retro.png', marginPercent: -1 },
      '$.channels[0].logo.marginPercent',
      'must be from 0 to 25 (percent)'
    ],
    [
      { path: 'logos/retro.png', hideDuring: ['adverts'] },
      '$.channels[0].logo.hideDuring[0]',
      'must be one of program'
    ],
    [{ path: 'logos/retro.png', size: 3 }, '$.channels[0].logo', 'unknown field "size"'],
    ['logos/retro.png', '$.channels[0].logo', 'must be an object { path']
  ])('refuses %j, naming %s, and changes nothing', async (value, where, message) => {
    const t = await tools()
    await makeLogo(t, path.join(env.dir, 'logos', 'huge.png'), '0x00ff00', 4000, 40)
    const whole = fs.readFileSync(path.join(env.dir, 'logos', 'retro.png'))
    fs.writeFileSync(path.join(env.dir, 'logos', 'cut.png'), whole.subarray(0, whole.length - 20))
    await env.importStation({ version: 1, channels: [ch({ path: 'logos/retro.png' })] })
    const before = env.dump()
    const err = await env.importStation({ version: 1, channels: [ch(value)] }).then(
      () => undefined,
      (e: unknown) => e
    )
    expect(err).toBeInstanceOf(StationFileError)
    expect((err as StationFileError).problems).toContainEqual({
      path: where,
      message: expect.stringContaining(message)
    })
    expect((err as StationFileError).message).toContain(`.json: ${where}: `)
    expect(env.dump()).toBe(before)
    expect(logoFiles()).toHaveLength(1)
  })
})
