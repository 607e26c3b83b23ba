// Headless entry point: `serve` runs the engine, the control API and the operator console over HTTP;
// `import` loads a station file (handing it to the running station if one holds the data folder).
// Usage errors exit 2, runtime failures exit 1.
import { type ParseArgsConfig, parseArgs } from 'node:util'
import { z } from 'zod'
import { terminalLogger } from './logging'
import path from 'node:path'
import { DEFAULT_VIEWER_LIMITS } from './server/viewer-limits'
import { parseCorsOrigins } from './server/cors'
import {
  loadOrCreateStreamKey,
  STREAM_KEY_FILE,
  STREAM_KEY_PATTERN,
  STREAM_KEY_RULE
} from './server/iptv/stream-key'
import { CRAWL_SPEED_MAX, CRAWL_SPEED_MIN, DEFAULT_CRAWL_SPEED } from './shared/domain'
import { Station, defaultDataDir } from './station'
import { importIntoDataDir } from './station-import'

const USAGE = `Usage:
  retrovue serve [--data-dir D] [--host 127.0.0.1] [--port 8787] [--station FILE]
                 [--viewer-grace-ms N] [--session-timeout-ms N] [--max-producers N]
                 [--profile 360p|720p|1080p] [--segment-seconds N] [--crawl-speed N]
                 [--public-url URL] [--stream-key KEY|generate] [--cors-origins LIST]
                 [--max-viewers N]
                 [--max-viewers-per-channel N] [--max-viewers-per-address N] [--guide-hours N]
                 [--metrics-token TOKEN]
  retrovue import [--data-dir D] FILE
  retrovue help

  --data-dir D            station data (database, outputs, api-token); default ${defaultDataDir()}
  --host H                address to listen on (default 127.0.0.1)
  --port P                port to listen on, 0 for any free port (default 8787)
  --station FILE          import this station file before serving
  --viewer-grace-ms N     keep a channel's producer this long after its last viewer leaves (default 20000)
  --session-timeout-ms N  end a viewer session after this long without requests (default 60000)
  --max-producers N       most channels producing output at once (default: 10 per CPU core, at least 4)
  --profile P             output profile of every channel: 360p (default), 720p or 1080p (H.264 + AAC, 30 fps)
  --segment-seconds N     HLS segment length (default 1)
  --crawl-speed N         emergency crawl speed, characters a second (default ${DEFAULT_CRAWL_SPEED}, ${CRAWL_SPEED_MIN} to ${CRAWL_SPEED_MAX})

  Log lines go to stderr: readable on a terminal, JSON otherwise or with RETROVUE_LOG_FORMAT=json.
  Viewers' software (M3U /iptv/channels.m3u, XMLTV /iptv/xmltv.xml, HDHomeRun at the station's address):
  --public-url URL        base of the URLs handed to viewers (e.g. https://tv.example.com behind a proxy);
                          default: the address each client used
  --stream-key KEY        require KEY in every viewer URL (/iptv/KEY/channels.m3u, HDHomeRun at /iptv/KEY);
                          "generate" makes one, kept in <data-dir>/stream-key (default: no key)
  --cors-origins LIST     which sites' web players may read the viewer URLs (/iptv, /streams, HDHomeRun):
                          "*" (default: any site), "none", or origins (https://tv.example.com,https://b.example);
                          the API never answers another site
  --max-viewers N         most viewers at once, all channels (default 300); past it 503 + Retry-After
  --max-viewers-per-channel N  most viewers of one channel at once (default 100)
  --max-viewers-per-address N  most viewers opened through the viewers' URLs from one client address
                          (default ${DEFAULT_VIEWER_LIMITS.perAddress}); past it 503 for that address only
  --guide-hours N         how far ahead the XMLTV guide reaches (default 48)
  --metrics-token TOKEN   a read-only token for GET /metrics (Prometheus' bearer token); the API
                          token opens /metrics too
`

class UsageError extends Error {
  override readonly name = 'UsageError'
}

const intArg = (name: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `--${name} must be a whole number`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `--${name} must be between ${min} and ${max}`)

