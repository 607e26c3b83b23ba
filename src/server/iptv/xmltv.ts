// The programme guide (XMLTV, valid against xmltv.dtd) from the playlog: what airs over the next
// hours on every channel, each time in the channel's own zone with its offset, the same channel ids
// as the M3U's tvg-id. Schedule gaps are simply absent (a guide shows nothing there); loops are
// in the playlog ahead of time, so they are listed like any schedule.
import type { PlaylogEvent } from '../../shared/domain';
import { inZone } from '../../shared/time';
import type { ViewerChannel } from './directory';
import { escapeXml } from './xml';

export const DEFAULT_GUIDE_HORIZON_MS = 48 * 3600_000;
const HOUR_MS = 3600_000;

/** What the guide needs of the schedule: the playlog overlapping a range. */
export type PlaylogReader = (channelId: number, from: number, to: number) => PlaylogEvent[];

/** XMLTV's time format, in the channel's zone: 20261125060000 -0500. */
export function xmltvTime(ms: number, zone: string): string {
  return inZone(ms, zone).toFormat('yyyyMMddHHmmss ZZZ');
}

/** The playlog's item types as guide categories. */
const CATEGORIES: Record<string, string> = {
  program: 'Program',
  promo: 'Promo',
  bumper: 'Bumper',
  commercial: 'Commercial',
  filler: 'Filler',
  'station-id': 'Station ID',
};

interface Programme {
  startMs: number;
  endMs: number;
  title: string;
  category: string | null;
}

/** A channel's programmes over [from, to): in order, never overlapping (a later start cuts the one before). */
function programmesOf(events: PlaylogEvent[]): Programme[] {
  const sorted = [...events].sort((a, b) => a.startMs - b.startMs);
  const out: Programme[] = [];
  sorted.forEach((e, i) => {
    const next = sorted[i + 1];
    const endMs = next ? Math.min(e.endMs, next.startMs) : e.endMs;
    if (endMs > e.startMs) out.push({ startMs: e.startMs, endMs, title: e.title, category: CATEGORIES[e.type] ?? null });
  });
  return out;
}

/**
 * The guide channel airs listings of the others; it gets hour-long "Listings" programmes so that
 * media servers, which hide or refuse channels without guide data, keep it like any other.
 */
function listingsBlocks(from: number, to: number, zone: string): Programme[] {
  const out: Programme[] = [];
  let start = inZone(from, zone).startOf('hour').toMillis();
  while (start < to) {
    out.push({ startMs: start, endMs: start + HOUR_MS, title: 'Listings', category: null });
    start += HOUR_MS;
  }
  return out;
}

export function renderXmltv(channels: ViewerChannel[], read: PlaylogReader, from: number, horizonMs: number): string {
  const to = from + horizonMs;
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE tv SYSTEM "xmltv.dtd">',
    '<tv source-info-name="RetroVue" generator-info-name="RetroVue Master Control">',
  ];
  for (const c of channels) {
    // The name first (what guides show), then the number forms tuners and media servers match on.
    const names = [c.info.name, c.number, `${c.number} ${c.info.name}`];
    out.push(`  <channel id="${escapeXml(c.guideId)}">`, ...names.map((n) => `    <display-name>${escapeXml(n)}</display-name>`), '  </channel>');
  }
  for (const c of channels) {
    const zone = c.info.timezone;
    const programmes = c.info.kind === 'guide' ? listingsBlocks(from, to, zone) : programmesOf(read(c.info.id, from, to));
    for (const p of programmes) {
      out.push(`  <programme start="${xmltvTime(p.startMs, zone)}" stop="${xmltvTime(p.endMs, zone)}" channel="${escapeXml(c.guideId)}">`);
      out.push(`    <title>${escapeXml(p.title)}</title>`);
      if (p.category) out.push(`    <category lang="en">${p.category}</category>`);
      out.push('  </programme>');
    }
  }
  out.push('</tv>', '');
  return out.join('\n');
}
