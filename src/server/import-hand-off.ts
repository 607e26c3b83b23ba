// Handing a station file to the running station (what `retrovue import` does when a station holds
// the data folder): the same all-or-nothing import, applied by this station itself, so new channels
// appear and touched ones re-plan live while viewers keep watching.
import fs from 'node:fs'
import path from 'node:path'
import type { FastifyReply } from 'fastify'
import { FfmpegUnavailableError } from '../media/ffmpeg'
import type { ImportResult } from '../schedule/import'
import { StationFileError } from '../schedule/station-file'
import { MAX_STATION_FILE_BYTES } from '../schedule/strict-json'
import type { StationImportRequest } from '../shared/station-api'
import { ApiError, badRequest } from './errors'

export interface StationImporter {
  importStationFile(file: string): Promise<ImportResult>
}

/** Refuses what is not a plain file of sane size before anything reads it (a FIFO would block the station). */
function checkFile(file: string): void {
  let st: fs.Stats
  try {
    st = fs.statSync(file)
  } catch {
    return // the import itself reports a file it cannot read, in its usual words
  }
  if (!st.isFile())
    throw new StationFileError(file, [
      { path: '$', message: 'cannot read the station file: not a regular file' }
    ])
  if (st.size > MAX_STATION_FILE_BYTES) {
    throw new StationFileError(file, [
      {
        path: '$',
        message: `the station file is ${st.size} bytes; at most ${MAX_STATION_FILE_BYTES} are accepted`
      }
    ])
  }
}

/**
 * The import hand-off (POST /api/station/import): the body's file, checked, imported by the
 * running station. A station file with problems is a 400 that lists them as the CLI prints them.
 */
export async function handOffImport(
  station: StationImporter,
  body: StationImportRequest,
  reply: FastifyReply
): Promise<unknown> {
  // The station's working folder is not the caller's: a relative path would name another file.
  if (!path.isAbsolute(body.file))
    throw badRequest('body.file: must be an absolute path', 'invalid_body')
  const file = path.resolve(body.file)
  try {
    checkFile(file)
    return await station.importStationFile(file)
  } catch (err) {
    if (err instanceof StationFileError) {
      // The message is what the CLI prints: one "FILE: $.json.path: problem" line per problem.
      return reply.status(400).send({
        error: {
          code: 'invalid_station_file',
          message: err.message,
          file: err.file,
          problems: err.problems
        }
      })
    }
    if (err instanceof FfmpegUnavailableError)
      throw new ApiError(
        503,
        'ffmpeg_unavailable',
        `cannot probe the station file's media: ${err.message}`
      )
    throw err
  }
}
