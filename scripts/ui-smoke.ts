/**
 * `npm run ui:smoke [-- <base url> [token file]]`: opens the running command center in Chromium
 * (Debian's /usr/bin/chromium, or CHROMIUM_PATH), logs in with the operator token (default:
 * data/operator-token, as `npm start` creates it; or OPERATOR_TOKEN), visits every page and
 * reports console errors and pages that did not render. Last line: one JSON object.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const PAGES = ['/', '/positions', '/orders', '/weeks', '/starlab', '/reports', '/control', '/config', '/audit', '/data'];

async function main() {
  const base = (process.argv[2] ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  const token = process.env.OPERATOR_TOKEN ?? fs.readFileSync(process.argv[3] ?? path.resolve(__dirname, '..', 'data', 'operator-token'), 'utf8').trim();
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'all-use-smoke-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const errors: string[] = [];
  const failed: string[] = [];
  try {
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    page.setDefaultTimeout(20_000);
    page.on('console', (m) => m.type() === 'error' && errors.push(`${page.url()}: ${m.text()}`));
    page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
    await page.goto(`${base}/ui/`);
    await page.getByLabel('Operator token').fill(token);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('navigation').waitFor();
    for (const p of PAGES) {
      try {
        await page.goto(`${base}/ui${p}`);
        await page.getByRole('heading', { level: 1 }).waitFor();
        await page.waitForFunction(
          () =>
            !(globalThis as unknown as { document: { querySelector(sel: string): { textContent: string | null } | null } }).document
              .querySelector('[role="status"]')
              ?.textContent?.startsWith('Loading'),
        );
        const alert = await page.getByRole('alert').allTextContents();
        process.stdout.write(`${p.padEnd(12)} ${alert.length ? `ERROR ${alert.join(' | ')}` : 'ok'}\n`);
        if (alert.length) failed.push(p);
      } catch (err) {
        failed.push(p);
        process.stdout.write(`${p.padEnd(12)} FAILED ${(err as Error).message.split('\n')[0]}\n`);
      }
    }
  } finally {
    await ctx.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  for (const e of errors) process.stdout.write(`console error: ${e}\n`);
  process.stdout.write(`${JSON.stringify({ pages: PAGES.length, failed_pages: failed, console_errors: errors.length })}\n`);
  if (failed.length || errors.length) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`ui:smoke failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
