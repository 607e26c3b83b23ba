// The logo's arithmetic without ffmpeg: where it lands for each corner (even, inside the picture,
// the same for the console's preview and the engine), and the blend on frames in any slicing equal
// to a plain per-pixel blend over the whole picture, with the source frame left untouched.
import { describe, expect, it } from 'vitest'
import { frameBytes, PROFILES } from '../../src/media/profiles'
import { LogoOverlay } from '../../src/playout/logo-overlay'
import { DEFAULT_LOGO_PLACEMENT, LOGO_CORNERS } from '../../src/shared/domain'
import { logoRect } from '../../src/shared/logo'

const P = PROFILES['360p']

describe('logo placement', () => {
  it('puts the logo in each corner, margin in from the edges, sized from the width and the PNG aspect, all even', () => {
    const rects = Object.fromEntries(
      LOGO_CORNERS.map((corner) => [
        corner,
        logoRect(P, { width: 96, height: 48, placement: { ...DEFAULT_LOGO_PLACEMENT, corner } })
      ])
    )
    // 12 % of 640 is 76.8: 76 wide, 38 high (2:1); 5 % margin: 32 px from the sides, 18 from top and bottom.
    expect(rects).toEqual({
      'top-left': { x: 32, y: 18, w: 76, h: 38 },
      'top-right': { x: 532, y: 18, w: 76, h: 38 },
      'bottom-left': { x: 32, y: 304, w: 76, h: 38 },
      'bottom-right': { x: 532, y: 304, w: 76, h: 38 }
    })
  })

  it('holds a tall logo to the picture height', () => {
    const r = logoRect(P, {
      width: 10,
      height: 400,
      placement: { ...DEFAULT_LOGO_PLACEMENT, widthPercent: 50, marginPercent: 0 }
    })
    expect(r.h).toBe(360)
    expect(r.w % 2).toBe(0)
    expect(r.y).toBe(0)
    expect(r.x + r.w).toBe(640)
  })
})

describe('logo blend', () => {
  const spec = {
    path: '(memory)',
    width: 80,
    height: 40,
    placement: { ...DEFAULT_LOGO_PLACEMENT, corner: 'bottom-left' as const, opacity: 0.5 }
  }
  const r = logoRect(P, spec)
  const ySize = r.w * r.h
  const cSize = ySize / 4
  // Logo: Y 200, U 50, V 220; alpha a ramp 0..255 along each row.
  const yuva = Buffer.alloc(ySize * 2 + cSize * 2)
  yuva.fill(200, 0, ySize)
  yuva.fill(50, ySize, ySize + cSize)
  yuva.fill(220, ySize + cSize, ySize + 2 * cSize)
  for (let i = 0; i < ySize; i++)
    yuva[ySize + 2 * cSize + i] = Math.round(((i % r.w) * 255) / (r.w - 1))
  const overlay = LogoOverlay.fromYuva(P, spec, yuva)

  const source = Buffer.alloc(frameBytes(P))
  for (let i = 0; i < source.length; i++) source[i] = (i * 7) % 251

  /** The blend computed plainly, pixel by pixel, over a copy of the whole picture. */
  function reference(): Buffer {
    const out = Buffer.from(source)
    const k = (256 * spec.placement.opacity) / 255
    const a = yuva.subarray(ySize + 2 * cSize)
    const W = P.width
    for (let y = 0; y < r.h; y++) {
      for (let x = 0; x < r.w; x++) {
        const al = Math.round(a[y * r.w + x]! * k)
        const o = (r.y + y) * W + r.x + x
        out[o] = (out[o]! * (256 - al) + 200 * al) >> 8
      }
    }
    const cw = W / 2
    for (const [plane, value] of [
      [W * P.height, 50],
      [W * P.height * 1.25, 220]
    ] as const) {
      for (let y = 0; y < r.h / 2; y++) {
        for (let x = 0; x < r.w / 2; x++) {
          const i = 2 * y * r.w + 2 * x
          const al = Math.round(((a[i]! + a[i + 1]! + a[i + r.w]! + a[i + r.w + 1]!) * k) / 4)
          const o = plane + (r.y / 2 + y) * cw + r.x / 2 + x
          out[o] = (out[o]! * (256 - al) + value * al) >> 8
        }
      }
    }
    return out
  }

  it.each([
    ['one buffer', [frameBytes(P)]],
    ['two halves', [frameBytes(P) / 2, frameBytes(P) / 2]],
    [
      'uneven slices cutting through the logo rows',
      [1000, 200_000, 7, 100_000, frameBytes(P) - 301_007]
    ]
  ])('equals a plain per-pixel blend (%s), leaving the source untouched', (_what, sizes) => {
    const slices: Buffer[] = []
    let at = 0
    for (const n of sizes) {
      slices.push(source.subarray(at, at + n))
      at += n
    }
    const before = Buffer.from(source)
    const out = Buffer.concat(overlay.apply(slices.length === 1 ? slices[0]! : slices))
    expect(out.length).toBe(frameBytes(P))
    expect(out.equals(reference())).toBe(true)
    expect(source.equals(before)).toBe(true)
  })
})
