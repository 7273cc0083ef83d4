// browser.mjs — the harness of the browser tests: a server on a fresh demo
// database (tests/api/lib.mjs) serving the built web/dist, Debian's
// Chromium through playwright-core with the flags for a closed network
// (a Chromium that does not start is a failure, never a skip), pages in
// Chinese and Shanghai time at desktop (1366×850) and phone (360×740)
// sizes, logging in through the login form, and screenshots saved in
// tests/e2e/screenshots/.
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { startServer, PASSWORD, ROOT } from '../api/lib.mjs';

export const SHOTS = `${ROOT}/tests/e2e/screenshots`;
export const DESKTOP = { width: 1366, height: 850 };
export const PHONE = { width: 360, height: 740 };
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-default-apps', '--disable-domain-reliability', '--no-pings', '--lang=zh-CN'];

export async function setup() {
  mkdirSync(SHOTS, { recursive: true });
  const h = await startServer({ extraArgs: ['--web', `${ROOT}/web/dist`] });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  return { h, browser };
}

// open: a new context and page logged in as `user`; external requests are
// refused so a page that tries to reach the internet fails visibly.
// The service worker is blocked unless `sw` is set: Playwright's request
// routing does not see what a service worker fetches.
export async function open(browser, h, user, { viewport = DESKTOP, geo = null, sw = false } = {}) {
  const ctx = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', isMobile: viewport.width < 500, hasTouch: viewport.width < 500,
    serviceWorkers: sw ? 'allow' : 'block',
    ...(geo ? { geolocation: geo, permissions: ['geolocation'] } : {}) });
  const external = [];
  await ctx.route((url) => !url.href.startsWith(h.url) && !url.href.startsWith('data:') && !url.href.startsWith('blob:'), (route) => { external.push(route.request().url()); route.abort(); });
  const page = await ctx.newPage();
  page.errors = [];
  page.external = external;
  page.on('pageerror', (e) => page.errors.push(e.message));
  await page.goto(h.url + '/');
  await page.fill('#u', user);
  await page.fill('#p', PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForSelector('header .who', { state: 'attached' });
  return page;
}

export async function go(page, hash) {
  await page.evaluate((hsh) => { location.hash = hsh; }, hash);
  await page.waitForSelector(`main[data-screen="${hash.replace(/^#\//, '').split(/[/?]/)[0]}"]`);
}

export const shot = (page, name) => page.screenshot({ path: `${SHOTS}/${name}.png` });
