// The console's preview of emergency text: the very frames that air (the takeover card's pages, the
// crawl's strip), from the station's card renderer and cache, as PNG. Previewing a message renders
// it into the cache, so it is ready when the operator puts it on air.
import type { EmergencyPreviewDto } from '../shared/api'
import { DEFAULT_CRAWL_SPEED, type EmergencyScope } from '../shared/domain'
import { crawlPassFrames, crawlStep } from './crawl'
import type { StillCards } from './still-cards'

const dataUrl = (png: Buffer): string => `data:image/png;base64,${png.toString('base64')}`

export async function emergencyPreview(
  cards: StillCards,
  scope: EmergencyScope,
  message: string,
  crawlSpeed = DEFAULT_CRAWL_SPEED
): Promise<EmergencyPreviewDto> {
  const profile = cards.profile
  const frame = { frameWidth: profile.width, frameHeight: profile.height }
  if (scope === 'takeover') {
    const card = await cards.emergencyCard(message)
    const pictures = await Promise.all(
      card.pages.map(async (p) => ({
        png: dataUrl(await cards.png(p.frame, p.picture.width, p.picture.height)),
        width: p.picture.width,
        height: p.picture.height
      }))
    )
    return {
      scope,
      pictures,
      ...frame,
      textSize: card.size,
      pageSeconds: card.pages.map((p) => p.ms / 1000),
      passSeconds: null,
      crawlSpeed: null
    }
  }
  const strip = await cards.crawlStrip(message)
  const { width, height } = strip.picture
  const passFrames = crawlPassFrames(profile, width, crawlStep(crawlSpeed, profile))
  return {
    scope,
    pictures: [{ png: dataUrl(await cards.png(strip.frame, width, height)), width, height }],
    ...frame,
    textSize: strip.picture.words[0]?.size ?? 0,
    pageSeconds: null,
    passSeconds: Math.round((passFrames / profile.fps) * 10) / 10,
    crawlSpeed
  }
}
