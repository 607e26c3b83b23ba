import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeTs, repoRoot, tempDir } from '../helpers/tmp';
import { startServe, type ServeHandle } from '../helpers/serve';

const runCli = (...args: string[]) => {
  const [cmd, argv] = nodeTs(path.join(repoRoot, 'src/cli.ts'), ...args);
  return spawnSync(cmd, argv, { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, RETROVUE_LOG_LEVEL: 'silent' }, timeout: 60_000 });
};

describe('retrovue CLI', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it.each([
    [['serve', '--port', 'abc'], /--port must be a whole number/],
    [['serve', '--port', '70000'], /--port must be between 0 and 65535/],
    [['serve', '--bogus'], /Unknown option '--bogus'/],
    [['serve', '--viewer-grace-ms', '-5'], /viewer-grace-ms/],
    [['serve', 'extra'], /no positional arguments/],
    [['serve', '--data-dir'], /--data-dir/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [[], /no command given/],
  ])('rejects %j with usage and a non-zero exit', (args, message) => {
    const r = runCli(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain('Usage:');
    expect(r.stderr).toContain('retrovue serve');
  });

  it('serves an empty data dir: creates the database and api-token, answers health, serves the console', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const dataDir = path.join(t.dir, 'fresh'); // does not exist yet
    const serve: ServeHandle = await startServe(dataDir);
    cleanups.push(() => serve.stop());

    expect(fs.existsSync(path.join(dataDir, 'station.db'))).toBe(true);
    const tokenFile = path.join(dataDir, 'api-token');
    expect(fs.statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(serve.token.length).toBeGreaterThanOrEqual(24);
    expect(serve.stdout()).toContain(`${serve.url}/#token=${serve.token}`);

    const health = await fetch(`${serve.url}/api/health`);
    expect(health.status).toBe(200);
    const body = (await health.json()) as { status: string; stationTime: string };
    expect(body.status).toBe('ok');
    expect(body.stationTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}(Z|[+-]\d{2}:\d{2})$/);

    // Everything else under /api needs the token.
    const denied = await fetch(`${serve.url}/api/mode`);
    expect(denied.status).toBe(401);
    expect(((await denied.json()) as { error: { code: string } }).error.code).toBe('unauthorized');

    const page = await fetch(`${serve.url}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<div id="root"></div>');
    const script = /src="\.\/(assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${serve.url}/${script}`);
    expect(asset.status).toBe(200);
    expect((await asset.text()).length).toBeGreaterThan(1000);

    expect(await serve.stop()).toBe(0);
  });

  it('uses the same token on the next start', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const first = await startServe(t.dir);
    await first.stop();
    const second = await startServe(t.dir);
    cleanups.push(() => second.stop());
    expect(second.token).toBe(first.token);
  });

  it('refuses to start on a corrupt database, naming the file and leaving it alone', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const file = path.join(t.dir, 'station.db');
    fs.writeFileSync(file, 'this is not a database'.repeat(500));
    const before = fs.readFileSync(file);
    const r = runCli('serve', '--data-dir', t.dir, '--port', '0');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toMatch(/integrity check/);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });
});
