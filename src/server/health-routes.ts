import type { FastifyInstance } from 'fastify';
import { formatInstant } from '../shared/time';
import type { MasterClock } from '../runtime/clock';
import type { Store } from '../store';

export interface HealthSource {
  clock: MasterClock;
  store: Store;
}

export function healthRoutes(station: HealthSource) {
  return (app: FastifyInstance): void => {
    app.get('/api/health', async () => {
      const sys = station.store.system.get();
      return {
        status: 'ok',
        stationTime: formatInstant(station.clock.now()),
        mode: sys.globalMode,
        channels: station.store.channels.listActive().length,
      };
    });
  };
}
