-- 022 the reference data's revision (issue 15): one number that every
-- change to the data a report reads moves — categories, regions, the
-- published lists (list_versions, power_items), departments, units,
-- settings (grid_rev and calendar_rev live there, so cells and calendars
-- count too), and who is told (users' place and state, user_roles).
-- A report does its reads before its write transaction, on a reader
-- connection, noting this number first; inside the transaction it reads the
-- number again and reads everything once more only if it moved, so the
-- stored problem is the one the reads inside the transaction would give
-- (src/domain/problem_report.c, docs/internals/store.md).
CREATE TABLE ref_revision (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  n BIGINT NOT NULL
);
INSERT INTO ref_revision (id, n) VALUES (1, 1);
-- @sqlite
CREATE TRIGGER ref_rev_categories_insert AFTER INSERT ON categories BEGIN UPDATE ref_revision SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER ref_rev_categories_delete AFTER DELETE ON categories BEGIN UPDATE ref_revision SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER ref_rev_categories_update AFTER UPDATE ON categories BEGIN UPDATE ref_revision SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER ref_rev_regions_insert AFTER INSERT ON regions BEGIN UPDATE ref_revision SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER ref_rev_regions_delete AFTER DELETE ON regions BEGIN UPDATE ref_revision SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER ref_rev_regions_update AFTER UPDATE ON regions BEGIN UPDATE ref_revision SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER ref_rev_list_versions_insert AFTER INSERT ON list_versions BEGIN UPDATE ref_revision SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER ref_rev_list_versions_delete AFTER DELETE ON list_versions BEGIN UPDATE ref_revision SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER ref_rev_list_versions_update AFTER UPDATE ON list_versions BEGIN UPDATE ref_revision SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER ref_rev_power_items_insert AFTER INSERT ON power_items BEGIN UPDATE ref_revision SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER ref_rev_power_items_delete AFTER DELETE ON power_items BEGIN UPDATE ref_revision SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER ref_rev_power_items_update AFTER UPDATE ON power_items BEGIN UPDATE ref_revision SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER ref_rev_departments_insert AFTER INSERT ON departments BEGIN UPDATE ref_revision SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER ref_rev_departments_delete AFTER DELETE ON departments BEGIN UPDATE ref_revision SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER ref_rev_departments_update AFTER UPDATE ON departments BEGIN UPDATE ref_revision SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER ref_rev_units_insert AFTER INSERT ON units BEGIN UPDATE ref_revision SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER ref_rev_units_delete AFTER DELETE ON units BEGIN UPDATE ref_revision SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER ref_rev_units_update AFTER UPDATE ON units BEGIN UPDATE ref_revision SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER ref_rev_settings_insert AFTER INSERT ON settings BEGIN UPDATE ref_revision SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER ref_rev_settings_delete AFTER DELETE ON settings BEGIN UPDATE ref_revision SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER ref_rev_settings_update AFTER UPDATE ON settings BEGIN UPDATE ref_revision SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER ref_rev_user_roles_insert AFTER INSERT ON user_roles BEGIN UPDATE ref_revision SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER ref_rev_user_roles_delete AFTER DELETE ON user_roles BEGIN UPDATE ref_revision SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER ref_rev_user_roles_update AFTER UPDATE ON user_roles BEGIN UPDATE ref_revision SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER ref_rev_users_insert AFTER INSERT ON users BEGIN UPDATE ref_revision SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER ref_rev_users_delete AFTER DELETE ON users BEGIN UPDATE ref_revision SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER ref_rev_users_update AFTER UPDATE OF disabled, township_id, unit_id, person_id ON users BEGIN UPDATE ref_revision SET n = n + 1 WHERE id = 1; END;
-- The text index's merging (SQLite, issue 15): FTS5 writes one segment per
-- statement inside a transaction (every report is one), and with its
-- default automerge=4 merged them so often that merging was two thirds of
-- the instructions a report holds the writer for. Merging 16 segments at a
-- time rewrites each row half as often; what a search finds is the same.
INSERT INTO problems_fts (problems_fts, rank) VALUES ('automerge', 16);
-- @end
-- @pg
CREATE FUNCTION ref_revision_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE ref_revision SET n = n + 1 WHERE id = 1;
  RETURN NULL;
END
$$;
CREATE TRIGGER ref_rev_categories AFTER INSERT OR UPDATE OR DELETE ON categories FOR EACH STATEMENT EXECUTE FUNCTION ref_revision_touch();
CREATE TRIGGER ref_rev_regions AFTER INSERT OR UPDATE OR DELETE ON regions FOR EACH STATEMENT EXECUTE FUNCTION ref_revision_touch();
CREATE TRIGGER ref_rev_list_versions AFTER INSERT OR UPDATE OR DELETE ON list_versions FOR EACH STATEMENT EXECUTE FUNCTION ref_revision_touch();
CREATE TRIGGER ref_rev_power_items AFTER INSERT OR UPDATE OR DELETE ON power_items FOR EACH STATEMENT EXECUTE FUNCTION ref_revision_touch();
CREATE TRIGGER ref_rev_departments AFTER INSERT OR UPDATE OR DELETE ON departments FOR EACH STATEMENT EXECUTE FUNCTION ref_revision_touch();
CREATE TRIGGER ref_rev_units AFTER INSERT OR UPDATE OR DELETE ON units FOR EACH STATEMENT EXECUTE FUNCTION ref_revision_touch();
CREATE TRIGGER ref_rev_settings AFTER INSERT OR UPDATE OR DELETE ON settings FOR EACH STATEMENT EXECUTE FUNCTION ref_revision_touch();
CREATE TRIGGER ref_rev_user_roles AFTER INSERT OR UPDATE OR DELETE ON user_roles FOR EACH STATEMENT EXECUTE FUNCTION ref_revision_touch();
CREATE TRIGGER ref_rev_users AFTER INSERT OR DELETE OR UPDATE OF disabled, township_id, unit_id, person_id ON users FOR EACH STATEMENT EXECUTE FUNCTION ref_revision_touch();
-- @end
