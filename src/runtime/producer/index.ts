// The producers' public surface: the protocol and the implementations. ChannelManager and
// ProgramDirector import producers only from here.
export type {
  ContentSegment,
  EmergencyOverlay,
  GuideListing,
  Producer,
  ProducerContext,
  ProducerEvents,
  ProducerFactory,
  ProducerMode,
  ProducerStartOptions,
  ProducerState,
  SegmentReport,
  StreamEndpoint,
} from './base';
export { BaseProducer } from './base';
export { NormalProducer, type FfmpegProducerOptions } from './normal-producer';
export { EmergencyProducer, GuideProducer, SlateProducer } from './still-producers';

import type { ProducerFactory as Factory } from './base';
import { NormalProducer as Normal, type FfmpegProducerOptions as Options } from './normal-producer';
import { EmergencyProducer as Emergency, GuideProducer as Guide, SlateProducer as Slate } from './still-producers';

/** Producers backed by ffmpeg, one class per mode. */
export function ffmpegProducerFactory(options: Options): Factory {
  return (mode, context) => {
    switch (mode) {
      case 'normal':
        return new Normal(context, options);
      case 'emergency':
        return new Emergency(context, options);
      case 'guide':
        return new Guide(context, options);
      case 'slate':
        return new Slate(context, options);
    }
  };
}
