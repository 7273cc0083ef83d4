/*
 * records.h — one generic mechanism for the plain records of the system
 * (regions, departments, units, people …): a record kind is data — its
 * table, permissions, fields with their shapes, the columns that place it —
 * and hooks where its rules live: `derive` (check references and compute
 * derived columns such as county_id), `place` (where a record sits, for
 * authorisation), `decorate` (related data for reading) and `created` (what
 * a new record sets on itself). The kinds of the organisation are in
 * domain/org.c and domain/people.c; the HTTP face is http/resource.c, which
 * checks a body against the declared fields before calling these.
 *
 * Use cases (ctx.h): reading is scoped by the kind's read permission
 * (outside it: XZ_ENOTFOUND); writing needs the write permission at the
 * record's old and new place (403, audited, when the record is visible),
 * runs in one transaction with its audit entry. SQL is composed only from
 * the kind's constant strings (store/sqlbuf.h); values are bound. Rows
 * handed back are owned by the caller and not yet presented.
 */
#ifndef XZ_RECORDS_H
#define XZ_RECORDS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/authz.h"
#include "domain/ctx.h"
#include "store/db.h"

enum xz_field_type {
	XZ_F_TEXT = 1, /* string, length 1..max                  */
	XZ_F_ID,       /* positive integer (reference)           */
	XZ_F_INT,      /* integer                                */
	XZ_F_FLAG,     /* boolean stored as 0/1                  */
	XZ_F_DATE,     /* "YYYY-MM-DD"                           */
	XZ_F_LIST,     /* array of short strings, stored as JSON */
	XZ_F_REAL,     /* number                                 */
};

struct xz_field {
	const char *name;
	enum xz_field_type type;
	bool required;
	size_t max;		   /* text length in bytes; 0 = XZ_MAX_NAME */
	const char *const *one_of; /* allowed values for text, NULL-terminated */
	const char *label;	   /* Chinese label for messages */
};

struct xz_resource {
	const char *name; /* "units" */
	const char *table;
	const char *label; /* "派驻机构" */
	const char *read_perm, *write_perm;
	const char *columns; /* select list, e.g. "id, code, name, version" */
	/* SQL expressions holding the place, or "NULL"; a list binds the
	 * caller's county, township, department and unit as $2..$5 in that
	 * order, and an expression may refer to them */
	const char *county_col, *township_col, *department_col, *unit_col;
	const struct xz_field *fields; /* terminated by name NULL */
	const char *const *derived;    /* columns written by derive, NULL-terminated */
	/* derive: check references and set derived columns into `row` (the
	 * merged record about to be written); describes errors in c. */
	int (*derive)(struct xz_ctx *c, json_t *row);
	/* place: where a stored or about-to-be-stored record sits. */
	void (*place)(const json_t *row, struct xz_place *p);
	/* decorate: add related data to rows of a list or get (may be NULL). */
	int (*decorate)(struct xz_ctx *c, json_t *rows);
	/* created: complete a new record inside its transaction (may be NULL). */
	int (*created)(struct xz_ctx *c, int64_t id, const json_t *row);
	/* extra list filters: query arg → column, NULL-terminated pairs */
	const char *const *filters;
	/* where a wider audience lists or reads the records than the place
	 * columns say (NULL: the same): e.g. a township's users list the
	 * county above them, or every unit of their township */
	const char *list_township_col, *list_department_col, *list_unit_col;
	void (*read_place)(const json_t *row, struct xz_place *p);
};

/* An equality filter of a list: column (one of the kind's filters) = value. */
struct xz_record_filter {
	const char *column;
	int64_t value;
};

/* xz_record_load: the stored row with this id, unchecked (caller owns), or
 * XZ_ENOTFOUND (not described). */
int xz_record_load(struct xz_ctx *c, const struct xz_resource *res, int64_t id, json_t **row);
/* xz_record_ref: a referenced record's cols; 422 invalid_reference naming
 * field when there is none. */
int xz_record_ref(struct xz_ctx *c, const char *table, const char *cols, int64_t id,
		  const char *field, json_t **row);
/* xz_record_list: a page (id > after, at most limit) of the records the
 * caller may read, with equality filters, decorated. */
int xz_record_list(struct xz_ctx *c, const struct xz_resource *res,
		   const struct xz_record_filter *filters, size_t nfilters, int64_t after,
		   int64_t limit, json_t **rows);
/* xz_record_each: the same page for a kind without decorate, each row
 * handed to fn as the database reads it (a list written straight to its
 * answer). */
int xz_record_each(struct xz_ctx *c, const struct xz_resource *res,
		   const struct xz_record_filter *filters, size_t nfilters, int64_t after,
		   int64_t limit, xz_row_fn fn, void *arg);
/* xz_record_get: one record the caller may read, decorated. */
int xz_record_get(struct xz_ctx *c, const struct xz_resource *res, int64_t id, json_t **row);
/* xz_record_for_write: the stored record the caller may change. */
int xz_record_for_write(struct xz_ctx *c, const struct xz_resource *res, int64_t id, json_t **row);
/* xz_record_create: derive, authorise at its place and insert row (fields
 * already in stored form); *after is the stored record, decorated. */
int xz_record_create(struct xz_ctx *c, const struct xz_resource *res, json_t *row, json_t **after);
/* xz_record_update: write row (before merged with the change, including
 * before's "version") over record id; before is what the caller read
 * with xz_record_for_write. 409 version_conflict when changed meanwhile.
 * *after is the stored record, decorated. */
int xz_record_update(struct xz_ctx *c, const struct xz_resource *res, int64_t id, json_t *before,
		     json_t *row, json_t **after);
/* xz_record_delete: delete a record the caller may change (409 in_use
 * while referenced). */
int xz_record_delete(struct xz_ctx *c, const struct xz_resource *res, int64_t id);

/* xz_one_of: v is one of the NULL-terminated set (false for v NULL). */
bool xz_one_of(const char *v, const char *const *set);

#endif
