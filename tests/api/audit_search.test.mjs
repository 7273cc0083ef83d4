// audit_search.test.mjs — what the administrators' screens ask of the API:
// the account list searched by login or name with each account's lock-out
// shown (and gone once the security administrator unlocks it); the audit
// trail searched by person, action (or a family of actions), object and
// time, paged; its export as CSV and XLSX with the same filter, formulas
// neutralised, the export itself audited, and only for the auditor.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, expectError } from './lib.mjs';

let h, t, uid;
before(async () => {
  h = await startServer();
  t = await h.tokens(['admin', 'secadmin', 'auditor', 'office']);
  const u = await h.api('POST', '/api/v1/users', { token: t.admin, body: { username: 'zhang.lock', display_name: '张锁定', password: 'Lishui-Qingtian-77' } });
  assert.equal(u.status, 201, JSON.stringify(u.body));
  uid = u.body.id;
});
after(async () => { await h.close(); });

const csvLines = (text) => text.replace(/^\uFEFF/, '').split('\r\n').filter(Boolean);

test('accounts: searched by login or name; a lock-out shows until the security administrator lifts it', async () => {
  let r = await h.api('GET', `/api/v1/users?q=${encodeURIComponent('锁定')}`, { token: t.admin });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.items.map((u) => u.username), ['zhang.lock']);
  r = await h.api('GET', '/api/v1/users?q=zhang.l', { token: t.secadmin });
  assert.deepEqual(r.body.items.map((u) => u.username), ['zhang.lock']);
  r = await h.api('GET', `/api/v1/users?q=${encodeURIComponent('%')}`, { token: t.admin });
  assert.equal(r.body.items.length, 0, 'a percent sign is searched as itself');
  assert.equal(r.body.items.length, 0);
  r = await h.api('GET', '/api/v1/users?q=zhang', { token: t.admin });
  assert.equal(r.body.items[0].locked, false);
  assert.equal(r.body.items[0].locked_until, null);
  for (let i = 0; i < 5; i++) await h.api('POST', '/api/v1/auth/login', { body: { username: 'zhang.lock', password: 'wrong-password-' + i } });
  r = await h.api('GET', '/api/v1/users?q=zhang', { token: t.secadmin });
  assert.equal(r.body.items[0].locked, true, 'locked after five wrong passwords');
  assert.match(r.body.items[0].locked_until, /^\d{4}-\d\d-\d\dT.*\+08:00$/);
  assert.equal((await h.api('POST', `/api/v1/users/${uid}/unlock`, { token: t.secadmin })).status, 200);
  r = await h.api('GET', '/api/v1/users?q=zhang', { token: t.admin });
  assert.equal(r.body.items[0].locked, false);
  expectError(assert, await h.api('GET', '/api/v1/users?q=' + 'x'.repeat(101), { token: t.admin }), 400, 'query_too_long');
});

test('the audit trail: by person and action, a family of actions, an object, a time range, paged', async () => {
  assert.equal((await h.api('PUT', `/api/v1/users/${uid}/roles/grid`, { token: t.secadmin })).status, 200);
  assert.equal((await h.api('PUT', `/api/v1/users/${uid}/roles/staff`, { token: t.secadmin })).status, 200);
  assert.equal((await h.api('DELETE', `/api/v1/users/${uid}/roles/staff`, { token: t.secadmin })).status, 200);
  let r = await h.api('GET', '/api/v1/audit?actor=secadmin&action=role.grant', { token: t.auditor });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.items.map((e) => e.detail), ['staff', 'grid'], 'newest first');
  assert.ok(r.body.items.every((e) => e.username === 'secadmin' && e.object_type === 'user' && e.object_id === String(uid)));
  r = await h.api('GET', '/api/v1/audit?action=role.', { token: t.auditor });
  assert.deepEqual(r.body.items.map((e) => e.action), ['role.revoke', 'role.grant', 'role.grant'], 'a family of actions');
  r = await h.api('GET', `/api/v1/audit?object_kind=user&object_id=${uid}`, { token: t.auditor });
  const acts = new Set(r.body.items.map((e) => e.action));
  for (const a of ['role.revoke', 'role.grant', 'user.create', 'user.unlock', 'lockout']) assert.ok(acts.has(a), a);
  assert.ok(r.body.items.every((e) => e.object_type === 'user' && e.object_id === String(uid)));
  assert.deepEqual((await h.api('GET', `/api/v1/audit?object_type=user&object_id=${uid}`, { token: t.auditor })).body.items.length, r.body.items.length, 'object_type is the older name');
  r = await h.api('GET', '/api/v1/audit?actor=nobody.here', { token: t.auditor });
  assert.deepEqual(r.body.items, []);
  // time: today's entries are in a range ending today, none start tomorrow
  const day = (d) => new Date(Date.now() + 8 * 3600e3 + d * 86400e3).toISOString().slice(0, 10);
  r = await h.api('GET', `/api/v1/audit?actor=secadmin&action=role.grant&from=${day(0)}&to=${day(0)}`, { token: t.auditor });
  assert.equal(r.body.items.length, 2, 'a bare "to" date takes in the whole day');
  r = await h.api('GET', `/api/v1/audit?actor=secadmin&from=${day(1)}`, { token: t.auditor });
  assert.deepEqual(r.body.items, []);
  r = await h.api('GET', `/api/v1/audit?actor=secadmin&to=${day(-1)}`, { token: t.auditor });
  assert.deepEqual(r.body.items, []);
  // paged: newest first, the cursor is the seq
  const p1 = await h.api('GET', '/api/v1/audit?action=role.&limit=2', { token: t.auditor });
  assert.equal(p1.body.items.length, 2);
  assert.equal(String(p1.body.next), String(p1.body.items[1].seq));
  const p2 = await h.api('GET', `/api/v1/audit?action=role.&limit=2&cursor=${p1.body.next}`, { token: t.auditor });
  assert.equal(p2.body.items.length, 1);
  assert.ok(p2.body.items[0].seq < p1.body.items[1].seq);
  expectError(assert, await h.api('GET', '/api/v1/audit?from=yesterday', { token: t.auditor }), 400, 'invalid_time');
  expectError(assert, await h.api('GET', `/api/v1/audit?from=${day(1)}&to=${day(0)}`, { token: t.auditor }), 400, 'invalid_range');
  for (const who of ['admin', 'secadmin', 'office']) expectError(assert, await h.api('GET', '/api/v1/audit?action=role.', { token: t[who] }), 403, 'forbidden');
});

