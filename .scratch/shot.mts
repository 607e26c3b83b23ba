import path from 'node:path';
import fs from 'node:fs';
import { chromium } from 'playwright-core';
import { Station } from '/work/wt/loud/src/station';
import { silentLogger } from '/work/wt/loud/test/helpers/runtime-env';
const dir = fs.mkdtempSync('/tmp/loud-shot-');
const station = await Station.open({ dataDir: path.join(dir, 'data'), logger: silentLogger, uiDir: '/work/wt/loud/out/renderer', maxProducers: 4 });
const url = await station.listen('127.0.0.1', 0);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  await page.goto(`${url}/#token=${station.apiToken}`);
  await page.waitForSelector('[data-testid="lu-meter"]:not([hidden])', { timeout: 90_000 });
  await page.waitForTimeout(4000);
  await page.screenshot({ path: '/tmp/loud-console.png' });
  await page.click('[data-testid="loudness-setting"] button');
  await page.selectOption('[data-testid="loudness-standard"]', 'atsc-a85');
  await page.screenshot({ path: '/tmp/loud-form.png' });
  await page.click('.loudness-form button[type=submit]');
  await page.waitForFunction(() => document.querySelector('[data-testid="loudness-summary"]')?.textContent?.includes('A/85'), null, { timeout: 10_000 });
  console.log('summary', await page.textContent('[data-testid="loudness-summary"]'), 'stored', JSON.stringify(station.store.settings.loudness()));
  await page.waitForTimeout(3000);
  await page.screenshot({ path: '/tmp/loud-after.png', clip: { x: 0, y: 0, width: 1400, height: 430 } });
} finally {
  await browser.close();
  await station.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
