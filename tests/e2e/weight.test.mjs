// weight.test.mjs — what a phone on a weak signal downloads, checked on the
// wire (node:http, so no client decompresses or caches behind our back):
// static text files come compressed (brotli or gzip, whichever the client
// accepts, none when it accepts none), hashed files are immutable for a
// year, the page has an ETag and a second request with it gets 304, JSON
// answers over 1 KB are gzipped, the login page loads no screen's code and
// no ECharts, and there is a favicon.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { startServer, ROOT } from '../api/lib.mjs';

let h;
before(async () => { h = await startServer({ extraArgs: ['--web', `${ROOT}/web/dist`] }); });
after(async () => { await h?.close(); });

function get(path, headers = {}) {
  return new Promise((resolve, reject) => {
    http.get(h.url + path, { headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

const index = () => readFileSync(`${ROOT}/web/dist/index.html`, 'utf8');

test('the page: compressed, with an ETag, 304 when the client has it', async () => {
  const plain = await get('/', {});
  assert.equal(plain.status, 200);
  assert.equal(plain.headers['content-encoding'], undefined, 'no coding for a client that accepts none');
  assert.match(plain.body.toString(), /<title>/);
  const gz = await get('/', { 'Accept-Encoding': 'gzip' });
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.equal(gunzipSync(gz.body).toString(), plain.body.toString());
  const br = await get('/', { 'Accept-Encoding': 'gzip, deflate, br' });
  assert.equal(br.headers['content-encoding'], 'br');
  assert.equal(brotliDecompressSync(br.body).toString(), plain.body.toString());
  assert.equal(await get('/', { 'Accept-Encoding': 'br;q=0, gzip' }).then((r) => r.headers['content-encoding']), 'gzip', 'q=0 refuses br');
  assert.match(br.headers['cache-control'], /no-cache/);
  assert.ok(br.headers.etag, 'the page has an ETag');
  assert.equal(br.headers.vary, 'Accept-Encoding');
  const again = await get('/', { 'Accept-Encoding': 'gzip, deflate, br', 'If-None-Match': br.headers.etag });
  assert.equal(again.status, 304);
  assert.equal(again.body.length, 0);
  // a route of the single-page application is the page too
  assert.equal((await get('/queue', { 'If-None-Match': plain.headers.etag })).status, 304);
});

test('hashed scripts and styles: immutable for a year, compressed, revalidated with 304', async () => {
  const refs = [...index().matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
  assert.ok(refs.some((r) => /\/assets\/app\.[0-9a-f]{10}\.js$/.test(r)), 'the shell is named by its content hash');
  assert.ok(refs.some((r) => /\.css$/.test(r)));
  for (const ref of refs) {
    const r = await get(ref, { 'Accept-Encoding': 'gzip, br' });
    assert.equal(r.status, 200, ref);
    assert.equal(r.headers['content-encoding'], 'br', ref);
    assert.equal(r.headers['cache-control'], 'public, max-age=31536000, immutable', ref);
    assert.equal((await get(ref, { 'Accept-Encoding': 'gzip, br', 'If-None-Match': r.headers.etag })).status, 304, ref);
  }
  assert.equal((await get('/assets/app.0000000000.js')).status, 404, 'a missing file is 404, not the page');
  assert.equal((await get('/favicon.svg')).status, 200, 'a favicon');
  assert.match(index(), /rel="icon"/);
});

test('the login page loads no screen code and no ECharts', async () => {
  const html = index();
  assert.doesNotMatch(html, /echarts|joint\.|dashboard\.|admin\.|problems\./);
  const app = html.match(/src="(\/assets\/app\.[0-9a-f]+\.js)"/)[1];
  const text = (await get(app)).body.toString();
  assert.doesNotMatch(text, /^import .*(joint|dashboard|admin|problems)\./m, 'screens are imported on demand');
  assert.match(text, /import\('\.\/dashboard\.[0-9a-f]{10}\.js'\)/);
});

test('JSON answers over 1 KB are gzipped for a client that accepts it', async () => {
  const token = await h.login('office');
  const auth = { Authorization: 'Bearer ' + token };
  const gz = await get('/api/v1/problems?limit=50', { ...auth, 'Accept-Encoding': 'gzip, deflate, br' });
  assert.equal(gz.status, 200);
  assert.equal(gz.headers['content-encoding'], 'gzip');
  const body = JSON.parse(gunzipSync(gz.body).toString());
  assert.ok(body.items.length > 0);
  const plain = await get('/api/v1/problems?limit=50', auth);
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.deepEqual(JSON.parse(plain.body.toString()).items.map((p) => p.id), body.items.map((p) => p.id));
  assert.ok(gz.body.length < plain.body.length / 3, `gzip shrinks the list (${gz.body.length} of ${plain.body.length})`);
  const small = await get('/api/v1/health', { 'Accept-Encoding': 'gzip' });
  assert.equal(small.headers['content-encoding'], undefined, 'small answers are sent as they are');
});
