// notify.test.mjs — the one notifier as a user meets it (issue 13): every
// inbox item names the record it is about (record_kind, record_id) and the
// web route that opens it (link), keeping every field it had; an
// interactive notice is an item of kind `notice` opening the notice; a
// person named twice is told once; and a deadline follows the calendar of
// the record's own county, not the first county's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib.mjs';

let h, t, ids;
const NAMES = ['office', 'leader', 'contact', 'grid', 'market', 'admin'];
const api = (...a) => h.api(...a);
const q = (s) => Number(h.sql(s));
const inbox = async (who) => (await api('GET', '/api/v1/inbox?limit=200', { token: t[who] })).body.items;
const FIELDS = ['id', 'kind', 'title', 'body', 'problem_id', 'record_kind', 'record_id', 'link', 'created_at', 'read_at'];

before(async () => {
  h = await startServer();
  t = await h.tokens(NAMES);
  const unit = (code) => q(`SELECT id FROM units WHERE code = '${code}'`);
  ids = {
    town: q("SELECT id FROM regions WHERE code = '331102100'"),
    zf: unit('ZF-331102100'), zr: unit('ZR-331102100'),
    leaderPerson: q("SELECT person_id FROM users WHERE username = 'leader'"),
  };
});
after(async () => {
  await h.setClock(null);
  await h.close();
});

