// The producers' shared parts with real ffmpeg: still cards are cached within a bound.
import { beforeAll, describe, expect, it } from 'vitest';
import type { FfmpegTools } from '../../src/media/ffmpeg';
import { PROFILES } from '../../src/media/profiles';
import { StillCards } from '../../src/runtime/producer/still-cards';
import { producerHooks } from '../helpers/producer-hooks';
import { tools as getTools } from '../helpers/schedule-env';

const PROFILE = PROFILES['360p'];
let tools: FfmpegTools;
beforeAll(async () => {
  tools = await getTools();
});
const { processes } = producerHooks();

describe('still cards (real ffmpeg)', () => {
  it('keeps at most its capacity of recurring cards, least recently used out first', async () => {
    const cards = new StillCards({ tools, profile: PROFILE, processes, capacity: 3 });
    const first = cards.render('0x101820', ['Card 1'], true);
    for (let i = 2; i <= 5; i++) await cards.render('0x101820', [`Card ${i}`], true);
    await first;
    expect(cards.size).toBe(3);
    const five = cards.render('0x101820', ['Card 5'], true);
    expect(cards.render('0x101820', ['Card 5'], true)).toBe(five); // cached
    expect(cards.render('0x101820', ['Card 1'], true)).not.toBe(first); // evicted, rendered again
    expect((await five).length).toBe(PROFILE.width * PROFILE.height * 1.5);
    await cards.render('0x101820', ['Card 1'], true);
    expect(cards.size).toBe(3);
  });
});
