// The template materializer: slots, orders, fills, padding, overruns, bumpers, one-offs, DST.
import fc from 'fast-check'
import { DateTime } from 'luxon'
import { describe, expect, it } from 'vitest'
import { channelTemplate, type ChannelTemplateInput } from '../../src/shared/programming'
import {
  checkTemplate,
  materializeTemplate,
  type PlannedItem,
  type Position,
  type TemplateAsset
} from '../../src/schedule/template'

const ZONE = 'America/New_York'
const MIN = 60_000
const at = (iso: string) => DateTime.fromISO(iso, { zone: ZONE }).toMillis()
const local = (ms: number) => DateTime.fromMillis(ms, { zone: ZONE }).toFormat('yyyy-MM-dd HH:mm')

function assets(prefix: string, n: number, durationMs: number, firstId = 1): TemplateAsset[] {
  return Array.from({ length: n }, (_, i) => ({
    assetId: firstId + i,
    title: `${prefix} ${i + 1}`,
    durationMs,
    file: `${prefix}-${i + 1}.mp4`
  }))
}

const TOONS = assets('Toon', 10, 22 * MIN, 1)
const BUMPS = assets('Bump', 3, 1 * MIN, 100)
const collections = new Map<string, TemplateAsset[]>([
  ['toons', TOONS],
  ['bumpers', BUMPS],
  ['empty', []]
])

const tpl = (t: ChannelTemplateInput) => channelTemplate.parse(t)
const weekday = (extra: Record<string, unknown> = {}): ChannelTemplateInput => ({
  slots: [
    {
      days: ['mon', 'tue', 'wed', 'thu', 'fri'],
      start: '07:00',
      end: '09:00',
      collection: 'toons',
      order: 'sequential',
      fill: 'fill',
      padToMinutes: 30,
      filler: 'bumpers',
      ...extra
    }
  ]
})

function run(
  template: ChannelTemplateInput,
  fromIso: string,
  toIso: string,
  positions: ReadonlyMap<string, Position> = new Map(),
  cols: ReadonlyMap<string, readonly TemplateAsset[]> = collections
) {
  return materializeTemplate({
    template: tpl(template),
    zone: ZONE,
    rolloverMinutes: 360,
    collections: cols,
    positions,
    fromMs: at(fromIso),
    toMs: at(toIso)
  })
}

const programs = (items: PlannedItem[]) => items.filter((i) => i.kind === 'program')

function expectContiguous(items: PlannedItem[]) {
  for (let i = 1; i < items.length; i++) expect(items[i]!.startMs).toBe(items[i - 1]!.endMs)
}