test('every inbox item names its record and the route that opens it', async () => {
  // a problem: the office is told of the new report
  const p = (await api('POST', '/api/v1/problems', { token: t.grid, body: { channel: 'patrol', category: 'CS01', description: '河边新建砖混房屋（链接测试）', lon: 119.845, lat: 28.405 } })).body;
  const np = (await inbox('office')).find((n) => n.kind === 'new_problem' && n.problem_id === p.id);
  assert.ok(np, 'the office hears of the new problem');
  assert.deepEqual(Object.keys(np).sort(), [...FIELDS].sort());
  assert.equal(np.record_kind, 'problem');
  assert.equal(np.record_id, p.id);
  assert.equal(np.link, `#/problem/${p.id}`);

  // a joint action submitted: the leader; an interactive notice: the notified unit's contact
  const a = (await api('POST', '/api/v1/joint-actions', { token: t.office, body: { mechanism: 'routine', title: '链接测试联合整治', planned_start: new Date(Date.now() + 3 * 86400e3).toISOString(),
    planned_end: new Date(Date.now() + 3 * 86400e3 + 8 * 3600e3).toISOString(), township_id: ids.town, participating_units: [ids.zf, ids.zr], lead_unit_id: ids.zf } })).body;
  assert.ok(a.id, JSON.stringify(a));
  assert.equal((await api('POST', `/api/v1/joint-actions/${a.id}/actions`, { token: t.office, body: { action: 'submit' } })).status, 200);
  const sub = (await inbox('leader')).find((n) => n.kind === 'joint_submitted' && n.body.includes('链接测试'));
  assert.ok(sub);
  assert.equal(sub.record_kind, 'joint_action');
  assert.equal(sub.record_id, a.id);
  assert.equal(sub.link, `#/joint-action/${a.id}`);
  assert.equal(sub.problem_id, null);
  for (const [who, action] of [['leader', 'approve'], ['office', 'start']])
    assert.equal((await api('POST', `/api/v1/joint-actions/${a.id}/actions`, { token: t[who], body: { action } })).status, 200);
  const n = (await api('POST', `/api/v1/joint-actions/${a.id}/notices`, { token: t.office, body: { category: 'SC01', description: '无照经营的小作坊（链接测试）' } })).body;
  assert.ok(n.id, JSON.stringify(n));
  const got = (await inbox('market')).find((x) => x.kind === 'notice' && x.body.includes('链接测试'));
  assert.ok(got, 'the contract: the notified unit finds an item of kind notice');
  assert.equal(got.record_kind, 'joint_notice');
  assert.equal(got.record_id, n.id);
  assert.equal(got.link, `#/notices/${n.id}`);
  // its deadline in words, as people read a message (not an ISO timestamp)
  assert.match(got.body, /请于\d{4}年\d{1,2}月\d{1,2}日\d{2}时\d{2}分前派员到场处置/);
  assert.doesNotMatch(got.body, /T\d{2}:\d{2}:\d{2}\+08:00/);

  // a meeting: the invited unit's contact; the chair once although invited by name too
  const m = await api('POST', '/api/v1/meetings', { token: t.office, body: { township_id: ids.town, kind: 'regular', title: '链接测试联席会议',
    starts_at: new Date(Date.now() + 2 * 86400e3).toISOString(), place: '镇政府会议室', chair_person_id: ids.leaderPerson,
    agenda: [{ title: '议题一' }], invited_unit_ids: [ids.zf], invited_person_ids: [ids.leaderPerson] } });
  assert.equal(m.status, 201, JSON.stringify(m.body));
  const mc = (await inbox('contact')).filter((x) => x.kind === 'meeting' && x.title.includes('链接测试联席会议'));
  assert.equal(mc.length, 1);
  assert.equal(mc[0].link, `#/meeting/${m.body.id}`);
  assert.equal((await inbox('leader')).filter((x) => x.kind === 'meeting' && x.title.includes('链接测试联席会议')).length, 1, 'told once');

  // every item of every inbox keeps its fields; a link is always a route of the application
  for (const who of NAMES) {
    for (const it of await inbox(who)) {
      assert.deepEqual(Object.keys(it).sort(), [...FIELDS].sort(), JSON.stringify(it));
      if (it.link !== null) assert.match(it.link, /^#\/[a-z-]+\/\d+$/);
      if (it.problem_id !== null) assert.equal(it.link, `#/problem/${it.problem_id}`);
    }
  }
});

test('a deadline follows the calendar of the record\'s own county', async () => {
  // a second county with a township and its office; Friday 4 December is a
  // holiday in the demo county only
  const countyB = q("INSERT INTO regions (parent_id, level, code, name, created_at, updated_at) VALUES (1, 'county', '331199', '测试县', 0, 0) RETURNING id");
  const townB = q(`INSERT INTO regions (parent_id, level, code, name, county_id, created_at, updated_at) VALUES (${countyB}, 'township', '331199100', '测试镇', ${countyB}, 0, 0) RETURNING id`);
  h.sql(`UPDATE regions SET township_id = id WHERE id = ${townB}`);
  const pw = 'Qiantang-county-B-7319';
  h.cli(['user', 'add', 'officeb', String(townB), 'office'], { env: { ...process.env, XZ_PASSWORD: pw } });
  await h.setClock('2026-12-03T10:00:00+08:00'); // a Thursday
  t = { ...t, ...(await h.tokens(['office', 'admin'])), officeb: await h.login('officeb', pw) };
  const put = await api('PUT', '/api/v1/calendar/days/2026-12-04', { token: t.admin, body: { kind: 'holiday', name: '测试假日' } });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  const due = async (who, address) => {
    const p = await api('POST', '/api/v1/problems', { token: t[who], body: { channel: 'complaint', category: 'CS01', description: `督办期限测试（${who}）`, address } });
    assert.equal(p.status, 201, JSON.stringify(p.body));
    const s = await api('POST', `/api/v1/problems/${p.body.id}/actions`, { token: t[who], body: { action: 'supervise', note: '请加快办理' } });
    assert.equal(s.status, 200, JSON.stringify(s.body));
    return h.sql(`SELECT county_id || ' ' || supervise_due_at FROM problems WHERE id = ${p.body.id}`).split(' ').map(Number);
  };
  const [ca, a] = await due('office', '碧湖镇碧湖村');
  const [cb, b] = await due('officeb', '测试镇');
  assert.equal(ca, 2);
  assert.equal(cb, countyB);
  const at = (iso) => Date.parse(iso) / 1000;
  assert.equal(a, at('2026-12-07T23:59:59+08:00'), 'the demo county skips its holiday and the weekend');
  assert.equal(b, at('2026-12-04T23:59:59+08:00'), 'the other county works on Friday');
});

test('the inbox counts unread messages exactly, up to a thousand, and says when it stopped there', async () => {
  const grid = q("SELECT id FROM users WHERE username = 'grid'");
  await api('POST', '/api/v1/inbox/read-all', { token: t.grid });
  let r = await api('GET', '/api/v1/inbox?limit=1', { token: t.grid });
  assert.deepEqual([r.body.unread, r.body.unread_capped], [0, false]);
  assert.deepEqual(Object.keys(r.body).sort(), ['items', 'next', 'unread', 'unread_capped']);
  const add = (n) => h.sql(`INSERT INTO notifications (user_id, kind, title, body, created_at) SELECT ${grid}, 'overdue', '未读计数', '第' || n || '条', 0 FROM (WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < ${n}) SELECT n FROM s) AS s`);
  add(3);
  r = await api('GET', '/api/v1/inbox?limit=2', { token: t.grid });
  assert.deepEqual([r.body.unread, r.body.unread_capped, r.body.items.length, typeof r.body.next], [3, false, 2, 'string']);
  assert.deepEqual(Object.keys(r.body.items[0]).sort(), [...FIELDS].sort());
  assert.equal(r.body.items[0].link, null);
  add(1200);
  r = await api('GET', '/api/v1/inbox?limit=1', { token: t.grid });
  assert.deepEqual([r.body.unread, r.body.unread_capped], [1000, true]);
  const all = await api('POST', '/api/v1/inbox/read-all', { token: t.grid });
  assert.equal(all.body.read, 1203);
  r = await api('GET', '/api/v1/inbox?limit=1', { token: t.grid });
  assert.deepEqual([r.body.unread, r.body.unread_capped], [0, false]);
});