const serveSchema = z.object({
  'data-dir': z.string().min(1, '--data-dir must not be empty').optional(),
  host: z.string().min(1, '--host must not be empty').default('127.0.0.1'),
  port: intArg('port', 0, 65535).default(8787),
  station: z.string().min(1).optional(),
  'viewer-grace-ms': intArg('viewer-grace-ms', 0, 3_600_000).default(20_000),
  'session-timeout-ms': intArg('session-timeout-ms', 1_000, 86_400_000).default(60_000),
  'max-producers': intArg('max-producers', 1, 1000).optional(),
  'segment-seconds': intArg('segment-seconds', 1, 10).default(1),
  'crawl-speed': intArg('crawl-speed', CRAWL_SPEED_MIN, CRAWL_SPEED_MAX).default(
    DEFAULT_CRAWL_SPEED
  ),
  profile: z
    .enum(['360p', '720p', '1080p'], { error: '--profile must be 360p, 720p or 1080p' })
    .default('360p'),
  'public-url': z
    .string()
    .transform((u) => u.replace(/\/+$/, ''))
    .refine(
      (u) => /^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/i.test(u) && URL.canParse(u),
      '--public-url must be an http:// or https:// URL without a query or fragment'
    )
    .optional(),
  'stream-key': z
    .string()
    .refine(
      (k) => k === 'generate' || STREAM_KEY_PATTERN.test(k),
      `--stream-key: ${STREAM_KEY_RULE}, or "generate"`
    )
    .optional(),
  'cors-origins': z
    .string()
    .transform((text, ctx) => {
      try {
        return parseCorsOrigins(text)
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `--cors-origins: ${(err as Error).message}` })
        return z.NEVER
      }
    })
    .optional(),
  'max-viewers': intArg('max-viewers', 1, 100_000).default(DEFAULT_VIEWER_LIMITS.perStation),
  'max-viewers-per-channel': intArg('max-viewers-per-channel', 1, 100_000).default(
    DEFAULT_VIEWER_LIMITS.perChannel
  ),
  'max-viewers-per-address': intArg('max-viewers-per-address', 1, 100_000).default(
    DEFAULT_VIEWER_LIMITS.perAddress
  ),
  'guide-hours': intArg('guide-hours', 1, 336).default(48),
  'metrics-token': z
    .string()
    .regex(/^[\x21-\x7e]{16,200}$/, '--metrics-token must be 16 to 200 visible ASCII characters')
    .optional()
})

type ServeArgs = z.output<typeof serveSchema>

function parse<T extends z.ZodType>(
  schema: T,
  argv: string[],
  options: NonNullable<ParseArgsConfig['options']>
) {
  let parsed
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true })
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
  const result = schema.safeParse(parsed.values)
  if (!result.success) throw new UsageError(result.error.issues.map((i) => i.message).join('; '))
  return { values: result.data as z.output<T>, positionals: parsed.positionals }
}