describe('template materializer', () => {
  it('airs the next episodes in order, padded to the half hour with bumpers, resuming the next day', () => {
    // 2026-12-07 is a Monday.
    const r = run(weekday(), '2026-12-07T06:00', '2026-12-09T06:00')
    const p = programs(r.items)
    expect(p.map((i) => i.title)).toEqual(TOONS.slice(0, 8).map((a) => a.title))
    expect(p.map((i) => local(i.startMs).slice(11))).toEqual([
      '07:00',
      '07:30',
      '08:00',
      '08:30',
      '07:00',
      '07:30',
      '08:00',
      '08:30'
    ])
    expect(
      r.items.filter((i) => i.kind === 'filler').every((i) => i.collection === 'bumpers')
    ).toBe(true)
    expectContiguous(r.items)
    expect(r.warnings).toEqual([])
  })

  it('resumes from persisted positions exactly as one long run does (across a restart)', () => {
    const whole = run(weekday(), '2026-12-07T06:00', '2026-12-12T06:00')
    const first = run(weekday(), '2026-12-07T06:00', '2026-12-09T06:00')
    const last = first.items[first.items.length - 1]!
    const second = materializeTemplate({
      template: tpl(weekday()),
      zone: ZONE,
      rolloverMinutes: 360,
      collections,
      positions: first.positions,
      fromMs: last.endMs,
      toMs: at('2026-12-12T06:00')
    })
    const strip = (items: PlannedItem[]) => items.filter((i) => i.kind !== 'gap')
    expect(strip([...first.items, ...second.items])).toEqual(strip(whole.items))
  })

  it('composes at any split point (property)', () => {
    const from = at('2026-12-07T06:00')
    const to = at('2026-12-10T06:00')
    const whole = run(weekday({ bumpers: 'bumpers' }), '2026-12-07T06:00', '2026-12-10T06:00')
    const real = (items: PlannedItem[]) =>
      items.filter((i) => i.kind !== 'gap' && i.kind !== 'slate')
    fc.assert(
      fc.property(fc.integer({ min: from + 1, max: to - 1 }), (split) => {
        const a = materializeTemplate({
          template: tpl(weekday({ bumpers: 'bumpers' })),
          zone: ZONE,
          rolloverMinutes: 360,
          collections,
          positions: new Map(),
          fromMs: from,
          toMs: split
        })
        const resume = Math.max(split, a.items.at(-1)?.endMs ?? split)
        const b = materializeTemplate({
          template: tpl(weekday({ bumpers: 'bumpers' })),
          zone: ZONE,
          rolloverMinutes: 360,
          collections,
          positions: a.positions,
          fromMs: resume,
          toMs: to
        })
        expect(real([...a.items, ...b.items])).toEqual(real(whole.items))
      }),
      { numRuns: 40 }
    )
  })

  it('pads every program start onto its boundary and never overlaps (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(5, 15, 30, 60),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 8 }),
        (pad, minutes) => {
          const cols = new Map<string, TemplateAsset[]>([
            [
              'toons',
              minutes.map((m, i) => ({
                assetId: i + 1,
                title: `T${i}`,
                durationMs: m * MIN + 1234,
                file: null
              }))
            ],
            ['bumpers', BUMPS]
          ])
          const r = run(
            weekday({ padToMinutes: pad }),
            '2026-12-07T06:00',
            '2026-12-08T06:00',
            new Map(),
            cols
          )
          expectContiguous(r.items)
          for (const p of programs(r.items)) {
            const d = DateTime.fromMillis(p.startMs, { zone: ZONE })
            expect(d.minute % pad, local(p.startMs)).toBe(0)
            expect(d.second).toBe(0)
          }
        }
      ),
      { numRuns: 30 }
    )
  })

  it('shuffle plays every item once before any repeats, reproducibly from its seed', () => {
    const t = weekday({ order: 'shuffle', seed: 42, padToMinutes: undefined, filler: undefined })
    const r = run(t, '2026-12-07T06:00', '2026-12-14T06:00')
    const ids = programs(r.items).map((i) => i.assetId)
    expect(ids.length).toBeGreaterThanOrEqual(20)
    for (let k = 0; k + TOONS.length <= ids.length; k += TOONS.length)
      expect(new Set(ids.slice(k, k + TOONS.length)).size).toBe(TOONS.length)
    expect(ids.slice(0, 10)).not.toEqual(TOONS.map((a) => a.assetId))
    const again = programs(run(t, '2026-12-07T06:00', '2026-12-14T06:00').items).map(
      (i) => i.assetId
    )
    expect(again).toEqual(ids)
    const other = programs(
      run({ ...t, slots: [{ ...t.slots[0]!, seed: 7 }] }, '2026-12-07T06:00', '2026-12-14T06:00')
        .items
    )
    expect(other.map((i) => i.assetId)).not.toEqual(ids)
  })

  it('random draws across weighted collections, reproducibly', () => {
    const cols = new Map<string, TemplateAsset[]>([
      ['a', assets('A', 3, 10 * MIN, 1)],
      ['b', assets('B', 3, 10 * MIN, 50)]
    ])
    const t: ChannelTemplateInput = {
      slots: [
        {
          days: ['mon'],
          start: '07:00',
          end: '17:00',
          order: 'random',
          seed: 3,
          weights: [
            { collection: 'a', weight: 9 },
            { collection: 'b', weight: 1 }
          ]
        }
      ]
    }
    const r = run(t, '2026-12-07T06:00', '2026-12-08T06:00', new Map(), cols)
    const p = programs(r.items)
    expect(p).toHaveLength(60)
    const fromA = p.filter((i) => i.collection === 'a').length
    expect(fromA).toBeGreaterThan(40)
    expect(fromA).toBeLessThan(60)
    expect(programs(run(t, '2026-12-07T06:00', '2026-12-08T06:00', new Map(), cols).items)).toEqual(
      p
    )
  })

  it('an item that would run past the slot shifts what follows, or is skipped, as configured', () => {
    const cols = new Map([
      ['long', assets('Long', 4, 50 * MIN)],
      ['toons', TOONS]
    ])
    const two: ChannelTemplateInput = {
      slots: [
        { days: ['mon'], start: '07:00', end: '09:00', collection: 'long', overrun: 'shift' },
        { days: ['mon'], start: '09:00', end: '10:00', collection: 'toons', fill: 'once' }
      ]
    }
    const shifted = run(two, '2026-12-07T06:00', '2026-12-08T06:00', new Map(), cols)
    const p = programs(shifted.items)
    expect(p.map((i) => local(i.startMs).slice(11))).toEqual(['07:00', '07:50', '08:40', '09:30'])
    expect(p[2]!.overrunMs).toBe(30 * MIN)
    const skip = run(
      { slots: [{ ...two.slots[0]!, overrun: 'skip' }, two.slots[1]!] },
      '2026-12-07T06:00',
      '2026-12-08T06:00',
      new Map(),
      cols
    )
    const q = programs(skip.items)
    expect(q.map((i) => local(i.startMs).slice(11))).toEqual(['07:00', '07:50', '09:00'])
    expect(q.every((i) => i.overrunMs === undefined)).toBe(true)
    expectContiguous(skip.items)
  })

  it('a one-off event overrides the template, which resumes after it', () => {
    const cols = new Map([
      ['toons', TOONS],
      ['special', assets('Special', 1, 60 * MIN, 500)]
    ])
    const t: ChannelTemplateInput = {
      slots: [
        { days: ['sat'], start: '18:00', end: '23:00', collection: 'toons', padToMinutes: 30 }
      ],
      events: [
        { date: '2026-12-12', start: '20:00', collection: 'special', title: 'Holiday Special' }
      ]
    }
    const r = run(t, '2026-12-12T06:00', '2026-12-13T06:00', new Map(), cols)
    const ev = r.items.find((i) => i.kind === 'event')!
    expect(ev.title).toBe('Holiday Special')
    expect(local(ev.startMs)).toBe('2026-12-12 20:00')
    const p = programs(r.items)
    expect(p.every((i) => i.endMs <= ev.startMs || i.startMs >= ev.endMs)).toBe(true)
    expect(p.map((i) => local(i.startMs).slice(11))).toEqual([
      '18:00',
      '18:30',
      '19:00',
      '19:30',
      '21:00',
      '21:30',
      '22:00',
      '22:30'
    ])
    // Resumes where it left off: the fifth episode after the special.
    expect(p[4]!.title).toBe('Toon 5')
    expectContiguous(r.items)
  })

  it('keeps slot times in local time across 23- and 25-hour days', () => {
    const t = weekday({ days: ['sun', 'mon'], start: '07:00', end: '08:00' })
    for (const [from, to] of [
      ['2026-03-08T06:00', '2026-03-10T06:00'],
      ['2026-11-01T06:00', '2026-11-03T06:00']
    ] as const) {
      const p = programs(run(t, from, to).items)
      expect(p.map((i) => local(i.startMs).slice(11))).toEqual(['07:00', '07:30', '07:00', '07:30'])
    }
    // A slot after midnight belongs to the broadcast day before (rollover 06:00).
    const late = weekday({
      days: ['sat'],
      start: '01:00',
      end: '02:00',
      padToMinutes: undefined,
      filler: undefined,
      fill: 'once'
    })
    const p = programs(run(late, '2026-12-12T06:00', '2026-12-13T06:00').items)
    expect(local(p[0]!.startMs)).toBe('2026-12-13 01:00')
  })

  it('a collection with nothing that can air airs the slate, with a warning', () => {
    const r = run(weekday({ collection: 'empty' }), '2026-12-07T06:00', '2026-12-08T06:00')
    expect(programs(r.items)).toEqual([])
    const slate = r.items.filter((i) => i.kind === 'slate')
    expect(slate.map((i) => [local(i.startMs), local(i.endMs)])).toEqual([
      ['2026-12-07 07:00', '2026-12-07 09:00']
    ])
    expect(r.warnings[0]!.message).toMatch(/"empty" has nothing that can air/)
  })

  it('counts and once: N programs then the filler', () => {
    const p = programs(
      run(weekday({ fill: 'count', count: 3 }), '2026-12-07T06:00', '2026-12-08T06:00').items
    )
    expect(p).toHaveLength(3)
    const o = programs(run(weekday({ fill: 'once' }), '2026-12-07T06:00', '2026-12-08T06:00').items)
    expect(o).toHaveLength(1)
  })

  it('bumpers air between items', () => {
    const r = run(
      weekday({ bumpers: 'bumpers', padToMinutes: undefined, filler: undefined }),
      '2026-12-07T06:00',
      '2026-12-08T06:00'
    )
    const kinds = r.items.filter((i) => i.kind !== 'gap').map((i) => i.kind)
    expect(kinds.slice(0, 4)).toEqual(['program', 'bumper', 'program', 'bumper'])
  })

  it('refuses overlapping slots, naming both', () => {
    const t = tpl({
      slots: [
        { days: ['mon', 'tue'], start: '07:00', end: '09:00', collection: 'toons' },
        { days: ['tue'], start: '08:30', end: '10:00', collection: 'toons' }
      ]
    })
    expect(checkTemplate(t, 360, new Set(['toons']))).toEqual([
      {
        path: '$.slots[1]',
        message: 'slot tue 08:30-10:00 overlaps $.slots[0] (mon,tue 07:00-09:00) on tue'
      }
    ])
    const bad = tpl({
      slots: [{ days: ['mon'], start: '05:00', end: '07:00', collection: 'nope' }]
    })
    expect(checkTemplate(bad, 360, new Set()).map((p) => p.path)).toEqual([
      '$.slots[0].end',
      '$.slots[0].collection'
    ])
  })
})
