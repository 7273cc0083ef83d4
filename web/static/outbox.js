// outbox.js — nothing a grid member reports is lost on a weak signal.
//
// Photos live in IndexedDB from the moment they are chosen (resized on the
// phone to at most 1,600 px as JPEG, with the SHA-256 of the original kept
// and sent along), so a reload, a closed tab or a dead battery keeps them.
// A submitted report moves, with its photos, into the outbox (IndexedDB)
// and stays there until the server has acknowledged the report and every
// photo. Each report carries its draft's Idempotency-Key and each photo
// its own, so a retry after a lost answer counts once. The outbox is sent
// when the signal returns (the `online` event), when the application
// starts, and every 30 s while something is pending; the header shows how
// many reports wait.
//
// A patrol recorded as it happens (patrol.js) queues its calls here too —
// track batches, checklist ticks, the stop — as items of kind 'call' (a
// method, a path, a body and their own Idempotency-Key). The outbox sends
// everything in the order it was queued and stops at the first failure of
// the network, so a patrol's stop never overtakes its last positions.
import { api, state } from './core.js';

const DB_NAME = 'xz', DB_VERSION = 1;
const MAX_SIDE = 1600, QUALITY = 0.82;
const RETRY_DELAYS = [1000, 2000, 4000, 8000, 15000, 30000];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let dbp = null;
function db() {
  dbp ||= new Promise((resolve, reject) => {
    const rq = indexedDB.open(DB_NAME, DB_VERSION);
    rq.onupgradeneeded = () => {
      const d = rq.result;
      const ph = d.createObjectStore('photos', { keyPath: 'id' });
      ph.createIndex('draft', 'draft');
      d.createObjectStore('outbox', { keyPath: 'key' });
    };
    rq.onsuccess = () => resolve(rq.result);
    rq.onerror = () => { dbp = null; reject(rq.error); };
  });
  return dbp;
}
function tx(store, mode, fn) {
  return db().then((d) => new Promise((resolve, reject) => {
    const t = d.transaction(store, mode);
    let out;
    const r = fn(t.objectStore(store));
    if (r) r.onsuccess = () => { out = r.result; };
    t.oncomplete = () => resolve(out);
    t.onerror = t.onabort = () => reject(t.error);
  }));
}
const byDraft = (draft) => tx('photos', 'readonly', (s) => s.index('draft').getAll(draft));

export const randomKey = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');

async function sha256(blob) {
  if (!crypto.subtle) return null;
  const h = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  return Array.from(new Uint8Array(h), (b) => b.toString(16).padStart(2, '0')).join('');
}

// shrink: a JPEG of at most MAX_SIDE px on the long side; the original when
// the browser cannot decode it (the server still checks the type).
async function shrink(file) {
  try {
    const bmp = await createImageBitmap(file);
    const k = Math.min(1, MAX_SIDE / Math.max(bmp.width, bmp.height));
    const w = Math.round(bmp.width * k), hgt = Math.round(bmp.height * k);
    const c = document.createElement('canvas');
    c.width = w; c.height = hgt;
    const g = c.getContext('2d');
    g.fillStyle = '#fff'; g.fillRect(0, 0, w, hgt);
    g.drawImage(bmp, 0, 0, w, hgt);
    bmp.close?.();
    const out = await new Promise((r) => c.toBlob(r, 'image/jpeg', QUALITY));
    if (!out) return { blob: file, width: bmp.width, height: bmp.height };
    return { blob: out.size < file.size || file.type !== 'image/jpeg' || k < 1 ? out : file, width: w, height: hgt };
  } catch {
    return { blob: file, width: 0, height: 0 };
  }
}

// addPhoto: keep a chosen photo for a draft (replacing the draft's photos).
// Resolves to the stored record.
export async function addPhoto(draft, file) {
  const [sha, small] = await Promise.all([sha256(file), shrink(file)]);
  const name = (file.name || 'photo').replace(/\.[^.]*$/, '') + (small.blob.type === 'image/jpeg' ? '.jpg' : '');
  const rec = { id: randomKey(), draft, key: randomKey(), user: state.me?.username, blob: small.blob, name, type: small.blob.type,
    size: small.blob.size, original_size: file.size, original_sha256: sha, width: small.width, height: small.height, uploaded: false, at: Date.now() };
  await removePhotos(draft);
  await tx('photos', 'readwrite', (s) => s.put(rec));
  return rec;
}
export const photosOf = (draft) => byDraft(draft).catch(() => []);
export async function removePhotos(draft) {
  for (const p of await photosOf(draft)) await tx('photos', 'readwrite', (s) => s.delete(p.id));
}

// ---- the outbox ----
// pending: this user's items in the order they were queued.
let seq = 0;
const order = (a, b) => (a.at - b.at) || ((a.seq || 0) - (b.seq || 0));
export const pending = () => tx('outbox', 'readonly', (s) => s.getAll()).then((all) => all.filter((x) => x.user === state.me?.username).sort(order)).catch(() => []);
const put = (item) => tx('outbox', 'readwrite', (s) => s.put(item));
const drop = (key) => tx('outbox', 'readwrite', (s) => s.delete(key));

