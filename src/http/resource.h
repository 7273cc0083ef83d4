/*
 * resource.h — one generic mechanism for the plain records of the system
 * (regions, departments, units, people …): list with keyset pagination and
 * place filtering, get with ETag, create, update with version check, delete.
 * A resource is data: its table, permissions, fields with their shapes, and
 * two hooks — `derive` (validate references and compute derived columns
 * such as county_id) and `place` (where a record sits, for authorisation).
 * SQL is composed only from these constant strings; values are bound.
 */
#ifndef XZ_RESOURCE_H
#define XZ_RESOURCE_H

#include "http/http.h"

enum xz_field_type {
	XZ_F_TEXT = 1, /* string, trimmed length 1..max          */
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
	size_t max;             /* text length in bytes; 0 = XZ_MAX_NAME */
	const char *const *one_of; /* allowed values for text, NULL-terminated */
	const char *label;      /* Chinese label for messages */
};

struct xz_resource {
	const char *name;       /* "units" */
	const char *table;
	const char *label;      /* "派驻机构" */
	const char *read_perm, *write_perm;
	const char *columns;    /* select list, e.g. "id, code, name, version" */
	/* columns holding the place, or "NULL" when a resource has none */
	const char *county_col, *township_col, *department_col, *unit_col;
	const struct xz_field *fields; /* terminated by name NULL */
	const char *const *derived;    /* columns written by derive, NULL-terminated */
	/* derive: check references and set derived columns into `row` (the
	 * merged record about to be written). Answers errors through xz_fail. */
	int (*derive)(struct xz_req *r, json_t *row);
	/* place: where a stored or about-to-be-stored record sits. */
	void (*place)(const json_t *row, struct xz_place *p);
	/* decorate: add related data to rows of a list or get (may be NULL). */
	int (*decorate)(struct xz_req *r, json_t *rows);
	/* extra list filters: query arg → column, NULL-terminated pairs */
	const char *const *filters;
};

int xz_res_list(struct xz_req *r, const struct xz_resource *res);
int xz_res_get(struct xz_req *r, const struct xz_resource *res);
int xz_res_create(struct xz_req *r, const struct xz_resource *res);
int xz_res_update(struct xz_req *r, const struct xz_resource *res);
int xz_res_delete(struct xz_req *r, const struct xz_resource *res);

/* xz_res_load: the stored row with this id (caller owns), or XZ_ENOTFOUND. */
int xz_res_load(struct xz_req *r, const struct xz_resource *res, int64_t id, json_t **row);

/* xz_res_ref: check that id exists in table and load `cols` of it into *row
 * (caller owns). Answers 422 invalid_reference naming field otherwise. */
int xz_res_ref(struct xz_req *r, const char *table, const char *cols, int64_t id,
	       const char *field, json_t **row);

/* xz_one_of: v is one of the NULL-terminated set (false for v NULL). */
bool xz_one_of(const char *v, const char *const *set);

/* helpers for json rows */
int64_t xz_jint(const json_t *o, const char *key);
const char *xz_jstr(const json_t *o, const char *key);

#endif
