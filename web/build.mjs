// build.mjs — builds web/static into web/dist (run by scripts/web.sh).
//
// - Every script and style sheet (ours and the bundled Leaflet and ECharts)
//   is renamed by its content hash and put under /assets/, which the server
//   serves `immutable` for a year. A module's hash covers the modules it
//   imports (transitively), so a change anywhere renames every importer.
//   Imports ('./core.js'), dynamic imports and the vendor paths the code
//   names ('/vendor/echarts.min.js') are rewritten to the hashed names.
// - index.html and sw.js keep their names (revalidated with an ETag). The
//   service worker receives the list of the shell's files and a version.
// - Every text file gets a gzip (.gz) and a brotli (.br) variant next to
//   it, made with Node's zlib (the same formats as Debian's gzip and brotli
//   tools); the server picks the one the browser accepts.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync, readdirSync, rmSync, renameSync, copyFileSync, existsSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { gzipSync, brotliCompressSync, constants as Z } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'web/static');
const OUT = join(ROOT, 'web/dist.tmp');
const FINAL = join(ROOT, 'web/dist');
const NM = join(ROOT, 'node_modules');

// The assets: our modules and styles, and the vendor files under the
// names the code uses for them.
const assets = new Map(); // key (as referenced) -> { base, ext, text }
for (const f of readdirSync(SRC).sort()) {
  if (!/\.(js|css)$/.test(f) || f === 'sw.js') continue;
  assets.set('./' + f, { file: f, text: readFileSync(join(SRC, f), 'utf8') });
}
const VENDOR = {
  '/vendor/leaflet.js': 'leaflet/dist/leaflet.js',
  '/vendor/leaflet.css': 'leaflet/dist/leaflet.css',
  '/vendor/echarts.min.js': 'echarts/dist/echarts.min.js',
};
for (const [ref, path] of Object.entries(VENDOR)) {
  assets.set(ref, { file: ref.split('/').pop(), text: readFileSync(join(NM, path), 'utf8') });
}

// references: the asset keys a text names (imports, dynamic imports,
// vendor paths). Only our own files are scanned: the vendor files name none.
const IMPORT_RE = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.\/[\w.-]+\.js)\2/g;
const VENDOR_RE = /(['"])(\/vendor\/[\w.-]+\.(?:js|css))\1/g;
function refs(key) {
  if (!key.startsWith('./')) return [];
  const t = assets.get(key).text, out = new Set();
  for (const m of t.matchAll(IMPORT_RE)) out.add(m[3]);
  for (const m of t.matchAll(VENDOR_RE)) out.add(m[2]);
  for (const r of out) if (!assets.has(r)) throw new Error(`web build: ${key} names ${r}, which does not exist`);
  return [...out];
}
// staticRefs: what a module imports at load (not import() nor vendor files).
const STATIC_RE = /(\bfrom\s*|\bimport\s+)(['"])(\.\/[\w.-]+\.js)\2/g;
const staticRefs = (key) => key.startsWith('./') ? [...new Set([...assets.get(key).text.matchAll(STATIC_RE)].map((m) => m[3]))] : [];
const graph = new Map([...assets.keys()].map((k) => [k, refs(k)]));
const staticGraph = new Map([...assets.keys()].map((k) => [k, staticRefs(k)]));
function closure(key, g = graph) {
  const seen = new Set(), stack = [key];
  while (stack.length) {
    const k = stack.pop();
    if (seen.has(k)) continue;
    seen.add(k);
    stack.push(...g.get(k));
  }
  return [...seen].sort();
}
const sha = (s) => createHash('sha256').update(s).digest('hex');
const names = new Map(); // key -> hashed file name under /assets/
for (const key of assets.keys()) {
  const h = sha(closure(key).map((k) => k + '\0' + assets.get(k).text).join('\0')).slice(0, 10);
  const f = assets.get(key).file;
  const dot = f.lastIndexOf('.');
  names.set(key, `${f.slice(0, dot)}.${h}${f.slice(dot)}`);
}
const rewrite = (text) => text
  .replace(IMPORT_RE, (m, pre, q, ref) => `${pre}${q}./${names.get(ref)}${q}`)
  .replace(VENDOR_RE, (m, q, ref) => `${q}/assets/${names.get(ref)}${q}`);

rmSync(OUT, { recursive: true, force: true });
mkdirSync(join(OUT, 'assets/images'), { recursive: true });
for (const [key, a] of assets) {
  writeFileSync(join(OUT, 'assets', names.get(key)), key.startsWith('./') ? rewrite(a.text) : a.text);
}
for (const f of readdirSync(join(NM, 'leaflet/dist/images'))) copyFileSync(join(NM, 'leaflet/dist/images', f), join(OUT, 'assets/images', f));

// index.html: the hashed names, and the shell's modules preloaded so the
// login form does not wait for one round trip per import.
const url = (key) => '/assets/' + names.get(key);
let html = readFileSync(join(SRC, 'index.html'), 'utf8')
  .replace(/(href|src)="\/(app\.(?:js|css))"/g, (m, attr, f) => `${attr}="${url('./' + f)}"`)
  .replace('<!--preload-->', staticGraph.get('./app.js').map((k) => `<link rel="modulepreload" href="${url(k)}">`).join('\n'));
writeFileSync(join(OUT, 'index.html'), html);

// the service worker: the shell to keep for offline starts, and a version
// that changes with it (so a new build replaces the old cache).
const shell = ['/', ...['./app.js', './app.css', ...closure('./app.js', staticGraph), ...closure('./report.js', staticGraph), ...closure('./patrol.js', staticGraph)]
  .filter((k, i, a) => a.indexOf(k) === i && k.startsWith('./')).map(url), '/favicon.svg'];
const version = sha(html + shell.join()).slice(0, 12);
writeFileSync(join(OUT, 'sw.js'), readFileSync(join(SRC, 'sw.js'), 'utf8')
  .replace("'__VERSION__'", JSON.stringify(version))
  .replace("['__SHELL__']", JSON.stringify(shell)));
for (const f of readdirSync(SRC)) {
  if (/\.(svg|png|ico|webmanifest|json|txt)$/.test(f)) copyFileSync(join(SRC, f), join(OUT, f));
}

// precompressed variants of every text file worth compressing
function walk(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}
let raw = 0, br = 0;
for (const p of walk(OUT)) {
  if (!/\.(html|js|css|svg|json|webmanifest|txt)$/.test(p)) continue;
  const data = readFileSync(p);
  if (data.length < 256) continue;
  const b = brotliCompressSync(data, { params: { [Z.BROTLI_PARAM_QUALITY]: 11, [Z.BROTLI_PARAM_SIZE_HINT]: data.length } });
  writeFileSync(p + '.gz', gzipSync(data, { level: 9 }));
  writeFileSync(p + '.br', b);
  raw += data.length; br += b.length;
}
rmSync(FINAL + '.old', { recursive: true, force: true });
if (existsSync(FINAL)) renameSync(FINAL, FINAL + '.old');
renameSync(OUT, FINAL);
rmSync(FINAL + '.old', { recursive: true, force: true });
console.log(`web: built web/dist (${assets.size} assets, ${Math.round(raw / 1024)} KiB text, ${Math.round(br / 1024)} KiB with brotli)`);
