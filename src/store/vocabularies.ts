// The database's vocabulary checks, generated from the shared lists each time the store opens.
//
// A column that holds a name from a vocabulary (a producer type, an as-run kind, an alarm
// severity...) is guarded by a pair of triggers (insert, and update of that column) refusing any
// other name. The triggers are written from the lists in shared/domain and replaced at open when a
// list changed, so adding a name is an edit to its list: no migration, no table rebuild. Rows
// already stored are never touched; a value outside the list is refused, naming the column and
// what it takes.
import type { Db } from './database'
import {
  ALARM_KINDS,
  ALARM_SEVERITIES,
  AS_RUN_KINDS,
  AS_RUN_MEDIA,
  AS_RUN_PRODUCERS,
  CHANNEL_KINDS,
  CHANNEL_MODES,
  EMERGENCY_SCOPES,
  GLOBAL_MODES,
  PLAYLOG_SOURCES,
  PRODUCER_STATUSES,
  PRODUCER_TYPES,
  SESSION_PURPOSES
} from '../shared/domain'
import { ASSET_KINDS, ASSET_STATUSES, LIBRARY_FOLDER_STATES } from '../shared/library'

/** A column and the list of names it takes. */
export interface VocabularyColumn {
  table: string
  column: string
  values: readonly string[]
}

/** Every vocabulary column of the schema and its list. */
export const VOCABULARY_COLUMNS: readonly VocabularyColumn[] = [
  { table: 'channels', column: 'kind', values: CHANNEL_KINDS },
  { table: 'channels', column: 'current_mode', values: CHANNEL_MODES },
  { table: 'channels', column: 'producer_status', values: PRODUCER_STATUSES },
  { table: 'playlog_events', column: 'source', values: PLAYLOG_SOURCES },
  { table: 'viewer_sessions', column: 'purpose', values: SESSION_PURPOSES },
  { table: 'channel_producers', column: 'type', values: PRODUCER_TYPES },
  { table: 'channel_producers', column: 'status', values: PRODUCER_STATUSES },
  { table: 'as_run', column: 'kind', values: AS_RUN_KINDS },
  { table: 'as_run', column: 'producer_type', values: AS_RUN_PRODUCERS },
  { table: 'as_run', column: 'media', values: AS_RUN_MEDIA },
  { table: 'system_state', column: 'global_mode', values: GLOBAL_MODES },
  { table: 'system_state', column: 'emergency_scope', values: EMERGENCY_SCOPES },
  { table: 'alarms', column: 'kind', values: ALARM_KINDS },
  { table: 'alarms', column: 'severity', values: ALARM_SEVERITIES },
  { table: 'assets', column: 'status', values: ASSET_STATUSES },
  { table: 'assets', column: 'kind', values: ASSET_KINDS },
  { table: 'library_folders', column: 'state', values: LIBRARY_FOLDER_STATES }
]

/** Every trigger of ours starts with this; the rest of the schema never does. */
const PREFIX = 'vocabulary_'

const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`

/** The triggers guarding `columns`, by name, as the CREATE statements SQLite keeps in its schema. */
export function vocabularyTriggers(
  columns: readonly VocabularyColumn[] = VOCABULARY_COLUMNS
): Map<string, string> {
  const triggers = new Map<string, string>()
  for (const { table, column, values } of columns) {
    if (values.length === 0) throw new Error(`${table}.${column}: its vocabulary is empty`)
    const refusal = literal(`${table}.${column} must be one of: ${values.join(', ')}`)
    // NULL passes (NOT IN gives NULL): a nullable column stays nullable, NOT NULL refuses it.
    const when = `NEW.${column} NOT IN (${values.map(literal).join(', ')})`
    for (const [event, on] of [
      ['insert', 'INSERT'],
      ['update', `UPDATE OF ${column}`]
    ] as const) {
      const name = `${PREFIX}${table}_${column}_${event}`
      triggers.set(
        name,
        `CREATE TRIGGER ${name} BEFORE ${on} ON ${table} FOR EACH ROW WHEN ${when} BEGIN SELECT RAISE(ABORT, ${refusal}); END`
      )
    }
  }
  return triggers
}

/**
 * Brings the vocabulary triggers in line with the lists, in one transaction: a trigger whose list
 * changed is replaced, one no longer wanted dropped, a missing one created. Nothing is written when
 * they already match (the usual open).
 */
export function syncVocabularies(
  db: Db,
  columns: readonly VocabularyColumn[] = VOCABULARY_COLUMNS
): void {
  const wanted = vocabularyTriggers(columns)
  const present = db
    .prepare<[string], { name: string; sql: string }>(
      `SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND substr(name, 1, ${PREFIX.length}) = ?`
    )
    .all(PREFIX)
  const stale = present.filter((t) => wanted.get(t.name) !== t.sql)
  const have = new Set(present.filter((t) => !stale.includes(t)).map((t) => t.name))
  const missing = [...wanted].filter(([name]) => !have.has(name))
  if (stale.length === 0 && missing.length === 0) return
  db.transaction(() => {
    for (const t of stale) db.exec(`DROP TRIGGER ${t.name}`)
    for (const [, sql] of missing) db.exec(sql)
  })()
}
