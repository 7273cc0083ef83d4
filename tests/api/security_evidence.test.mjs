// security_evidence.test.mjs — issue 16 finding 7 on its own server: an
// empty evidence file made routes_problems.c pass NULL to memcpy (a UBSan
// abort under the sanitizer build, which would take the other findings'
// tests down with it). The fix is the problems engineer's; this is the test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { startServer, expectError } from './lib.mjs';

let h, token;
before(async () => { h = await startServer(); token = await h.login('office'); });
after(async () => { await h.close(); });

test('finding 7: an empty evidence file is 400, not a crash', async () => {
  const town = h.sql("SELECT township_id FROM users WHERE username = 'office'");
  const id = h.sql(`SELECT MIN(id) FROM problems WHERE township_id = ${town}`);
  const b = '----xzboundary';
  const body = new Uint8Array(Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="file"; filename="empty.jpg"\r\nContent-Type: image/jpeg\r\n\r\n\r\n--${b}--\r\n`));
  const r = await h.api('POST', `/api/v1/problems/${id}/evidence`, { token, body, headers: { 'Content-Type': `multipart/form-data; boundary=${b}` } });
  expectError(assert, r, 400);
  assert.equal((await h.api('GET', '/api/v1/health')).status, 200, 'the server is still up');
});

// The server's own memory (RssAnon: heap and stacks, not the file pages it
// maps) sampled every 5 ms while a 40 MiB video goes up and comes back: the
// upload streams to the store's temporary file and the download is sent
// from the file, so neither is ever held whole on the heap (it was: a
// growing buffer up to 64 MiB, then a second copy to serve it).
const anonKiB = () => Number(/RssAnon:\s+(\d+)/.exec(readFileSync(`/proc/${h.proc.pid}/status`, 'utf8'))[1]);

test('a 40 MiB upload and its download never sit whole in the server\'s memory', async () => {
  const town = h.sql("SELECT township_id FROM users WHERE username = 'office'");
  const id = h.sql(`SELECT MIN(id) FROM problems WHERE township_id = ${town}`);
  // an MP4 by its bytes: an ftyp box, then 40 MiB of media data
  const ftyp = Buffer.from('000000186674797069736f6d0000020069736f6d69736f32', 'hex');
  const video = Buffer.concat([ftyp, Buffer.alloc(40 << 20, 0x5a)]);
  const b = '----xzboundary';
  const body = new Uint8Array(Buffer.concat([Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="file"; filename="v.mp4"\r\nContent-Type: video/mp4\r\n\r\n`), video, Buffer.from(`\r\n--${b}--\r\n`)]));
  const before = anonKiB();
  let peak = before;
  const sampler = setInterval(() => { peak = Math.max(peak, anonKiB()); }, 5);
  const r = await h.api('POST', `/api/v1/problems/${id}/evidence`, { token, body, headers: { 'Content-Type': `multipart/form-data; boundary=${b}` } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.mime, 'video/mp4');
  assert.equal(r.body.size, video.length);
  const got = await h.api('GET', `/api/v1/evidence/${r.body.id}`, { token, raw: true });
  assert.equal(got.status, 200);
  const bytes = Buffer.from(await got.arrayBuffer());
  clearInterval(sampler);
  assert.equal(bytes.length, video.length);
  assert.ok(bytes.equals(video), 'the very bytes come back');
  assert.equal(got.headers.get('x-content-sha256'), createHash('sha256').update(video).digest('hex'));
  const grown = peak - before;
  assert.ok(grown < 16 * 1024, `the server's heap grew by ${grown} KiB for a 40 MiB file`);
  // no temporary file is left beside the store
  assert.deepEqual(readdirSync(h.evidence).filter((f) => f.startsWith('.upload.')), []);
});
