// map.js — the grid map: township and village outlines and grid cells as
// GeoJSON polygons drawn by the bundled Leaflet on a plain background (no
// tile layer, nothing fetched from the internet), problems as markers
// coloured by their warning light, and the same map coloured by problem
// density for the dashboard's hot spots. Leaflet draws with SVG so every
// polygon is a <path> (the browser tests count them).
import { api, esc, loadLeaflet, stateTag, LIGHT_LABEL, can, html, setHtml } from './core.js';

const LIGHT_COLOR = { red: '#d92d20', yellow: '#e9a100', green: '#1a9847' };
const HEAT = ['#f2f4f7', '#fde7c8', '#fbc582', '#f79845', '#e5582a', '#b42318'];

// gridMap: draws into el; answers {map, cellLayer, setProblems(items)}.
// opts: cells, shapes (FeatureCollections), onCell(props), heat {cell_id: n}.
export async function gridMap(el, { cells, shapes, onCell, heat } = {}) {
  await loadLeaflet();
  const L = window.L;
  const map = L.map(el, { attributionControl: false, zoomControl: false, zoomSnap: 0.25, preferCanvas: false, renderer: L.svg() });
  L.control.zoom({ zoomInTitle: '放大', zoomOutTitle: '缩小', zoomInText: '+', zoomOutText: '−' }).addTo(map);
  el.setAttribute('role', 'region');
  el.setAttribute('aria-label', heat ? '问题热点地图' : '网格地图');
  // Leaflet's own labels, in Chinese
  el.querySelectorAll('.leaflet-control-zoom-in').forEach((a) => a.setAttribute('aria-label', '放大'));
  el.querySelectorAll('.leaflet-control-zoom-out').forEach((a) => a.setAttribute('aria-label', '缩小'));
  const max = heat ? Math.max(1, ...Object.values(heat)) : 1;
  const cellStyle = (f) => {
    if (heat) {
      const n = heat[f.properties.id] || 0;
      const i = n ? Math.min(HEAT.length - 1, 1 + Math.floor((n / max) * (HEAT.length - 2))) : 0;
      return { color: '#667085', weight: 1, fillColor: HEAT[i], fillOpacity: 0.85 };
    }
    return { color: '#3e6fb0', weight: 1, fillColor: '#cfe0f5', fillOpacity: 0.45 };
  };
  let selected = null;
  const cellLayer = L.geoJSON(cells || { type: 'FeatureCollection', features: [] }, {
    style: cellStyle,
    onEachFeature: (f, layer) => {
      const n = heat ? `（${heat[f.properties.id] || 0} 件）` : '';
      layer.bindTooltip(String(html`${f.properties.village_name || ''} ${f.properties.name}${n}`), { sticky: true, direction: 'top' });
      layer.on('mouseover', () => layer.setStyle({ weight: 2.5 }));
      layer.on('mouseout', () => { if (layer !== selected) layer.setStyle({ weight: 1 }); });
      layer.on('click', () => {
        if (selected) cellLayer.resetStyle(selected);
        selected = layer; layer.setStyle({ weight: 3, color: '#8b1a1a' });
        onCell?.(f.properties);
      });
    },
  }).addTo(map);
  const outline = L.geoJSON(shapes || { type: 'FeatureCollection', features: [] }, {
    style: (f) => f.properties.level === 'township'
      ? { color: '#8b1a1a', weight: 2.5, fill: false, dashArray: null }
      : { color: '#7a869a', weight: 1, dashArray: '4 3', fill: false },
    interactive: false,
    onEachFeature: (f, layer) => {
      if (f.properties.level === 'township') layer.bindTooltip(String(esc(f.properties.name)), { permanent: true, direction: 'center', className: 'town-label' });
    },
  }).addTo(map);
  const bounds = cellLayer.getBounds().isValid() ? cellLayer.getBounds() : outline.getBounds();
  if (bounds.isValid()) map.fitBounds(bounds, { padding: [10, 10] });
  else map.setView([28.42, 119.85], 12);
  let markers = null;
  const setProblems = (items) => {
    markers?.remove();
    markers = L.layerGroup(items.filter((p) => p.lon != null && p.lat != null).map((p) => {
      const c = LIGHT_COLOR[p.light] || '#667085';
      return L.circleMarker([p.lat, p.lon], { radius: 6, color: '#fff', weight: 1.5, fillColor: c, fillOpacity: 0.95, className: 'pm pm-' + (p.light || 'none') })
        .bindPopup(String(html`<b>#${p.id} ${esc(p.category_name || p.category)}</b><br>${stateTag(p.state)} ${esc(LIGHT_LABEL[p.light] || '')}<br>${esc((p.description || '').slice(0, 60))}<br><a href="#/problem/${p.id}">查看详情</a>`));
    })).addTo(map);
  };
  return { map, cellLayer, setProblems, L };
}

