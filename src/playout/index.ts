// The playout engine's public surface: the producer protocol and the implementations.
// ChannelManager, ProgramDirector and the station import producers only from here.
//
// Inside, one job per file: base.ts is the protocol; ffmpeg-producer.ts what every ffmpeg producer
// shares; normal-producer.ts and still-producers.ts the four types; engine.ts the pacing pump (what
// it is given and reports, its lateness, the station's switch window that holds prefetch back
// while channels switch, and the cued programme kept rolling off air under a takeover), over
// program-output.ts (the encoder and its folder, handed from producer to producer at a swap) over
// encoder.ts (the ffmpeg encoder), slot-cursor.ts (plan slots and prefetch), sources.ts (decoders
// and stills), alert-tone.ts and output-folder.ts; still-cards.ts and guide-card.ts draw the cards
// (emergency-preview.ts shows the console the emergency text's frames); crawl.ts composites the
// emergency crawl onto frames on their way to the encoder, and logo-overlay.ts blends the
// channel's logo over the finished picture after it; output-monitor.ts watches what goes to the
// encoder (over condition.ts and signal-analysis.ts); loudness-control.ts sets each item's
// loudness gain through the true-peak limiter (limiter.ts) and meters what airs (loudness-meter.ts).
// copy-producer.ts airs plans whose items have renditions by remuxing them (copy-run.ts lays the
// plan on the output's frames, gop-cutter.ts cuts the segments); programme-producer.ts picks the
// copy or the encode path at each start.
export type {
  Carryover,
  CuedProgramme,
  EmergencyOverlay,
  OutputCounters,
  GuideListing,
  Producer,
  ProducerContext,
  ProducerEvents,
  ProducerFactory,
  ProducerLevels,
  ProducerMeters,
  ProducerStartOptions,
  ProducerState,
  SegmentReport,
  StreamEndpoint
} from './base'
export { BaseProducer } from './base'
export { FIRST_SEGMENT_TIMEOUT_MS } from './engine'
export type { LogoSpec } from './logo-overlay'
export type { AudioLevels, OutputCondition } from './output-monitor'
export type { LoudnessCondition, LoudnessLevels } from './loudness-control'
export type { FfmpegProducerOptions, ProducerLog } from './ffmpeg-producer'
export { NormalProducer } from './normal-producer'
export { CopyProducer } from './copy-producer'
export { ProgrammeProducer } from './programme-producer'
export { EmergencyProducer, GuideProducer, SlateProducer } from './still-producers'
export { StillCards } from './still-cards'
export { emergencyPreview } from './emergency-preview'

import type { ProducerFactory as Factory } from './base'
import type { FfmpegProducerOptions as Options } from './ffmpeg-producer'
import { NormalProducer as Normal } from './normal-producer'
import { ProgrammeProducer as Programme } from './programme-producer'
import { StillCards as Cards } from './still-cards'
import { LogoCache } from './logo-overlay'
import { SwitchWindow } from './engine'
import {
  EmergencyProducer as Emergency,
  GuideProducer as Guide,
  SlateProducer as Slate
} from './still-producers'

/**
 * Producers backed by ffmpeg, one class per type. Call once per station: the factory owns the
 * station's card cache and its switch window, and every ffmpeg runs in `options.processes`, the
 * station's group. With `copy` (for every channel, or those by uuid it says yes to when their
 * producer is made), normal programming airs through the copy producer whenever its plan can be
 * copied (programme-producer.ts); off by default.
 */
export function ffmpegProducerFactory(
  options: Options & { copy?: boolean | ((channelUuid: string) => boolean) }
): Factory {
  const shared: Options = {
    ...options,
    cards: options.cards ?? new Cards(options),
    logos: options.logos ?? new LogoCache(options),
    switches: options.switches ?? new SwitchWindow()
  }
  return (type, context) => {
    switch (type) {
      case 'normal':
        return (
          typeof options.copy === 'function' ? options.copy(context.channelUuid) : options.copy
        )
          ? new Programme(context, shared)
          : new Normal(context, shared)
      case 'emergency':
        return new Emergency(context, shared)
      case 'guide':
        return new Guide(context, shared)
      case 'slate':
        return new Slate(context, shared)
    }
  }
}
