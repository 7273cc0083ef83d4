// bulletins.test.mjs — bulletins (通报, R7.2) and the units' own reports
// (R7.4): the office composes a month's bulletin whose every figure (this
// period, the previous one, the same month last year) matches a recount of
// the records; it stays a draft only its composer sees until published;
// publishing numbers it, freezes it (409 after), reaches every unit's
// inbox and records who read it; a department composes for its own line;
// the PDF and XLSX exports; a unit files its report and the office sees who
// has and has not, and the bulletin quotes it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, expectError } from './lib.mjs';

let h, t, town, now, month;
const OPEN = "('reported','accepted','dispatched','in_hand','handled','verified')";

before(async () => {
  h = await startServer();
  t = await h.tokens(['admin', 'office', 'office2', 'leader', 'grid', 'staff', 'contact', 'police', 'dept']);
  town = Number(h.sql("SELECT id FROM regions WHERE name = '碧湖镇'"));
  now = Math.floor(Date.now() / 1000);
  await h.setClock(new Date(now * 1000).toISOString());
  // last month, as whole Shanghai days
  const d = new Date((now + 28800) * 1000);
  const y = d.getUTCFullYear(), m = d.getUTCMonth(); // this month (0-based)
  const py = m === 0 ? y - 1 : y, pm = m === 0 ? 12 : m;
  const last = new Date(Date.UTC(py, pm, 0)).getUTCDate();
  const pad = (n) => String(n).padStart(2, '0');
  month = { start: `${py}-${pad(pm)}-01`, end: `${py}-${pad(pm)}-${pad(last)}`, y: py, m: pm };
});
after(async () => { await h.close(); });

const instant = (date) => Math.floor(Date.parse(date + 'T00:00:00+08:00') / 1000);
function period(startDate, endDate) { return [instant(startDate), instant(endDate) + 86400]; }
const count = (sql) => Number(h.sql(sql));
const shiftYear = (date, n) => `${Number(date.slice(0, 4)) + n}${date.slice(4)}`.replace(/-02-29$/, '-02-28');

function recount(place, [from, to]) {
  const at = (col) => `${place} AND ${col} >= ${from} AND ${col} < ${to}`;
  const closed = count(`SELECT COUNT(*) FROM problems WHERE ${at('closed_at')}`);
  const ontime = count(`SELECT COUNT(*) FROM problems WHERE ${at('closed_at')} AND on_time = 1`);
  return {
    reported: count(`SELECT COUNT(*) FROM problems WHERE ${at('created_at')}`),
    rejected: count(`SELECT COUNT(*) FROM problems WHERE ${at('created_at')} AND state = 'rejected'`),
    closed,
    on_time_closing_rate: closed ? Math.round((10000 * ontime) / closed) / 100 : null,
    overdue: count(`SELECT COUNT(*) FROM problems WHERE ${at('created_at')} AND state IN ${OPEN} AND due_at < ${now}`),
    supervised: count(`SELECT COUNT(*) FROM problems WHERE ${at('created_at')} AND supervised = 1`),
  };
}

let bulletin;

