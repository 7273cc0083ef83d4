// auth.test.mjs — login, sessions, logout, lock-out, CSRF, password policy,
// the error model and the security headers (R10.2, R10.4).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectError, PASSWORD } from './lib.mjs';

let h;
before(async () => { h = await startServer(); });
after(async () => { await h.close(); });

test('health answers without login', async () => {
  const r = await h.api('GET', '/api/v1/health');
  assert.equal(r.status, 200);
  assert.equal(r.body.status, 'ok');
});

test('login answers a token, the user and an HttpOnly SameSite=Strict cookie', async () => {
  const r = await h.api('POST', '/api/v1/auth/login', { body: { username: 'office', password: PASSWORD } });
  assert.equal(r.status, 200);
  assert.ok(r.body.token.length >= 22, 'token has at least 128 bits');
  assert.equal(r.body.user.username, 'office');
  const c = r.headers.get('set-cookie');
  assert.match(c, /xz_session=/);
  assert.match(c, /HttpOnly/);
  assert.match(c, /SameSite=Strict/);
  assert.ok(!c.includes(PASSWORD));
});

test('me shows roles and place; without a session it is 401', async () => {
  const t = await h.login('staff');
  const r = await h.api('GET', '/api/v1/me', { token: t });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.roles, ['staff']);
  assert.ok(r.body.township_id > 0);
  assert.ok(r.body.unit_id > 0);
  expectError(assert, await h.api('GET', '/api/v1/me'), 401, 'unauthenticated');
  expectError(assert, await h.api('GET', '/api/v1/me', { token: 'not-a-token' }), 401, 'unauthenticated');
});

test('every login makes a new token', async () => {
  const a = await h.login('leader');
  const b = await h.login('leader');
  assert.notEqual(a, b);
});

test('logout really ends the session', async () => {
  const t = await h.login('grid');
  assert.equal((await h.api('POST', '/api/v1/auth/logout', { token: t })).status, 200);
  expectError(assert, await h.api('GET', '/api/v1/me', { token: t }), 401);
});

test('a user lists and ends their own sessions', async () => {
  const t1 = await h.login('dept');
  const t2 = await h.login('dept');
  const list = await h.api('GET', '/api/v1/sessions', { token: t1 });
  assert.equal(list.status, 200);
  const other = list.body.items.find((s) => !s.current);
  assert.ok(other);
  assert.equal((await h.api('DELETE', `/api/v1/sessions/${other.id}`, { token: t1 })).status, 200);
  expectError(assert, await h.api('GET', '/api/v1/me', { token: t2 }), 401);
  assert.equal((await h.api('GET', '/api/v1/me', { token: t1 })).status, 200);
});

test('wrong password is 401; malformed JSON 400; unknown field 400', async () => {
  expectError(assert, await h.api('POST', '/api/v1/auth/login', { body: { username: 'office', password: 'wrong-password-1' } }), 401, 'bad_credentials');
  expectError(assert, await h.api('POST', '/api/v1/auth/login', { body: '{"username":' }), 400, 'malformed_json');
  expectError(assert, await h.api('POST', '/api/v1/auth/login', { body: { username: 'x', password: 'y', extra: 1 } }), 400, 'invalid_body');
  expectError(assert, await h.api('POST', '/api/v1/auth/login', { body: '{"username":"a","username":"b","password":"c"}' }), 400, 'malformed_json');
});

test('five failures lock the account for 15 minutes, even with the right password', async () => {
  const admin = await h.login('admin');
  const sec = await h.login('secadmin');
  const u = await h.api('POST', '/api/v1/users', { token: admin, body: { username: 'locktest', password: 'Correct-Horse-Battery-9' } });
  assert.equal(u.status, 201);
  for (let i = 0; i < 4; i++) expectError(assert, await h.api('POST', '/api/v1/auth/login', { body: { username: 'locktest', password: 'nope-nope-nope' } }), 401, 'bad_credentials');
  expectError(assert, await h.api('POST', '/api/v1/auth/login', { body: { username: 'locktest', password: 'nope-nope-nope' } }), 403, 'account_locked');
  expectError(assert, await h.api('POST', '/api/v1/auth/login', { body: { username: 'locktest', password: 'Correct-Horse-Battery-9' } }), 403, 'account_locked');
  // the security administrator unlocks; the system administrator cannot
  expectError(assert, await h.api('POST', `/api/v1/users/${u.body.id}/unlock`, { token: admin }), 403);
  assert.equal((await h.api('POST', `/api/v1/users/${u.body.id}/unlock`, { token: sec })).status, 200);
  assert.equal((await h.api('POST', '/api/v1/auth/login', { body: { username: 'locktest', password: 'Correct-Horse-Battery-9' } })).status, 200);
});

