// figures.test.mjs — the indicators (issue 10): every figure the API gives
// is recounted here independently with SQL over the problems themselves
// (not the sums or the view the server reads), for whole-day and for
// ragged periods, grouped several ways; the sums stay exact across the
// closed loop's writes; drill-down gives the problems behind a number;
// each role counts only its place; bad input is refused naming the field.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, expectError, ENGINE } from './lib.mjs';

let h, t, town, now;
const OPEN = "('reported','accepted','dispatched','in_hand','handled','verified')";
const DISPATCHED = "(state IN ('dispatched','in_hand','handled','verified','closed') OR return_count > 0 OR (state = 'escalated' AND unit_id IS NOT NULL))";

before(async () => {
  h = await startServer();
  t = await h.tokens(['admin', 'office', 'leader', 'grid', 'staff', 'contact', 'dept']);
  town = Number(h.sql("SELECT id FROM regions WHERE name = '碧湖镇'"));
  // pin the clock so "overdue" means the same instant here and there
  now = Math.floor(Date.now() / 1000);
  await h.setClock(new Date(now * 1000).toISOString());
});
after(async () => { if (process.env.XZ_DEBUG) console.error(h.stderr.slice(-3000)); await h.close(); });

const num = (s) => (s === '' ? 0 : Number(s));
const count = (sql) => Number(h.sql(sql));
const iso = (sec) => new Date(sec * 1000).toISOString();
const dayStart = (sec) => Math.floor((sec + 28800) / 86400) * 86400 - 28800;

// Independent definitions: [numerator condition, denominator condition,
// the instant the formula names].
const DEFS = {
  reported: ['1 = 1', null, 'created_at'],
  accepted: ["state NOT IN ('reported','rejected','merged')", null, 'created_at'],
  rejected: ["state = 'rejected'", null, 'created_at'],
  merged: ["state = 'merged'", null, 'created_at'],
  dispatched: [DISPATCHED, null, 'created_at'],
  accurate_dispatch_rate: [`${DISPATCHED} AND return_count = 0`, DISPATCHED, 'created_at'],
  handled: ['1 = 1', null, 'handled_at'],
  closed: ['1 = 1', null, 'closed_at'],
  closing_rate: ["state = 'closed'", "state NOT IN ('rejected','merged')", 'created_at'],
  on_time_closing_rate: ['on_time = 1', '1 = 1', 'closed_at'],
  rework_rate: ['rework_count > 0', '1 = 1', 'handled_at'],
  return_rate: ['return_count > 0', DISPATCHED, 'created_at'],
  overdue: [`state IN ${OPEN} AND due_at < ${'$NOW'}`, null, 'created_at'],
  supervised: ['supervised = 1', null, 'created_at'],
};
const GROUPS = { unit: 'COALESCE(unit_id, 0)', township: 'township_id', category: 'category', channel: 'channel', cell: 'COALESCE(cell_id, 0)', all: '(township_id * 0)' };

function recount(code, from, to, group, place = `township_id = ${town}`) {
  const [n, d, at] = DEFS[code];
  const g = GROUPS[group];
  const rows = h.sql(`SELECT ${g}, SUM(CASE WHEN ${n.replace('$NOW', now)} THEN 1 ELSE 0 END), ${d ? `SUM(CASE WHEN ${d} THEN 1 ELSE 0 END)` : '0'}
    FROM problems WHERE ${place} AND ${at} >= ${from} AND ${at} < ${to} GROUP BY ${g}`);
  const out = {};
  for (const line of rows.split('\n').filter(Boolean)) {
    const [k, a, b] = line.split('|');
    out[k] = [num(a), num(b)];
  }
  return out;
}

async function values(token, codes, from, to, group, extra = '') {
  const r = await h.api('GET', `/api/v1/indicators/values?codes=${codes.join(',')}&from=${encodeURIComponent(iso(from))}&to=${encodeURIComponent(iso(to))}&group_by=${group}${extra}`, { token });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.items;
}

async function checkAll(from, to, groups = ['unit', 'township', 'category', 'channel', 'cell', 'all']) {
  const codes = Object.keys(DEFS);
  for (const group of groups) {
    const items = await values(t.office, codes, from, to, group);
    for (const code of codes) {
      const want = recount(code, from, to, group);
      const got = {};
      for (const it of items) got[String(it.group.id ?? 0)] = it.values[code];
      for (const [k, [n, d]] of Object.entries(want)) {
        assert.ok(got[k], `${code} by ${group}: group ${k} missing`);
        assert.equal(got[k].numerator, n, `${code} by ${group} ${k} numerator`);
        if (DEFS[code][1]) {
          assert.equal(got[k].denominator, d, `${code} by ${group} ${k} denominator`);
          assert.equal(got[k].value, d ? Math.round((10000 * n) / d) / 100 : null, `${code} value`);
        } else assert.equal(got[k].value, n);
      }
      // groups with no records answer zeros
      for (const [k, v] of Object.entries(got)) if (!want[k]) assert.equal(v.numerator, 0, `${code} by ${group} ${k} is zero`);
    }
  }
}