test('the office composes a month: every figure, 环比 and 同比, matches a recount of the records', async () => {
  const r = await h.api('POST', '/api/v1/bulletins', { token: t.office, body: { township_id: town, period_start: month.start, period_end: month.end, analysis: '本月违法建设问题集中在城郊结合部。' } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  bulletin = r.body;
  assert.equal(bulletin.state, 'draft');
  assert.equal(bulletin.period_kind, 'month');
  assert.equal(bulletin.title, `碧湖镇综合执法工作通报（${month.y}年${month.m}月）`);
  const c = bulletin.content;
  const prevStart = month.m === 1 ? `${month.y - 1}-12-01` : `${month.y}-${String(month.m - 1).padStart(2, '0')}-01`;
  const prevEnd = new Date(instant(month.start) * 1000 - 86400000 + 28800000).toISOString().slice(0, 10);
  assert.deepEqual([c.previous.start, c.previous.end], [prevStart, prevEnd]);
  const place = `township_id = ${town}`;
  const cur = recount(place, period(month.start, month.end));
  const prev = recount(place, period(prevStart, prevEnd));
  const last = recount(place, period(shiftYear(month.start, -1), shiftYear(month.end, -1)));
  const fig = Object.fromEntries(c.figures.map((f) => [f.code, f]));
  for (const code of Object.keys(cur)) {
    assert.equal(fig[code].value, cur[code], `${code} this month`);
    assert.equal(fig[code].previous, prev[code], `${code} previous month`);
    assert.equal(fig[code].last_year, last[code], `${code} a year before`);
  }
  if (prev.reported) assert.equal(fig.reported.mom, Math.round((10000 * (cur.reported - prev.reported)) / prev.reported) / 100);
  // the units ranked by on-time closing, each unit's closed count recounted
  assert.ok(c.units.length >= 6);
  c.units.forEach((u, i) => assert.equal(u.rank, i + 1));
  const [from, to] = period(month.start, month.end);
  for (const u of c.units) assert.equal(u.closed, count(`SELECT COUNT(*) FROM problems WHERE unit_id = ${u.unit_id} AND closed_at >= ${from} AND closed_at < ${to}`), u.name);
  for (let i = 1; i < c.units.length; i++) assert.ok((c.units[i - 1].on_time_closing_rate ?? -1) >= (c.units[i].on_time_closing_rate ?? -1));
  // hot spots: cells by count; repeated = same cell and category ≥ 3 times
  for (const s of c.hotspots) {
    assert.equal(s.n, count(`SELECT COUNT(*) FROM problems WHERE ${place} AND cell_id = ${s.cell_id} AND created_at >= ${from} AND created_at < ${to}`));
    for (const rep of s.repeated) assert.ok(rep.n >= 3);
  }
  assert.equal(c.overdue.length, Math.min(50, cur.overdue));
  for (const p of c.overdue) assert.ok(p.id && p.description && p.due_at);
  assert.equal(c.joint.joint_actions.value, count(`SELECT COUNT(*) FROM joint_actions WHERE township_id = ${town} AND created_at >= ${from} AND created_at < ${to}`));
});

test('a draft is its composer\'s: units do not see it; the analysis may be edited with a version', async () => {
  expectError(assert, await h.api('GET', `/api/v1/bulletins/${bulletin.id}`, { token: t.contact }), 404, 'not_found');
  const list = await h.api('GET', '/api/v1/bulletins', { token: t.contact });
  assert.ok(!list.body.items.some((b) => b.id === bulletin.id));
  expectError(assert, await h.api('PUT', `/api/v1/bulletins/${bulletin.id}`, { token: t.office, body: { version: bulletin.version + 5, analysis: 'x' } }), 409, 'version_conflict');
  const r = await h.api('PUT', `/api/v1/bulletins/${bulletin.id}`, { token: t.office, body: { version: bulletin.version, analysis: '本月违法建设问题集中，建议开展专项整治。' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.analysis, '本月违法建设问题集中，建议开展专项整治。');
  expectError(assert, await h.api('POST', `/api/v1/bulletins/${bulletin.id}/actions`, { token: t.contact, body: { action: 'publish' } }), 403, 'forbidden');
  expectError(assert, await h.api('POST', '/api/v1/bulletins', { token: t.office, body: { township_id: town + 1, period_start: month.start, period_end: month.end } }), 403, 'forbidden');
  expectError(assert, await h.api('POST', '/api/v1/bulletins', { token: t.office, body: { township_id: town, period_start: month.end, period_end: month.start } }), 422, 'invalid_period');
  expectError(assert, await h.api('POST', '/api/v1/bulletins', { token: t.office, body: { township_id: town, period_start: 'last month', period_end: month.end } }), 400, 'invalid_date');
  expectError(assert, await h.api('POST', '/api/v1/bulletins', { token: t.office, body: { township_id: town, period_start: month.start, period_end: month.end, colour: 'red' } }), 400, 'invalid_body');
});

test('a unit files its own report; the office sees who has and has not; the bulletin quotes it', async () => {
  const q = `period_start=${month.start}&period_end=${month.end}`;
  let r = await h.api('GET', `/api/v1/unit-reports?${q}`, { token: t.office });
  assert.equal(r.status, 200);
  const units = count(`SELECT COUNT(*) FROM units WHERE township_id = ${town}`);
  assert.equal(r.body.items.length, units);
  assert.equal(r.body.filed, 0);
  r = await h.api('POST', '/api/v1/unit-reports', { token: t.contact, body: { period_start: month.start, period_end: month.end, analysis: '本所本月办结违建案件，群众反映集中在河道沿线。' } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const unit = count("SELECT unit_id FROM users WHERE username = 'contact'");
  assert.equal(r.body.unit_id, unit);
  const figures = r.body.figures ?? (typeof r.body.figures_json === 'string' ? JSON.parse(r.body.figures_json) : r.body.figures_json);
  const [from, to] = period(month.start, month.end);
  assert.equal(figures.reported.value, count(`SELECT COUNT(*) FROM problems WHERE unit_id = ${unit} AND created_at >= ${from} AND created_at < ${to}`));
  r = await h.api('GET', `/api/v1/unit-reports?${q}`, { token: t.office });
  assert.equal(r.body.filed, 1);
  assert.equal(r.body.missing, units - 1);
  assert.ok(r.body.items.find((i) => i.unit_id === unit).report_id);
  expectError(assert, await h.api('POST', '/api/v1/unit-reports', { token: t.office, body: { period_start: month.start, period_end: month.end, analysis: 'x' } }), 403, 'forbidden');
  r = await h.api('POST', `/api/v1/bulletins/${bulletin.id}/actions`, { token: t.office, body: { action: 'recompose' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.content.unit_reports.length, 1);
  assert.match(r.body.content.unit_reports[0].analysis, /河道沿线/);
  bulletin = r.body;
});

test('publishing numbers it, freezes it, reaches every unit\'s inbox and records who read it', async () => {
  const r = await h.api('POST', `/api/v1/bulletins/${bulletin.id}/actions`, { token: t.office, body: { action: 'publish' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const year = new Date((now + 28800) * 1000).getUTCFullYear();
  assert.equal(r.body.number, `碧湖镇综合执法通报〔${year}〕第1期`);
  assert.equal(r.body.state, 'published');
  expectError(assert, await h.api('POST', `/api/v1/bulletins/${bulletin.id}/actions`, { token: t.office, body: { action: 'publish' } }), 409, 'already_published');
  expectError(assert, await h.api('PUT', `/api/v1/bulletins/${bulletin.id}`, { token: t.office, body: { version: r.body.version, analysis: '改' } }), 409, 'already_published');
  expectError(assert, await h.api('POST', `/api/v1/bulletins/${bulletin.id}/actions`, { token: t.office, body: { action: 'recompose' } }), 409, 'already_published');
  // every user of the township's units is told
  const told = count(`SELECT COUNT(*) FROM users u JOIN units n ON n.id = u.unit_id WHERE n.township_id = ${town} AND u.disabled = 0`);
  assert.equal(count("SELECT COUNT(*) FROM notifications WHERE kind = 'bulletin'"), told);
  const inbox = await h.api('GET', '/api/v1/inbox', { token: t.police });
  assert.ok(inbox.body.items.some((n) => n.kind === 'bulletin' && n.body.includes('第1期')));
  // the unit reads it; the office sees who has
  let read = await h.api('GET', `/api/v1/bulletins/${bulletin.id}`, { token: t.contact });
  assert.equal(read.status, 200);
  assert.equal(read.body.content.figures.length, bulletin.content.figures.length);
  assert.ok(!('readers' in read.body), 'readers are the composer\'s');
  read = await h.api('GET', `/api/v1/bulletins/${bulletin.id}`, { token: t.office });
  const contactId = count("SELECT id FROM users WHERE username = 'contact'");
  const policeId = count("SELECT id FROM users WHERE username = 'police'");
  assert.ok(read.body.readers.find((x) => x.user_id === contactId).read_at);
  assert.equal(read.body.readers.find((x) => x.user_id === policeId).read_at, null);
  // another township's office may not read it
  expectError(assert, await h.api('GET', `/api/v1/bulletins/${bulletin.id}`, { token: t.office2 }), 403, 'forbidden');
  // the archive lists it for the units
  const list = await h.api('GET', '/api/v1/bulletins', { token: t.contact });
  assert.ok(list.body.items.some((b) => b.id === bulletin.id && b.number));
  // a second bulletin of the year is number 2
  const b2 = await h.api('POST', '/api/v1/bulletins', { token: t.office, body: { township_id: town, period_start: month.start, period_end: month.start, title: '专报' } });
  assert.equal(b2.status, 201);
  assert.equal(b2.body.period_kind, 'custom');
  const p2 = await h.api('POST', `/api/v1/bulletins/${b2.body.id}/actions`, { token: t.office, body: { action: 'publish' } });
  assert.equal(p2.body.number, `碧湖镇综合执法通报〔${year}〕第2期`);
});

test('the exports: a PDF in the official layout and a workbook with one sheet per table', async () => {
  let res = await h.api('GET', `/api/v1/bulletins/${bulletin.id}/bulletin.pdf`, { token: t.contact, raw: true });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/pdf');
  const pdf = Buffer.from(await res.arrayBuffer());
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  const dir = mkdtempSync(join(tmpdir(), 'xz-bul-'));
  try {
    writeFileSync(join(dir, 'b.pdf'), pdf);
    const text = execFileSync('pdftotext', ['-layout', join(dir, 'b.pdf'), '-']).toString().replace(/\s+/g, '');
    assert.match(text, /碧湖镇综合执法通报〔\d{4}〕第1期/);
    assert.match(text, /按期结案率/);
    assert.match(text, /分析研判/);
    assert.match(text, /图1/);
    res = await h.api('GET', `/api/v1/bulletins/${bulletin.id}/bulletin.xlsx`, { token: t.contact, raw: true });
    assert.equal(res.status, 200);
    writeFileSync(join(dir, 'b.xlsx'), Buffer.from(await res.arrayBuffer()));
    const book = execFileSync('unzip', ['-p', join(dir, 'b.xlsx'), 'xl/workbook.xml']).toString();
    for (const name of ['指标', '单位排名', '热点网格', '超期问题', '返工问题', '派驻机构报告']) assert.ok(book.includes(`name="${name}"`), name);
    const sheet1 = execFileSync('unzip', ['-p', join(dir, 'b.xlsx'), 'xl/worksheets/sheet1.xml']).toString();
    assert.match(sheet1, /<col [^>]*width=/, 'column widths set');
    assert.match(sheet1, /<c r="C2"[^>]*><v>\d+<\/v>/, 'values are numbers');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('a department composes for its own line, county-wide', async () => {
  const dept = count("SELECT department_id FROM users WHERE username = 'dept'");
  const r = await h.api('POST', '/api/v1/bulletins', { token: t.dept, body: { period_start: month.start, period_end: month.end } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.department_id, dept);
  assert.equal(r.body.township_id, null);
  const fig = Object.fromEntries(r.body.content.figures.map((f) => [f.code, f]));
  const [from, to] = period(month.start, month.end);
  assert.equal(fig.reported.value, count(`SELECT COUNT(*) FROM problems WHERE department_id = ${dept} AND created_at >= ${from} AND created_at < ${to}`));
  for (const u of r.body.content.units) assert.equal(count(`SELECT department_id FROM units WHERE id = ${u.unit_id}`), dept);
  // its draft is in its own archive, not in a township office's
  assert.ok((await h.api('GET', '/api/v1/bulletins', { token: t.dept })).body.items.some((b) => b.id === r.body.id));
  assert.ok(!(await h.api('GET', '/api/v1/bulletins', { token: t.office })).body.items.some((b) => b.id === r.body.id));
  expectError(assert, await h.api('GET', `/api/v1/bulletins/${r.body.id}`, { token: t.office }), 404, 'not_found');
  expectError(assert, await h.api('POST', `/api/v1/bulletins/${r.body.id}/actions`, { token: t.office, body: { action: 'publish' } }), 404, 'not_found');
  const pub = await h.api('POST', `/api/v1/bulletins/${r.body.id}/actions`, { token: t.dept, body: { action: 'publish' } });
  assert.equal(pub.status, 200);
  assert.match(pub.body.number, /^莲都区综合行政执法局综合执法通报〔\d{4}〕第1期$/);
  // published, it reaches the users of the department's units in every township
  assert.equal(count(`SELECT COUNT(*) FROM notifications WHERE kind = 'bulletin' AND body LIKE '%（通报 ${r.body.id}）%'`), count(`SELECT COUNT(*) FROM users u JOIN units n ON n.id = u.unit_id WHERE n.department_id = ${dept} AND u.disabled = 0`));
  expectError(assert, await h.api('POST', '/api/v1/bulletins', { token: t.dept, body: { department_id: dept + 1, period_start: month.start, period_end: month.end } }), 403, 'forbidden');
  expectError(assert, await h.api('POST', '/api/v1/bulletins', { token: t.grid, body: { township_id: town, period_start: month.start, period_end: month.end } }), 403, 'forbidden');
});