// discard: take a report out of the outbox (its photos too unless kept).
export async function discard(key, { keepPhotos = false } = {}) {
  await drop(key);
  if (!keepPhotos) await removePhotos(key);
  changed();
}

const transient = (e) => e.status === 0 || e.status === 408 || e.status === 429 || e.status >= 500;

// enqueue: a submitted report (its draft key, the body for POST /problems)
// waits in the outbox with its photos.
export async function enqueue(key, body) {
  const item = { key, user: state.me.username, body, problem_id: null, at: Date.now(), seq: ++seq, error: '' };
  await put(item);
  changed();
  return item;
}

// enqueueCall: one call of a patrol (method, path under /api/v1, JSON body)
// waits in the outbox with its own Idempotency-Key; label names it for the
// user. Resolves to the item.
export async function enqueueCall(method, path, body, label = '') {
  const item = { key: randomKey(), kind: 'call', user: state.me.username, method, path, body, label, at: Date.now(), seq: ++seq, error: '' };
  await put(item);
  changed();
  return item;
}

// sendCall: a queued call, retried like a report; gone from the outbox once
// the server answers it. A refusal (4xx other than 401) will not change on
// a retry: the call is dropped and an `xz:refused` event names it.
async function sendCall(item, retry) {
  try {
    const out = await retry(() => api(item.method, item.path, item.body, { headers: { 'Idempotency-Key': item.key } }), '正在同步…');
    await drop(item.key);
    changed();
    return out;
  } catch (e) {
    if (!transient(e) && e.status !== 401) {
      await drop(item.key);
      window.dispatchEvent(new CustomEvent('xz:refused', { detail: { item, error: e.message, code: e.code } }));
    } else {
      item.error = e.message; item.tries = (item.tries || 0) + 1;
      await put(item).catch(() => {});
    }
    changed();
    throw e;
  }
}

// sendItem: the report, then each photo not yet acknowledged. onStatus(text,
// kind) follows the progress. Retries transient failures (same keys) up to
// `retries` times; then throws, leaving the item in the outbox. A refusal
// (4xx) is thrown as is and the item kept with its error for the user.
export async function sendItem(item, { onStatus = () => {}, retries = RETRY_DELAYS.length } = {}) {
  const retry = async (fn, what) => {
    for (let i = 0; ; i++) {
      try {
        onStatus(i ? `网络不稳，正在重试…（第 ${i} 次）` : what, i ? 'warn' : '');
        return await fn();
      } catch (e) {
        if (!transient(e) || i >= retries) throw e;
        onStatus(`网络不稳，正在重试…（${Math.round(RETRY_DELAYS[i] / 1000)} 秒后第 ${i + 1} 次）`, 'warn');
        await sleep(RETRY_DELAYS[i]);
      }
    }
  };
  if (item.kind === 'call') return sendCall(item, retry);
  try {
    if (!item.problem_id) {
      const p = await retry(() => api('POST', '/problems', item.body, { headers: { 'Idempotency-Key': item.key } }), '正在提交…');
      item.problem_id = p.id; item.error = '';
      await put(item);
    }
    const photos = await photosOf(item.key);
    for (const [i, ph] of photos.entries()) {
      if (ph.uploaded) continue;
      const form = () => {
        const f = new FormData();
        f.append('file', ph.blob, ph.name || 'photo.jpg');
        if (ph.original_sha256) f.append('original_sha256', ph.original_sha256);
        return f;
      };
      await retry(() => api('POST', `/problems/${item.problem_id}/evidence`, { raw: form() }, { headers: { 'Idempotency-Key': ph.key } }),
        photos.length > 1 ? `正在上传照片（${i + 1}/${photos.length}）…` : '正在上传照片…');
      ph.uploaded = true;
      await tx('photos', 'readwrite', (s) => s.put(ph));
    }
    await removePhotos(item.key);
    await drop(item.key);
    changed();
    return item.problem_id;
  } catch (e) {
    item.error = e.message; item.tries = (item.tries || 0) + 1;
    await put(item).catch(() => {});
    changed();
    throw e;
  }
}

let flushing = null;
// flush: send every pending report once (no waiting retries); resolves to
// the ids the server acknowledged.
export function flush() {
  if (!state.me || state.offline) return Promise.resolve([]);
  flushing ||= (async () => {
    const done = [], calls = [];
    try {
      for (const item of await pending()) {
        try {
          const out = await sendItem(item, { retries: 0 });
          (item.kind === 'call' ? calls : done).push(item.kind === 'call' ? { item, out } : out);
        } catch (e) { if (transient(e) || e.status === 401) break; }
      }
    } finally { flushing = null; }
    if (done.length) window.dispatchEvent(new CustomEvent('xz:sent', { detail: done }));
    if (calls.length) window.dispatchEvent(new CustomEvent('xz:synced', { detail: calls }));
    return done;
  })();
  return flushing;
}

function changed() { window.dispatchEvent(new CustomEvent('xz:outbox')); }

// watch: flush when the signal returns and every 30 s while items wait.
let watching = false;
export function watch() {
  if (watching) return;
  watching = true;
  window.addEventListener('online', () => flush());
  setInterval(async () => { if ((await pending()).length) flush(); }, 30000);
}
