// The Programming view's week arithmetic: columns are broadcast days from the rollover, a slot
// moves and resizes by whole steps inside its day, and problems find their slot.
import { describe, expect, it } from 'vitest'
import type { TemplateSlotInput } from '../../src/shared/programming'
import {
  daysText,
  endOffset,
  isCarryover,
  moveSlot,
  resizeSlot,
  resizeSlotStart,
  shiftDays,
  slotAt,
  slotOfProblem,
  spanOf,
  startOffset
} from '../../src/renderer/src/state/week-grid'
import { collectionIdFor, schemaProblems } from '../../src/renderer/src/state/programming'

const R = 360 // the default 06:00 rollover
const slot = (start: string, end: string, days: TemplateSlotInput['days'] = ['mon']) =>
  ({ days, start, end, collection: 'toons' }) as TemplateSlotInput

describe('the week grid', () => {
  it('places times in the broadcast day from the rollover, after-midnight hours at its foot', () => {
    expect(startOffset('06:00', R)).toBe(0)
    expect(startOffset('07:30', R)).toBe(90)
    expect(startOffset('02:00', R)).toBe(20 * 60)
    expect(endOffset('06:00', R)).toBe(1440)
    expect(endOffset('24:00', R)).toBe(18 * 60)
    expect(isCarryover(18 * 60, R)).toBe(true)
    expect(isCarryover(17 * 60 + 59, R)).toBe(false)
    expect(isCarryover(23 * 60, 0)).toBe(false)
    expect(spanOf(slot('23:00', '02:00'), R)).toEqual({ start: 17 * 60, end: 20 * 60 })
  })

  it('moves a slot by steps inside its day, its length kept', () => {
    expect(moveSlot(slot('07:00', '09:00'), 15, R)).toMatchObject({ start: '07:15', end: '09:15' })
    expect(moveSlot(slot('07:00', '09:00'), -600, R)).toMatchObject({
      start: '06:00',
      end: '08:00'
    })
    // Not past the next rollover: the day ends at 06:00 the next morning.
    expect(moveSlot(slot('03:00', '05:00'), 120, R)).toMatchObject({ start: '04:00', end: '06:00' })
    // Midnight as an end is "24:00".
    expect(moveSlot(slot('21:00', '23:00'), 60, R)).toMatchObject({ start: '22:00', end: '24:00' })
  })

  it('resizes either edge, never below 15 minutes', () => {
    expect(resizeSlot(slot('07:00', '09:00'), 30, R).end).toBe('09:30')
    expect(resizeSlot(slot('07:00', '09:00'), -600, R).end).toBe('07:15')
    expect(resizeSlotStart(slot('07:00', '09:00'), -30, R).start).toBe('06:30')
    expect(resizeSlotStart(slot('07:00', '09:00'), 600, R).start).toBe('08:45')
  })

  it('shifts days around the week and names them', () => {
    expect(shiftDays(slot('07:00', '08:00', ['sun']), 1).days).toEqual(['mon'])
    expect(daysText(['mon', 'tue', 'wed', 'thu', 'fri'])).toBe('Mon–Fri')
    expect(daysText(['sat', 'sun'])).toBe('Sat, Sun')
    expect(daysText(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'])).toBe('Every day')
  })

  it('drops a collection as an hour on the half hour', () => {
    expect(slotAt('wed', 70, 'toons', R, 'a')).toMatchObject({
      id: 'a',
      days: ['wed'],
      start: '07:00',
      end: '08:00',
      collection: 'toons'
    })
  })

  it('checks an edit against the contract, each problem at its slot and field', () => {
    const problems = schemaProblems({
      slots: [slot('07:00', '09:00'), { ...slot('7am', '09:00'), collection: undefined }]
    })
    expect(problems.map((p) => p.path).sort()).toEqual([
      '$.slots[1].collection',
      '$.slots[1].start'
    ])
    expect(problems.every((p) => slotOfProblem(p) === 1)).toBe(true)
    expect(schemaProblems({ slots: [slot('07:00', '09:00')] })).toEqual([])
  })

  it('makes collection ids from names', () => {
    expect(collectionIdFor('Cartoon Show (1999)', new Set())).toBe('cartoon-show-1999')
    expect(collectionIdFor('Toons', new Set(['toons']))).toBe('toons-2')
  })
})
