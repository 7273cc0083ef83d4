// wal.test.mjs — the SQLite WAL stays bounded under a steady load of reads
// and writes (issue 15). PASSIVE checkpoints alone never let it start again
// from the top while some reader always held a snapshot in it: it grew by
// ~150 KB a report, 3 GB in 80 s of the soak's mix. The scheduler now
// RESTARTs it past 8192 pages (~32 MB). And /metrics shows what the
// server's memory is made of.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, existsSync } from 'node:fs';
import { startServer, ENGINE } from './lib.mjs';

const walBytes = (db) => (existsSync(db + '-wal') ? statSync(db + '-wal').size : 0);

test('the WAL stays under 80 MB while 1200 reports are written among constant reads', { skip: ENGINE !== 'sqlite' && 'SQLite only' }, async () => {
  const h = await startServer();
  try {
    const grid = await h.login('grid');
    const office = await h.login('office');
    let written = 0, failed = 0, max = 0, stop = false;
    const writers = [0, 1, 2, 3].map(async (w) => {
      while (written < 1200) {
        written++;
        const r = await h.api('POST', '/api/v1/problems', { token: grid, body: {
          channel: 'patrol', category: 'CS01', description: `预写日志测试 ${w}-${written}`,
          lon: 119.841 + (written % 97) * 0.0006, lat: 28.401 + (written % 89) * 0.0005 } });
        if (r.status !== 201) failed++;
        max = Math.max(max, walBytes(h.db.url));
      }
    });
    const readers = [0, 1, 2, 3].map(async () => {
      while (!stop) assert.equal((await h.api('GET', '/api/v1/problems?limit=50', { token: office })).status, 200);
    });
    await Promise.all(writers);
    stop = true;
    await Promise.all(readers);
    assert.equal(failed, 0, 'every report was accepted');
    // ~37 pages a report: 1200 reports are ~120 MB of WAL when nothing restarts it
    assert.ok(max < 80 * 1024 * 1024, `the WAL reached ${(max / 1048576).toFixed(1)} MB`);
    const m = await (await fetch(h.url + '/api/v1/metrics')).text();
    const gauge = (k) => Number(new RegExp(`^${k} (\\d+)$`, 'm').exec(m)?.[1]);
    for (const k of ['xiezhi_db_sqlite_memory_bytes', 'xiezhi_db_statements_cached']) assert.ok(gauge(k) > 0, `${k} is reported: ${gauge(k)}`);
    // malloc's own figures (glibc's mallinfo2): 0 under a sanitizer, whose allocator they do not see
    for (const k of ['process_heap_in_use_bytes', 'process_heap_free_bytes']) assert.ok(gauge(k) >= 0, `${k} is reported: ${gauge(k)}`);
    const sq = Number(/^xiezhi_db_sqlite_memory_bytes (\d+)$/m.exec(m)[1]);
    assert.ok(sq < 12 * 1024 * 1024, `SQLite keeps to its 8 MB budget (give or take what is pinned): ${sq}`);
  } finally { await h.close(); }
});
