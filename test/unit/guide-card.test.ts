// The guide channel's card text, without ffmpeg: every other channel (told apart by uuid, not by
// name), each with its times in its own zone and that zone's abbreviation.
import { describe, expect, it } from 'vitest'
import type { GuideListing } from '../../src/playout'
import { guideCard, GUIDE_ROWS, localTime } from '../../src/playout/guide-card'

const at = (iso: string) => Date.parse(iso)
const listing = (
  uuid: string,
  name: string,
  timezone: string,
  over: Partial<GuideListing> = {}
): GuideListing => ({
  channelUuid: uuid,
  channelName: name,
  timezone,
  nowTitle: 'Cartoon Hour',
  nowEndMs: at('2026-11-25T19:30:00Z'),
  nextTitle: 'Evening News',
  nextStartMs: at('2026-11-25T19:30:00Z'),
  ...over
})

describe('guide card', () => {
  it("shows each channel's next start in that channel's zone with its abbreviation", () => {
    const card = guideCard(
      [
        listing('uuid-ny', 'RetroToons', 'America/New_York'),
        listing('uuid-la', 'West Coast', 'America/Los_Angeles'),
        listing('uuid-be', 'Berlin TV', 'Europe/Berlin'),
        listing('uuid-utc', 'World', 'UTC'),
        listing('uuid-in', 'Mumbai', 'Asia/Kolkata')
      ],
      'uuid-guide'
    )
    expect(card.lines).toEqual([
      'What\u2019s on now',
      'RetroToons: Cartoon Hour  >  14:30 EST Evening News',
      'West Coast: Cartoon Hour  >  11:30 PST Evening News',
      'Berlin TV: Cartoon Hour  >  20:30 CET Evening News',
      'World: Cartoon Hour  >  19:30 UTC Evening News',
      'Mumbai: Cartoon Hour  >  01:00 GMT+5:30 Evening News'
    ])
  })

  it('follows daylight saving time', () => {
    expect(localTime(at('2026-07-01T19:30:00Z'), 'America/New_York')).toBe('15:30 EDT')
    expect(localTime(at('2026-07-01T19:30:00Z'), 'Europe/London')).toBe('20:30 BST')
    expect(localTime(at('2026-07-01T19:30:00Z'), 'Europe/Berlin')).toBe('21:30 CEST')
  })

  it('leaves out only itself, by uuid: two channels with one name both appear', () => {
    const card = guideCard(
      [
        listing('uuid-a', 'Classics', 'UTC', { nowTitle: 'A' }),
        listing('uuid-b', 'Classics', 'UTC', { nowTitle: 'B' }),
        listing('uuid-guide', 'Classics', 'UTC', { nowTitle: 'the guide itself' })
      ],
      'uuid-guide'
    )
    expect(card.lines.slice(1).map((l) => l.split('  >  ')[0])).toEqual([
      'Classics: A',
      'Classics: B'
    ])
  })

  it('says off air, omits a missing next, and lists at most a card of channels', () => {
    const card = guideCard(
      [
        listing('u1', 'Quiet', 'UTC', {
          nowTitle: null,
          nowEndMs: null,
          nextTitle: null,
          nextStartMs: null
        }),
        ...Array.from({ length: 20 }, (_, i) => listing(`x${i}`, `Ch ${i}`, 'UTC'))
      ],
      'guide'
    )
    expect(card.lines[1]).toBe('Quiet: off air')
    expect(card.lines).toHaveLength(1 + GUIDE_ROWS)
  })

  it('shows UTC, never a broken label, for a zone it does not know', () => {
    expect(localTime(at('2026-11-25T19:30:00Z'), 'Not/AZone')).toBe('19:30 UTC')
  })
})
