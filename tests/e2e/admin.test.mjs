// admin.test.mjs — the administrator's screens in a real browser: the grid
// map draws every cell with the bundled Leaflet (no tiles, nothing from the
// internet), the calendar shows 2026's holidays and lets the admin mark a
// day, the deadline calculator counts working days, the routing tester names
// the responsible unit, a broken GeoJSON is refused with the feature named,
// and a power list goes draft → CSV import → diff → published. Every role
// sees its own navigation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, open, go, shot, PHONE } from './browser.mjs';

let h, browser;
before(async () => { ({ h, browser } = await setup()); });
after(async () => { await browser?.close(); await h?.close(); });

test('the admin sees the grid map: every cell drawn as an SVG path, members on click, no tiles', async () => {
  const page = await open(browser, h, 'admin');
  await go(page, '#/map');
  await page.waitForSelector('#map .leaflet-overlay-pane svg path');
  const paths = await page.locator('#map .leaflet-overlay-pane svg path').count();
  assert.ok(paths >= 30, `at least 30 paths (cells and outlines), got ${paths}`);
  assert.equal(await page.locator('#map .leaflet-tile').count(), 0, 'no tile layer');
  assert.match(await page.textContent('#map'), /碧湖镇/, 'township labels');
  await page.locator('#map path.leaflet-interactive').first().click();
  await page.waitForSelector('#cellinfo table');
  assert.match(await page.textContent('#cellinfo'), /网格员/);
  await shot(page, 'admin-map');
  assert.deepEqual(page.external, [], 'nothing fetched from outside');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('the calendar shows 国庆节 and 调休; the admin marks a day; the deadline calculator skips holidays', async () => {
  const page = await open(browser, h, 'admin');
  await go(page, '#/calendar');
  await page.waitForSelector('.month');
  assert.match(await page.textContent('main'), /国庆节/);
  assert.ok(await page.locator('.day.holiday[data-date="2026-10-01"]').count() === 1, '1 October is a holiday');
  assert.ok(await page.locator('.day.workday').count() >= 1, 'make-up workdays shown');
  await shot(page, 'admin-calendar');
  // mark 2026-12-24 a holiday, then back to ordinary
  await page.click('.day[data-date="2026-12-24"]');
  await page.selectOption('#dlg-kind', 'holiday');
  await page.fill('#dlg-name', '测试休息日');
  await page.click('.modal button[type=submit]');
  await page.waitForSelector('.day.holiday[data-date="2026-12-24"]');
  const r = await h.api('GET', '/api/v1/calendar?year=2026', { token: await h.login('admin') });
  assert.ok(r.body.days.some((d) => d.date === '2026-12-24' && d.kind === 'holiday'));
  await page.click('.day[data-date="2026-12-24"]');
  await page.selectOption('#dlg-kind', '');
  await page.click('.modal button[type=submit]');
  await page.waitForSelector('.day[data-date="2026-12-24"]:not(.holiday)');
  // 2026-09-30 + 3 working days: 1–7 October are the National Day holiday
  await page.fill('#dl input[name=from]', '2026-09-30T10:00');
  await page.fill('#dl input[name=amount]', '3');
  await page.selectOption('#dl select[name=unit]', 'working_days');
  await page.click('#dl button');
  await page.waitForFunction(() => /截止/.test(document.getElementById('dlres').textContent));
  assert.match(await page.textContent('#dlres'), /2026年10月1[0-2]日 23:59/);
  await page.context().close();
});

test('the routing tester names 碧湖镇综合行政执法中队 with the reason', async () => {
  const page = await open(browser, h, 'admin');
  await go(page, '#/routing');
  await page.selectOption('#rt select[name=category]', 'CS01');
  await page.selectOption('#rt select[name=township]', { label: '碧湖镇' });
  await page.click('#rt button');
  await page.waitForSelector('#rtres .card');
  assert.match(await page.textContent('#rtres'), /碧湖镇综合行政执法中队/);
  assert.match(await page.textContent('#rtres'), /权力事项/);
  await shot(page, 'admin-routing');
  await page.context().close();
});

test('a GeoJSON with an unclosed ring is refused and the feature is named', async () => {
  const page = await open(browser, h, 'admin');
  await go(page, '#/grid');
  await page.waitForSelector('#cells table');
  const bad = { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { code: 'X-1', name: '测试网格', village_code: '331102100201' },
    geometry: { type: 'Polygon', coordinates: [[[119.84, 28.40], [119.845, 28.40], [119.845, 28.405], [119.84, 28.406]]] } }] };
  await page.setInputFiles('#gj', { name: 'bad.geojson', mimeType: 'application/geo+json', buffer: Buffer.from(JSON.stringify(bad)) });
  await page.waitForSelector('#gjres.bad');
  const msg = await page.textContent('#gjres');
  assert.match(msg, /导入失败/);
  assert.match(msg, /第1个要素|features\[0\]/);
  await shot(page, 'admin-grid-import-error');
  await page.context().close();
});

