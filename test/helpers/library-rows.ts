// Library rows as a scan would leave them (a probed, playable file by default), written straight
// into the store: programming tests need collections of files, not the files.
import type { Store } from '../../src/store'

/** Adds a library asset; returns its id. */
export function addAsset(
  store: Store,
  a: {
    rel: string
    /** The library folder's id; the file is /media/<folder>/<rel>. */
    folder: string
    title: string
    show?: string
    season?: number
    episode?: number
    durationMs: number
    status?: string
  }
): number {
  return Number(
    store.db
      .prepare(
        `INSERT INTO assets (path, duration_ms, has_video, has_audio, size_bytes, mtime_ms, probe_json, probed_at,
           folder_id, rel_path, status, kind, title, show, season, episode, added_at)
         VALUES (?, ?, 1, 1, 1000, 0, '{}', 1, ?, ?, ?, ?, ?, ?, ?, ?, 0)`
      )
      .run(
        `/media/${a.folder}/${a.rel}`,
        a.durationMs,
        a.folder,
        a.rel,
        a.status ?? 'ok',
        a.show ? 'episode' : 'other',
        a.title,
        a.show ?? null,
        a.season ?? null,
        a.episode ?? null
      ).lastInsertRowid
  )
}
