// admin.test.mjs — the separation of the three administrators (issue 16,
// findings 1–3 and 13's must-change-password): none takes over another's
// account, no account holds two of admin/secadmin/auditor, and every grant
// and revoke is audited with the role.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectError, walkPages } from './lib.mjs';

let h, tok, id;
const ADMINS = ['admin', 'secadmin', 'auditor'];

before(async () => {
  h = await startServer();
  tok = await h.tokens(['admin', 'secadmin', 'auditor', 'office']);
  id = {};
  for (const u of [...ADMINS, 'leader', 'grid', 'office']) id[u] = Number(h.sql(`SELECT id FROM users WHERE username = '${u}'`));
});
after(async () => { await h.close(); });

const version = (uid) => Number(h.sql(`SELECT version FROM users WHERE id = ${uid}`));

test('finding 1: the system administrator cannot reset the other administrators\' passwords', async () => {
  for (const victim of ['secadmin', 'auditor']) {
    const r = await h.api('POST', `/api/v1/users/${id[victim]}/password`, { token: tok.admin, body: { password: 'Taken-Over-Pass-77' } });
    expectError(assert, r, 403, 'admin_account_protected');
    const login = await h.api('POST', '/api/v1/auth/login', { body: { username: victim, password: 'Taken-Over-Pass-77' } });
    assert.equal(login.status, 401, `${victim} is not taken over`);
  }
  // an ordinary account is still the system administrator's to reset
  assert.equal((await h.api('POST', `/api/v1/users/${id.grid}/password`, { token: tok.admin, body: { password: 'Reset-By-Admin-2026' } })).status, 200);
  assert.equal((await h.api('POST', '/api/v1/auth/login', { body: { username: 'grid', password: 'Reset-By-Admin-2026' } })).status, 200);
});

test('finding 1: the system administrator cannot disable or rename another administrator', async () => {
  for (const victim of ['secadmin', 'auditor']) {
    expectError(assert, await h.api('PATCH', `/api/v1/users/${id[victim]}`, { token: tok.admin, body: { version: version(id[victim]), disabled: true } }), 403, 'admin_account_protected');
    expectError(assert, await h.api('PATCH', `/api/v1/users/${id[victim]}`, { token: tok.admin, body: { version: version(id[victim]), display_name: '冒名' } }), 403, 'admin_account_protected');
    assert.equal(h.sql(`SELECT disabled FROM users WHERE id = ${id[victim]}`), '0');
  }
  assert.equal((await h.api('GET', '/api/v1/me', { token: tok.auditor })).status, 200, 'the auditor still works');
  // one's own display name stays one's own
  assert.equal((await h.api('PATCH', `/api/v1/users/${id.admin}`, { token: tok.admin, body: { version: version(id.admin), display_name: '系统管理员甲' } })).status, 200);
});

test('finding 2: no account holds two of the three administrator roles (422 roles_exclusive)', async () => {
  // the security administrator tries to make the system administrator all-powerful
  for (const role of ['secadmin', 'auditor']) {
    const r = await h.api('PUT', `/api/v1/users/${id.admin}/roles/${role}`, { token: tok.secadmin });
    expectError(assert, r, 422, 'roles_exclusive');
    assert.equal(r.body.error.field, 'role');
  }
  // and an ordinary account, step by step
  assert.equal((await h.api('PUT', `/api/v1/users/${id.leader}/roles/admin`, { token: tok.secadmin })).status, 200);
  expectError(assert, await h.api('PUT', `/api/v1/users/${id.leader}/roles/auditor`, { token: tok.secadmin }), 422, 'roles_exclusive');
  expectError(assert, await h.api('PUT', `/api/v1/users/${id.leader}/roles/secadmin`, { token: tok.secadmin }), 422, 'roles_exclusive');
  assert.equal(h.sql(`SELECT COUNT(*) FROM user_roles WHERE user_id = ${id.leader} AND role IN ('admin','secadmin','auditor')`), '1');
  // once an administrator, the account is protected from the other administrators
  expectError(assert, await h.api('DELETE', `/api/v1/users/${id.leader}/roles/admin`, { token: tok.secadmin }), 403, 'admin_account_protected');
  h.sql(`DELETE FROM user_roles WHERE user_id = ${id.leader} AND role = 'admin'`);
});

test('finding 3: grants and revokes are audited with the role, before and after', async () => {
  assert.equal((await h.api('PUT', `/api/v1/users/${id.grid}/roles/leader`, { token: tok.secadmin })).status, 200);
  assert.equal((await h.api('DELETE', `/api/v1/users/${id.grid}/roles/leader`, { token: tok.secadmin })).status, 200);
  const g = await h.api('GET', `/api/v1/audit?action=role.grant&object_id=${id.grid}`, { token: tok.auditor });
  const e = g.body.items.find((x) => x.outcome === 'ok');
  assert.ok(e, 'grant audited');
  assert.equal(e.detail, 'leader');
  const b = JSON.parse(e.before), a = JSON.parse(e.after);
  assert.deepEqual(b.roles, ['grid']);
  assert.deepEqual(a.roles, ['grid', 'leader']);
  const v = await h.api('GET', `/api/v1/audit?action=role.revoke&object_id=${id.grid}`, { token: tok.auditor });
  const ev = v.body.items.find((x) => x.outcome === 'ok');
  assert.equal(ev.detail, 'leader');
  assert.deepEqual(JSON.parse(ev.before).roles, ['grid', 'leader']);
  assert.deepEqual(JSON.parse(ev.after).roles, ['grid']);
  // a refused grant is audited with its role too
  await h.api('PUT', `/api/v1/users/${id.admin}/roles/auditor`, { token: tok.secadmin });
  const d = await h.api('GET', `/api/v1/audit?action=role.grant&object_id=${id.admin}`, { token: tok.auditor });
  assert.ok(d.body.items.some((x) => x.outcome === 'denied' && x.detail === 'auditor'));
});

