// open311.test.mjs — Open311 GeoReport v2 (R10.6, issue 14) driven as an
// outside client program would: the administrator registers systems and
// hands out keys; a system discovers the services, posts form-encoded
// requests, reads them back in JSON and XML (parsed by a small strict
// parser below), follows a request to `closed` with its status notes and
// the mySociety updates feed, and gets the specification's errors for bad
// keys and bad input. Every answer is validated against our own copy of the
// constraints of the public GeoReport v2 JSON schemas (open311
// schema-validation: service, services, service-definition, request,
// requests), the XML answer against the same constraints and against the
// JSON one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectError } from './lib.mjs';

let h, t, hotline, media;
const BIHU = { lat: '28.405', long: '119.845' }; // a grid cell of 碧湖镇
const OUTSIDE = { lat: '30.5', long: '121.5' }; // no cell there

before(async () => {
  h = await startServer();
  t = await h.tokens(['admin', 'office', 'staff', 'grid', 'auditor']);
  hotline = await client({ name: '12345政务服务热线', channel: 'complaint', rate_per_minute: 100000 });
  media = await client({ name: '媒体舆情监测平台', channel: 'media' });
});
after(async () => { await h.close(); });

async function client(body) {
  const r = await h.api('POST', '/api/v1/open311/clients', { token: t.admin, body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

// ---- the schemas' constraints (written from open311/schema-validation) ----
const str = { type: 'string' };
const strOrNull = { anyOf: [str, { type: 'null' }] };
const bool = { type: 'boolean' };
const dateTime = { type: 'string', format: 'date-time' };
const dateTimeOrNull = { anyOf: [dateTime, { type: 'null' }] };
const numOrNull = { anyOf: [{ type: 'number' }, { type: 'null' }] };
const uriOrNull = { anyOf: [{ type: 'string', format: 'uri' }, { type: 'null' }] };
const SERVICE = {
  type: 'object',
  required: ['service_code', 'service_name', 'metadata', 'type'],
  properties: {
    service_code: str, service_name: str, description: strOrNull, metadata: bool,
    type: { type: 'string', enum: ['realtime', 'batch', 'blackbox'] }, keywords: strOrNull, group: strOrNull,
  },
};
const SERVICES = { type: 'array', items: SERVICE };
const SERVICE_DEFINITION = {
  type: 'object',
  required: ['service_code', 'attributes'],
  properties: {
    service_code: str,
    attributes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['variable', 'code', 'datatype', 'required'],
        properties: {
          variable: bool, code: str,
          datatype: { type: 'string', enum: ['string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist'] },
          required: bool, datatype_description: strOrNull, order: { anyOf: [{ type: 'integer' }, { type: 'null' }] },
          description: strOrNull,
          values: { type: 'array', items: { type: 'object', required: ['key', 'name'], properties: { key: str, name: str } } },
        },
      },
    },
  },
};
const REQUEST = {
  type: 'object',
  required: ['service_request_id', 'status', 'service_code', 'requested_datetime'],
  properties: {
    service_request_id: str, status: { type: 'string', enum: ['open', 'closed'] }, status_notes: strOrNull,
    service_name: strOrNull, service_code: str, description: { anyOf: [{ type: 'string', maxLength: 4000 }, { type: 'null' }] },
    agency_responsible: strOrNull, service_notice: strOrNull, requested_datetime: dateTime,
    updated_datetime: dateTimeOrNull, expected_datetime: dateTimeOrNull, address: strOrNull, address_id: strOrNull,
    zipcode: strOrNull, lat: numOrNull, long: numOrNull, media_url: uriOrNull,
  },
};
const REQUESTS = { type: 'array', items: REQUEST };
const POSTED = {
  type: 'array', minItems: 1,
  items: { type: 'object', required: ['service_request_id'], properties: { service_request_id: str, token: str, service_notice: strOrNull, account_id: strOrNull } },
};
const TOKENS = { type: 'array', minItems: 1, items: { type: 'object', required: ['service_request_id', 'token'], properties: { service_request_id: str, token: str } } };
const UPDATES = {
  type: 'array',
  items: {
    type: 'object',
    required: ['update_id', 'service_request_id', 'status', 'updated_datetime', 'description'],
    properties: {
      update_id: str, service_request_id: str, status: { type: 'string', enum: ['open', 'closed'] },
      updated_datetime: dateTime, description: str, media_url: uriOrNull, external_status_code: strOrNull,
    },
  },
};
const DISCOVERY = {
  type: 'object',
  required: ['changeset', 'contact', 'key_service', 'endpoints'],
  properties: {
    changeset: dateTime, contact: str, key_service: str,
    endpoints: {
      type: 'array', minItems: 1,
      items: {
        type: 'object', required: ['specification', 'url', 'changeset', 'type', 'formats'],
        properties: {
          specification: { type: 'string', format: 'uri' }, url: { type: 'string', format: 'uri' }, changeset: dateTime,
          type: { type: 'string', enum: ['production', 'test'] },
          formats: { type: 'array', minItems: 1, items: { type: 'string', enum: ['application/json', 'text/xml'] } },
        },
      },
    },
  },
};
const ERRORS = {
  type: 'array', minItems: 1,
  items: { type: 'object', required: ['code', 'description'], properties: { code: { type: 'integer' }, description: str } },
};

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
// validate: the schema's constraints on v. In XML every leaf is text, so
// numbers, integers and booleans are their lexical forms and null is absence.
function validate(schema, v, xml = false, at = '$') {
  const fail = (m) => { throw new Error(`${at}: ${m} (${JSON.stringify(v)})`); };
  if (schema.anyOf) {
    const errs = [];
    for (const s of schema.anyOf) { try { validate(s, v, xml, at); return; } catch (e) { errs.push(e.message); } }
    fail('matches none of anyOf: ' + errs.join(' | '));
  }
  switch (schema.type) {
    case 'null': if (v !== null) fail('not null'); break;
    case 'string': if (typeof v !== 'string') fail('not a string'); break;
    case 'number': if (xml ? !/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(v) : typeof v !== 'number') fail('not a number'); break;
    case 'integer': if (xml ? !/^-?\d+$/.test(v) : !Number.isInteger(v)) fail('not an integer'); break;
    case 'boolean': if (xml ? v !== 'true' && v !== 'false' : typeof v !== 'boolean') fail('not a boolean'); break;
    case 'array': if (!Array.isArray(v)) fail('not an array'); break;
    case 'object': if (!v || typeof v !== 'object' || Array.isArray(v)) fail('not an object'); break;
  }
  if (schema.enum && !schema.enum.includes(v)) fail('not in enum');
  if (schema.maxLength !== undefined && [...v].length > schema.maxLength) fail('too long');
  if (schema.format === 'date-time' && !RFC3339.test(v)) fail('not a date-time');
  if (schema.format === 'uri' && !/^[a-z][a-z0-9+.-]*:[^\s]+$/i.test(v)) fail('not a uri');
  if (schema.type === 'array') {
    if (schema.minItems && v.length < schema.minItems) fail('too few items');
    v.forEach((x, i) => validate(schema.items, x, xml, `${at}[${i}]`));
  }
  if (schema.type === 'object') {
    for (const k of schema.required || []) if (!(k in v)) fail(`missing ${k}`);
    for (const [k, s] of Object.entries(schema.properties || {})) {
      if (!(k in v)) continue;
      validate(s, v[k], xml, `${at}.${k}`);
    }
  }
}

// ---- a tiny strict XML reader (no attributes, no mixed content) ----
const LISTS = {
  services: 'service', attributes: 'attribute', values: 'value', service_requests: 'request',
  service_requests_updates: 'request_update', endpoints: 'endpoint', formats: 'format', errors: 'error',
};
function parseXml(s) {
  let i = 0;
  const fail = (m) => { throw new Error(`XML: ${m} at ${i}: ${JSON.stringify(s.slice(i, i + 60))}`); };
  const decl = /^<\?xml version="1\.0" encoding="(UTF|utf)-8"\?>\s*/.exec(s);
  if (!decl) fail('no XML declaration');
  i = decl[0].length;
  const text = (raw) => {
    if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(raw)) fail('control character');
    return raw.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);|&/g, (all, e) => {
      if (!e) fail('bare &');
      if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
      return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[e];
    });
  };
  function element() {
    const m = /^<([A-Za-z_][\w.-]*)(\/?)>/.exec(s.slice(i));
    if (!m) fail('bad start tag');
    i += m[0].length;
    const node = { name: m[1], children: [], text: '' };
    if (m[2]) return node;
    for (;;) {
      if (s.startsWith('</', i)) {
        const end = `</${node.name}>`;
        if (!s.startsWith(end, i)) fail(`expected ${end}`);
        i += end.length;
        if (node.children.length && node.text.trim()) fail('mixed content');
        return node;
      }
      if (s[i] === '<') { node.children.push(element()); continue; }
      const j = s.indexOf('<', i);
      if (j < 0) fail('unterminated element');
      node.text += text(s.slice(i, j));
      i = j;
    }
  }
  const root = element();
  if (s.slice(i).trim()) fail('content after the root');
  const toJs = (n) => {
    if (LISTS[n.name]) {
      return n.children.map((c) => { if (c.name !== LISTS[n.name]) fail(`<${c.name}> in <${n.name}>`); return toJs(c); });
    }
    if (!n.children.length) return n.text;
    const o = {};
    for (const c of n.children) { if (c.name in o) fail(`repeated <${c.name}>`); o[c.name] = toJs(c); }
    return o;
  };
  return { root: root.name, value: toJs(root) };
}

