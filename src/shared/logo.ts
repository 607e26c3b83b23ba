// A channel logo's two rules shared by the engine, the API and the console: what makes a file
// acceptable (checked the same way for the station file and the console's upload: a PNG by its
// signature and header, not too many bytes, a sane size in pixels, complete), and where it lands on
// a picture (the engine blends it there; the console's preview draws it there).
import { LOGO_MAX_BYTES, LOGO_MAX_PIXELS, LOGO_MIN_PIXELS, type LogoPlacement } from './domain'

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
const IEND = [0x49, 0x45, 0x4e, 0x44]

/** The PNG's size in pixels, or what is wrong with it (a sentence to follow a path or field name). */
export function checkLogoPng(
  bytes: Uint8Array
): { width: number; height: number } | { problem: string } {
  if (bytes.length < 33 || SIGNATURE.some((b, i) => bytes[i] !== b))
    return { problem: 'is not a PNG file (no PNG signature)' }
  if (bytes.length > LOGO_MAX_BYTES)
    return {
      problem: `is ${Math.ceil(bytes.length / 1024)} KiB; at most ${LOGO_MAX_BYTES / 1024} KiB is accepted`
    }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  // The first chunk is IHDR: length 13, then width and height as big-endian 32-bit numbers.
  if (view.getUint32(8) !== 13 || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR')
    return { problem: 'is not a valid PNG (no IHDR header)' }
  const width = view.getUint32(16)
  const height = view.getUint32(20)
  if (
    width < LOGO_MIN_PIXELS ||
    height < LOGO_MIN_PIXELS ||
    width > LOGO_MAX_PIXELS ||
    height > LOGO_MAX_PIXELS
  ) {
    return {
      problem: `is ${width}x${height} pixels; each side must be from ${LOGO_MIN_PIXELS} to ${LOGO_MAX_PIXELS}`
    }
  }
  // A complete PNG ends with its IEND chunk (type, then a 4-byte CRC).
  const end = bytes.length - 8
  if (IEND.some((b, i) => bytes[end + i] !== b))
    return { problem: 'is not a complete PNG (truncated: no IEND chunk at its end)' }
  return { width, height }
}

const even = (n: number) => Math.max(2, 2 * Math.round(n / 2))

/**
 * The logo's rectangle on a picture of `picture`'s size: `widthPercent` of its width wide (height
 * from the PNG's aspect, held to the picture), `marginPercent` of its width and height in from the
 * corner's edges. Position and size are even (yuv420p chroma is per 2x2 pixels).
 */
export function logoRect(
  picture: { width: number; height: number },
  logo: {
    width: number
    height: number
    placement: Pick<LogoPlacement, 'corner' | 'marginPercent' | 'widthPercent'>
  }
): { x: number; y: number; w: number; h: number } {
  const { width: W, height: H } = picture
  const p = logo.placement
  const mx = 2 * Math.round((W * p.marginPercent) / 200)
  const my = 2 * Math.round((H * p.marginPercent) / 200)
  let w = Math.min(even((W * p.widthPercent) / 100), W - 2 * mx)
  let h = even((w * logo.height) / logo.width)
  if (h > H - 2 * my) {
    // A tall logo is held to the picture's height instead.
    h = Math.max(2, H - 2 * my - ((H - 2 * my) % 2))
    w = Math.min(even((h * logo.width) / logo.height), W - 2 * mx)
  }
  const x = p.corner.endsWith('left') ? mx : W - mx - w
  const y = p.corner.startsWith('top') ? my : H - my - h
  return { x, y, w, h }
}
