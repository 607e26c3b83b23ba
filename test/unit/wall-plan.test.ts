// The multiviewer's wall plan: 16:9 pictures as large as the area allows, layouts that never leave
// a row of empty cells, and a large tile that is the one asked for.
import { describe, expect, it } from 'vitest'
import {
  DESK_METRICS,
  planWall,
  WALL_METRICS,
  type TileBox,
  type WallPlan
} from '../../src/renderer/src/components/wall-plan'

const area = { width: 1480, height: 960 }
const plan = (n: number, layout: Parameters<typeof planWall>[0]['layout'], extra = {}) =>
  planWall({ ...area, n, layout, metrics: DESK_METRICS, ...extra })

function expectSixteenNine(b: TileBox): void {
  expect(Math.abs(b.pw / b.ph - 16 / 9)).toBeLessThan(0.01)
}

function overlaps(a: TileBox, b: TileBox): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h
}

function expectInside(p: WallPlan): void {
  for (const b of p.boxes) {
    expectSixteenNine(b)
    expect(b.x).toBeGreaterThanOrEqual(0)
    expect(b.x + b.w).toBeLessThanOrEqual(area.width)
    expect(b.y + b.h).toBeLessThanOrEqual(area.height)
  }
  p.boxes.forEach((a, i) => p.boxes.slice(i + 1).forEach((b) => expect(overlaps(a, b)).toBe(false)))
}

describe('wall plan', () => {
  it('gives four channels two by two in 3x3 and 4x4 (no empty cells), the same pictures as 2x2', () => {
    const two = plan(4, '2x2')
    for (const layout of ['3x3', '4x4', 'auto'] as const) {
      const p = plan(4, layout)
      expect({ cols: p.cols, rows: p.rows }).toEqual({ cols: 2, rows: 2 })
      expect(p.boxes.map((b) => b.pw)).toEqual(two.boxes.map((b) => b.pw))
      expectInside(p)
    }
  })

  it('fills a 3x3 with nine channels and a 4x4 with sixteen, each picture 16:9 and on screen', () => {
    expect(plan(9, '3x3')).toMatchObject({ cols: 3, rows: 3 })
    expect(plan(16, '4x4')).toMatchObject({ cols: 4, rows: 4 })
    expectInside(plan(9, '3x3'))
    expectInside(plan(16, '4x4'))
    // More channels than a 2x2 shows: the rows beyond scroll, the pictures keep the 2x2 size.
    const more = plan(6, '2x2')
    expect(more.boxes[0]!.pw).toBe(plan(4, '2x2').boxes[0]!.pw)
    expect(more.rows).toBe(3)
  })

  it('puts the asked channel in the large tile of 1 large + small, and every picture 16:9', () => {
    const p = plan(4, '1+n', { large: 2 })
    const large = p.boxes[2]!
    expect(large.large).toBe(true)
    for (const [i, b] of p.boxes.entries()) if (i !== 2) expect(b.pw).toBeLessThan(large.pw / 2)
    expectInside(p)
    // Many channels: the small pictures stay a quarter of the large at least.
    const many = plan(16, '1+n')
    const big = many.boxes[0]!
    for (const b of many.boxes.slice(1)) expect(b.pw).toBeGreaterThanOrEqual(big.pw / 4 - 1)
    expectInside(many)
  })

  it('gives a soloed channel the whole area and the others nothing', () => {
    const p = plan(4, '2x2', { solo: 1 })
    expect(p.boxes[1]!.pw).toBeGreaterThan(plan(4, '2x2').boxes[1]!.pw)
    expect(p.boxes.filter((b) => b.pw > 0)).toHaveLength(1)
  })

  it('drops the NEXT line on small pictures, and on the wall', () => {
    expect(plan(16, '4x4').boxes[0]!.compact).toBe(true)
    expect(plan(4, '2x2').boxes[0]!.compact).toBe(false)
    const wall = planWall({ ...area, n: 4, layout: '2x2', metrics: WALL_METRICS })
    expect(wall.boxes[0]!.compact).toBe(true)
    expectInside(wall)
  })

  it('plans nothing for no channels or no area', () => {
    expect(plan(0, 'auto').boxes).toEqual([])
    expect(
      planWall({ width: 0, height: 0, n: 3, layout: 'auto', metrics: DESK_METRICS }).boxes
    ).toEqual([])
  })
})