// lexical: the JSON answer as the XML carries it (leaves as text, nulls gone)
function lexical(v) {
  if (Array.isArray(v)) return v.map(lexical);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, lexical(x)]));
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return String(v);
  return v;
}

// ---- the client side ----
async function call(method, path, { form, query = {}, key } = {}) {
  const q = new URLSearchParams(query);
  if (key && method === 'GET') q.set('api_key', key);
  const url = `${h.url}${path}${q.size ? '?' + q : ''}`;
  const init = { method, headers: {} };
  if (form !== undefined) {
    init.headers['Content-Type'] = 'application/x-www-form-urlencoded';
    init.body = typeof form === 'string' ? form : new URLSearchParams(form).toString();
  }
  const res = await fetch(url, init);
  const text = await res.text();
  const type = res.headers.get('content-type') || '';
  let body;
  if (path.endsWith('.xml')) {
    assert.match(type, /^text\/xml/, `XML answer for ${path}`);
    body = parseXml(text);
  } else {
    assert.match(type, /^application\/json/, `JSON answer for ${path}: ${text}`);
    body = JSON.parse(text);
  }
  return { status: res.status, body, text };
}

// both: the JSON and XML answers of a GET, both valid, saying the same
async function both(path, schema, root, opts = {}) {
  const j = await call('GET', `${path}.json`, opts);
  assert.equal(j.status, 200, `${path}.json: ${j.text}`);
  validate(schema, j.body);
  const x = await call('GET', `${path}.xml`, opts);
  assert.equal(x.status, 200, `${path}.xml: ${x.text}`);
  assert.equal(x.body.root, root);
  validate(schema, x.body.value, true);
  assert.deepEqual(x.body.value, lexical(j.body), `${path}: XML and JSON agree`);
  return j.body;
}

