#!/usr/bin/env node
// bench/web.mjs — the web on a weak mountain signal (issue 17's targets).
//
// Debian's Chromium through playwright-core at 360×740 (a phone), the
// network throttled by the DevTools protocol (Network.emulateNetworkConditions:
// 400 ms latency, 50 KiB/s down and up), against the server with the demo
// county and the built web/dist. It measures, each from a fresh browser
// profile (cold) or the same profile again (warm):
//   login usable, cold   — from navigation to a login form that takes input
//   login usable, warm   — the same, second visit (HTTP cache, service worker)
//   report form          — the grid member, logged in: from the tap on
//                          "上报问题" to a form that takes input
//   dashboard, cold      — the leader: from the tap on "统计分析" (after a
//                          cold login) to the charts drawn
// and the bytes each step transferred (as sent: compressed), and prints them
// against the targets. Usage: make -s web && node bench/web.mjs
// (XZ_BIN, XZ_ENGINE, XZ_PG_URL as for the tests; XZ_BENCH_RUNS=n repeats
// and prints the median).
import { chromium } from 'playwright-core';
import { startServer, PASSWORD, ROOT } from '../tests/api/lib.mjs';
import { CHROMIUM_ARGS, PHONE } from '../tests/e2e/browser.mjs';

const NET = { offline: false, latency: 400, downloadThroughput: 50 * 1024, uploadThroughput: 50 * 1024 };
const RUNS = Number(process.env.XZ_BENCH_RUNS || 3);
const TARGETS = { loginCold: 3000, loginWarm: 1000, report: 1000, dashboard: 8000 };

const h = await startServer({ extraArgs: ['--web', `${ROOT}/web/dist`] });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });

// The service worker fetches in the background (the shell at install, the
// page behind a warm start); DevTools throttles per target and does not
// reliably throttle a worker, so the worker only answers from its cache on
// the measured paths (sw.js) and its own fetches are counted in the bytes,
// through the browser's session (attached without flattening, so this
// session can address it).
const bcdp = await browser.newBrowserCDPSession();
let swBytes = 0, msg = 1;
const attached = new Set();
bcdp.on('Target.targetCreated', async ({ targetInfo: t }) => {
  if (t.type !== 'service_worker' || attached.has(t.targetId)) return;
  attached.add(t.targetId);
  const { sessionId } = await bcdp.send('Target.attachToTarget', { targetId: t.targetId, flatten: false }).catch(() => ({}));
  if (!sessionId) return;
  const send = (method, params = {}) => bcdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id: msg++, method, params }) }).catch(() => {});
  await send('Network.enable');
});
bcdp.on('Target.receivedMessageFromTarget', ({ message }) => {
  const m = JSON.parse(message);
  if (m.method === 'Network.loadingFinished') swBytes += m.params.encodedDataLength || 0;
});
await bcdp.send('Target.setDiscoverTargets', { discover: true });

// profile: a fresh context with the throttled network; .bytes() counts what
// crossed the wire (page and service worker) since the last call.
async function profile() {
  const ctx = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', NET);
  let bytes = 0;
  cdp.on('Network.loadingFinished', (e) => { bytes += e.encodedDataLength || 0; });
  return { ctx, page, bytes: () => { const b = bytes + swBytes; bytes = 0; swBytes = 0; return b; } };
}

async function timed(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function login(page, user) {
  await page.fill('#u', user);
  await page.fill('#p', PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForSelector('header .who', { state: 'attached' });
}

const loginUsable = (page) => page.goto(h.url + '/', { waitUntil: 'commit' })
  .then(() => page.waitForSelector('#u:enabled', { state: 'visible' }));

async function once() {
  const out = {};
  // login, cold then warm (same profile)
  {
    const p = await profile();
    out.loginCold = await timed(() => loginUsable(p.page));
    out.loginColdBytes = p.bytes();
    await p.page.waitForTimeout(3000); // the service worker installs its shell
    p.bytes();
    out.loginWarm = await timed(() => loginUsable(p.page));
    out.loginWarmBytes = p.bytes();
    await p.ctx.close();
  }
  // the grid member's report form, after login
  {
    const p = await profile();
    await loginUsable(p.page);
    await login(p.page, 'grid');
    await p.page.waitForSelector('main h2');
    p.bytes();
    out.report = await timed(async () => {
      await p.page.click('nav a[href="#/report"]');
      await p.page.waitForSelector('#r-desc:enabled', { state: 'visible' });
      await p.page.waitForSelector('#r-top option:nth-child(2)', { state: 'attached' });
    });
    out.reportBytes = p.bytes();
    await p.ctx.close();
  }
  // the leader's dashboard, cold
  {
    const p = await profile();
    await loginUsable(p.page);
    await login(p.page, 'leader');
    await p.page.waitForSelector('main h2');
    p.bytes();
    out.dashboard = await timed(async () => {
      await p.page.click('nav a[href="#/dashboard"]');
      await p.page.waitForSelector('#c-state canvas', { timeout: 60000 });
      await p.page.waitForSelector('#c-unit canvas', { timeout: 60000 });
    });
    out.dashboardBytes = p.bytes();
    await p.ctx.close();
  }
  return out;
}

const runs = [];
try {
  for (let i = 0; i < RUNS; i++) runs.push(await once());
} finally {
  await browser.close();
  await h.close();
}
if (process.env.XZ_BENCH_VERBOSE) console.log(JSON.stringify(runs));
const median = (k) => runs.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(runs.length / 2)];
const kib = (b) => `${(b / 1024).toFixed(1)} KiB`;
const rows = [
  ['login usable, cold', 'loginCold', TARGETS.loginCold],
  ['login usable, warm', 'loginWarm', TARGETS.loginWarm],
  ['report form after login (grid)', 'report', TARGETS.report],
  ['dashboard, cold (leader)', 'dashboard', TARGETS.dashboard],
];
console.log(`Chromium ${browser.version?.() || ''} at ${PHONE.width}×${PHONE.height}, ${NET.latency} ms latency, ${NET.downloadThroughput / 1024} KiB/s; median of ${runs.length}`);
console.log(`${'step'.padEnd(34)} ${'time'.padStart(9)} ${'target'.padStart(9)} ${'bytes'.padStart(11)}  ok`);
for (const [label, k, target] of rows) {
  const t = median(k);
  console.log(`${label.padEnd(34)} ${(t / 1000).toFixed(2).padStart(8)}s ${('≤' + target / 1000 + 's').padStart(9)} ${kib(median(k + 'Bytes')).padStart(11)}  ${t <= target ? 'yes' : 'NO'}`);
}
