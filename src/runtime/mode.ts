// The station's operating mode as the runtime holds it, and what it means for one channel.
import type { ChannelKind, ChannelMode, EmergencyScope, GlobalMode } from '../shared/domain'

export interface ModeState {
  global: GlobalMode
  /** desk: the console desk that fired it, as its operator named it. */
  emergency: {
    message: string
    scope: EmergencyScope
    sinceMs: number
    desk?: string | null
  } | null
}

export const NORMAL_MODE: ModeState = { global: 'normal', emergency: null }

/** A channel's mode (`current_mode`): the emergency overrides; otherwise its kind decides. */
export function channelModeOf(global: GlobalMode, kind: ChannelKind): ChannelMode {
  if (global === 'emergency') return 'emergency'
  return kind === 'guide' ? 'guide' : 'normal'
}