// specError: the specification's error (status, [{code, description}]) in
// the format the URL asks for, the description in Chinese
function specError(r, status, path = '.json') {
  assert.equal(r.status, status, r.text);
  let errs = r.body;
  if (path.endsWith('.xml')) { assert.equal(r.body.root, 'errors'); errs = r.body.value; validate(ERRORS, errs, true); assert.equal(errs[0].code, String(status)); } else {
    validate(ERRORS, errs);
    assert.equal(errs[0].code, status);
  }
  assert.match(errs[0].description, /[\u4e00-\u9fff]/, 'a Chinese description');
  return errs[0].description;
}

const post = (fmt, fields) => call('POST', `/open311/v2/requests.${fmt}`, { form: fields });
const base = (key, extra = {}) => ({
  api_key: key, service_code: 'CS01', ...BIHU, description: '碧湖村河边新建砖混房屋，未见规划许可公示',
  first_name: '三', last_name: '张', phone: '138 0000 1234', email: 'zhangsan@example.com', ...extra,
});
const count = (sql) => Number(h.sql(sql));
const act = async (token, id, body) => {
  const r = await h.api('POST', `/api/v1/problems/${id}/actions`, { token, body });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
};

// ---- tests ----

test('the administrator registers a system: the key is shown once and kept only as a hash', async () => {
  assert.equal(typeof hotline.id, 'number');
  assert.match(hotline.api_key, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(count(`SELECT COUNT(*) FROM open311_clients WHERE key_hash = '${hotline.api_key}' OR key_prefix = '${hotline.api_key}'`), 0);
  assert.equal(h.sql(`SELECT channel FROM open311_clients WHERE id = ${hotline.id}`), 'complaint');
  const list = await h.api('GET', '/api/v1/open311/clients', { token: t.admin });
  assert.equal(list.status, 200);
  assert.ok(list.body.items.some((c) => c.name === '12345政务服务热线' && c.channel === 'complaint' && c.revoked === false));
  assert.ok(!JSON.stringify(list.body).includes(hotline.api_key), 'never shown again');
  expectError(assert, await h.api('POST', '/api/v1/open311/clients', { token: t.office, body: { name: 'x', channel: 'media' } }), 403);
  expectError(assert, await h.api('POST', '/api/v1/open311/clients', { token: t.admin, body: { name: 'x', channel: 'patrol' } }), 400, 'invalid_channel');
  expectError(assert, await h.api('POST', '/api/v1/open311/clients', { token: t.admin, body: { name: 'x', channel: 'media', extra: 1 } }), 400, 'invalid_body');
  assert.ok(count("SELECT COUNT(*) FROM audit_log WHERE action = 'open311.client.create'") >= 2);
});

test('discovery, services and service definitions in JSON and XML', async () => {
  const d = await both('/open311/v2/discovery', DISCOVERY, 'discovery');
  assert.match(d.endpoints[0].url, /\/open311\/v2$/);
  const services = await both('/open311/v2/services', SERVICES, 'services', { key: hotline.api_key });
  const leaves = h.sql('SELECT code FROM categories k WHERE NOT EXISTS (SELECT 1 FROM categories c WHERE c.parent_id = k.id) ORDER BY code').split('\n');
  assert.deepEqual(services.map((s) => s.service_code).sort(), leaves, 'the leaf categories, no parents');
  const cs01 = services.find((s) => s.service_code === 'CS01');
  assert.equal(cs01.service_name, '违法建设');
  assert.equal(cs01.group, '村镇建设');
  assert.match(cs01.keywords, /规划许可/);
  assert.equal(cs01.metadata, true);
  const def = await both('/open311/v2/services/CS01', SERVICE_DEFINITION, 'service_definition', { key: hotline.api_key });
  assert.equal(def.service_code, 'CS01');
  const place = def.attributes.find((a) => a.code === 'place_type');
  assert.equal(place.datatype, 'singlevaluelist');
  assert.ok(place.values.some((v) => v.key === 'river' && v.name === '河道水域'));
  assert.ok(def.attributes.some((a) => a.code === 'floors' && a.datatype === 'number'));
  // a parent or unknown code is no service
  for (const code of ['CS', 'NOPE']) {
    specError(await call('GET', `/open311/v2/services/${code}.json`, { key: hotline.api_key }), 404);
    specError(await call('GET', `/open311/v2/services/${code}.xml`, { key: hotline.api_key }), 404, '.xml');
  }
});

test('a form-encoded request becomes a problem of the key\'s channel, located and routed; reads never show the reporter', async () => {
  const before = count('SELECT COUNT(*) FROM problems');
  const r = await post('json', base(hotline.api_key, { 'attribute[place_type]': 'river', 'attribute[floors]': '3', media_url: 'https://example.com/p/1.jpg' }));
  assert.equal(r.status, 200, r.text);
  validate(POSTED, r.body);
  const { service_request_id: id, token } = r.body[0];
  assert.equal(count('SELECT COUNT(*) FROM problems'), before + 1);
  // the office sees it as any report, with the key's channel
  const p = await h.api('GET', `/api/v1/problems/${id}`, { token: t.office });
  assert.equal(p.status, 200, JSON.stringify(p.body));
  assert.equal(p.body.channel, 'complaint');
  assert.equal(p.body.category, 'CS01');
  assert.equal(p.body.state, 'reported');
  assert.equal(p.body.township_id, Number(h.sql("SELECT id FROM regions WHERE name = '碧湖镇'")));
  assert.ok(p.body.cell_id, 'located in a grid cell');
  assert.equal(p.body.unit_name, '碧湖镇综合行政执法中队', 'routed by the lists');
  assert.equal(p.body.history[0].user_name, '12345政务服务热线');
  assert.match(p.body.history[0].note, /场所类型：河道水域/);
  assert.equal(p.body.reporter.name, '张*', 'the complainant kept masked for the office');
  const rep = await h.api('GET', `/api/v1/problems/${id}/reporter?reason=${encodeURIComponent("回访举报人")}`, { token: t.office });
  assert.equal(rep.body.name, '张三');
  assert.equal(rep.body.phone, '13800001234');
  assert.equal(h.sql(`SELECT email FROM problem_reporters WHERE problem_id = ${id}`), 'zhangsan@example.com');
  // read back as the system
  const one = await both(`/open311/v2/requests/${id}`, REQUESTS, 'service_requests', { key: hotline.api_key });
  assert.equal(one.length, 1);
  const q = one[0];
  assert.equal(q.service_request_id, id);
  assert.equal(q.status, 'open');
  assert.equal(q.status_notes, '已收到，待受理');
  assert.equal(q.service_code, 'CS01');
  assert.equal(q.service_name, '违法建设');
  assert.equal(q.agency_responsible, '碧湖镇综合行政执法中队');
  assert.equal(q.media_url, 'https://example.com/p/1.jpg');
  assert.match(q.requested_datetime, /\+08:00$/);
  assert.equal(q.expected_datetime, p.body.due_at, 'the current deadline');
  assert.equal(q.lat, 28.405);
  assert.equal(q.long, 119.845);
  const tok = await both(`/open311/v2/tokens/${token}`, TOKENS, 'service_requests', { key: hotline.api_key });
  assert.deepEqual(tok, [{ service_request_id: id, token }]);
  // privacy: no read shows the name, e-mail or phone
  for (const path of [`/open311/v2/requests/${id}`, '/open311/v2/requests', '/open311/v2/servicerequestupdates']) {
    for (const fmt of ['json', 'xml']) {
      const a = await call('GET', `${path}.${fmt}`, { key: hotline.api_key });
      assert.equal(a.status, 200);
      for (const secret of ['张三', '13800001234', '138 0000 1234', 'zhangsan']) assert.ok(!a.text.includes(secret), `${path}.${fmt} shows ${secret}`);
      assert.ok(!/first_name|last_name|email|phone/.test(a.text), `${path}.${fmt} has no contact fields`);
    }
  }
  // every call audited under the system's name
  assert.ok(count("SELECT COUNT(*) FROM audit_log WHERE username = 'open311:12345政务服务热线' AND action = 'open311.request.create'") >= 1);
  assert.ok(count("SELECT COUNT(*) FROM audit_log WHERE username = 'open311:12345政务服务热线' AND action = 'open311.call'") >= 6);
  assert.equal((await h.api('GET', '/api/v1/audit/verify', { token: t.auditor })).body.intact, true);
});

test('an XML client posts and reads; the media desk\'s request is a media problem', async () => {
  const r = await post('xml', { api_key: media.api_key, service_code: 'SR02', ...BIHU, description: '网帖反映：河边有人倾倒建筑垃圾 & 生活垃圾 <视频>' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.root, 'service_requests');
  validate(POSTED, r.body.value, true);
  const id = r.body.value[0].service_request_id;
  assert.equal((await h.api('GET', `/api/v1/problems/${id}`, { token: t.office })).body.channel, 'media');
  const x = await call('GET', `/open311/v2/requests/${id}.xml`, { key: media.api_key });
  assert.equal(x.body.value[0].description, '网帖反映：河边有人倾倒建筑垃圾 & 生活垃圾 <视频>', 'escaped and read back');
  assert.equal(x.body.value[0].status, 'open');
  assert.equal(x.body.value[0].lat, '28.405');
});

test('requests.json filters: id list, service code, status, dates', async () => {
  const ids = [];
  for (const code of ['HJ03', 'HJ03', 'SC01']) {
    const r = await post('json', base(hotline.api_key, { service_code: code }));
    assert.equal(r.status, 200, r.text);
    ids.push(r.body[0].service_request_id);
  }
  let l = await both('/open311/v2/requests', REQUESTS, 'service_requests', { key: hotline.api_key, query: { service_request_id: `${ids[0]},${ids[2]}` } });
  assert.deepEqual(l.map((x) => x.service_request_id).sort(), [ids[0], ids[2]].sort());
  l = await both('/open311/v2/requests', REQUESTS, 'service_requests', { key: hotline.api_key, query: { service_code: 'HJ03' } });
  assert.deepEqual(l.map((x) => x.service_request_id).sort(), [ids[0], ids[1]].sort());
  l = await both('/open311/v2/requests', REQUESTS, 'service_requests', { key: hotline.api_key, query: { status: 'open', service_code: 'SC01' } });
  assert.deepEqual(l.map((x) => x.service_request_id), [ids[2]]);
  l = await both('/open311/v2/requests', REQUESTS, 'service_requests', { key: hotline.api_key, query: { status: 'closed', service_code: 'SC01' } });
  assert.deepEqual(l, []);
  l = await both('/open311/v2/requests', REQUESTS, 'service_requests', { key: hotline.api_key, query: { start_date: '2001-01-01T00:00:00+08:00', end_date: '2001-02-01T00:00:00+08:00' } });
  assert.deepEqual(l, [], 'nothing then');
  specError(await call('GET', '/open311/v2/requests.json', { key: hotline.api_key, query: { start_date: '2001-01-01', end_date: '2001-06-01' } }), 400);
  specError(await call('GET', '/open311/v2/requests.json', { key: hotline.api_key, query: { status: 'pending' } }), 400);
  specError(await call('GET', '/open311/v2/requests.xml', { key: hotline.api_key, query: { service_request_id: '1;DROP' } }), 400, '.xml');
  specError(await call('GET', '/open311/v2/requests.json', { key: hotline.api_key, query: { start_date: 'yesterday' } }), 400);
});

test('a request followed from creation to closed: status notes and the updates feed', async () => {
  const r = await post('json', base(hotline.api_key));
  const id = r.body[0].service_request_id;
  const from = new Date(Date.now() - 60_000).toISOString();
  await act(t.office, id, { action: 'accept' });
  let q = (await both(`/open311/v2/requests/${id}`, REQUESTS, 'service_requests', { key: hotline.api_key }))[0];
  assert.equal(q.status, 'open');
  assert.equal(q.status_notes, '已受理，待派遣');
  await act(t.office, id, { action: 'dispatch' });
  q = (await both(`/open311/v2/requests/${id}`, REQUESTS, 'service_requests', { key: hotline.api_key }))[0];
  assert.equal(q.status_notes, '已派遣至碧湖镇综合行政执法中队');
  const dispatched = await h.api('GET', `/api/v1/problems/${id}`, { token: t.office });
  assert.equal(q.expected_datetime, dispatched.body.due_at, 'the handling deadline now');
  await act(t.staff, id, { action: 'take' });
  await act(t.staff, id, { action: 'handle', feedback: '已责令停工，当事人自行拆除违建部分' });
  await act(t.grid, id, { action: 'verify', passed: true, note: '现场已拆除' });
  q = (await both(`/open311/v2/requests/${id}`, REQUESTS, 'service_requests', { key: hotline.api_key }))[0];
  assert.equal(q.status, 'open');
  assert.equal(q.status_notes, '核查通过，待结案');
  await act(t.office, id, { action: 'close' });
  q = (await both(`/open311/v2/requests/${id}`, REQUESTS, 'service_requests', { key: hotline.api_key }))[0];
  assert.equal(q.status, 'closed');
  assert.equal(q.status_notes, '已办结：已责令停工，当事人自行拆除违建部分');
  assert.equal(q.expected_datetime, null, 'no deadline once closed');
  assert.equal(q.updated_datetime, (await h.api('GET', `/api/v1/problems/${id}`, { token: t.office })).body.closed_at);
  const closed = await both('/open311/v2/requests', REQUESTS, 'service_requests', { key: hotline.api_key, query: { status: 'closed' } });
  assert.ok(closed.some((x) => x.service_request_id === id));
  // the updates feed (mySociety) in both formats
  const ups = (await both('/open311/v2/servicerequestupdates', UPDATES, 'service_requests_updates', { key: hotline.api_key, query: { start_date: from } }))
    .filter((u) => u.service_request_id === id);
  assert.deepEqual(ups.map((u) => u.external_status_code), ['reported', 'accepted', 'dispatched', 'in_hand', 'handled', 'verified', 'closed']);
  assert.deepEqual(ups.map((u) => u.status), ['open', 'open', 'open', 'open', 'open', 'open', 'closed']);
  assert.equal(ups.at(-1).description, '已办结');
  assert.equal(ups[4].description, '已处置：已责令停工，当事人自行拆除违建部分');
  for (let i = 1; i < ups.length; i++) assert.ok(Number(ups[i].update_id) > Number(ups[i - 1].update_id));
  // a later window has none of them
  const later = await both('/open311/v2/servicerequestupdates', UPDATES, 'service_requests_updates', { key: hotline.api_key, query: { start_date: '2099-01-01T00:00:00+08:00', end_date: '2099-01-02T00:00:00+08:00' } });
  assert.deepEqual(later, []);
});

test('rejected and merged problems are closed, with status notes saying which and why', async () => {
  const a = (await post('json', base(hotline.api_key))).body[0].service_request_id;
  const b = (await post('json', base(hotline.api_key))).body[0].service_request_id;
  const c = (await post('json', base(hotline.api_key))).body[0].service_request_id;
  await act(t.office, a, { action: 'reject', reason: '经核实该房屋已取得规划许可' });
  await act(t.office, b, { action: 'merge', into_id: Number(c) });
  const l = await both('/open311/v2/requests', REQUESTS, 'service_requests', { key: hotline.api_key, query: { service_request_id: `${a},${b},${c}` } });
  const by = Object.fromEntries(l.map((x) => [x.service_request_id, x]));
  assert.equal(by[a].status, 'closed');
  assert.equal(by[a].status_notes, '不予受理：经核实该房屋已取得规划许可');
  assert.equal(by[b].status, 'closed');
  assert.match(by[b].status_notes, new RegExp(`^与问题${c}重复，已合并处理`));
  assert.equal(by[c].status, 'open');
  const ups = await call('GET', '/open311/v2/servicerequestupdates.json', { key: hotline.api_key });
  assert.ok(ups.body.some((u) => u.service_request_id === a && u.status === 'closed' && u.description === '不予受理：经核实该房屋已取得规划许可'));
});

test('bad keys: 403 in the specification\'s format, audited, nothing written', async () => {
  const before = count('SELECT COUNT(*) FROM problems');
  specError(await post('json', base('x'.repeat(43))), 403);
  specError(await post('xml', base('short')), 403, '.xml');
  specError(await post('json', base(undefined)), 403);
  specError(await call('GET', '/open311/v2/requests.json'), 403);
  specError(await call('GET', '/open311/v2/services.xml', { key: 'y'.repeat(43) }), 403, '.xml');
  // revoked
  const temp = await client({ name: '临时视频分析', channel: 'video' });
  assert.equal((await post('json', base(temp.api_key))).status, 200);
  const rv = await h.api('POST', `/api/v1/open311/clients/${temp.id}/revoke`, { token: t.admin });
  assert.equal(rv.status, 200);
  assert.ok(rv.body.items.some((c) => c.id === temp.id && c.revoked));
  assert.match(specError(await post('json', base(temp.api_key)), 403), /吊销/);
  specError(await call('GET', '/open311/v2/requests.json', { key: temp.api_key }), 403);
  assert.equal(count('SELECT COUNT(*) FROM problems'), before + 1);
  assert.ok(count("SELECT COUNT(*) FROM audit_log WHERE action = 'open311.key' AND outcome = 'denied'") >= 4);
});

test('bad input: unknown service, outside the grid, no description, body over the limit — the specification\'s errors, nothing written', async () => {
  const before = count('SELECT COUNT(*) FROM problems');
  const key = hotline.api_key;
  const cases = [
    [{ service_code: 'NOPE' }, 400, /service_code/],
    [{ service_code: 'CS' }, 400, /service_code/],
    [{ service_code: undefined }, 400, /service_code/],
    [{ ...OUTSIDE }, 400, /网格/],
    [{ description: undefined }, 400, /描述/],
    [{ description: '' }, 400, /描述/],
    [{ description: '违'.repeat(4001) }, 400, /4000/],
    [{ lat: undefined, long: undefined }, 400, /位置|lat/],
    [{ lat: 'north' }, 400, /经纬度/],
    [{ 'attribute[place_type]': 'moon' }, 400, /attribute/],
    [{ 'attribute[colour]': 'red' }, 400, /attribute/],
    [{ 'attribute[floors]': 'three' }, 400, /attribute/],
    [{ media_url: 'javascript:alert(1)' }, 400, /media_url/],
    [{ phone: 'call me' }, 400, /电话/],
    [{ jurisdiction_id: 'elsewhere' }, 404, /jurisdiction_id/],
    [{ unknown_field: '1' }, 400, /字段/],
  ];
  for (const [extra, status, re] of cases) {
    const fields = Object.fromEntries(Object.entries(base(key, extra)).filter(([, v]) => v !== undefined));
    for (const fmt of ['json', 'xml']) {
      const r = await post(fmt, fields);
      assert.match(specError(r, status, '.' + fmt), re, JSON.stringify(extra));
    }
  }
  // a repeated field and a broken escape are not a form
  specError(await post('json', `api_key=${key}&service_code=CS01&service_code=SR01&description=x&lat=28.405&long=119.845`), 400);
  specError(await post('json', `api_key=${key}&service_code=CS01&description=%E4%B8&lat=28.405&long=119.845`), 400);
  specError(await post('xml', `api_key=${key}&service_code=CS01&description=%zz&lat=28.405&long=119.845`), 400, '.xml');
  // over the limit (64 KiB)
  const big = new URLSearchParams({ ...base(key), description: '大'.repeat(30000) }).toString();
  assert.ok(big.length > 64 * 1024);
  specError(await post('json', big), 413);
  specError(await post('xml', big), 413, '.xml');
  assert.equal(count('SELECT COUNT(*) FROM problems'), before, 'nothing written');
  assert.equal(count('SELECT COUNT(*) FROM open311_requests'), count("SELECT COUNT(*) FROM problems WHERE id IN (SELECT problem_id FROM open311_requests)"));
  // unknown format and unknown request
  specError(await call('GET', '/open311/v2/requests/999999.json', { key }), 404);
  specError(await call('GET', '/open311/v2/tokens/0123456789abcdef0123456789abcdef.xml', { key }), 404, '.xml');
  specError(await call('GET', '/open311/v2/nothing.json', { key }), 404);
  specError(await call('DELETE', '/open311/v2/requests.xml', { key }), 405, '.xml');
  const csv = await fetch(`${h.url}/open311/v2/services.csv?api_key=${key}`);
  assert.equal(csv.status, 404);
  validate(ERRORS, await csv.json());
});

test('places: a system reports only into its townships; an address alone needs one township', async () => {
  const dgt = Number(h.sql("SELECT id FROM regions WHERE name = '大港头镇'"));
  const bihu = Number(h.sql("SELECT id FROM regions WHERE name = '碧湖镇'"));
  const other = await client({ name: '大港头镇视频监控', channel: 'video', townships: [dgt] });
  assert.deepEqual(other.townships, [dgt]);
  specError(await post('json', base(other.api_key)), 403);
  // an address alone lands in its one township
  const bihuOnly = await client({ name: '碧湖镇转办系统', channel: 'transfer', townships: [bihu] });
  const r = await post('json', { api_key: bihuOnly.api_key, service_code: 'SR01', address_string: '碧湖镇中山街12号门前', description: '占道经营' });
  assert.equal(r.status, 200, r.text);
  const p = await h.api('GET', `/api/v1/problems/${r.body[0].service_request_id}`, { token: t.office });
  assert.equal(p.body.channel, 'transfer');
  assert.equal(p.body.township_id, bihu);
  assert.equal(p.body.address, '碧湖镇中山街12号门前');
  // the county-wide hotline must give a point
  assert.match(specError(await post('json', { api_key: hotline.api_key, service_code: 'SR01', address_string: '中山街', description: '占道经营' }), 400), /经纬度/);
  // each system reads only its own places
  const seen = await call('GET', `/open311/v2/requests/${r.body[0].service_request_id}.json`, { key: other.api_key });
  specError(seen, 404);
  expectError(assert, await h.api('POST', '/api/v1/open311/clients', { token: t.admin, body: { name: 'x', channel: 'video', townships: [999999] } }), 422, 'invalid_township');
});

test('a per-key rate limit answers 429; other keys go on', async () => {
  const slow = await client({ name: '限速测试系统', channel: 'complaint', rate_per_minute: 3 });
  for (let i = 0; i < 3; i++) assert.equal((await call('GET', '/open311/v2/services.json', { key: slow.api_key })).status, 200);
  specError(await call('GET', '/open311/v2/services.json', { key: slow.api_key }), 429);
  specError(await post('xml', base(slow.api_key)), 429, '.xml');
  assert.equal((await call('GET', '/open311/v2/services.json', { key: hotline.api_key })).status, 200);
  assert.ok(count("SELECT COUNT(*) FROM audit_log WHERE username = 'open311:限速测试系统' AND outcome = 'rate_limited'") >= 2);
});

test('reads need a key unless the administrator makes them public; writing always does', async () => {
  specError(await call('GET', '/open311/v2/services.json'), 403);
  expectError(assert, await h.api('PUT', '/api/v1/open311/settings', { token: t.office, body: { public_read: true } }), 403);
  let r = await h.api('PUT', '/api/v1/open311/settings', { token: t.admin, body: { public_read: true } });
  assert.equal(r.status, 200);
  await both('/open311/v2/services', SERVICES, 'services');
  const open = await both('/open311/v2/requests', REQUESTS, 'service_requests');
  assert.ok(open.length > 0);
  assert.ok(!/13800001234|张三|zhangsan/.test(JSON.stringify(open)));
  specError(await post('json', base(undefined)), 403);
  r = await h.api('PUT', '/api/v1/open311/settings', { token: t.admin, body: { public_read: false } });
  assert.equal(r.status, 200);
  specError(await call('GET', '/open311/v2/requests.json'), 403);
});
