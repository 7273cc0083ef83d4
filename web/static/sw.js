// sw.js — the service worker: the application starts without a signal.
//
// At install it keeps the shell (the page, the shell's modules and styles,
// the report form) in a cache named by the build's version. The page is
// answered from that cache at once and refreshed from the network behind
// it, so a warm start costs no round trip; the shell's files are answered
// from the cache. Everything else (other screens, ECharts, Leaflet) is left
// to the browser: content-hashed and `immutable`, the HTTP cache keeps it.
// The API is never cached here: the page keeps what it needs offline (the
// user, the categories, drafts and the outbox) itself.
const VERSION = '__VERSION__';
const SHELL = ['__SHELL__'];
const CACHE = 'xz-shell-' + VERSION;

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
  return (await caches.match(req)) || fetch(req);
}

self.addEventListener('fetch', (ev) => {
  const req = ev.request;
  if (req.method !== 'GET') return;
  const u = new URL(req.url);
  if (u.origin !== self.location.origin || u.pathname.startsWith('/api/')) return;
  if (req.mode === 'navigate') ev.respondWith(page(req));
  else if (SHELL.includes(u.pathname)) ev.respondWith(asset(req));
});
