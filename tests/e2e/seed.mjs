// seed.mjs — problems for the browser tests' dashboards and maps: reported
// through the API by the grid member of 碧湖镇 at points inside its cells,
// across channels and categories, and moved along the closed loop to a
// spread of states. Deterministic (a fixed pseudo-random sequence).
export async function seedProblems(h, n = 40) {
  const tok = {};
  const as = async (u) => (tok[u] ||= await h.login(u));
  const call = async (u, method, path, body) => {
    const r = await h.api(method, path, { token: await as(u), body });
    if (r.status >= 300) throw new Error(`${u} ${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const cells = (await call('office', 'GET', '/api/v1/grid/cells')).features;
  let seed = 20260501;
  const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  const cats = ['CS01', 'CS01', 'CS02', 'SR01', 'SR01', 'SR02', 'SR02', 'SR03', 'HJ01', 'HJ02', 'HJ03', 'AQ01', 'SC01', 'SC02', 'LY01', 'TD01'];
  const texts = { CS01: '村口新建彩钢棚未见规划许可', CS02: '农田里堆土疑似违法占地', SR01: '集市路口占道摆摊影响通行', SR02: '河边空地有人倾倒建筑垃圾', SR03: '沿街店铺擅自设置大型广告牌',
    HJ01: '小溪水面发黑有异味', HJ02: '田间焚烧秸秆烟雾很大', HJ03: '夜间工地施工噪声扰民', AQ01: '加工厂消防通道被堵', SC01: '无照经营的小作坊', SC02: '流动摊贩售卖来源不明熟食', LY01: '景区门口拉客揽客', TD01: '河道旁疑似非法采砂' };
  const channels = ['patrol', 'patrol', 'patrol', 'complaint', 'complaint', 'media', 'video', 'assigned'];
  const ids = [];
  for (let i = 0; i < n; i++) {
    const c = cells[Math.floor(rnd() * Math.min(9, cells.length))];
    const ring = c.geometry.coordinates[0];
    const xs = ring.map((p) => p[0]), ys = ring.map((p) => p[1]);
    const lon = Math.min(...xs) + (0.15 + 0.7 * rnd()) * (Math.max(...xs) - Math.min(...xs));
    const lat = Math.min(...ys) + (0.15 + 0.7 * rnd()) * (Math.max(...ys) - Math.min(...ys));
    const cat = cats[Math.floor(rnd() * cats.length)];
    const channel = channels[Math.floor(rnd() * channels.length)];
    const reporter = channel === 'complaint' ? { name: '王建国', phone: '13905780000' } : undefined;
    const p = await call(channel === 'patrol' ? 'grid' : 'office', 'POST', '/api/v1/problems', { channel, category: cat, description: texts[cat], lon, lat, ...(reporter ? { reporter } : {}) });
    ids.push(p.id);
    const steps = Math.floor(rnd() * 7); // 0 reported … 6 closed
    const act = (u, body) => call(u, 'POST', `/api/v1/problems/${p.id}/actions`, body).catch(() => null);
    if (steps >= 1) await act('office', { action: 'accept' });
    if (steps >= 2) await act('office', { action: 'dispatch' });
    if (steps >= 3) await act('staff', { action: 'take' });
    if (steps >= 4) await act('staff', { action: 'handle', feedback: '已到现场处置，责令整改完毕' });
    if (steps >= 5) await act('grid', { action: 'verify', passed: true, note: '现场复核已整改' });
    if (steps >= 6) await act('office', { action: 'close' });
  }
  return ids;
}

// seedNotice: a routine joint action of 碧湖镇 in progress in which the
// 碧湖镇环保所 alone takes part (office drafts and submits, the leader
// approves, the office starts it), and an interactive notice about an
// illegal building (CS01) — which routing hands to 碧湖镇综合行政执法中队,
// the unit of the demo `contact`. Answers { action, notice }.
export async function seedNotice(h, title = '堰头村河道沿线联合巡查（浏览器测试）') {
  const tok = {};
  const call = async (u, method, path, body) => {
    const r = await h.api(method, path, { token: (tok[u] ||= await h.login(u)), body });
    if (r.status >= 300) throw new Error(`${u} ${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const now = Date.parse((await h.api('GET', '/api/v1/health')).body.time);
  const iso = (ms) => new Date(ms).toISOString();
  const me = await call('office', 'GET', '/api/v1/me');
  const a = await call('office', 'POST', '/api/v1/joint-actions', { mechanism: 'routine', title, township_id: me.township_id,
    planned_start: iso(now - 3600000), planned_end: iso(now + 6 * 3600000), participating_units: [3], place: '堰头村河道', targets: '河道沿线排污口' });
  await call('office', 'POST', `/api/v1/joint-actions/${a.id}/actions`, { action: 'submit' });
  await call('leader', 'POST', `/api/v1/joint-actions/${a.id}/actions`, { action: 'approve' });
  await call('office', 'POST', `/api/v1/joint-actions/${a.id}/actions`, { action: 'start' });
  const notice = await call('office', 'POST', `/api/v1/joint-actions/${a.id}/notices`, { category: 'CS01', description: '巡查中发现河道旁新建彩钢棚一处，未见规划许可' });
  return { action: a, notice };
}
