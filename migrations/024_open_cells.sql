-- 024 the duplicate search on a two-dimensional key (issue 15). 015's
-- problems_open_near (category, lat, lon) seeks one category's open problems
-- in the point's latitude band and then reads every longitude of it: on a
-- county of a million problems ~400 index entries to find ~11 in the box,
-- 1.5M of a report's 4.4M instructions. This index cuts the band into rows
-- of 1/360 of a degree of latitude (~309 m) and orders each row by
-- longitude, so the search is one short seek per row it crosses. lat and
-- created_at ride along, so that an entry outside the box or older than the
-- search's days is passed over without reading its table row (the search's
-- ~300 table reads per report on the 1M fill were most of its cost).
--
-- The row is CAST(lat * 360 AS INTEGER): SQLite truncates, PostgreSQL
-- rounds, so a latitude in [lo, hi] is in one of the rows
-- floor(lo * 360) .. floor(hi * 360) + 1 on both; the search names those
-- (src/domain/problem_report.c, xz_problem_duplicates) and keeps the exact
-- box condition beside them. The open states are the machine's, word for
-- word (SQLite uses a partial index only on an exact match;
-- tests/store/test_store.c checks it).
DROP INDEX problems_open_near;
CREATE INDEX problems_open_cell ON problems(category, (CAST(lat * 360 AS INTEGER)), lon, lat, created_at)
  WHERE state IN ('reported','accepted','dispatched','in_hand','handled','verified','escalated','taken_up');