test('the catalogue names each indicator once, with its formula and unit', async () => {
  const r = await h.api('GET', '/api/v1/indicators', { token: t.office });
  assert.equal(r.status, 200);
  const codes = r.body.items.map((i) => i.code);
  assert.equal(new Set(codes).size, codes.length);
  for (const c of ['reported', 'accepted', 'rejected', 'merged', 'dispatched', 'accurate_dispatch_rate', 'handled', 'on_time_handling_rate', 'closed', 'closing_rate', 'on_time_closing_rate', 'rework_rate', 'return_rate', 'overdue', 'supervised', 'avg_handling_hours', 'joint_actions', 'special_forward_rate', 'notice_same_day_rate', 'repeated_places']) assert.ok(codes.includes(c), c);
  const ot = r.body.items.find((i) => i.code === 'on_time_closing_rate');
  assert.equal(ot.unit, '%');
  assert.match(ot.formula, /按期结案数 \/ 应结案数/);
  for (const i of r.body.items) assert.ok(i.name && i.formula && i.unit, i.code);
});

test('every figure matches a count of its records: a month of whole days, grouped six ways', async () => {
  const to = dayStart(now) + 86400, from = to - 31 * 86400;
  await checkAll(from, to);
});

test('and over a ragged period (not whole days), read from the records themselves', async () => {
  await checkAll(now - 17 * 86400 - 3600 * 5 - 17, now - 3600 * 2, ['unit', 'category', 'all']);
});

