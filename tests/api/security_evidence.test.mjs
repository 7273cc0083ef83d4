// security_evidence.test.mjs — issue 16 finding 7 on its own server: an
// empty evidence file made routes_problems.c pass NULL to memcpy (a UBSan
// abort under the sanitizer build, which would take the other findings'
// tests down with it). The fix is the problems engineer's; this is the test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
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