test('finding 13: an account the administrator makes must change its password first', async () => {
  const u = await h.api('POST', '/api/v1/users', { token: tok.admin, body: { username: 'newbie', password: 'Initial-Pass-2026' } });
  assert.equal(u.status, 201);
  assert.equal(u.body.must_change_password, true);
  const t = await h.login('newbie', 'Initial-Pass-2026');
  assert.equal((await h.api('GET', '/api/v1/me', { token: t })).body.must_change_password, true);
  assert.equal((await h.api('POST', '/api/v1/me/password', { token: t, body: { old_password: 'Initial-Pass-2026', new_password: 'My-Own-Pass-2026' } })).status, 200);
  assert.equal((await h.api('GET', '/api/v1/me', { token: t })).body.must_change_password, false);
  // a reset by the administrator marks it again
  assert.equal((await h.api('POST', `/api/v1/users/${u.body.id}/password`, { token: tok.admin, body: { password: 'Reset-Pass-2026-x' } })).status, 200);
  const t2 = await h.login('newbie', 'Reset-Pass-2026-x');
  assert.equal((await h.api('GET', '/api/v1/me', { token: t2 })).body.must_change_password, true);
  // demo accounts are not marked
  assert.equal((await h.api('GET', '/api/v1/me', { token: tok.office })).body.must_change_password, false);
});

test('finding 13: audit.retention_days is bounded and comes back as a number', async () => {
  expectError(assert, await h.api('PUT', '/api/v1/settings', { token: tok.secadmin, body: { 'audit.retention_days': 99999999999 } }), 422, 'retention_too_long');
  expectError(assert, await h.api('PUT', '/api/v1/settings', { token: tok.secadmin, body: { 'audit.retention_days': '400' } }), 400, 'invalid_body');
  const ok = await h.api('PUT', '/api/v1/settings', { token: tok.secadmin, body: { 'audit.retention_days': 400 } });
  assert.equal(ok.status, 200);
  assert.equal(ok.body['audit.retention_days'], 400);
  assert.equal((await h.api('GET', '/api/v1/settings', { token: tok.secadmin })).body['audit.retention_days'], 400);
});

test('finding 13: audit `at` is ISO 8601', async () => {
  const a = await h.api('GET', '/api/v1/audit?limit=5', { token: tok.auditor });
  assert.equal(a.status, 200);
  for (const e of a.body.items) assert.match(e.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+08:00$/);
});

test('finding 2: the console does not make an account with two administrator roles either', async () => {
  const county = h.sql("SELECT county_id FROM users WHERE username = 'admin'");
  assert.throws(() => h.cli(['user', 'add', 'twohats', county, 'admin,auditor'], { env: { ...process.env, XZ_PASSWORD: 'Two-Hats-Pass-2026' } }), /roles_exclusive/);
  assert.equal(h.sql("SELECT COUNT(*) FROM users WHERE username = 'twohats'"), '0');
});

test('the accounts list: roles, flags and the lock-out of the account itself, page after page', async () => {
  const uid = Number(h.sql("SELECT id FROM users WHERE username = 'contact'"));
  h.sql(`UPDATE users SET must_change_password = 1, locked_until = 4102444800 WHERE id = ${uid}`);
  const all = (await h.api('GET', '/api/v1/users?limit=500', { token: tok.secadmin })).body.items;
  const c = all.find((u) => u.id === uid);
  assert.deepEqual([c.roles, c.must_change_password, c.is_disabled, c.locked, c.locked_until], [['contact', 'staff'], true, false, true, '2100-01-01T08:00:00+08:00']);
  assert.ok(!('throttle_until' in c));
  h.sql(`UPDATE users SET must_change_password = 0, locked_until = 1 WHERE id = ${uid}`);
  const after = (await h.api('GET', '/api/v1/users?limit=500', { token: tok.secadmin })).body.items.find((u) => u.id === uid);
  assert.deepEqual([after.must_change_password, after.locked, after.locked_until], [false, false, null], 'a lock-out that has ended is not shown');
  assert.ok(all.length > 4);
  for (const limit of [3, all.length]) assert.deepEqual((await walkPages(assert, h, '/api/v1/users', tok.secadmin, limit)).map((u) => u.id), all.map((u) => u.id));
  assert.deepEqual(await walkPages(assert, h, '/api/v1/users?q=o', tok.admin, 2), (await h.api('GET', '/api/v1/users?q=o&limit=500', { token: tok.admin })).body.items);
});
