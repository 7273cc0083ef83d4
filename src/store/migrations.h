/*
 * migrations.h — the schema migrations embedded into the binary at build
 * time from migrations/{sqlite,pg}/NNN_name.sql (see scripts/embed.sh).
 */
#ifndef XZ_MIGRATIONS_H
#define XZ_MIGRATIONS_H

struct xz_migration {
	int engine; /* enum xz_db_engine */
	int version;
	const char *name;
	const char *sql;
};

/* Terminated by an entry whose name is NULL; ordered by version. */
extern const struct xz_migration xz_migrations[];

#endif
