import type { Db } from './database'
import {
  DEFAULT_LOGO_PLACEMENT,
  type ChannelInfo,
  type ChannelKind,
  type ChannelLogo,
  type ChannelMode,
  type ProducerStatus,
  type ProducerType
} from '../shared/domain'

export interface ChannelRow extends ChannelInfo {
  isActive: boolean
  currentMode: ChannelMode
  viewerCount: number
  producerStatus: ProducerStatus
  createdAt: number
  updatedAt: number
}

interface RawChannel {
  id: number
  uuid: string
  slug: string
  name: string
  timezone: string
  rollover_minutes: number
  kind: ChannelKind
  number: string | null
  logo_json: string | null
  is_active: number
  current_mode: ChannelMode
  viewer_count: number
  producer_status: ProducerStatus
  created_at: number
  updated_at: number
}

const toChannel = (r: RawChannel): ChannelRow => ({
  id: r.id,
  uuid: r.uuid,
  slug: r.slug,
  name: r.name,
  timezone: r.timezone,
  rolloverMinutes: r.rollover_minutes,
  kind: r.kind,
  number: r.number,
  logo: readLogo(r.logo_json),
  isActive: r.is_active === 1,
  currentMode: r.current_mode,
  viewerCount: r.viewer_count,
  producerStatus: r.producer_status,
  createdAt: r.created_at,
  updatedAt: r.updated_at
})

/** A stored logo over the placement defaults (a value written by another build still reads whole); null when none or unreadable. */
function readLogo(json: string | null): ChannelLogo | null {
  if (!json) return null
  try {
    const v = JSON.parse(json) as Partial<ChannelLogo>
    if (typeof v.file !== 'string' || typeof v.width !== 'number' || typeof v.height !== 'number')
      return null
    return { ...DEFAULT_LOGO_PLACEMENT, ...v } as ChannelLogo
  } catch {
    return null
  }
}

export type NewChannel = Omit<ChannelInfo, 'id'>

/** The metadata columns' values (the logo has its own setter). */
const withNumber = <T extends { number?: string | null; logo?: unknown }>({
  logo: _logo,
  ...c
}: T) => ({ ...c, number: c.number ?? null })

export class ChannelsRepo {
  private readonly all
  private readonly byUuidStmt
  private readonly bySlugStmt
  private readonly byIdStmt
  private readonly insertStmt
  private readonly updateMetaStmt
  private readonly setViewersStmt
  private readonly setProducerStatusStmt
  private readonly setModeStmt
  private readonly setLogoStmt

  constructor(private readonly db: Db) {
    this.all = db.prepare<[], RawChannel>('SELECT * FROM channels ORDER BY id')
    this.byUuidStmt = db.prepare<[string], RawChannel>('SELECT * FROM channels WHERE uuid = ?')
    this.bySlugStmt = db.prepare<[string], RawChannel>('SELECT * FROM channels WHERE slug = ?')
    this.byIdStmt = db.prepare<[number], RawChannel>('SELECT * FROM channels WHERE id = ?')
    this.insertStmt = db.prepare(
      `INSERT INTO channels (uuid, slug, name, timezone, rollover_minutes, kind, number, created_at, updated_at)
       VALUES (@uuid, @slug, @name, @timezone, @rolloverMinutes, @kind, @number, @at, @at)`
    )
    this.updateMetaStmt = db.prepare(
      `UPDATE channels SET name = @name, timezone = @timezone, rollover_minutes = @rolloverMinutes, kind = @kind,
              number = @number, is_active = 1, updated_at = @at WHERE id = @id`
    )
    this.setViewersStmt = db.prepare(
      'UPDATE channels SET viewer_count = ?, updated_at = ? WHERE id = ?'
    )
    this.setProducerStatusStmt = db.prepare(
      'UPDATE channels SET producer_status = ?, updated_at = ? WHERE id = ?'
    )
    this.setModeStmt = db.prepare(
      'UPDATE channels SET current_mode = ?, updated_at = ? WHERE id = ?'
    )
    this.setLogoStmt = db.prepare('UPDATE channels SET logo_json = ?, updated_at = ? WHERE id = ?')
  }

