// grid.test.mjs — grid cells (R3): the GeoJSON contract, locate agreeing
// with the polygons, validated all-or-nothing import, members, patrols and
// who may do what.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectError } from './lib.mjs';

let h, t;
before(async () => { h = await startServer(); t = await h.tokens(['admin', 'office', 'office2', 'grid', 'staff', 'dept']); });
after(async () => { await h.close(); });

// even-odd point in polygon with "on the edge is inside", as the server promises
function onSegment(px, py, ax, ay, bx, by) {
  const cross = (bx - ax) * (py - ay) - (by - ay) * (px - ax);
  if (Math.abs(cross) > 1e-12) return false;
  return Math.min(ax, bx) - 1e-12 <= px && px <= Math.max(ax, bx) + 1e-12 && Math.min(ay, by) - 1e-12 <= py && py <= Math.max(ay, by) + 1e-12;
}
function inRing(x, y, ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i], [xj, yj] = ring[j];
    if (onSegment(x, y, xi, yi, xj, yj)) return 'edge';
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
function contains(geom, x, y) {
  const polys = geom.type === 'Polygon' ? [geom.coordinates] : geom.coordinates;
  for (const rings of polys) {
    const o = inRing(x, y, rings[0]);
    if (o === 'edge') return true;
    if (!o) continue;
    if (rings.slice(1).some((hole) => inRing(x, y, hole) === true)) continue;
    return true;
  }
  return false;
}

test('cells are a FeatureCollection with the contract properties; the demo has 30+', async () => {
  const r = await h.api('GET', '/api/v1/grid/cells', { token: t.admin });
  assert.equal(r.status, 200);
  assert.equal(r.body.type, 'FeatureCollection');
  assert.ok(r.body.features.length >= 30, `${r.body.features.length} cells`);
  for (const f of r.body.features) {
    assert.equal(f.type, 'Feature');
    for (const k of ['id', 'name', 'village_id', 'township_id']) assert.ok(f.properties[k] !== undefined, k);
    assert.ok(['Polygon', 'MultiPolygon'].includes(f.geometry.type));
  }
  const lons = r.body.features.flatMap((f) => f.geometry.coordinates[0].map((p) => p[0]));
  const lats = r.body.features.flatMap((f) => f.geometry.coordinates[0].map((p) => p[1]));
  assert.ok(Math.min(...lons) > 119.7 && Math.max(...lons) < 120.1, 'around Liandu');
  assert.ok(Math.min(...lats) > 28.3 && Math.max(...lats) < 28.6);
  // a township office sees its own township's cells only
  const o = await h.api('GET', '/api/v1/grid/cells', { token: t.office });
  assert.ok(o.body.features.length > 0 && o.body.features.length < r.body.features.length);
  const towns = new Set(o.body.features.map((f) => f.properties.township_id));
  assert.equal(towns.size, 1);
  assert.ok(o.body.features.some((f) => f.properties.members.length > 0), 'cells have grid members');
});

test('locate agrees exactly with the polygons that cells returns', async () => {
  const cells = (await h.api('GET', '/api/v1/grid/cells', { token: t.admin })).body.features;
  let seed = 42;
  const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  const points = [];
  for (let i = 0; i < 150; i++) points.push([119.80 + rnd() * 0.2, 28.37 + rnd() * 0.16]);
  // vertices and edge midpoints of a few cells: the boundary rule
  for (const f of cells.slice(0, 5)) { const ring = f.geometry.coordinates[0]; points.push(ring[0], [(ring[0][0] + ring[1][0]) / 2, (ring[0][1] + ring[1][1]) / 2]); }
  let inside = 0;
  for (const [lon, lat] of points) {
    const want = cells.filter((f) => contains(f.geometry, lon, lat)).map((f) => f.properties.id).sort((a, b) => a - b)[0];
    const r = await h.api('GET', `/api/v1/grid/locate?lon=${lon}&lat=${lat}`, { token: t.grid });
    if (want === undefined) { expectError(assert, r, 404, 'outside_grid'); continue; }
    inside++;
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.cell_id, want, `point ${lon},${lat}`);
    const cell = cells.find((f) => f.properties.id === want);
    assert.equal(r.body.township_id, cell.properties.township_id);
    assert.equal(r.body.village_id, cell.properties.village_id);
  }
  assert.ok(inside > 30, 'enough points fell inside the grid');
  expectError(assert, await h.api('GET', '/api/v1/grid/locate?lon=abc&lat=28', { token: t.grid }), 400, 'invalid_query');
  expectError(assert, await h.api('GET', '/api/v1/grid/locate?lon=119.9', { token: t.grid }), 400, 'invalid_query');
});

const sq = (x, y, d) => ({ type: 'Polygon', coordinates: [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]] });