test('a power list: new draft, CSV import, diff, publish', async () => {
  const page = await open(browser, h, 'admin');
  await go(page, '#/lists');
  await page.waitForSelector('#versions table');
  await page.click('#newdraft');
  await page.fill('#dlg-note', '测试草稿');
  await page.click('.modal button[type=submit]');
  await page.waitForSelector('#versions [data-publish]');
  const token = await h.login('admin');
  const versions = (await h.api('GET', '/api/v1/lists/versions', { token })).body.items;
  const draft = versions.find((v) => v.state === 'draft');
  const csv = await (await h.api('GET', `/api/v1/lists/versions/${draft.id}/export?format=csv`, { token, raw: true })).text();
  const changed = csv.replace('对未取得建设工程规划许可证进行建设的行政处罚', '对未取得建设工程规划许可证进行建设的行政处罚（修订）');
  assert.notEqual(changed, csv);
  await page.setInputFiles(`#versions input[data-import="${draft.id}"]`, { name: 'list.csv', mimeType: 'text/csv', buffer: Buffer.from(changed) });
  await page.waitForSelector('#diff .diff');
  assert.match(await page.textContent('#diff'), /修改 1/);
  assert.match(await page.textContent('#diff'), /（修订）/);
  await shot(page, 'admin-lists-diff');
  await page.click(`#versions [data-publish="${draft.id}"]`);
  await page.click('.modal button[type=submit]');
  await page.waitForFunction(() => /已发布/.test(document.getElementById('vres').textContent));
  const after = (await h.api('GET', '/api/v1/lists/versions', { token })).body.items;
  assert.equal(after.find((v) => v.id === draft.id).state, 'published');
  await page.fill('#psearch input[name=q]', '修订');
  await page.click('#psearch button');
  await page.waitForFunction(() => /1 项/.test(document.getElementById('powers').textContent));
  await page.context().close();
});

const NAV = {
  admin: ['网格地图', '统计分析', '网格管理', '权责清单', '工作日历', '派单测试'],
  office: ['问题受理', '上报问题', '网格地图', '统计分析', '督办与审批'],
  leader: ['督办与审批', '网格地图', '统计分析'],
  grid: ['上报问题', '我的上报', '待核查', '网格地图'],
  staff: ['本单位任务'],
  contact: ['本单位任务'],
  dept: ['统计分析', '权责清单'],
  auditor: ['审计日志'],
};
const NOT = { grid: ['问题受理', '权责清单', '账号管理'], staff: ['问题受理', '上报问题'], auditor: ['问题受理', '网格地图'], leader: ['网格管理'] };

test('each role sees the screens of its work in the navigation', async () => {
  for (const [role, want] of Object.entries(NAV)) {
    const page = await open(browser, h, role, { viewport: role === 'grid' || role === 'leader' ? PHONE : undefined });
    const nav = await page.textContent('nav');
    for (const t of want) assert.ok(nav.includes(t), `${role} sees ${t}`);
    for (const t of NOT[role] || []) assert.ok(!nav.includes(t), `${role} does not see ${t}`);
    assert.deepEqual(page.errors, [], `${role}: no script errors`);
    await page.context().close();
  }
});

test('the categories screen shows the two-level tree with time limits', async () => {
  const page = await open(browser, h, 'office');
  await go(page, '#/categories');
  await page.waitForSelector('main table');
  const text = await page.textContent('main');
  assert.match(text, /村镇建设/); assert.match(text, /违法建设/); assert.match(text, /个工作日/);
  await page.context().close();
});

test('the office adds a person and registers an enforcement qualification', async () => {
  const page = await open(browser, h, 'office');
  await go(page, '#/people');
  await page.click('#p-add');
  await page.fill('#dlg-name', '测试新队员');
  await page.selectOption('#dlg-unit_id', { label: '碧湖镇综合行政执法中队' });
  await page.fill('#dlg-title', '执法队员');
  await page.fill('#dlg-phone', '13900001111');
  await page.click('.modal button[type=submit]');
  await page.waitForSelector('text=测试新队员');
  const row = page.locator('tr', { hasText: '测试新队员' });
  assert.match(await row.textContent(), /无执法证/);
  await row.locator('[data-qual]').click();
  await page.fill('#dlg-cert_no', '浙执33110299');
  await page.fill('#dlg-domains', '村镇建设、市容环境');
  await page.click('.modal button[type=submit]');
  await page.waitForSelector('text=浙执33110299');
  assert.match(await page.locator('tr', { hasText: '测试新队员' }).textContent(), /浙执33110299 有效/);
  const p = (await h.api('GET', '/api/v1/people?limit=500', { token: await h.login('office') })).body.items.find((x) => x.name === '测试新队员');
  assert.deepEqual(p.qualifications[0].domains, ['村镇建设', '市容环境']);
  await shot(page, 'office-people-qualification');
  await page.context().close();
});