test('the export: the filtered trail as CSV and XLSX, formulas neutralised, audited, the auditor only', async () => {
  // a failed login under a formula-like name puts that name in the trail
  await h.api('POST', '/api/v1/auth/login', { body: { username: '=HYPERLINK("http://x")', password: 'nothing-at-all' } });
  let res = await h.api('GET', '/api/v1/audit/export.csv?actor=secadmin&action=role.', { token: t.auditor, raw: true });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /text\/csv/);
  assert.match(res.headers.get('content-disposition'), /attachment; filename="audit-\d{4}-\d\d-\d\d\.csv"/);
  const raw = Buffer.from(await res.arrayBuffer());
  assert.deepEqual([...raw.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a BOM for Excel');
  const lines = csvLines(raw.toString());
  assert.match(lines[0], /^"序号","时间","用户","角色","来源","操作","对象类型","对象编号","结果"/);
  assert.equal(lines.length - 1, 3);
  assert.ok(lines.slice(1).every((l) => l.includes('"secadmin"') && /"role\.(grant|revoke)"/.test(l)));
  assert.ok(lines[1].includes(`"role.revoke","user","${uid}","ok","staff"`), lines[1]);
  res = await h.api('GET', '/api/v1/audit/export.csv?action=login', { token: t.auditor, raw: true });
  const text = await res.text();
  assert.ok(text.includes(`"'=HYPERLINK(""http://x"")"`), 'a formula-like cell is text');
  assert.ok(!/(^|,)"=/m.test(text), 'no cell starts with =');
  res = await h.api('GET', '/api/v1/audit/export.xlsx?action=role.', { token: t.auditor, raw: true });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /spreadsheetml/);
  const buf = Buffer.from(await res.arrayBuffer());
  assert.equal(buf.subarray(0, 2).toString(), 'PK');
  const dir = mkdtempSync(join(tmpdir(), 'xz-audit-'));
  try {
    writeFileSync(join(dir, 'a.xlsx'), buf);
    const sheet = execFileSync('unzip', ['-p', join(dir, 'a.xlsx'), 'xl/worksheets/sheet1.xml']).toString();
    assert.equal((sheet.match(/<row /g) || []).length, 4, 'the header and three entries');
    assert.ok(!/<f>/.test(sheet), 'no formula cells');
    const book = execFileSync('unzip', ['-p', join(dir, 'a.xlsx'), 'xl/workbook.xml']).toString();
    assert.match(book, /name="审计日志"/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
  res = await h.api('GET', '/api/v1/audit/export.xlsx?action=login', { token: t.auditor, raw: true });
  const dir2 = mkdtempSync(join(tmpdir(), 'xz-audit-'));
  try {
    writeFileSync(join(dir2, 'b.xlsx'), Buffer.from(await res.arrayBuffer()));
    const strings = execFileSync('unzip', ['-p', join(dir2, 'b.xlsx'), 'xl/worksheets/sheet1.xml']).toString();
    assert.ok(strings.includes("'=HYPERLINK(&quot;http://x&quot;)") || strings.includes(`'=HYPERLINK("http://x")`), 'the formula-like name is text in XLSX too');
  } finally { rmSync(dir2, { recursive: true, force: true }); }
  const audited = await h.api('GET', '/api/v1/audit?action=audit.export', { token: t.auditor });
  assert.deepEqual(audited.body.items.map((e) => e.detail), ['xlsx', 'xlsx', 'csv', 'csv']);
  assert.ok(audited.body.items.every((e) => e.username === 'auditor'));
  for (const who of ['admin', 'secadmin', 'office']) {
    expectError(assert, await h.api('GET', '/api/v1/audit/export.csv', { token: t[who] }), 403, 'forbidden');
    expectError(assert, await h.api('GET', '/api/v1/audit/export.xlsx', { token: t[who] }), 403, 'forbidden');
  }
  expectError(assert, await h.api('GET', '/api/v1/audit/export.csv?to=2026-13-01', { token: t.auditor }), 400, 'invalid_time');
  expectError(assert, await h.api('GET', '/api/v1/audit/export.csv'), 401);
});