test('lock-out expires after 15 minutes', async () => {
  const admin = await h.login('admin');
  await h.api('POST', '/api/v1/users', { token: admin, body: { username: 'locktime', password: 'Correct-Horse-Battery-9' } });
  for (let i = 0; i < 5; i++) await h.api('POST', '/api/v1/auth/login', { body: { username: 'locktime', password: 'nope-nope-nope' } });
  const now = Date.now();
  await h.setClock(new Date(now + 14 * 60000).toISOString());
  expectError(assert, await h.api('POST', '/api/v1/auth/login', { body: { username: 'locktime', password: 'Correct-Horse-Battery-9' } }), 403, 'account_locked');
  await h.setClock(new Date(now + 16 * 60000).toISOString());
  assert.equal((await h.api('POST', '/api/v1/auth/login', { body: { username: 'locktime', password: 'Correct-Horse-Battery-9' } })).status, 200);
  await h.setClock(null);
});

test('sessions expire after 30 idle minutes and after 12 hours', async () => {
  const now = Date.now();
  await h.setClock(new Date(now).toISOString());
  const t = await h.login('office');
  await h.setClock(new Date(now + 29 * 60000).toISOString());
  assert.equal((await h.api('GET', '/api/v1/me', { token: t })).status, 200);
  await h.setClock(new Date(now + 58 * 60000).toISOString());
  assert.equal((await h.api('GET', '/api/v1/me', { token: t })).status, 200, 'activity extends the idle window');
  await h.setClock(new Date(now + 89 * 60000).toISOString());
  expectError(assert, await h.api('GET', '/api/v1/me', { token: t }), 401);
  // absolute: keep it busy for 12 hours
  await h.setClock(new Date(now).toISOString());
  const t2 = await h.login('office');
  for (let m = 20; m < 12 * 60; m += 20) {
    await h.setClock(new Date(now + m * 60000).toISOString());
    assert.equal((await h.api('GET', '/api/v1/me', { token: t2 })).status, 200);
  }
  await h.setClock(new Date(now + 12 * 3600000 + 1000).toISOString());
  expectError(assert, await h.api('GET', '/api/v1/me', { token: t2 }), 401);
  await h.setClock(null);
});

test('cookie sessions need the CSRF token on unsafe requests; Bearer does not', async () => {
  const r = await h.api('POST', '/api/v1/auth/login', { body: { username: 'office', password: PASSWORD } });
  const cookie = r.headers.get('set-cookie').split(';')[0];
  const body = { name: '测试人员', phone: '13900000000' };
  expectError(assert, await h.api('POST', '/api/v1/people', { headers: { Cookie: cookie }, body }), 403, 'csrf_failed');
  expectError(assert, await h.api('POST', '/api/v1/people', { headers: { Cookie: cookie, 'X-CSRF-Token': 'wrong' }, body }), 403, 'csrf_failed');
  const ok = await h.api('POST', '/api/v1/people', { headers: { Cookie: cookie, 'X-CSRF-Token': r.body.csrf }, body });
  assert.equal(ok.status, 201);
  assert.equal((await h.api('GET', '/api/v1/me', { headers: { Cookie: cookie } })).status, 200, 'safe requests need no CSRF token');
  assert.equal((await h.api('POST', '/api/v1/people', { token: r.body.token, body })).status, 201);
});

