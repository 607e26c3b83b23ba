// Conformed playout in the plan (issue 28): the rendition each item of a channel airs from, when
// the station's conform settings include the channel and the item's asset has a rendition in the
// house format that is valid (made from the file as it is, at the station's loudness target) and
// still on disk at its recorded size. A plan whose items all carry one airs through the copy
// producer; an item without one keeps the channel on the encode path.
import fs from 'node:fs'
import type { RenditionRef } from '../shared/domain'
import type { Store } from '../store'

/** An asset's rendition for one plan (null: none to air), or null when the channel does not conform. */
export type PlanRenditions = (
  channelId: number
) => ((assetId: number) => RenditionRef | null) | null

/** Whether the station's conform settings include the channel (every channel when they name none). */
export function channelConforms(store: Store, channelId: number): boolean {
  const s = store.renditions.settings()
  if (!s.enabled) return false
  if (s.channels === null) return true
  const slug = store.channels.byId(channelId)?.slug
  return slug !== undefined && s.channels.includes(slug)
}

/** The renditions of the profile (its name, as `PROFILES`) for plans; each asset looked up once a plan. */
export function planRenditions(store: Store, profile: string): PlanRenditions {
  return (channelId) => {
    if (!channelConforms(store, channelId)) return null
    const targetLufs = store.settings.loudness().targetLufs
    const seen = new Map<number, RenditionRef | null>()
    return (assetId) => {
      let ref = seen.get(assetId)
      if (ref !== undefined) return ref
      const r = store.renditions.valid(assetId, profile, targetLufs)
      ref = null
      // The row is written only once the file was probed; a file since gone or cut short is not aired.
      if (r && fileSize(r.path) === r.bytes)
        ref = { path: r.path, frames: r.frames, gopFrames: r.gopFrames }
      seen.set(assetId, ref)
      return ref
    }
  }
}

function fileSize(file: string): number | null {
  try {
    return fs.statSync(file).size
  } catch {
    return null
  }
}
