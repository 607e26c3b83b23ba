// The operator console in a real browser (Debian's Chromium, driven by Playwright) against a real
// headless station, as an operator opening the address `serve` printed would see it.
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Station } from '../../src/station';
import { loopOf, stationFixture } from '../helpers/fixtures';
import { silentLogger } from '../helpers/runtime-env';
import { repoRoot } from '../helpers/tmp';

const CHROMIUM = process.env['RETROVUE_CHROMIUM'] ?? '/usr/bin/chromium';

describe('operator console (Chromium)', () => {
  let t: ReturnType<typeof stationFixture>;
  let station: Station;
  let url: string;
  let browser: Browser;

  beforeAll(async () => {
    const loop = loopOf({ title: 'Cartoon Hour', asset: 'media/a.mp4', durationMs: 10_000 }, { title: 'Space Patrol', asset: 'media/b.mp4', durationMs: 8_000 });
    t = stationFixture([
      { id: 'toons', name: 'RetroToons', timezone: 'America/New_York', loop },
      { id: 'guide', name: 'TV Guide', timezone: 'UTC', kind: 'guide' },
    ]);
    station = await Station.open({ dataDir: path.join(t.dir, 'data'), stationFile: t.file, logger: silentLogger });
    url = await station.listen('127.0.0.1', 0);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await station?.close();
    t.cleanup();
  });

  it('opens with the token from the printed address, forgets it from the address bar, and shows the station', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${url}/#token=${station.apiToken}`);
    await expect.poll(() => page.getByTestId('channel').count()).toBe(2);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('RetroVue Master Control');
    expect(await page.getByTestId('mode').textContent()).toBe('Station mode: normal');
    const first = await page.getByTestId('channel').first().textContent();
    expect(first).toMatch(/RetroToons.*America\/New_York.*Now: (Cartoon Hour|Space Patrol)/);
    expect(page.url()).not.toContain(station.apiToken);
    fs.mkdirSync(path.join(repoRoot, 'test-results'), { recursive: true });
    await page.screenshot({ path: path.join(repoRoot, 'test-results', 'console.png') });
    expect(errors).toEqual([]);
  });

  it('says what is wrong when opened without a token', async () => {
    const page = await browser.newPage();
    await page.goto(`${url}/`);
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/No API token/);
  });
});