test('password policy: length, common list, username; the mlps profile adds classes', async () => {
  const admin = await h.login('admin');
  const sec = await h.login('secadmin');
  const mk = (username, password) => h.api('POST', '/api/v1/users', { token: admin, body: { username, password } });
  expectError(assert, await mk('p1', 'short-pw-1'), 422, 'password_too_short');
  expectError(assert, await mk('p2', 'password2026'), 422, 'password_common');
  expectError(assert, await mk('zhangsan', 'zhangsan-is-here-1'), 422, 'password_contains_username');
  expectError(assert, await mk('p3', 'Xiezhi-demo-2026'), 422, 'password_common');
  assert.equal((await mk('p4', 'lowercaseonlyletters')).status, 201);
  assert.equal((await h.api('PUT', '/api/v1/settings', { token: sec, body: { 'password.profile': 'mlps' } })).status, 200);
  expectError(assert, await mk('p5', 'lowercaseonlyletters'), 422, 'password_classes');
  assert.equal((await mk('p6', 'Mixed-Case-and-9')).status, 201);
  assert.equal((await h.api('PUT', '/api/v1/settings', { token: sec, body: { 'password.profile': 'default' } })).status, 200);
  expectError(assert, await h.api('PUT', '/api/v1/settings', { token: sec, body: { 'audit.retention_days': 30 } }), 422, 'retention_too_short');
});

test('changing one\'s password ends one\'s other sessions', async () => {
  const admin = await h.login('admin');
  await h.api('POST', '/api/v1/users', { token: admin, body: { username: 'pwchange', password: 'First-Password-123' } });
  const a = await h.login('pwchange', 'First-Password-123');
  const b = await h.login('pwchange', 'First-Password-123');
  expectError(assert, await h.api('POST', '/api/v1/me/password', { token: a, body: { old_password: 'wrong-one-here', new_password: 'Second-Password-456' } }), 422, 'wrong_password');
  assert.equal((await h.api('POST', '/api/v1/me/password', { token: a, body: { old_password: 'First-Password-123', new_password: 'Second-Password-456' } })).status, 200);
  assert.equal((await h.api('GET', '/api/v1/me', { token: a })).status, 200);
  expectError(assert, await h.api('GET', '/api/v1/me', { token: b }), 401);
  await h.login('pwchange', 'Second-Password-456');
});

test('security headers on every response, API and error alike', async () => {
  for (const path of ['/api/v1/health', '/api/v1/me', '/api/v1/nope']) {
    const r = await h.api('GET', path);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.match(r.headers.get('content-security-policy'), /frame-ancestors 'none'/);
  }
  expectError(assert, await h.api('GET', '/api/v1/nope'), 404, 'no_such_endpoint');
  expectError(assert, await h.api('PATCH', '/api/v1/health'), 405, 'method_not_allowed');
});

test('oversized bodies are 413 and change nothing', async () => {
  const t = await h.login('office');
  const big = JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) });
  expectError(assert, await h.api('POST', '/api/v1/people', { token: t, body: big }), 413, 'body_too_large');
});

test('tokens and passwords never reach the log', async () => {
  const r = await h.api('POST', '/api/v1/auth/login', { body: { username: 'office', password: PASSWORD } });
  await h.api('POST', '/api/v1/auth/login', { body: { username: 'office', password: 'Wrong-secret-xyz' } });
  assert.ok(!h.stderr.includes(r.body.token));
  assert.ok(!h.stderr.includes(PASSWORD));
  assert.ok(!h.stderr.includes('Wrong-secret-xyz'));
});

test('the mlps profile marks a password older than 90 days as expired', async () => {
  const sec = await h.login('secadmin');
  const now = Date.now();
  await h.setClock(new Date(now).toISOString());
  const t0 = await h.login('leader');
  assert.equal((await h.api('GET', '/api/v1/me', { token: t0 })).body.password_expired, false);
  await h.api('PUT', '/api/v1/settings', { token: sec, body: { 'password.profile': 'mlps' } });
  await h.setClock(new Date(now + 91 * 86400000).toISOString());
  const t = await h.login('leader');
  assert.equal((await h.api('GET', '/api/v1/me', { token: t })).body.password_expired, true);
  await h.setClock(null);
  await h.api('PUT', '/api/v1/settings', { token: await h.login('secadmin'), body: { 'password.profile': 'default' } });
});
