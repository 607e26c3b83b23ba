// Still cards (slates, fault cards, emergency cards, listings) rendered by ffmpeg into raw frames,
// with a bounded cache of the ones that recur. The producer factory owns one per station, so every
// producer of the station shares what has been rendered, and the cache cannot grow without end
// (emergency messages and renamed channels would otherwise add cards forever).
import type { FfmpegTools } from '../../media/ffmpeg';
import type { ProcessGroup } from '../../media/process';
import { frameBytes, type OutputProfile } from '../../media/profiles';
import { renderStill } from '../../media/stills';

/** Cards kept: a gap slate and a fault card per channel of a small station, plus a few alerts. */
export const STILL_CACHE_CARDS = 32;

/** A black frame, ready at once, used until a rendered card is. */
export function blackFrame(profile: OutputProfile): Buffer {
  const y = profile.width * profile.height;
  const f = Buffer.alloc(frameBytes(profile), 128);
  f.fill(16, 0, y);
  return f;
}

export interface StillCardsOptions {
  tools: FfmpegTools;
  profile: OutputProfile;
  /** Renders run here, so that station shutdown ends them. */
  processes: ProcessGroup;
  capacity?: number;
}

export class StillCards {
  /** In least recently used order: the first entry is evicted first. */
  private readonly cache = new Map<string, Promise<Buffer>>();
  private readonly capacity: number;

  constructor(private readonly o: StillCardsOptions) {
    this.capacity = o.capacity ?? STILL_CACHE_CARDS;
  }

  /** Renders a card; `cache` for cards that recur (slates, alerts), not for ever-changing ones (listings). */
  render(background: string, lines: string[], cache: boolean): Promise<Buffer> {
    if (!cache) return renderStill(this.o.processes, this.o.tools, this.o.profile, { background, lines });
    const key = `${background}|${lines.join('\n')}`;
    let p = this.cache.get(key);
    if (p) this.cache.delete(key); // re-inserted below as the most recently used
    else {
      p = renderStill(this.o.processes, this.o.tools, this.o.profile, { background, lines });
      const rendering = p;
      // A failed render is not kept: the next request tries again.
      rendering.catch(() => {
        if (this.cache.get(key) === rendering) this.cache.delete(key);
      });
    }
    this.cache.set(key, p);
    while (this.cache.size > this.capacity) this.cache.delete(this.cache.keys().next().value!);
    return p;
  }

  /** Cards cached now (for tests). */
  get size(): number {
    return this.cache.size;
  }
}
