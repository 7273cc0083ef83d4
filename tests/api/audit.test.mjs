// audit.test.mjs — the hash-chained audit trail (R10.1): every write and
// security event is recorded; storage refuses UPDATE and DELETE; a tampered
// entry is found by `xiezhi check` and by the auditor's verify endpoint.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, ENGINE, BIN } from './lib.mjs';

let h, t;
before(async () => { h = await startServer(); t = await h.tokens(['office', 'auditor', 'admin']); });
after(async () => { await h.close(); });

test('writes and logins are audited with who, where, before and after', async () => {
  const p = (await h.api('POST', '/api/v1/people', { token: t.office, body: { name: '审计对象' } })).body;
  await h.api('PUT', `/api/v1/people/${p.id}`, { token: t.office, body: { version: 1, phone: '13811112222' } });
  const a = await h.api('GET', `/api/v1/audit?object_type=people&object_id=${p.id}`, { token: t.auditor });
  assert.equal(a.status, 200);
  const upd = a.body.items.find((e) => e.action === 'people.update');
  assert.ok(upd, 'update audited');
  assert.equal(upd.username, 'office');
  assert.equal(upd.roles, 'office');
  assert.equal(upd.source, '127.0.0.1');
  assert.match(upd.before, /"phone":null/);
  assert.match(upd.after, /13811112222/);
  assert.ok(a.body.items.find((e) => e.action === 'people.create'));
  await h.api('POST', '/api/v1/auth/login', { body: { username: 'office', password: 'bad-password-1' } });
  const l = await h.api('GET', '/api/v1/audit?action=login', { token: t.auditor });
  assert.ok(l.body.items.some((e) => e.outcome === 'failed' && e.username === 'office'));
  assert.ok(l.body.items.some((e) => e.outcome === 'ok' && e.username === 'office'));
});

test('the chain verifies intact', async () => {
  const v = await h.api('GET', '/api/v1/audit/verify', { token: t.auditor });
  assert.equal(v.body.intact, true);
  assert.ok(v.body.entries > 5);
  assert.equal(execFileSync(BIN, ['--db', h.db.url, 'check']).toString().includes('audit chain: ok'), true);
});

test('storage refuses UPDATE and DELETE of audit entries', async () => {
  assert.throws(() => h.sql("UPDATE audit_log SET outcome = 'ok' WHERE seq = 1"), /append-only/);
  assert.throws(() => h.sql('DELETE FROM audit_log WHERE seq = 1'), /append-only/);
});

test('a tampered entry is found and named', async () => {
  await h.stop();
  if (ENGINE === 'pg') {
    h.sql('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update');
    h.sql("UPDATE audit_log SET detail = 'forged' WHERE seq = 3");
    h.sql('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update');
  } else {
    h.sql("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET detail = 'forged' WHERE seq = 3");
  }
  let out = '', code = 0;
  try { execFileSync(BIN, ['--db', h.db.url, 'check']); } catch (e) { out = e.stdout.toString(); code = e.status; }
  assert.notEqual(code, 0, 'check exits non-zero');
  assert.match(out, /BROKEN at entry 3/);
});
