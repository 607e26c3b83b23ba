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