export async function loadGrid() {
  const [cells, shapes] = await Promise.all([api('GET', '/grid/cells'), api('GET', '/grid/shapes').catch(() => null)]);
  return { cells, shapes };
}

// The map screen: office, leader, admin, grid member.
export async function mapView(main) {
  setHtml(main, html`<h2>网格地图</h2><div class="map-wrap"><div id="map" class="map"></div>
    <aside class="card map-side"><div class="legend"><b>图例</b><br>
      <span class="legend-lights"><span class="light red"></span>红灯 超期 <span class="light yellow"></span>黄灯 临期 <span class="light green"></span>绿灯 正常<br></span>
      <span class="swatch cell"></span>网格 <span class="swatch town"></span>乡镇边界</div>
      <div id="cellinfo" class="muted">点击网格查看网格员。</div><div id="pstat" class="muted"></div></aside></div>`);
  const { cells, shapes } = await loadGrid();
  const info = main.querySelector('#cellinfo');
  const m = await gridMap(main.querySelector('#map'), {
    cells, shapes,
    onCell: (p) => {
      info.classList.remove('muted');
      setHtml(info, html`<h3>${esc(p.name)}</h3><div class="muted">${esc(p.village_name || '')} · 编码 ${esc(p.code)}${p.area_m2 ? ` · 面积 ${(p.area_m2 / 1e6).toFixed(2)} 平方公里` : ''}</div>
        <table class="compact"><thead><tr><th>网格员</th><th>职责</th><th>电话</th></tr></thead><tbody>
        ${html.join((p.members || []).map((x) => html`<tr><td>${esc(x.name)}</td><td>${x.role === 'leader' ? '网格长' : '专职网格员'}</td><td>${esc(x.phone || '')}</td></tr>`), '') || html`<tr><td colspan="3" class="muted">尚未配备网格员</td></tr>`}</tbody></table>
        <a href="#/queue?cell_id=${p.id}">本网格的问题</a>`);
    },
  });
  main.querySelector('#map').dataset.cells = String(cells.features.length);
  let items = [], more = false;
  const show = () => {
    m.setProblems(items);
    const by = { red: 0, yellow: 0, green: 0 };
    items.forEach((p) => { by[p.light] = (by[p.light] || 0) + 1; });
    const open = items.filter((p) => !['closed', 'rejected', 'merged'].includes(p.state)).length;
    main.querySelector('#pstat').textContent = `地图上 ${items.length} 件问题${more ? '（最近的500件）' : ''}（未办结 ${open} 件）：红灯 ${by.red}，黄灯 ${by.yellow}，绿灯 ${by.green}`;
  };
  const loadProblems = async () => {
    try {
      const r = await api('GET', '/problems?limit=500');
      items = r.items; more = !!r.next;
      show();
    } catch (e) {
      main.querySelector('#pstat').textContent = '问题数据暂不可用：' + e.message;
    }
  };
  // a live event re-reads only the problem it names
  const patch = async (id) => {
    const r = await api('GET', `/problems?limit=1&cursor=${id + 1}`);
    const p = r.items[0]?.id === id ? r.items[0] : null;
    items = items.filter((x) => x.id !== id);
    if (p) items.unshift(p);
    show();
  };
  // a role that may not read problems (the administrator) sees the grid only
  if (!can('problem.read')) { main.querySelector('#pstat').textContent = ''; main.querySelector('.legend-lights')?.remove(); return; }
  await loadProblems();
  const onEvent = (ev) => {
    if (!document.body.contains(m.map.getContainer())) { window.removeEventListener('xz:problem', onEvent); return; }
    if (ev.detail?.id) patch(Number(ev.detail.id)).catch(() => {}); else loadProblems();
  };
  window.addEventListener('xz:problem', onEvent);
}
