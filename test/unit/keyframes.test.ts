// The encoder's keyframe grid: a short first segment, then whole ones. The engine's crawl burst
// (writing through the keyframe that closes a segment) relies on the same grid the encoder is given.
import { describe, expect, it } from 'vitest'
import { encoderArgs, keyframeAfter } from '../../src/media/commands'
import { PROFILES } from '../../src/media/profiles'

const P = PROFILES['360p']

describe('keyframe grid', () => {
  it('puts the first keyframe a third of a segment in, then one every segment', () => {
    expect([0, 9].map((k) => keyframeAfter(k, P, 1))).toEqual([10, 10])
    expect([10, 39].map((k) => keyframeAfter(k, P, 1))).toEqual([40, 40])
    expect(keyframeAfter(40, P, 1)).toBe(70)
    expect(keyframeAfter(0, P, 2)).toBe(20)
    expect(keyframeAfter(20, P, 2)).toBe(80)
  })

  it('gives the encoder that grid: the forced first keyframe, the GOP, and a first segment cut just before it', () => {
    const args = encoderArgs({ profile: P, outDir: '/out', segmentSeconds: 1 })
    const after = (flag: string) => args[args.indexOf(flag) + 1]
    expect(after('-force_key_frames')).toBe('expr:eq(n,10)')
    expect(after('-g')).toBe('30')
    expect(Number(after('-hls_init_time'))).toBeGreaterThan(9 / 30)
    expect(Number(after('-hls_init_time'))).toBeLessThan(10 / 30)
  })
})
