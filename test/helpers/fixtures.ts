// Real media for tests, generated once with ffmpeg and cached under node_modules/.cache.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { locateFfmpeg, type FfmpegTools } from '../../src/media/ffmpeg';
import { renderTestCard, type TestCardSpec } from '../../src/media/testcards';
import { repoRoot } from './tmp';

export const FIXTURE_SPECS: Record<string, Omit<TestCardSpec, 'file'>> = {
  // 640x360@30, stereo 48 kHz: the channel profile itself.
  'a.mp4': { title: 'Fixture A', durationS: 10, source: 'testsrc2', toneHz: 440 },
  // 1280x720@25 mono 44.1 kHz: different size, rate and layout.
  'b.mp4': { title: 'Fixture B', durationS: 8, source: 'smptehdbars', width: 1280, height: 720, fps: 25, audioChannels: 1, sampleRate: 44100, toneHz: 660 },
  // 4:3 at 24 fps with no audio at all.
  'c.mp4': { title: 'Fixture C', durationS: 6, source: 'color=c=0x225588', width: 320, height: 240, fps: 24, audioChannels: 0 },
  // Two hours at 2 fps: longform for carryover tests.
  'movie.mp4': { title: 'Fixture Movie', durationS: 7200, source: 'color=c=0x1d2a3a', width: 320, height: 180, fps: 2, audioChannels: 1, sampleRate: 22050, toneHz: 220 },
};

const specHash = crypto.createHash('sha1').update(JSON.stringify(FIXTURE_SPECS)).digest('hex').slice(0, 10);
export const fixtureDir = path.join(repoRoot, 'node_modules/.cache/retrovue-fixtures', specHash);

export const fixture = (name: keyof typeof FIXTURE_SPECS | 'corrupt.mp4' | 'not-media.txt'): string => path.join(fixtureDir, name);

/** Generates any missing fixture (run from the global setup, one process, so no races). */
export async function ensureFixtures(tools?: FfmpegTools): Promise<void> {
  const t = tools ?? (await locateFfmpeg());
  fs.mkdirSync(fixtureDir, { recursive: true });
  const missing = Object.entries(FIXTURE_SPECS).filter(([name]) => !fs.existsSync(path.join(fixtureDir, name)));
  for (let i = 0; i < missing.length; i += 2) {
    await Promise.all(missing.slice(i, i + 2).map(([name, spec]) => renderTestCard(t, { ...spec, file: path.join(fixtureDir, name) })));
  }
  // A file with a media name and no media inside: what a failed copy or a bad download leaves.
  const corrupt = path.join(fixtureDir, 'corrupt.mp4');
  if (!fs.existsSync(corrupt)) fs.writeFileSync(corrupt, crypto.createHash('sha512').update('corrupt').digest().toString('hex').repeat(500));
  const notMedia = path.join(fixtureDir, 'not-media.txt');
  if (!fs.existsSync(notMedia)) fs.writeFileSync(notMedia, 'this is a text file, not a video\n');
}
