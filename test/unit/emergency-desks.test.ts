// The emergency panel's words for what changed without the operator's say (a template's scope, a
// panel closed by another desk), and the station's list of its latest acknowledgements.
import { describe, expect, it } from 'vitest'
import { RecentAcknowledgements, type AlarmTransition } from '../../src/runtime/alarms'
import {
  closedElsewhereText,
  scopeChange,
  TEMPLATES
} from '../../src/renderer/src/components/emergency-templates'
import { formatClock } from '../../src/renderer/src/format'
import type { AlarmDto } from '../../src/shared/api'

const template = (id: string) => TEMPLATES.find((t) => t.id === id)!

describe('emergency panel notices', () => {
  it('names the scope a template changes, old → new, and says nothing when it keeps it', () => {
    expect(scopeChange('crawl', template('civil'))).toBe(
      'Scope changed by the template “Civil emergency”: CRAWL → TAKEOVER'
    )
    expect(scopeChange('takeover', template('weather'))).toBe(
      'Scope changed by the template “Severe weather”: TAKEOVER → CRAWL'
    )
    expect(scopeChange('takeover', template('technical'))).toBeNull()
  })

  it('tells a desk which desk fired and when, or that the all-clear came from elsewhere', () => {
    const since = '2026-11-26T12:00:05.000Z'
    const at = formatClock(Date.parse(since))
    expect(closedElsewhereText({ message: 'm', scope: 'crawl', since, desk: 'MCR 1' }, null)).toBe(
      `Emergency fired from desk MCR 1 at ${at}: this panel closed. Your message is kept as a draft.`
    )
    expect(closedElsewhereText({ message: 'm', scope: 'crawl', since, desk: null }, null)).toMatch(
      /^Emergency fired from another desk at /
    )
    expect(closedElsewhereText(null, Date.parse(since))).toBe(
      `All clear given from another desk at ${at}: this panel closed.`
    )
  })
})

describe('the station’s latest acknowledgements', () => {
  const dto = (id: string, patch: Partial<AlarmDto> = {}): AlarmDto => ({
    id,
    kind: 'late',
    code: 'LATE',
    severity: 'warning',
    message: `late ${id}`,
    since: '2026-11-26T12:00:00.000Z',
    clearedAt: '2026-11-26T12:00:01.000Z',
    acknowledgedAt: '2026-11-26T12:00:02.000Z',
    acknowledgedBy: 'MCR 1',
    channelUuid: null,
    ...patch
  })
  const t = (state: AlarmTransition['state'], alarm: AlarmDto): AlarmTransition => ({
    state,
    alarm,
    atMs: 0
  })

  it('keeps acknowledgements only, newest first, bounded, one per occurrence', () => {
    const recent = new RecentAcknowledgements(3)
    recent.note(t('raised', dto('1')))
    recent.note(t('cleared', dto('1')))
    expect(recent.dtos()).toEqual([])
    for (const id of ['1', '2', '3', '4']) recent.note(t('acknowledged', dto(id)))
    expect(recent.dtos().map((a) => a.id)).toEqual(['4', '3', '2'])
    // The same occurrence again (not possible today, harmless): listed once, newest.
    recent.note(t('acknowledged', dto('2', { acknowledgedBy: 'MCR 2' })))
    expect(recent.dtos().map((a) => [a.id, a.acknowledgedBy])).toEqual([
      ['2', 'MCR 2'],
      ['4', 'MCR 1'],
      ['3', 'MCR 1']
    ])
    // Same id on another channel: another occurrence.
    recent.note(t('acknowledged', dto('2', { channelUuid: 'c' })))
    expect(recent.dtos()).toHaveLength(3)
    expect(recent.dtos()[0]!.channelUuid).toBe('c')
  })
})
