// The channel list for IPTV players (VLC, mpv, Kodi, Jellyfin's M3U tuner, TiviMate...): extended
// M3U with the attributes they read, and the guide's URL in the header.
import { logoPath, type ViewerChannel } from './directory'

export const GROUP_TITLE = 'RetroVue'

/** M3U has no escaping: a double quote would end an attribute, a line break the entry. */
const attr = (text: string) => text.replace(/\p{Cc}/gu, ' ').replace(/"/g, "'")
const name = (text: string) => text.replace(/\p{Cc}/gu, ' ')

/**
 * `root` is the /iptv URL viewers use (with the stream key's path when one is set); `kind` picks the
 * stream flavour: HLS (the default playlist) or one continuous MPEG-TS per channel.
 */
export function renderM3u(channels: ViewerChannel[], root: string, kind: 'm3u8' | 'ts'): string {
  const guide = `${root}/xmltv.xml`
  // Players read one or the other name for the guide URL.
  const lines = [`#EXTM3U url-tvg="${attr(guide)}" x-tvg-url="${attr(guide)}"`]
  for (const c of channels) {
    const attrs = [
      `tvg-id="${attr(c.guideId)}"`,
      `tvg-name="${attr(c.info.name)}"`,
      `tvg-chno="${attr(c.number)}"`,
      `tvg-logo="${attr(root + logoPath(c))}"`,
      `group-title="${GROUP_TITLE}"`
    ]
    lines.push(
      `#EXTINF:-1 ${attrs.join(' ')},${name(c.info.name)}`,
      `${root}/channels/${encodeURIComponent(c.urlId)}.${kind}`
    )
  }
  return `${lines.join('\n')}\n`
}
