// Alarm keys: one active occurrence per key, so two conditions must never share one, and the
// texts are those the alarm history already holds (a restart reads them back).
import { describe, expect, it } from 'vitest'
import { alarmKeys, MEDIA_ALARM_KINDS } from '../../src/runtime/alarm-keys'
import { ALARM_KINDS } from '../../src/shared/domain'

describe('alarm keys', () => {
  it('keep the texts stored in the alarm history', () => {
    expect(alarmKeys.scheduleGap).toBe('gap')
    expect(alarmKeys.segment('media-missing', 60_000)).toBe('media-missing:60000')
    expect(alarmKeys.segment('late', null)).toBe('late:output')
    expect(alarmKeys.outputCondition('black')).toBe('output:black')
    expect(alarmKeys.outputDown('o-1')).toBe('output-down:o-1')
    expect(alarmKeys.recordFailed('as-run')).toBe('record:as-run')
    expect([
      alarmKeys.transitionFailed,
      alarmKeys.stopFailed,
      alarmKeys.storeFailed,
      alarmKeys.restarting,
      alarmKeys.channelFailed
    ]).toEqual(['transition', 'stop', 'store', 'restarting', 'failed'])
    expect([
      alarmKeys.capacity,
      alarmKeys.clockStep,
      alarmKeys.timerFailed,
      alarmKeys.disk
    ]).toEqual(['capacity', 'clock-step', 'timer', 'disk'])
  })

  it('give every condition a key of its own', () => {
    const fixed = Object.values(alarmKeys).filter((k) => typeof k === 'string')
    const built = ALARM_KINDS.flatMap((kind) => [
      alarmKeys.segment(kind, 0),
      alarmKeys.segment(kind, null),
      alarmKeys.outputCondition(kind)
    ])
    const all = [...fixed, ...built, alarmKeys.outputDown('o-1'), alarmKeys.recordFailed('as-run')]
    expect(new Set(all).size).toBe(all.length)
    // A slot's MEDIA alarm of each kind is told apart by its slot.
    for (const kind of MEDIA_ALARM_KINDS)
      expect(alarmKeys.segment(kind, 1)).not.toBe(alarmKeys.segment(kind, 2))
  })
})