function parseServeArgs(argv: string[]): ServeArgs {
  const { values, positionals } = parse(serveSchema, argv, {
    'data-dir': { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
    station: { type: 'string' },
    'viewer-grace-ms': { type: 'string' },
    'session-timeout-ms': { type: 'string' },
    'max-producers': { type: 'string' },
    'segment-seconds': { type: 'string' },
    'crawl-speed': { type: 'string' },
    profile: { type: 'string' },
    'public-url': { type: 'string' },
    'stream-key': { type: 'string' },
    'cors-origins': { type: 'string' },
    'max-viewers': { type: 'string' },
    'max-viewers-per-channel': { type: 'string' },
    'max-viewers-per-address': { type: 'string' },
    'guide-hours': { type: 'string' },
    'metrics-token': { type: 'string' }
  })
  if (positionals.length > 0)
    throw new UsageError(`serve takes no positional arguments (got "${positionals[0]}")`)
  return values
}

async function serve(argv: string[]): Promise<void> {
  const args = parseServeArgs(argv)
  const dataDir = args['data-dir'] ?? defaultDataDir()
  const keyArg = args['stream-key']
  const station = await Station.open({
    dataDir,
    stationFile: args.station,
    policy: { viewerGraceMs: args['viewer-grace-ms'] },
    sessionTimeoutMs: args['session-timeout-ms'],
    maxProducers: args['max-producers'],
    segmentSeconds: args['segment-seconds'],
    crawlSpeed: args['crawl-speed'],
    profile: args.profile,
    logger: terminalLogger(),
    metricsToken: args['metrics-token'] ?? null,
    iptv: {
      publicUrl: args['public-url'] ?? null,
      streamKey: keyArg === 'generate' ? loadOrCreateStreamKey(dataDir) : (keyArg ?? null),
      ...(args['cors-origins'] !== undefined && { corsOrigins: args['cors-origins'] }),
      limits: {
        perChannel: args['max-viewers-per-channel'],
        perStation: args['max-viewers'],
        perAddress: args['max-viewers-per-address']
      },
      guideHorizonMs: args['guide-hours'] * 3_600_000
    }
  })
  const url = await station.listen(args.host, args.port)
  process.stdout.write(`RetroVue Master Control is on air at ${url}/#token=${station.apiToken}\n`)
  process.stdout.write(`Data directory: ${station.dataDir}\n`)
  // The key itself is never printed or logged: it is the one given, or in its file.
  const viewers = args['public-url'] ?? url
  const keyNote =
    keyArg === 'generate'
      ? ` (the key is in ${path.join(station.dataDir, STREAM_KEY_FILE)})`
      : keyArg
        ? ' (the key given with --stream-key)'
        : ''
  process.stdout.write(
    `Viewers' playlist: ${viewers}/iptv/${keyArg ? '<stream key>/' : ''}channels.m3u, guide ${viewers}/iptv/${keyArg ? '<stream key>/' : ''}xmltv.xml${keyNote}\n`
  )
  if (!keyArg && !/^(127\.|localhost$|::1$|\[::1\]$)/.test(args.host)) {
    process.stdout.write(
      'Viewer URLs need no key: anyone who can reach this address can watch (add --stream-key generate to require one).\n'
    )
  }
  let shuttingDown = false
  const shutdown = (signal: string): void => {
    // A second signal while closing changes nothing: the producers are already being stopped.
    if (shuttingDown) return
    shuttingDown = true
    station.logger.info({ signal }, 'shutting down')
    void station.close().then(
      () => process.exit(0),
      (err: unknown) => {
        station.logger.error({ err }, 'shutdown failed')
        process.exit(1)
      }
    )
  }
  // `on`, not `once`: execa's child cleanup (signal-exit) re-raises a signal it sees no other
  // listener for, and a `once` listener is gone by the time it looks, so the process died at once
  // and left the encoders to finish writing into the outputs on their own.
  process.on('SIGINT', () => shutdown('SIGINT'))
  process.on('SIGTERM', () => shutdown('SIGTERM'))
}

const importSchema = z.object({
  'data-dir': z.string().min(1, '--data-dir must not be empty').optional()
})

async function importCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parse(importSchema, argv, { 'data-dir': { type: 'string' } })
  if (positionals.length !== 1)
    throw new UsageError(`import takes exactly one station file (got ${positionals.length})`)
  // Handed to the running station if one holds the folder; otherwise imported here, store only.
  const result = await importIntoDataDir(values['data-dir'] ?? defaultDataDir(), positionals[0]!)
  process.stdout.write(`Imported ${result.file}:\n`)
  for (const c of result.channels) {
    process.stdout.write(
      `  ${c.slug} (${c.uuid})${c.created ? ' new' : ''}: ${c.items} playlog events\n`
    )
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  try {
    switch (command) {
      case 'serve':
        await serve(rest)
        return 0
      case 'import':
        await importCommand(rest)
        return 0
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE)
        return 0
      default:
        throw new UsageError(command ? `unknown command "${command}"` : 'no command given')
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`retrovue: ${err.message}\n\n${USAGE}`)
      return 2
    }
    process.stderr.write(`retrovue: ${(err as Error).message}\n`)
    return 1
  }
}

const code = await main(process.argv.slice(2))
if (code !== 0) process.exit(code)
