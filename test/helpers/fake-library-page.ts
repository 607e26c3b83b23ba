// A station stand-in for the console inside a browser page, for the library view's bench and
// screenshots: `window.retrovue` (what the desktop preload exposes) answering every StationApi
// call, with a library of `n` generated assets searched in memory, posters drawn on a canvas, a
// scan and an analysis running. Page scripts are strings (the tests compile without the DOM types).
import { STATION_API_METHODS } from '../../src/shared/station-api'

export interface FakeLibraryOptions {
  assets: number
  /** Milliseconds each asset search waits before it answers (a station's round trip). */
  searchDelayMs?: number
}

/** The init script: run before the console's own code (page.addInitScript). */
export function fakeLibraryScript(o: FakeLibraryOptions): string {
  return `(${FAKE.trim()})(${JSON.stringify({ ...o, methods: STATION_API_METHODS })})`
}

const FAKE = String.raw`
function (opts) {
  const T0 = Date.parse('2026-12-07T03:00:00Z')
  const shows = ['Space Patrol', 'Cartoon Hour', 'Evening News', 'The Late Movie', 'Weather Now', 'Kitchen Club', 'Rocket Rangers', 'Island Doctors']
  const statuses = ['ok','ok','ok','ok','ok','ok','ok','ok','ok','ok','ok','ok','pending','unplayable','offline','empty','unreadable','missing']
  const reasons = { unplayable: 'no audio or video stream in it (ffprobe: Invalid data found when processing input)', offline: 'its folder /srv/nas/tv is not reachable (unmounted?)', empty: 'the file is empty (0 bytes)', unreadable: 'permission denied: the station cannot read it', missing: 'the file was deleted' }
  const assets = []
  for (let i = 1; i <= opts.assets; i++) {
    const movie = i % 7 === 0
    const show = movie ? null : shows[i % shows.length]
    const season = movie ? null : 1 + (i % 5)
    const episode = movie ? null : 1 + (i % 24)
    const status = statuses[i % statuses.length]
    const title = movie ? 'Feature ' + i + ': The Return' : 'Episode ' + i
    const rel = movie ? 'Movies/Feature ' + i + ' (1987).mkv' : show + '/Season ' + String(season).padStart(2, '0') + '/' + show + ' - S' + String(season).padStart(2, '0') + 'E' + String(episode).padStart(2, '0') + ' - ' + title + '.mp4'
    assets.push({
      id: i, folderId: movie ? 'movies' : 'tv', path: (movie ? '/srv/media/movies/' : '/srv/media/tv/') + rel, relPath: rel,
      status, reason: reasons[status] || null, kind: movie ? 'movie' : 'episode', title, show, season, episode,
      year: movie ? 1960 + (i % 40) : null, genres: movie ? ['Drama'] : [], durationMs: status === 'ok' || status === 'offline' ? (movie ? 5400000 : 1320000) + (i % 60) * 1000 : null,
      sizeBytes: status === 'empty' ? 0 : 150000000 + i * 1000, analysed: status === 'ok', hasPoster: status === 'ok' || status === 'offline', addedAt: new Date(T0 - i * 60000).toISOString()
    })
  }
  const lower = assets.map((a) => (a.title + ' ' + (a.show || '') + ' ' + a.relPath).toLowerCase())
  const folders = [
    { id: 'tv', path: '/srv/media/tv', state: 'scanning', assets: assets.filter((a) => a.folderId === 'tv').length, problems: assets.filter((a) => a.folderId === 'tv' && a.reason).length, lastScanAt: '2026-12-07T02:10:00.000Z' },
    { id: 'movies', path: '/srv/media/movies', state: 'idle', assets: assets.filter((a) => a.folderId === 'movies').length, problems: assets.filter((a) => a.folderId === 'movies' && a.reason).length, lastScanAt: '2026-12-07T02:40:00.000Z' },
    { id: 'nas', path: '/mnt/nas/archive', state: 'offline', assets: 0, problems: 0, lastScanAt: '2026-12-06T22:00:00.000Z' }
  ]
  const jobs = [
    { id: 'scan-tv', kind: 'scan', state: 'running', folderId: 'tv', done: 8123, total: 17143, currentFile: 'Space Patrol/Season 03/Space Patrol - S03E11 - Episode 8123.mp4', rate: 412.5, etaMs: 21900, startedAt: '2026-12-07T03:00:00.000Z', finishedAt: null, error: null },
    { id: 'analyse-1', kind: 'analyse', state: 'running', folderId: null, done: 37, total: 50, currentFile: 'Movies/Feature 7 (1967).mkv', rate: 0.4, etaMs: 32500, startedAt: '2026-12-07T03:00:00.000Z', finishedAt: null, error: null },
    { id: 'probe-movies', kind: 'probe', state: 'done', folderId: 'movies', done: 2857, total: 2857, currentFile: null, rate: 0, etaMs: null, startedAt: '2026-12-07T02:40:00.000Z', finishedAt: '2026-12-07T02:41:10.000Z', error: null }
  ]
  window.__fake = { searches: 0, searchMs: [], images: 0 }
  const delay = (ms) => new Promise((r) => setTimeout(r, ms))
  const refuse = (code, message) => Promise.reject({ code, message })
  function search(q) {
    const t0 = performance.now()
    const text = (q.q || '').toLowerCase()
    const show = (q.show || '').toLowerCase()
    const min = q.minDurationMs == null ? null : Number(q.minDurationMs)
    const max = q.maxDurationMs == null ? null : Number(q.maxDurationMs)
    const out = []
    for (let i = 0; i < assets.length; i++) {
      const a = assets[i]
      if (text && !lower[i].includes(text)) continue
      if (q.kind && a.kind !== q.kind) continue
      if (q.status && a.status !== q.status) continue
      if (q.folder && a.folderId !== q.folder) continue
      if (show && !(a.show || '').toLowerCase().includes(show)) continue
      if (min !== null && (a.durationMs === null || a.durationMs < min)) continue
      if (max !== null && (a.durationMs === null || a.durationMs > max)) continue
      out.push(a)
    }
    const from = q.cursor ? Number(q.cursor) : 0
    const limit = Number(q.limit || 100)
    window.__fake.searches++
    window.__fake.searchMs.push(performance.now() - t0)
    return { assets: out.slice(from, from + limit), total: out.length, nextCursor: from + limit < out.length ? String(from + limit) : null }
  }
  const posterCanvas = document.createElement('canvas')
  function picture(id, w, h, frames) {
    posterCanvas.width = w
    posterCanvas.height = h
    const c = posterCanvas.getContext('2d')
    for (let f = 0; f < frames; f++) {
      const x = (w / frames) * f
      const g = c.createLinearGradient(x, 0, x + w / frames, h)
      g.addColorStop(0, 'hsl(' + ((id * 47 + f * 30) % 360) + ' 60% 35%)')
      g.addColorStop(1, 'hsl(' + ((id * 47 + f * 30 + 80) % 360) + ' 70% 15%)')
      c.fillStyle = g
      c.fillRect(x, 0, w / frames, h)
      c.fillStyle = 'rgba(255,255,255,0.85)'
      c.font = 'bold ' + Math.round(h / 4) + 'px sans-serif'
      c.fillText(frames > 1 ? String(f + 1) : '#' + id, x + 6, h - 8)
    }
    return { dataUrl: posterCanvas.toDataURL('image/jpeg', 0.7), width: w, height: h }
  }
  const stationTime = () => new Date().toISOString()
  const api = {}
  for (const m of opts.methods) api[m] = () => refuse('unsupported', 'not in this page')
  Object.assign(api, {
    snapshot: async () => ({ type: 'snapshot', seq: 1, stationTime: stationTime(), mode: { mode: 'normal', emergency: null }, health: { status: 'ok', channels: 0, producersRunning: 0, producerBudget: 4, producerBudgetUsed: 0, viewers: 0, previews: 0, failedChannels: 0 }, alarms: [], channels: [] }),
    libraryFolders: async () => folders,
    libraryJobs: async () => jobs,
    libraryAssets: async (q) => { await delay(opts.searchDelayMs || 0); return search(q || {}) },
    libraryAsset: async (id) => {
      const a = assets[id - 1]
      if (!a) return refuse('not_found', 'no asset ' + id)
      const ok = a.status === 'ok'
      return Object.assign({}, a, {
        plot: a.kind === 'movie' ? 'A crew returns to the station they left thirty years ago.' : 'The patrol answers a distress call from the far side of the moon.',
        episodeTitle: a.kind === 'episode' ? a.title : null, fingerprint: ok ? 'sha256:9f2c…' : null, mtimeMs: T0,
        probe: ok ? { container: 'mov,mp4,m4a,3gp,3g2,mj2', video: { codec: 'h264', profile: 'High', level: 40, width: 1920, height: 1080, frameRate: 29.97, fieldOrder: 'progressive', aspect: '16:9' }, audio: { codec: 'aac', channels: 2, sampleRate: 48000 }, subtitles: [{ codec: 'subrip', language: 'eng' }] } : null,
        analysis: ok ? { integratedLufs: -23.4, rangeLu: 6.1, truePeakDbtp: -1.2, headBlackMs: 1500, headSilenceMs: 1200, tailBlackMs: 2000, tailSilenceMs: 2400, trimInMs: 1500, trimOutMs: (a.durationMs || 0) - 2400, analysedAt: '2026-12-07T03:01:00.000Z', error: null } : null,
        hasFilmstrip: ok,
        scheduled: ok ? [{ channelUuid: 'c1', channelName: 'RetroToons', startsAt: '2026-12-07T19:30:00.000Z' }, { channelUuid: 'c2', channelName: 'Channel Two', startsAt: '2026-12-08T01:00:00.000Z' }] : []
      })
    },
    libraryAssetImage: async (id, image) => {
      window.__fake.images++
      const a = assets[id - 1]
      if (!a || !a.hasPoster) return null
      return image === 'poster' ? picture(id, 160, 90, 1) : picture(id, 640, 72, 5)
    },
    subscribe: (listener) => {
      setTimeout(async () => {
        listener(await api.snapshot())
        listener({ type: 'library', stationTime: stationTime(), folders, jobs })
      }, 0)
      return () => undefined
    }
  })
  window.retrovue = api
}
`
