// Two servers on one PostgreSQL database (issue 15, item 7): an event
// written through one reaches a page connected to the other within a
// second; a deadline is announced once however many servers pass over it;
// the scheduler's lock passes to the survivor when its holder dies.
// PostgreSQL only: SQLite is one server's file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, freshDb, ENGINE } from './lib.mjs';

const skip = ENGINE !== 'pg' && 'PostgreSQL only (two servers share one database)';
let db, a, b, t = {};

before(async () => {
  if (skip) return;
  db = freshDb();
  a = await startServer({ db });
  b = await startServer({ db, demo: false });
  t.grid = await a.login('grid');
  t.office = await b.login('office');
  t.staff = await a.login('staff');
});

after(async () => {
  if (skip) return;
  await b.stop();
  await a.stop();
  db.drop();
});

const base = { channel: 'patrol', category: 'CS01', description: '两台服务器之间的实时通知', lon: 119.845, lat: 28.405 };

test('an event written through one server reaches a page on the other within a second', { skip }, async () => {
  const ctrl = new AbortController();
  const res = await fetch(`${b.url}/api/v1/events`, { headers: { Authorization: 'Bearer ' + t.office }, signal: ctrl.signal });
  assert.equal(res.status, 200);
  const reader = res.body.getReader();
  let text = '';
  const readUntil = async (re, ms) => {
    const deadline = Date.now() + ms;
    while (!re.test(text) && Date.now() < deadline) {
      const { value, done } = await Promise.race([reader.read(), new Promise((r) => setTimeout(() => r({ value: null }), 100))]);
      if (done) break;
      if (value) text += new TextDecoder().decode(value);
    }
    return re.test(text);
  };
  assert.ok(await readUntil(/connected/, 5000));
  const r = await a.api('POST', '/api/v1/problems', { token: t.grid, body: base });
  assert.equal(r.status, 201);
  const sent = Date.now();
  assert.ok(await readUntil(new RegExp(`event: problem\\ndata: \\{"id":${r.body.id}`), 1000), text);
  assert.ok(Date.now() - sent <= 1000);
  ctrl.abort();
});

test('a deadline is announced once when both servers pass over it', { skip }, async () => {
  await a.setClock('2026-09-30T10:00:00+08:00');
  await b.setClock('2026-09-30T10:00:00+08:00');
  try {
    const p = (await a.api('POST', '/api/v1/problems', { token: t.grid, body: base })).body;
    await a.api('POST', `/api/v1/problems/${p.id}/actions`, { token: await a.login('office'), body: { action: 'dispatch' } });
    await a.setClock('2026-10-14T00:00:00+08:00');
    await b.setClock('2026-10-14T00:00:00+08:00');
    const ticks = await Promise.all([a, b, a, b].map((h) => h.api('POST', '/api/v1/test/tick', {})));
    assert.ok(ticks.every((x) => x.status === 200));
    const told = Number(a.sql(`SELECT COUNT(*) FROM notifications WHERE kind = 'overdue' AND problem_id = ${p.id}`));
    const people = Number(a.sql(`SELECT COUNT(DISTINCT user_id) FROM notifications WHERE kind = 'overdue' AND problem_id = ${p.id}`));
    assert.ok(told >= 1, 'announced');
    assert.equal(told, people, 'each person told once');
    const inbox = (await b.api('GET', '/api/v1/inbox', { token: t.staff })).body.items;
    assert.equal(inbox.filter((n) => n.kind === 'overdue' && n.problem_id === p.id).length, 1);
  } finally {
    await a.setClock(null);
    await b.setClock(null);
  }
});

test('the scheduler lock is held by one server and taken over when it dies', { skip }, async () => {
  const d = freshDb();
  const holder = () => d.url && a.sql(`SELECT COALESCE(MAX(l.pid), 0) FROM pg_locks l JOIN pg_database x ON x.oid = l.database WHERE l.locktype = 'advisory' AND l.objid = 15015 AND l.granted AND x.datname = '${d.url.replace(/.*\//, '')}'`);
  const holders = () => Number(a.sql(`SELECT COUNT(*) FROM pg_locks l JOIN pg_database x ON x.oid = l.database WHERE l.locktype = 'advisory' AND l.objid = 15015 AND l.granted AND x.datname = '${d.url.replace(/.*\//, '')}'`));
  const wait = async (ok, ms) => { const end = Date.now() + ms; while (!ok() && Date.now() < end) await new Promise((r) => setTimeout(r, 200)); return ok(); };
  const x = await startServer({ db: d });
  let killed = false;
  try {
    assert.ok(await wait(() => holders() === 1, 5000), 'the only server takes the lock');
    const first = holder();
    const y = await startServer({ db: d, demo: false });
    try {
      await new Promise((r) => setTimeout(r, 2000));
      assert.equal(holders(), 1, 'a second server does not take it');
      assert.equal(holder(), first);
      await x.stop('SIGKILL');
      killed = true;
      assert.ok(await wait(() => holders() === 1 && holder() !== first, 5000), 'the survivor takes it over');
    } finally {
      await y.stop();
    }
  } finally {
    if (!killed) await x.stop();
    d.drop();
  }
});
