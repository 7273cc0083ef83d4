// auth_lockout.test.mjs — lock-out that cannot be turned against a user
// (issue 16 finding 11): throttled by (account, source) and by source, with
// growing delays, the owner told; an administrator's account never locked
// from the network alone. "Another source" is a real other address:
// requests are sent from 127.0.0.2, .3 … (all of 127/8 is loopback).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startServer, PASSWORD } from './lib.mjs';

let h;
before(async () => { h = await startServer(); });
after(async () => { await h.close(); });

// loginFrom: POST /auth/login from a given local address.
function loginFrom(addr, username, password) {
  const { port } = new URL(h.url);
  const payload = JSON.stringify({ username, password });
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: Number(port), localAddress: addr, method: 'POST', path: '/api/v1/auth/login',
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, body: body ? JSON.parse(body) : null }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

test('five wrong passwords for leader from one source do not stop leader logging in from another', async () => {
  for (let i = 0; i < 4; i++) assert.equal((await loginFrom('127.0.0.2', 'leader', 'Wrong-Guess-000' + i)).status, 401);
  const fifth = await loginFrom('127.0.0.2', 'leader', 'Wrong-Guess-0005');
  assert.equal(fifth.status, 403);
  assert.equal(fifth.body.error.code, 'account_locked');
  // the attacker's source is locked out of the account, even with the right password
  assert.equal((await loginFrom('127.0.0.2', 'leader', PASSWORD)).status, 403);
  // the owner, elsewhere, is not
  assert.equal((await loginFrom('127.0.0.3', 'leader', PASSWORD)).status, 200);
  // and is told
  const uid = h.sql("SELECT id FROM users WHERE username = 'leader'");
  const n = h.sql(`SELECT body FROM notifications WHERE user_id = ${uid} AND kind = 'security.lockout'`);
  assert.match(n, /127\.0\.0\.2/);
});

test('the administrators are never locked out from the network alone', async () => {
  for (const admin of ['admin', 'secadmin', 'auditor']) {
    for (let i = 0; i < 6; i++) await loginFrom('127.0.0.4', admin, 'Wrong-Guess-111' + i);
    assert.equal((await loginFrom('127.0.0.5', admin, PASSWORD)).status, 200, `${admin} logs in from their desk`);
  }
});

test('each further lock of the same source lasts twice as long', async () => {
  const now = Date.now();
  await h.setClock(new Date(now).toISOString());
  for (let i = 0; i < 5; i++) await loginFrom('127.0.0.6', 'office', 'Wrong-Guess-222' + i);
  await h.setClock(new Date(now + 16 * 60000).toISOString());
  assert.equal((await loginFrom('127.0.0.6', 'office', 'Wrong-Guess-2230')).status, 401, 'first lock: 15 minutes');
  for (let i = 1; i < 5; i++) await loginFrom('127.0.0.6', 'office', 'Wrong-Guess-223' + i);
  await h.setClock(new Date(now + 16 * 60000 + 16 * 60000).toISOString());
  assert.equal((await loginFrom('127.0.0.6', 'office', PASSWORD)).status, 403, 'second lock: 30 minutes');
  await h.setClock(new Date(now + 16 * 60000 + 31 * 60000).toISOString());
  assert.equal((await loginFrom('127.0.0.6', 'office', PASSWORD)).status, 200);
  await h.setClock(null);
});

test('a source failing on many accounts is throttled on all of them', async () => {
  const names = ['grid', 'staff', 'contact', 'dept', 'office2', 'nosuchuser1', 'nosuchuser2'];
  let n = 0;
  for (let round = 0; n < 20; round++) for (const u of names) { if (n++ < 20) await loginFrom('127.0.0.7', u, 'Wrong-Guess-333' + round); }
  const r = await loginFrom('127.0.0.7', 'grid', PASSWORD);
  assert.equal(r.status, 429);
  assert.equal(r.body.error.code, 'source_throttled');
  assert.equal((await loginFrom('127.0.0.8', 'grid', PASSWORD)).status, 200, 'other sources are not');
});