test('the figures stay exact through the closed loop: report, dispatch, return, handle, rework, close', async () => {
  const body = { channel: 'patrol', category: 'CS01', description: '统计测试：河边违建', lon: 119.845, lat: 28.405 };
  const act = (token, id, b) => h.api('POST', `/api/v1/problems/${id}/actions`, { token, body: b });
  const ids = [];
  for (let i = 0; i < 3; i++) {
    const r = await h.api('POST', '/api/v1/problems', { token: t.grid, body: { ...body, description: body.description + i } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    ids.push(r.body.id);
  }
  assert.equal((await act(t.office, ids[0], { action: 'dispatch' })).status, 200);
  assert.equal((await act(t.office, ids[1], { action: 'reject', reason: '不属于受理范围' })).status, 200);
  assert.equal((await act(t.office, ids[2], { action: 'dispatch' })).status, 200);
  const unitOf = (id) => h.sql(`SELECT COALESCE(unit_id, 0) FROM problems WHERE id = ${id}`);
  const contactFor = async (id) => {
    const u = unitOf(id);
    const name = h.sql(`SELECT u.username FROM users u WHERE u.unit_id = ${u} AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = 'contact') LIMIT 1`);
    return name ? h.login(name) : null;
  };
  const tok = await contactFor(ids[0]);
  if (tok) {
    let r = await act(tok, ids[0], { action: 'handle', feedback: '已拆除' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    r = await act(t.office, ids[0], { action: 'verify', passed: false, note: '未拆除干净' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    r = await act(tok, ids[0], { action: 'handle', feedback: '已全部拆除' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    r = await act(t.office, ids[0], { action: 'verify', passed: true });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    r = await act(t.office, ids[0], { action: 'close' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
  const tok2 = await contactFor(ids[2]);
  if (tok2) assert.equal((await act(tok2, ids[2], { action: 'return', reason: '非本单位职责' })).status, 200);
  // the sums equal the facts they sum, row for row
  const drift = h.sql(`SELECT COUNT(*) FROM (SELECT kind, township_id, day, unit_id, category, state, flags, due_day, SUM(n) AS n FROM figures_facts GROUP BY kind, township_id, day, unit_id, category, state, flags, due_day
    EXCEPT SELECT kind, township_id, day, unit_id, category, state, flags, due_day, SUM(n) FROM figures_daily GROUP BY kind, township_id, day, unit_id, category, state, flags, due_day HAVING SUM(n) <> 0) x`);
  assert.equal(drift, '0');
  const to = dayStart(now) + 86400;
  await checkAll(to - 7 * 86400, to, ['unit', 'all']);
});

test('drill-down gives the problems behind a number', async () => {
  const to = dayStart(now) + 86400, from = to - 60 * 86400;
  const items = await values(t.office, ['overdue', 'closed', 'on_time_closing_rate'], from, to, 'all');
  for (const [code, part, key] of [['overdue', 'numerator', 'numerator'], ['closed', 'numerator', 'numerator'], ['on_time_closing_rate', 'denominator', 'denominator']]) {
    const r = await h.api('GET', `/api/v1/indicators/records?code=${code}&part=${part}&from=${encodeURIComponent(iso(from))}&to=${encodeURIComponent(iso(to))}&limit=500`, { token: t.office });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.items.length, items[0].values[code][key], code);
    const [n, d, at] = DEFS[code];
    const cond = part === 'numerator' ? n.replace('$NOW', now) : d;
    const want = h.sql(`SELECT id FROM problems WHERE township_id = ${town} AND ${at} >= ${from} AND ${at} < ${to} AND ${cond} ORDER BY id DESC`).split('\n').filter(Boolean).map(Number);
    assert.deepEqual(r.body.items.map((p) => p.id), want, code);
  }
  expectError(assert, await h.api('GET', '/api/v1/indicators/records?code=joint_actions', { token: t.office }), 422, 'no_records');
});

test('the dashboard answers from the same figures; a department counts only its own line', async () => {
  let r = await h.api('GET', '/api/v1/stats/problems', { token: t.office });
  assert.equal(r.status, 200);
  assert.equal(Object.values(r.body.by_state).reduce((a, b) => a + b, 0), Number(h.sql(`SELECT COUNT(*) FROM problems WHERE township_id = ${town}`)));
  assert.equal(r.body.overdue, Number(h.sql(`SELECT COUNT(*) FROM problems WHERE township_id = ${town} AND state IN ${OPEN} AND due_at < ${now}`)));
  assert.equal(r.body.closed, Number(h.sql(`SELECT COUNT(*) FROM problems WHERE township_id = ${town} AND state = 'closed'`)));
  const dept = Number(h.sql("SELECT department_id FROM users WHERE username = 'dept'"));
  r = await h.api('GET', '/api/v1/stats/problems', { token: t.dept });
  assert.equal(r.status, 200);
  const line = Number(h.sql(`SELECT COUNT(*) FROM problems WHERE department_id = ${dept}`));
  assert.ok(line < Number(h.sql('SELECT COUNT(*) FROM problems')), 'the line is a part of the county');
  assert.equal(Object.values(r.body.by_state).reduce((a, b) => a + b, 0), line);
  const to = dayStart(now) + 86400, from = to - 90 * 86400;
  const items = await values(t.dept, ['reported'], from, to, 'all');
  assert.equal(items[0].values.reported.value, Number(h.sql(`SELECT COUNT(*) FROM problems WHERE department_id = ${dept} AND created_at >= ${from} AND created_at < ${to}`)));
});

test('a unit counts only itself; another township is forbidden', async () => {
  const unit = Number(h.sql("SELECT unit_id FROM users WHERE username = 'contact'"));
  const to = dayStart(now) + 86400, from = to - 90 * 86400;
  const items = await values(t.contact, ['reported', 'closed'], from, to, 'unit');
  assert.deepEqual(items.map((i) => i.group.id), [unit]);
  assert.equal(items[0].values.reported.value, Number(h.sql(`SELECT COUNT(*) FROM problems WHERE unit_id = ${unit} AND created_at >= ${from} AND created_at < ${to}`)));
  const other = Number(h.sql(`SELECT id FROM regions WHERE level = 'township' AND id <> ${town} LIMIT 1`));
  expectError(assert, await h.api('GET', `/api/v1/indicators/values?codes=reported&township_id=${other}`, { token: t.office }), 403, 'forbidden');
  expectError(assert, await h.api('GET', '/api/v1/indicators/values?codes=reported', { token: t.grid }), 403, 'forbidden');
});

test('bad input is refused naming the field; an empty period answers zeros', async () => {
  let r = await h.api('GET', '/api/v1/indicators/values?codes=reported,nonesuch', { token: t.office });
  expectError(assert, r, 422, 'unknown_indicator');
  assert.equal(r.body.error.field, 'codes');
  r = await h.api('GET', '/api/v1/indicators/values?codes=reported&group_by=planet', { token: t.office });
  expectError(assert, r, 422, 'unknown_group');
  assert.equal(r.body.error.field, 'group_by');
  r = await h.api('GET', '/api/v1/indicators/values?codes=reported&from=2019-01-01&to=2026-01-01', { token: t.office });
  expectError(assert, r, 422, 'period_too_long');
  assert.equal(r.body.error.field, 'to');
  r = await h.api('GET', '/api/v1/indicators/values?codes=reported&from=yesterday', { token: t.office });
  expectError(assert, r, 400, 'invalid_query');
  const at = encodeURIComponent('2020-03-01T00:00:00+08:00');
  r = await h.api('GET', `/api/v1/indicators/values?codes=reported,on_time_closing_rate,overdue&from=${at}&to=${at}`, { token: t.office });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.items[0].values.reported, { value: 0, numerator: 0, denominator: null });
  assert.deepEqual(r.body.items[0].values.on_time_closing_rate, { value: null, numerator: 0, denominator: 0 });
  // a date names its whole day: from=to=today counts today's problems
  const d = new Date((now + 28800) * 1000).toISOString().slice(0, 10);
  r = await h.api('GET', `/api/v1/indicators/values?codes=reported&from=${d}&to=${d}`, { token: t.office });
  assert.equal(r.body.items[0].values.reported.value, count(`SELECT COUNT(*) FROM problems WHERE township_id = ${town} AND created_at >= ${dayStart(now)} AND created_at < ${dayStart(now) + 86400}`));
  assert.ok(r.body.items[0].values.reported.value > 0, 'the demo reports problems today');
});

test('a kept dashboard answer is never stale: a new problem counts at once', async () => {
  const before = (await h.api('GET', '/api/v1/stats/problems', { token: t.office })).body;
  const again = (await h.api('GET', '/api/v1/stats/problems', { token: t.office })).body;
  assert.deepEqual(again, before);
  const r = await h.api('POST', '/api/v1/problems', { token: t.grid, body: { channel: 'patrol', category: 'CS01', description: '看板缓存测试', lon: 119.845, lat: 28.405 } });
  assert.equal(r.status, 201);
  const after = (await h.api('GET', '/api/v1/stats/problems', { token: t.office })).body;
  assert.equal(after.by_state.reported, (before.by_state.reported || 0) + 1);
  assert.equal(after.by_channel.patrol, (before.by_channel.patrol || 0) + 1);
  const office = await h.api('POST', `/api/v1/problems/${r.body.id}/actions`, { token: t.office, body: { action: 'reject', reason: '测试' } });
  assert.equal(office.status, 200);
  const last = (await h.api('GET', '/api/v1/stats/problems', { token: t.office })).body;
  assert.equal(last.by_state.reported || 0, before.by_state.reported || 0);
  assert.equal(last.by_state.rejected, (before.by_state.rejected || 0) + 1);
});

test('the problem list exports as CSV and XLSX with its filters; formulas are neutralised', async () => {
  const r = await h.api('POST', '/api/v1/problems', { token: t.grid, body: { channel: 'patrol', category: 'CS01', description: '=HYPERLINK("http://x","点我") 河边违建导出测试', lon: 119.845, lat: 28.405 } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  let res = await h.api('GET', '/api/v1/problems/export.csv?state=closed', { token: t.office, raw: true });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /text\/csv/);
  assert.match(res.headers.get('content-disposition'), /attachment; filename="problems-.*\.csv"/);
  const raw = Buffer.from(await res.arrayBuffer());
  assert.deepEqual([...raw.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a BOM for Excel');
  let text = raw.toString();
  const lines = text.replace(/^\uFEFF/, '').split('\r\n').filter(Boolean);
  assert.equal(lines.length - 1, count(`SELECT COUNT(*) FROM problems WHERE township_id = ${town} AND state = 'closed'`));
  assert.match(lines[0], /^"编号","乡镇"/);
  res = await h.api('GET', `/api/v1/problems/export.csv?q=${encodeURIComponent('导出测试')}`, { token: t.office, raw: true });
  text = await res.text();
  assert.ok(text.includes(`"'=HYPERLINK(""http://x"",""点我"") 河边违建导出测试"`), text.slice(0, 400));
  res = await h.api('GET', '/api/v1/problems/export.xlsx?channel=patrol', { token: t.office, raw: true });
  assert.equal(res.status, 200);
  const buf = Buffer.from(await res.arrayBuffer());
  assert.equal(buf.subarray(0, 2).toString(), 'PK');
  const dir = mkdtempSync(join(tmpdir(), 'xz-exp-'));
  try {
    writeFileSync(join(dir, 'p.xlsx'), buf);
    const sheet = execFileSync('unzip', ['-p', join(dir, 'p.xlsx'), 'xl/worksheets/sheet1.xml']).toString();
    assert.equal((sheet.match(/<row /g) || []).length - 1, count(`SELECT COUNT(*) FROM problems WHERE township_id = ${town} AND channel = 'patrol'`));
    assert.ok(!/<f>/.test(sheet), 'no formula cells');
  } finally { rmSync(dir, { recursive: true, force: true }); }
  // a unit exports only its own problems; a grid member may not export
  const unit = count("SELECT unit_id FROM users WHERE username = 'contact'");
  res = await h.api('GET', '/api/v1/problems/export.csv', { token: t.contact, raw: true });
  assert.equal((await res.text()).split('\r\n').filter(Boolean).length - 1, count(`SELECT COUNT(*) FROM problems WHERE unit_id = ${unit}`));
  expectError(assert, await h.api('GET', '/api/v1/problems/export.csv', { token: t.grid }), 403, 'forbidden');
  expectError(assert, await h.api('GET', '/api/v1/problems/export.csv?state=nonsense', { token: t.office }), 400, 'invalid_query');
});

test('text search goes through the trigram index and finds what a scan finds', async () => {
  for (const q of ['违法建', '垃圾', '河边违建导出']) {
    const res = await h.api('GET', `/api/v1/problems/export.csv?q=${encodeURIComponent(q)}`, { token: t.office, raw: true });
    const ids = (await res.text()).replace(/^\uFEFF/, '').split('\r\n').filter(Boolean).slice(1).map((l) => Number(l.split(',')[0].replace(/"/g, '')));
    const want = h.sql(`SELECT id FROM problems WHERE township_id = ${town} AND (description LIKE '%${q}%' OR address LIKE '%${q}%') ORDER BY id DESC`).split('\n').filter(Boolean).map(Number);
    assert.deepEqual(ids, want, q);
  }
  if (ENGINE === 'sqlite') {
    const plan = h.sql("EXPLAIN QUERY PLAN SELECT rowid FROM problems_fts WHERE problems_fts MATCH '\"违法建\"'");
    assert.match(plan, /VIRTUAL TABLE INDEX/);
    // migration 030: a level's whole merge only at 64 segments (16 held the writer for seconds)
    assert.equal(h.sql("SELECT v FROM problems_fts_config WHERE k = 'crisismerge'"), '64');
  } else {
    assert.equal(h.sql("SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'problems_text_trgm'"), '1');
  }
});

test('a problem just reported is found by its text at once, and after the index takes it in; an edit of its text changes what finds it', async () => {
  const r = await h.api('POST', '/api/v1/problems', { token: t.grid, body: { channel: 'patrol', category: 'CS01', description: '溪口村桥头堆放废旧轮胎待清理', lon: 119.845, lat: 28.405 } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const id = r.body.id;
  const found = async (q) => (await h.api('GET', `/api/v1/problems?q=${encodeURIComponent(q)}&limit=500`, { token: t.office })).body.items.map((p) => p.id);
  const exported = async (q) => {
    const res = await h.api('GET', `/api/v1/problems/export.csv?q=${encodeURIComponent(q)}`, { token: t.office, raw: true });
    return (await res.text()).replace(/^\uFEFF/, '').split('\r\n').filter(Boolean).slice(1).map((l) => Number(l.split(',')[0].replace(/"/g, '')));
  };
  // no tick yet: on SQLite the scheduler's batch may not have run
  assert.ok((await found('废旧轮胎')).includes(id), 'found at once');
  assert.ok((await exported('废旧轮胎')).includes(id), 'exported at once');
  assert.equal((await h.api('POST', '/api/v1/test/tick', {})).status, 200);
  if (ENGINE === 'sqlite') {
    assert.ok(count('SELECT last_id FROM problems_fts_mark') >= id, 'the mark passed it');
    assert.equal(h.sql(`SELECT rowid FROM problems_fts WHERE problems_fts MATCH '"废旧轮胎"'`), String(id));
  }
  assert.ok((await found('废旧轮胎')).includes(id), 'found through the index');
  // no route edits a description: the storage's own update, as one would
  h.sql(`UPDATE problems SET description = '溪口村桥头堆放废弃家具待清理' WHERE id = ${id}`);
  assert.ok(!(await found('废旧轮胎')).includes(id), 'the old text no longer finds it');
  assert.ok((await found('废弃家具')).includes(id), 'the new text does');
  assert.ok((await exported('废弃家具')).includes(id));
  if (ENGINE === 'sqlite') {
    // every row at or below the mark is in the index with its current text
    h.sql("INSERT INTO problems_fts (problems_fts, rank) VALUES ('integrity-check', 1)");
  }
});
