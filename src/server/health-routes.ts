import type { FastifyInstance } from 'fastify';
import type { MasterClock } from '../shared/clock';
import { formatInstant } from '../shared/time';
import type { StationFacade } from '../station-facade';

export function healthRoutes(api: StationFacade, clock: MasterClock) {
  return (app: FastifyInstance): void => {
    // Public (no token): counts only, for monitors and start-up scripts.
    app.get('/api/health', { config: { access: 'public' } }, async () => {
      const [health, mode] = await Promise.all([api.health(), api.mode()]);
      return { ...health, stationTime: formatInstant(clock.now()), mode: mode.mode };
    });
  };
}
