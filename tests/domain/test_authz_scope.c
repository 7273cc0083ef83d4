/* test_authz_scope.c — the permissions a user's roles grant (what /me
 * lists) and the county a county-keyed record is read or written in
 * (src/domain/authz.c: xz_authz_permissions, xz_authz_county). */
#include <string.h>

#include "core/xz.h"
#include "domain/authz.h"
#include "unit.h"

static bool holds(const struct xz_user *u, const char *perm)
{
	const char *p[XZ_AUTHZ_MAX_PERMS];
	size_t i, n = xz_authz_permissions(u, p, XZ_ARRAY_LEN(p));
	for (i = 0; i < n; i++)
		if (!strcmp(p[i], perm))
			return true;
	return false;
}

static void test_permissions_follow_the_table(void)
{
	const char *p[XZ_AUTHZ_MAX_PERMS];
	struct xz_user admin = {.id = 1, .county_id = 10, .roles = XZ_ROLE_ADMIN};
	struct xz_user sec = {.id = 2, .county_id = 10, .roles = XZ_ROLE_SECADMIN};
	struct xz_user none = {.id = 3, .county_id = 10};
	size_t i, k, n;
	CHECK(holds(&admin, "list.write"));
	CHECK(holds(&admin, "calendar.write"));
	CHECK(!holds(&admin, "role.grant"));
	CHECK(holds(&sec, "role.grant"));
	CHECK(!holds(&sec, "user.write"));
	CHECK(holds(&none, "self"));
	CHECK(!holds(&none, "list.read"));
	/* each name once, and each one the decision itself grants */
	n = xz_authz_permissions(&admin, p, XZ_ARRAY_LEN(p));
	CHECK(n > 5);
	for (i = 0; i < n; i++) {
		CHECK(xz_authz(&admin, p[i], NULL));
		for (k = i + 1; k < n; k++)
			CHECK(strcmp(p[i], p[k]));
	}
	/* a short buffer gets what fits, and the answer says how many there are */
	CHECK_EQ_INT(xz_authz_permissions(&admin, p, 2), n);
	CHECK(n <= XZ_AUTHZ_MAX_PERMS);
	CHECK_EQ_INT(xz_authz_permissions(NULL, p, XZ_ARRAY_LEN(p)), 0);
}

static void test_county_scope(void)
{
	struct xz_user admin = {.id = 1, .county_id = 10, .roles = XZ_ROLE_ADMIN};
	struct xz_user office = {
	    .id = 2, .county_id = 10, .township_id = 11, .roles = XZ_ROLE_OFFICE};
	struct xz_user auditor = {.id = 3, .county_id = 10, .roles = XZ_ROLE_AUDITOR};
	CHECK_EQ_INT(xz_authz_county(&admin, "list.write", 0), 10);
	CHECK_EQ_INT(xz_authz_county(&admin, "list.write", 10), 10);
	CHECK_EQ_INT(xz_authz_county(&admin, "list.write", 20), 0);
	CHECK_EQ_INT(xz_authz_county(&office, "list.read", 0), 10);
	CHECK_EQ_INT(xz_authz_county(&office, "list.write", 0), 0);
	CHECK_EQ_INT(xz_authz_county(&auditor, "list.read", 0), 0);
	CHECK_EQ_INT(xz_authz_county(&auditor, "calendar.read", 0), 10);
	/* the system (CLI, demo) acts in the county it names */
	CHECK_EQ_INT(xz_authz_county(NULL, "list.write", 20), 20);
	CHECK_EQ_INT(xz_authz_county(NULL, "list.write", 0), 0);
}

/* The index over the table (a binary search, then the rows of one name):
 * a name granted at several scopes is decided by the row of the user's
 * role, an unknown name by nothing, and /me lists in the table's order. */
static void test_indexed_rows(void)
{
	const char *p[XZ_AUTHZ_MAX_PERMS];
	struct xz_user office = {.id = 4, .county_id = 10, .township_id = 20, .roles = XZ_ROLE_OFFICE};
	struct xz_user dept = {.id = 5, .county_id = 10, .department_id = 30, .roles = XZ_ROLE_DEPT};
	struct xz_user all = {.id = 6, .county_id = 10, .roles = ~0u};
	struct xz_place own = {.county_id = 10, .township_id = 20},
			other = {.county_id = 10, .township_id = 21},
			line = {.county_id = 10, .township_id = 21, .department_id = 30};
	struct xz_place f;
	size_t n;
	CHECK(xz_authz(&office, "unit.read", &own));
	CHECK(!xz_authz(&office, "unit.read", &other));
	CHECK(xz_authz(&dept, "unit.read", &line));
	CHECK(!xz_authz(&dept, "unit.read", &own));
	CHECK(xz_authz_filter(&office, "unit.read", &f) && f.township_id == 20 && !f.department_id);
	CHECK(xz_authz_filter(&dept, "unit.read", &f) && f.department_id == 30);
	CHECK(!xz_authz(&office, "no.such.permission", NULL));
	CHECK(!xz_authz_known("no.such.permission"));
	CHECK(xz_authz_known("unit.read"));
	n = xz_authz_permissions(&all, p, XZ_ARRAY_LEN(p));
	CHECK(n > 50 && n <= XZ_ARRAY_LEN(p));
	CHECK(!strcmp(p[0], "region.read")); /* the table's first row */
	CHECK(!strcmp(p[1], "dept.read"));
}

int main(void)
{
	RUN(test_permissions_follow_the_table);
	RUN(test_county_scope);
	RUN(test_indexed_rows);
	return unit_done();
}
