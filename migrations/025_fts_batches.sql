-- 025 the text index in batches, off the report's transaction (SQLite).
-- 007's insert trigger wrote every new problem into problems_fts inside the
-- report's own transaction, and FTS5 flushed a segment for it when the
-- INSERT ended: on the 1M fill a third to a half of the instructions a
-- report held the single writer for. Now the scheduler indexes the new
-- rows in id order, up to a thousand in one transaction and one segment,
-- every second (src/domain/search.c, xz_search_index), and
-- problems_fts_mark.last_id says how far it has come: every problem at or
-- below it is in the index with its current text, none above it is. The
-- search reads the index up to the mark and scans the few rows above it
-- with LIKE, so a problem is found the moment it is reported
-- (docs/internals/store.md). PostgreSQL's GIN index is kept by the table
-- itself and is unchanged.
-- @sqlite
CREATE TABLE problems_fts_mark (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  last_id BIGINT NOT NULL
);
INSERT INTO problems_fts_mark (id, last_id) SELECT 1, COALESCE(MAX(id), 0) FROM problems;
DROP TRIGGER problems_fts_insert;
DROP TRIGGER problems_fts_delete;
DROP TRIGGER problems_fts_update;
-- A row above the mark is not in the index: nothing to take out. A deleted
-- row may leave the mark above every id left, and a new row would then take
-- an id at or below it (SQLite gives max(id) + 1) and never be indexed: the
-- mark comes down to the highest id left.
CREATE TRIGGER problems_fts_delete AFTER DELETE ON problems
  WHEN OLD.id <= (SELECT last_id FROM problems_fts_mark) BEGIN
  INSERT INTO problems_fts(problems_fts, rowid, description, address)
    VALUES ('delete', OLD.id, OLD.description, OLD.address);
  UPDATE problems_fts_mark SET last_id = (SELECT COALESCE(MAX(id), 0) FROM problems)
    WHERE last_id > (SELECT COALESCE(MAX(id), 0) FROM problems);
END;
-- A row above the mark is indexed later with the text it has then.
CREATE TRIGGER problems_fts_update AFTER UPDATE OF description, address ON problems
  WHEN OLD.id <= (SELECT last_id FROM problems_fts_mark) BEGIN
  INSERT INTO problems_fts(problems_fts, rowid, description, address)
    VALUES ('delete', OLD.id, OLD.description, OLD.address);
  INSERT INTO problems_fts(rowid, description, address) VALUES (NEW.id, NEW.description, NEW.address);
END;
-- @end
