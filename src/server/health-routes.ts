import type { FastifyInstance } from 'fastify';
import type { StationHealthDto } from '../shared/api';
import type { GlobalMode } from '../shared/domain';
import { formatInstant } from '../shared/time';
import type { MasterClock } from '../shared/clock';

export interface HealthSource {
  clock: MasterClock;
  director: { health(now: number): StationHealthDto; modeDto(): { mode: GlobalMode } };
}

export function healthRoutes(station: HealthSource) {
  return (app: FastifyInstance): void => {
    // Public (no token): counts only, for monitors and start-up scripts.
    app.get('/api/health', { config: { access: 'public' } }, async () => {
      const now = station.clock.now();
      return { ...station.director.health(now), stationTime: formatInstant(now), mode: station.director.modeDto().mode };
    });
  };
}