test('import validates every feature and changes nothing on any fault', async () => {
  const before = (await h.api('GET', '/api/v1/grid/cells', { token: t.admin })).body.features.length;
  const village = h.sql("SELECT code FROM regions WHERE name = '碧湖村'");
  const good = { type: 'Feature', properties: { code: 'T-NEW-1', name: '新网格', village_code: village }, geometry: sq(119.841, 28.401, 0.002) };
  const bow = { type: 'Feature', properties: { code: 'T-BAD', name: '坏', village_code: village }, geometry: { type: 'Polygon', coordinates: [[[119.841, 28.401], [119.843, 28.403], [119.843, 28.401], [119.841, 28.403], [119.841, 28.401]]] } };
  let r = await h.api('POST', '/api/v1/grid/import', { token: t.admin, body: { type: 'FeatureCollection', features: [good, bow] } });
  expectError(assert, r, 422, 'self_intersection');
  assert.equal(r.body.error.field, 'features[1]');
  const open = { ...bow, geometry: { type: 'Polygon', coordinates: [[[119.841, 28.401], [119.843, 28.401], [119.843, 28.403], [119.841, 28.403]]] } };
  expectError(assert, await h.api('POST', '/api/v1/grid/import', { token: t.admin, body: { type: 'FeatureCollection', features: [good, open] } }), 422, 'ring_not_closed');
  // 碧湖镇 lies in 119.84–119.90: a cell reaching to 119.95 leaves it
  const out = { ...bow, geometry: sq(119.89, 28.401, 0.05) };
  expectError(assert, await h.api('POST', '/api/v1/grid/import', { token: t.admin, body: { type: 'FeatureCollection', features: [good, out] } }), 422, 'outside_township');
  expectError(assert, await h.api('POST', '/api/v1/grid/import', { token: t.admin, body: { type: 'FeatureCollection', features: [{ ...bow, geometry: { type: 'Point', coordinates: [1, 2] } }] } }), 400, 'unsupported_type');
  expectError(assert, await h.api('POST', '/api/v1/grid/import', { token: t.admin, body: { type: 'Nope' } }), 400, 'invalid_body');
  assert.equal((await h.api('GET', '/api/v1/grid/cells', { token: t.admin })).body.features.length, before, 'nothing changed');
  // the good one alone lands and is found by locate at once (lowest id still wins in overlaps)
  r = await h.api('POST', '/api/v1/grid/import', { token: t.admin, body: { type: 'FeatureCollection', features: [good] } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual([r.body.cells, r.body.created], [1, 1]);
  const all = (await h.api('GET', '/api/v1/grid/cells', { token: t.admin })).body.features;
  assert.equal(all.length, before + 1);
  const id = all.find((f) => f.properties.code === 'T-NEW-1').properties.id;
  const loc = await h.api('GET', '/api/v1/grid/locate?lon=119.842&lat=28.402', { token: t.grid });
  assert.notEqual(loc.body.cell_id, id, 'the older, lower-id cell keeps the overlapping point');
  // re-import by code updates instead of creating; a point only the moved cell holds is located to it
  const moved = { ...good, geometry: sq(119.8405, 28.4005, 0.0001) };
  r = await h.api('POST', '/api/v1/grid/import', { token: t.admin, body: { type: 'FeatureCollection', features: [moved] } });
  assert.deepEqual([r.body.created, r.body.updated], [0, 1]);
  // the office of another township may not import into 碧湖镇; grid members may not import at all
  expectError(assert, await h.api('POST', '/api/v1/grid/import', { token: t.office2, body: { type: 'FeatureCollection', features: [good] } }), 403, 'forbidden');
  expectError(assert, await h.api('POST', '/api/v1/grid/import', { token: t.grid, body: { type: 'FeatureCollection', features: [good] } }), 403, 'forbidden');
  // deleting it makes the index forget it
  assert.equal((await h.api('DELETE', `/api/v1/grid/cells/${id}`, { token: t.admin })).status, 204);
  expectError(assert, await h.api('GET', `/api/v1/grid/cells/${id}`, { token: t.admin }), 404, 'not_found');
});

test('township outlines can be imported; a cell must then stay inside them', async () => {
  const town = h.sql("SELECT code FROM regions WHERE name = '紫金街道'");
  const village = h.sql("SELECT code FROM regions WHERE name = '厦河社区'");
  const shapes = (await h.api('GET', '/api/v1/grid/shapes', { token: t.admin })).body;
  assert.ok(shapes.features.some((f) => f.properties.level === 'township'));
  const r = await h.api('POST', '/api/v1/grid/import', { token: t.admin, body: { type: 'FeatureCollection', features: [
    { type: 'Feature', properties: { region_code: town }, geometry: sq(119.90, 28.45, 0.001) },
    { type: 'Feature', properties: { code: 'T-ZJ', name: '越界', village_code: village }, geometry: sq(119.90, 28.45, 0.002) },
  ] } });
  expectError(assert, r, 422, 'outside_township');
});

test('grid members are people of the township; patrols are recorded with distance', async () => {
  const cells = (await h.api('GET', '/api/v1/grid/cells', { token: t.office })).body.features;
  const cell = cells[0].properties;
  const own = Number(h.sql(`SELECT id FROM people WHERE township_id = ${cell.township_id} AND title = '全科网格员' ORDER BY id DESC LIMIT 1`));
  const other = Number(h.sql(`SELECT id FROM people WHERE township_id <> ${cell.township_id} LIMIT 1`));
  let r = await h.api('PUT', `/api/v1/grid/cells/${cell.id}/members`, { token: t.office, body: { members: [{ person_id: own, role: 'leader' }] } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.properties.members.map((m) => m.person_id), [own]);
  expectError(assert, await h.api('PUT', `/api/v1/grid/cells/${cell.id}/members`, { token: t.office, body: { members: [{ person_id: other }] } }), 422, 'invalid_reference');
  const items = (await h.api('GET', '/api/v1/patrol-items', { token: t.grid })).body.items;
  assert.ok(items.length >= 6 && items.some((i) => i.group === '违法建设'));
  const body = { cell_id: cell.id, started_at: '2026-11-20T09:00:00+08:00', ended_at: '2026-11-20T10:30:00+08:00', track: [[119.841, 28.401], [119.851, 28.401]], checked: items.slice(0, 3).map((i) => i.id), findings: [{ item_id: items[0].id, note: '发现新建砖房' }] };
  r = await h.api('POST', '/api/v1/patrols', { token: t.grid, body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.ok(Math.abs(r.body.distance_m - 977) < 15, `distance ${r.body.distance_m}`);
  const list = (await h.api('GET', '/api/v1/patrols', { token: t.grid })).body.items;
  assert.ok(list.some((p) => p.id === r.body.id));
  assert.ok((await h.api('GET', '/api/v1/patrols', { token: t.office })).body.items.some((p) => p.id === r.body.id));
  expectError(assert, await h.api('GET', `/api/v1/patrols/${r.body.id}`, { token: t.office2 }), 404, 'not_found');
  expectError(assert, await h.api('POST', '/api/v1/patrols', { token: t.grid, body: { ...body, ended_at: '2026-11-20T08:00:00+08:00' } }), 400, 'invalid_time');
  expectError(assert, await h.api('POST', '/api/v1/patrols', { token: t.grid, body: { ...body, track: [[500, 1]] } }), 400, 'invalid_track');
  expectError(assert, await h.api('POST', '/api/v1/patrols', { token: t.staff, body }), 403, 'forbidden');
});

// Positions are checked in one place (http/shape.c): lon −180..180 and lat
// −90..90, both given; the error names the field at fault and nothing is
// written. (−1, −1) is a valid position, but outside every cell.
test('a position out of range is refused naming the field, and nothing is written', async () => {
  for (const [q, field] of [['lon=-181&lat=28.4', 'lon'], ['lon=119.85&lat=-91', 'lat'], ['lon=181&lat=-91', 'lon'], ['lon=NaN&lat=28.4', 'lon'], ['lat=28.4', 'lon'], ['lon=119.85', 'lat'], ['lon=119.85&lat=x', 'lat']]) {
    for (const path of ['/api/v1/grid/locate', '/api/v1/routing']) {
      const r = await h.api('GET', `${path}?category=CS01&${q}`, { token: t.office });
      expectError(assert, r, 400, 'invalid_query');
      assert.equal(r.body.error.field, field, `${path}?${q} names ${field}`);
    }
  }
  expectError(assert, await h.api('GET', '/api/v1/grid/locate?lon=-1&lat=-1', { token: t.grid }), 404, 'outside_grid');
  expectError(assert, await h.api('GET', '/api/v1/routing?category=CS01&lon=-1&lat=-1', { token: t.grid }), 404, 'outside_grid');
  // a patrol whose track leaves the earth's range is refused whole
  const cell = (await h.api('GET', '/api/v1/grid/cells', { token: t.grid })).body.features[0].properties;
  const before = h.sql('SELECT COUNT(*) FROM patrols');
  for (const track of [[[119.84, 28.4], [-181, 28.4]], [[119.84, -91]], [[119.84]], [['119.84', 28.4]]]) {
    const r = await h.api('POST', '/api/v1/patrols', { token: t.grid, body: { cell_id: cell.id, started_at: '2026-11-20T09:00:00+08:00', ended_at: '2026-11-20T10:00:00+08:00', track } });
    expectError(assert, r, 400, 'invalid_track');
    assert.equal(r.body.error.field, 'track');
  }
  assert.equal(h.sql('SELECT COUNT(*) FROM patrols'), before, 'nothing written');
});
