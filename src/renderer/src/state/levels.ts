// Audio levels arrive about ten times a second per channel. They bypass the store: meters subscribe
// here and move their bars directly, so levels never cause a React render.
import type { ChannelLevelsDto } from '../../../shared/api'

export interface LevelsReading extends ChannelLevelsDto {
  /** When it arrived (document timeline, ms). */
  atMono: number
}

export type LevelsListener = (reading: LevelsReading) => void

export class LevelsBus {
  private readonly latest = new Map<string, LevelsReading>()
  private readonly listeners = new Map<string, Set<LevelsListener>>()

  publish(channels: ChannelLevelsDto[], atMono: number): void {
    for (const c of channels) {
      const reading = { ...c, atMono }
      this.latest.set(c.uuid, reading)
      for (const l of this.listeners.get(c.uuid) ?? []) l(reading)
    }
  }

  get(uuid: string): LevelsReading | undefined {
    return this.latest.get(uuid)
  }

  subscribe(uuid: string, listener: LevelsListener): () => void {
    let set = this.listeners.get(uuid)
    if (!set) this.listeners.set(uuid, (set = new Set()))
    set.add(listener)
    return () => set.delete(listener)
  }
}