  list(): ChannelRow[] {
    return this.all.all().map(toChannel)
  }
  listActive(): ChannelRow[] {
    return this.list().filter((c) => c.isActive)
  }
  byUuid(uuid: string): ChannelRow | undefined {
    const r = this.byUuidStmt.get(uuid)
    return r && toChannel(r)
  }
  bySlug(slug: string): ChannelRow | undefined {
    const r = this.bySlugStmt.get(slug)
    return r && toChannel(r)
  }
  byId(id: number): ChannelRow | undefined {
    const r = this.byIdStmt.get(id)
    return r && toChannel(r)
  }
  insert(c: NewChannel, at: number): number {
    return Number(this.insertStmt.run({ ...withNumber(c), at }).lastInsertRowid)
  }
  updateMeta(id: number, c: Omit<NewChannel, 'uuid' | 'slug'>, at: number): void {
    this.updateMetaStmt.run({ ...withNumber(c), id, at })
  }
  /**
   * Takes a channel off the station: retired (its history stays: as-run, alarms, audit), its number
   * freed for another. Importing a station file that lists its slug brings it back.
   */
  retire(id: number, at: number): void {
    this.db
      .prepare('UPDATE channels SET is_active = 0, number = NULL, updated_at = ? WHERE id = ?')
      .run(at, id)
  }
  /** Frees these channels' numbers (an import renumbering channels sets them afresh; swaps must not collide). */
  clearNumbers(ids: number[]): void {
    const stmt = this.db.prepare('UPDATE channels SET number = NULL WHERE id = ?')
    for (const id of ids) stmt.run(id)
  }
  setViewerCount(id: number, count: number, at: number): void {
    this.setViewersStmt.run(count, at, id)
  }
  setProducerStatus(id: number, status: ProducerStatus, at: number): void {
    this.setProducerStatusStmt.run(status, at, id)
  }
  /** Sets (or with null removes) the channel's logo. */
  setLogo(id: number, logo: ChannelLogo | null, at: number): void {
    this.setLogoStmt.run(logo ? JSON.stringify(logo) : null, at, id)
  }
  setMode(id: number, mode: ChannelMode, at: number): void {
    this.setModeStmt.run(mode, at, id)
  }
  /** Boot reconciliation: nothing is running or watched before the runtime says so. */
  resetRuntime(at: number): number {
    return this.db
      .prepare(
        `UPDATE channels SET viewer_count = 0, producer_status = 'stopped', updated_at = ?
         WHERE viewer_count <> 0 OR producer_status <> 'stopped'`
      )
      .run(at).changes
  }
}

export interface ProducerRow {
  channelId: number
  producerId: string | null
  type: ProducerType
  status: ProducerStatus
  startedAt: number | null
  outputLocation: string | null
  updatedAt: number
}

export class ProducersRepo {
  private readonly upsertStmt
  private readonly getStmt
  constructor(private readonly db: Db) {
    this.upsertStmt = db.prepare(
      `INSERT INTO channel_producers (channel_id, producer_id, type, status, started_at, output_location, updated_at)
       VALUES (@channelId, @producerId, @type, @status, @startedAt, @outputLocation, @updatedAt)
       ON CONFLICT (channel_id) DO UPDATE SET producer_id = excluded.producer_id, type = excluded.type,
         status = excluded.status, started_at = excluded.started_at, output_location = excluded.output_location,
         updated_at = excluded.updated_at`
    )
    this.getStmt = db.prepare<[number], ProducerRow>(
      `SELECT channel_id AS channelId, producer_id AS producerId, type, status, started_at AS startedAt,
              output_location AS outputLocation, updated_at AS updatedAt
       FROM channel_producers WHERE channel_id = ?`
    )
  }
  put(row: ProducerRow): void {
    this.upsertStmt.run(row)
  }
  get(channelId: number): ProducerRow | undefined {
    return this.getStmt.get(channelId)
  }
  /** Boot reconciliation: a producer recorded as live belonged to a process that no longer exists. */
  resetLive(at: number): number {
    return this.db
      .prepare(
        `UPDATE channel_producers SET status = 'stopped', updated_at = ?
         WHERE status IN ('starting', 'running', 'stopping')`
      )
      .run(at).changes
  }
  countLive(): number {
    const r = this.db
      .prepare(
        `SELECT count(*) AS n FROM channel_producers WHERE status IN ('starting', 'running', 'stopping')`
      )
      .get() as { n: number }
    return r.n
  }
}
