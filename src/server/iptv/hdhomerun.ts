// HDHomeRun emulation, the way Plex, Jellyfin and Emby add a network tuner: discover.json names the
// device and where its lineup is, lineup.json (and lineup.xml, its older form) lists the channels
// with one HTTP MPEG-TS URL each.
// The device's identity is stored in the data folder, so a media server that found this station
// once keeps finding the same tuner (a new DeviceID would make it a new device, guide mapping lost).
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { escapeXml } from './xml'

export const DEVICE_ID_FILE = 'hdhomerun-device-id'

/**
 * What media servers show and match on. A model without "HDTC" (the EXTEND, which transcodes in the
 * tuner): Jellyfin treats an HDTC model as transcoding-capable and then asks for ?transcode=heavy,
 * internet540... and assumes that picture size, where this station sends one encode as it is. An
 * HDHR5-4US (a four-tuner ATSC model) makes it take the stream natively.
 */
export const MODEL_NUMBER = 'HDHR5-4US'
const FIRMWARE_NAME = 'hdhomerun5_atsc'
const FIRMWARE_VERSION = '20231214'

// SiliconDust's device IDs carry a check digit (libhdhomerun: hdhomerun_discover_validate_device_id);
// clients that validate IDs refuse one without it.
const CHECK_TABLE = [0xa, 0x5, 0xf, 0x6, 0x7, 0xc, 0x1, 0xb, 0x9, 0x2, 0x8, 0xd, 0x4, 0x3, 0xe, 0x0]

/** The check over eight hex digits: 0 for a valid device ID. */
function checksum(id: number): number {
  let sum = 0
  for (let nibble = 7; nibble >= 0; nibble--) {
    const d = (id >>> (nibble * 4)) & 0xf
    sum ^= nibble % 2 === 1 ? CHECK_TABLE[d]! : d
  }
  return sum
}

export function validDeviceId(id: string): boolean {
  return /^[0-9A-F]{8}$/.test(id) && checksum(Number.parseInt(id, 16)) === 0
}

/** A random valid device ID: seven random hex digits and the check digit that makes the sum 0. */
export function newDeviceId(random: () => Buffer = () => crypto.randomBytes(4)): string {
  // >>> 0: JavaScript's bitwise operators are signed; the ID is an unsigned 32-bit number.
  const head = (random().readUInt32BE(0) & 0xfffffff0) >>> 0
  return ((head | checksum(head)) >>> 0).toString(16).toUpperCase().padStart(8, '0')
}

/** This data folder's device ID, created on first use (never overwriting one another process wrote). */
export function loadOrCreateDeviceId(dataDir: string): string {
  const file = path.join(dataDir, DEVICE_ID_FILE)
  try {
    const existing = fs.readFileSync(file, 'utf8').trim()
    if (validDeviceId(existing)) return existing
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  const id = newDeviceId()
  try {
    fs.writeFileSync(file, `${id}\n`, { flag: 'wx' })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    const other = fs.readFileSync(file, 'utf8').trim()
    if (validDeviceId(other)) return other
    // A damaged file: replace it (the ID is an identity, not a secret; nothing else refers to it).
    fs.writeFileSync(file, `${id}\n`)
  }
  return id
}

export interface TunerIdentity {
  deviceId: string
  friendlyName: string
  /** The output profile is 720p or more. */
  hd: boolean
}

/**
 * TunerCount: the streams a media server can open here at once, as a real tuner's count tells it.
 * One media server is one client address, so the most is what the viewer limits let one address,
 * one channel and the station take (a channel is never refused for want of a "tuner" before that).
 */
export function tunerCount(limits: {
  perChannel: number
  perStation: number
  perAddress: number
}): number {
  return Math.min(limits.perChannel, limits.perStation, limits.perAddress)
}

/** A stable UPnP UDN from the device ID (a name-based UUID, so it never changes either). */
function udn(deviceId: string): string {
  const h = crypto.createHash('sha1').update(`retrovue-hdhomerun:${deviceId}`).digest('hex')
  return `uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((Number.parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`
}

/** discover.json. `base` is where the device's files are (with the stream key's path when one is set). */
export function discoverJson(id: TunerIdentity, base: string, tuners: number) {
  return {
    FriendlyName: id.friendlyName,
    Manufacturer: 'RetroVue',
    ModelNumber: MODEL_NUMBER,
    FirmwareName: FIRMWARE_NAME,
    FirmwareVersion: FIRMWARE_VERSION,
    DeviceID: id.deviceId,
    // Real devices use it for SiliconDust's guide service; here it only has to be stable.
    DeviceAuth: crypto
      .createHash('sha256')
      .update(`retrovue-auth:${id.deviceId}`)
      .digest('base64url')
      .slice(0, 24),
    BaseURL: base,
    LineupURL: `${base}/lineup.json`,
    TunerCount: tuners
  }
}

export interface LineupChannel {
  number: string
  name: string
  /** The channel's MPEG-TS URL, without a query string (some clients append their own). */
  url: string
}

export function lineupJson(channels: LineupChannel[], hd: boolean) {
  return channels.map((c) => ({
    GuideNumber: c.number,
    GuideName: c.name,
    URL: c.url,
    HD: hd ? 1 : 0,
    VideoCodec: 'H264',
    AudioCodec: 'AAC'
  }))
}

/** lineup.xml: the lineup as older clients (and SiliconDust's own apps) read it. */
export function lineupXml(channels: LineupChannel[], hd: boolean): string {
  const entries = lineupJson(channels, hd).map(
    (c) =>
      `  <Program>\n    <GuideNumber>${escapeXml(c.GuideNumber)}</GuideNumber>\n    <GuideName>${escapeXml(c.GuideName)}</GuideName>\n    <VideoCodec>${c.VideoCodec}</VideoCodec>\n    <AudioCodec>${c.AudioCodec}</AudioCodec>\n    <HD>${c.HD}</HD>\n    <URL>${escapeXml(c.URL)}</URL>\n  </Program>\n`
  )
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Lineup>\n${entries.join('')}</Lineup>\n`
}

/** No scan ever runs: the lineup is the station's channels, always current. */
export const LINEUP_STATUS = {
  ScanInProgress: 0,
  ScanPossible: 1,
  Source: 'Cable',
  SourceList: ['Cable']
}

/** The UPnP device description some clients read after discovery. */
export function deviceXml(id: TunerIdentity, base: string): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<root xmlns="urn:schemas-upnp-org:device-1-0">',
    `  <URLBase>${escapeXml(base)}</URLBase>`,
    '  <specVersion><major>1</major><minor>0</minor></specVersion>',
    '  <device>',
    '    <deviceType>urn:schemas-upnp-org:device:MediaServer:1</deviceType>',
    `    <friendlyName>${escapeXml(id.friendlyName)}</friendlyName>`,
    // What media servers expect of an HDHomeRun's description.
    '    <manufacturer>Silicondust</manufacturer>',
    `    <modelName>${MODEL_NUMBER}</modelName>`,
    `    <modelNumber>${MODEL_NUMBER}</modelNumber>`,
    `    <serialNumber>${id.deviceId}</serialNumber>`,
    `    <UDN>${udn(id.deviceId)}</UDN>`,
    '  </device>',
    '</root>',
    ''
  ].join('\n')
}
