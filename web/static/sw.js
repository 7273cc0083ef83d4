// sw.js — the service worker: the application starts without a signal.
//
// At install it keeps the shell (the page, the shell's modules and styles,
// the report form) in a cache named by the build's version. The page is
// answered from that cache at once and refreshed from the network behind
// it, so a warm start costs no round trip; content-hashed files under
// /assets/ never change under their name and are answered from the cache
// (and added to it on first use: the dashboard's ECharts, the map's
// Leaflet). The API is never cached here: the page keeps what it needs
// offline (the user, the categories, drafts and the outbox) itself.
const VERSION = '__VERSION__';
const SHELL = ['__SHELL__'];
const CACHE = 'xz-shell-' + VERSION;
const ASSETS = 'xz-assets';

self.addEventListener('install', (ev) => {
  ev.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (ev) => {
  ev.waitUntil((async () => {
    for (const k of await caches.keys()) if (k.startsWith('xz-shell-') && k !== CACHE) await caches.delete(k);
    await self.clients.claim();
  })());
});

async function page(req) {
  const cache = await caches.open(CACHE);
  const fresh = fetch(req).then((res) => {
    if (res.ok && res.headers.get('Content-Type')?.startsWith('text/html')) cache.put('/', res.clone());
    return res;
  });
  const hit = await cache.match('/');
  if (hit) { fresh.catch(() => {}); return hit; }
  return fresh;
}

async function asset(req) {
  const hit = await caches.match(req);
  if (hit) return hit;
  const res = await fetch(req);
  if (res.ok) (await caches.open(ASSETS)).put(req, res.clone());
  return res;
}

self.addEventListener('fetch', (ev) => {
  const req = ev.request;
  if (req.method !== 'GET') return;
  const u = new URL(req.url);
  if (u.origin !== self.location.origin || u.pathname.startsWith('/api/')) return;
  if (req.mode === 'navigate') ev.respondWith(page(req));
  else if (u.pathname.startsWith('/assets/') || SHELL.includes(u.pathname)) ev.respondWith(asset(req));
});
