/*
 * main.c — the `xiezhi` command: serve, migrate, demo, user, backup,
 * restore and check. Global options come before the subcommand:
 *   xiezhi [--db PATH|postgresql://…] [--listen HOST:PORT] [--web DIR]
 *          [--evidence DIR] [--test-mode] [--secure-cookies] COMMAND …
 * Exit status: 0 on success, 1 on any fault, 2 on a usage error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/xz.h"
#include "core/log.h"
#include "core/xtime.h"
#include "store/db.h"
#include "domain/audit.h"
#include "domain/auth.h"
#include "domain/events_pg.h"
#include "domain/users.h"
#include "http/http.h"
#include "cli/demo.h"

struct opts {
	const char *db, *listen, *web, *evidence;
	bool test_mode, secure;
};

static int usage(void)
{
	fputs("usage: xiezhi [--db PATH|postgresql://URL] [--listen HOST:PORT] [--web DIR]\n"
	      "              [--evidence DIR] [--test-mode] [--secure-cookies] COMMAND\n"
	      "commands:\n"
	      "  serve                         run the HTTP server (migrates first)\n"
	      "  migrate                       apply pending schema migrations\n"
	      "  demo                          create the demo county (empty database only)\n"
	      "  user add NAME REGION_ID ROLE[,ROLE…] [UNIT_ID]   (password from XZ_PASSWORD or stdin)\n"
	      "  user passwd NAME              set a password (XZ_PASSWORD or stdin)\n"
	      "  user disable NAME             disable an account and end its sessions\n"
	      "  user list                     list accounts\n"
	      "  backup FILE                   write a consistent copy of the database\n"
	      "  restore FILE                  replace the database with a backup\n"
	      "  check                         verify the database and the audit chain\n"
	      "  routes                        list the API routes and their permissions\n",
	      stderr);
	return 2;
}

static int open_migrated(const struct opts *o, struct xz_db **db)
{
	int applied = 0, rc;
	if (strncmp(o->db, "postgres", 8)) {
		/* make sure the directory of a SQLite file exists */
		char dir[4096];
		const char *slash = strrchr(o->db, '/');
		if (slash && (size_t)(slash - o->db) < sizeof(dir)) {
			memcpy(dir, o->db, (size_t)(slash - o->db));
			dir[slash - o->db] = 0;
			mkdir(dir, 0750);
		}
	}
	if ((rc = xz_db_connect(o->db, db)) < 0)
		return rc;
	if ((rc = xz_db_migrate(*db, &applied)) < 0) {
		xz_db_disconnect(*db);
		*db = NULL;
	}
	return rc;
}

static int read_password(char *buf, size_t size)
{
	const char *env = getenv("XZ_PASSWORD");
	size_t n;
	if (env) {
		snprintf(buf, size, "%s", env);
		return 0;
	}
	if (isatty(0))
		fputs("password: ", stderr);
	if (!fgets(buf, (int)size, stdin))
		return XZ_EMALFORMED;
	n = strcspn(buf, "\r\n");
	buf[n] = 0;
	return 0;
}

static int cmd_user(const struct opts *o, int argc, char **argv)
{
	struct xz_db *db = NULL;
	char pw[XZ_MAX_PASSWORD + 2];
	const char *why = NULL;
	json_t *rows = NULL, *row;
	int64_t id = 0;
	size_t i;
	int rc;
	if (argc < 1)
		return usage();
	if ((rc = open_migrated(o, &db)) < 0)
		goto out;
	if (!strcmp(argv[0], "list")) {
		rc = xz_db_query(db, "SELECT u.id, u.username, u.display_name, u.disabled, u.region_id "
				     "FROM users u ORDER BY u.id",
				 XZ_NOARGS, &rows);
		json_array_foreach(rows, i, row)
		{
			json_t *roles = NULL, *role;
			size_t k;
			printf("%4lld  %-12s %-24s region=%lld%s  roles=",
			       (long long)json_integer_value(json_object_get(row, "id")),
			       json_string_value(json_object_get(row, "username")),
			       json_string_value(json_object_get(row, "display_name")),
			       (long long)json_integer_value(json_object_get(row, "region_id")),
			       json_integer_value(json_object_get(row, "disabled")) ? " DISABLED" : "");
			xz_db_query(db, "SELECT role FROM user_roles WHERE user_id = $1",
				    XZ_ARGS(XZ_INT(json_integer_value(json_object_get(row, "id")))),
				    &roles);
			json_array_foreach(roles, k, role)
				printf("%s%s", k ? "," : "", json_string_value(json_object_get(role, "role")));
			printf("\n");
			json_decref(roles);
		}
	} else if (!strcmp(argv[0], "add") && argc >= 4) {
		struct xz_user_spec s = {.username = argv[1], .display_name = argv[1]};
		char *role, *save = NULL, *list = xz_strdup(argv[3]);
		s.region_id = strtoll(argv[2], NULL, 10);
		s.unit_id = argc > 4 ? strtoll(argv[4], NULL, 10) : 0;
		for (role = strtok_r(list, ",", &save); role; role = strtok_r(NULL, ",", &save)) {
			unsigned r = xz_role_parse(role);
			if (!r) {
				fprintf(stderr, "xiezhi: unknown role %s\n", role);
				rc = XZ_EMALFORMED;
			}
			s.roles |= r;
		}
		xz_free(list);
		if (rc == 0 && (rc = read_password(pw, sizeof(pw))) == 0) {
			s.password = pw;
			rc = xz_user_create(db, &s, 0, &id, &why);
		}
		if (rc == 0) {
			struct xz_audit_entry e = {.source = "cli", .action = "user.create",
						   .object_type = "user", .outcome = "ok",
						   .detail = argv[1]};
			rc = xz_audit_append(db, &e);
			printf("created user %s (id %lld)\n", argv[1], (long long)id);
		}
	} else if (!strcmp(argv[0], "passwd") && argc >= 2) {
		rc = xz_db_int(db, "SELECT id FROM users WHERE username = $1", XZ_ARGS(XZ_TEXT(argv[1])),
			       &id);
		if (rc == 0 && (rc = read_password(pw, sizeof(pw))) == 0)
			rc = xz_user_set_password(db, id, pw, false, &why);
		if (rc == 0) {
			struct xz_audit_entry e = {.source = "cli", .action = "user.password_reset",
						   .object_type = "user", .outcome = "ok",
						   .detail = argv[1]};
			rc = xz_audit_append(db, &e);
		}
	} else if (!strcmp(argv[0], "disable") && argc >= 2) {
		rc = xz_db_int(db, "SELECT id FROM users WHERE username = $1", XZ_ARGS(XZ_TEXT(argv[1])),
			       &id);
		if (rc == 0)
			rc = xz_db_exec(db, "UPDATE users SET disabled = 1, version = version + 1 WHERE id = $1",
					XZ_ARGS(XZ_INT(id)), NULL);
		if (rc == 0)
			rc = xz_db_exec(db, "UPDATE sessions SET ended_at = $2 WHERE user_id = $1 AND ended_at IS NULL",
					XZ_ARGS(XZ_INT(id), XZ_INT(xz_now())), NULL);
		if (rc == 0) {
			struct xz_audit_entry e = {.source = "cli", .action = "user.disable",
						   .object_type = "user", .outcome = "ok",
						   .detail = argv[1]};
			rc = xz_audit_append(db, &e);
		}
	} else {
		rc = XZ_EMALFORMED;
		usage();
	}
	if (rc < 0)
		fprintf(stderr, "xiezhi: user %s failed: %s%s%s\n", argv[0], xz_strerror(rc),
			why ? " — " : "", why ? why : "");
out:
	json_decref(rows);
	xz_db_disconnect(db);
	return rc < 0 ? 1 : 0;
}

/* run: fork and exec a program (pg_dump / psql), never through a shell. */
static int run(char *const argv[], const char *out_path, const char *in_path)
{
	pid_t pid = fork();
	int status = 0;
	if (pid < 0)
		return XZ_EIO;
	if (pid == 0) {
		if (out_path && !freopen(out_path, "w", stdout))
			_exit(127);
		if (in_path && !freopen(in_path, "r", stdin))
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return XZ_EIO;
	return 0;
}

/* cmd_backup: SQLite through the online backup API (a consistent copy even
 * while the server writes); PostgreSQL through pg_dump. */
static int cmd_backup(const struct opts *o, const char *file)
{
	sqlite3 *src = NULL, *dst = NULL;
	sqlite3_backup *b;
	int rc = 0;
	if (!strncmp(o->db, "postgres", 8)) {
		char *argv[] = {"pg_dump", "--clean", "--if-exists", "--no-owner", (char *)o->db, NULL};
		rc = run(argv, file, NULL);
		goto done;
	}
	if (sqlite3_open_v2(o->db, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_open(file, &dst) != SQLITE_OK) {
		rc = XZ_EIO;
		goto out;
	}
	b = sqlite3_backup_init(dst, "main", src, "main");
	if (!b || sqlite3_backup_step(b, -1) != SQLITE_DONE)
		rc = XZ_EIO;
	if (b)
		sqlite3_backup_finish(b);
out:
	sqlite3_close(src);
	sqlite3_close(dst);
done:
	if (rc < 0)
		fprintf(stderr, "xiezhi: backup to %s failed\n", file);
	else
		printf("backup written to %s\n", file);
	return rc < 0 ? 1 : 0;
}

static int cmd_restore(const struct opts *o, const char *file)
{
	sqlite3 *src = NULL, *dst = NULL;
	sqlite3_backup *b;
	int rc = 0;
	if (access(file, R_OK) != 0) {
		fprintf(stderr, "xiezhi: cannot read %s\n", file);
		return 1;
	}
	if (!strncmp(o->db, "postgres", 8)) {
		char *argv[] = {"psql", "-q", "-v", "ON_ERROR_STOP=1", (char *)o->db, NULL};
		rc = run(argv, "/dev/null", file);
		goto done;
	}
	if (sqlite3_open_v2(file, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_open(o->db, &dst) != SQLITE_OK) {
		rc = XZ_EIO;
		goto out;
	}
	b = sqlite3_backup_init(dst, "main", src, "main");
	if (!b || sqlite3_backup_step(b, -1) != SQLITE_DONE)
		rc = XZ_EIO;
	if (b)
		sqlite3_backup_finish(b);
out:
	sqlite3_close(src);
	sqlite3_close(dst);
done:
	if (rc < 0)
		fprintf(stderr, "xiezhi: restore from %s failed\n", file);
	else
		printf("restored from %s\n", file);
	return rc < 0 ? 1 : 0;
}

/* cmd_check: the engine's own integrity check, then the audit chain. */
static int cmd_check(const struct opts *o)
{
	struct xz_db *db = NULL;
	json_t *row = NULL;
	int64_t count = 0, bad = 0;
	int rc, faults = 0;
	if ((rc = xz_db_connect(o->db, &db)) < 0)
		return 1;
	if (xz_db_engine(db) == XZ_DB_SQLITE) {
		rc = xz_db_one(db, "PRAGMA integrity_check", XZ_NOARGS, &row);
		if (rc < 0 || strcmp(json_string_value(json_object_get(row, "integrity_check")), "ok")) {
			printf("database: FAULT (integrity_check)\n");
			faults++;
		} else {
			printf("database: ok\n");
		}
		json_decref(row);
	} else {
		printf("database: %s\n", xz_db_int(db, "SELECT 1", XZ_NOARGS, &count) == 0 ? "ok" : "FAULT");
	}
	rc = xz_audit_verify(db, &count, &bad);
	if (rc == 0) {
		printf("audit chain: ok (%lld entries)\n", (long long)count);
	} else if (rc == XZ_ECONFLICT) {
		printf("audit chain: BROKEN at entry %lld (%lld entries intact before it)\n",
		       (long long)bad, (long long)count);
		faults++;
	} else {
		printf("audit chain: FAULT (%s)\n", xz_strerror(rc));
		faults++;
	}
	xz_db_disconnect(db);
	return faults ? 1 : 0;
}

static int cmd_serve(const struct opts *o)
{
	struct xz_app app = {0};
	struct xz_db *db = NULL;
	int rc;
	if ((rc = open_migrated(o, &db)) < 0) {
		fprintf(stderr, "xiezhi: cannot open database %s\n", o->db);
		return 1;
	}
	xz_db_disconnect(db);
	app.db_url = o->db;
	app.web_root = o->web;
	app.evidence_dir = o->evidence;
	app.test_mode = o->test_mode;
	app.secure_cookies = o->secure;
	app.login_rl = xz_ratelimit_new(o->test_mode ? 1000 : 20);
	if ((rc = xz_pool_open(o->db, XZ_DB_POOL, &app.pool)) < 0) {
		fprintf(stderr, "xiezhi: cannot open database pool\n");
		return 1;
	}
	if (xz_events_pg_start(o->db) < 0) /* live updates across servers (PostgreSQL) */
		fprintf(stderr, "xiezhi: live updates stay within this server\n");
	rc = xz_server_run(&app, o->listen);
	xz_events_pg_stop();
	xz_pool_close(app.pool);
	xz_ratelimit_free(app.login_rl);
	return rc < 0 ? 1 : 0;
}

static void print_route(const struct xz_route *rt, void *arg)
{
	XZ_UNUSED(arg);
	printf("%s %s %s%s\n", rt->method, rt->pattern, rt->perm ? rt->perm : "-",
	       rt->perm && !xz_authz_known(rt->perm) ? " UNKNOWN-PERMISSION" : "");
}

int main(int argc, char **argv)
{
	struct opts o = {.db = "data/xiezhi.db", .listen = "127.0.0.1:8080", .web = "web/dist",
			 .evidence = "data/evidence"};
	struct xz_db *db = NULL;
	int i, rc;
	const char *env;

	if ((env = getenv("XZ_DB")))
		o.db = env;
	for (i = 1; i < argc && !strncmp(argv[i], "--", 2); i++) {
		if (!strcmp(argv[i], "--db") && i + 1 < argc)
			o.db = argv[++i];
		else if (!strcmp(argv[i], "--listen") && i + 1 < argc)
			o.listen = argv[++i];
		else if (!strcmp(argv[i], "--web") && i + 1 < argc)
			o.web = argv[++i];
		else if (!strcmp(argv[i], "--evidence") && i + 1 < argc)
			o.evidence = argv[++i];
		else if (!strcmp(argv[i], "--test-mode"))
			o.test_mode = true;
		else if (!strcmp(argv[i], "--secure-cookies"))
			o.secure = true;
		else
			return usage();
	}
	if (i >= argc)
		return usage();
	if (xz_auth_init() < 0) {
		fprintf(stderr, "xiezhi: cannot initialise libsodium\n");
		return 1;
	}
	if (!strcmp(argv[i], "serve"))
		return cmd_serve(&o);
	if (!strcmp(argv[i], "routes")) {
		xz_routes_each(print_route, NULL);
		return 0;
	}
	if (!strcmp(argv[i], "check"))
		return cmd_check(&o);
	if (!strcmp(argv[i], "backup") && i + 1 < argc)
		return cmd_backup(&o, argv[i + 1]);
	if (!strcmp(argv[i], "restore") && i + 1 < argc)
		return cmd_restore(&o, argv[i + 1]);
	if (!strcmp(argv[i], "user"))
		return cmd_user(&o, argc - i - 1, argv + i + 1);
	if (!strcmp(argv[i], "migrate") || !strcmp(argv[i], "demo")) {
		if ((rc = open_migrated(&o, &db)) < 0) {
			fprintf(stderr, "xiezhi: migration failed on %s\n", o.db);
			return 1;
		}
		if (!strcmp(argv[i], "demo")) {
			rc = xz_demo_create(db);
			if (rc == XZ_ECONFLICT)
				printf("database already holds data; demo not created\n");
			else if (rc < 0)
				fprintf(stderr, "xiezhi: demo failed: %s\n", xz_strerror(rc));
			else
				printf("demo county created; logins use password %s\n", XZ_DEMO_PASSWORD);
			rc = rc == XZ_ECONFLICT ? 0 : rc;
		} else {
			printf("database is up to date\n");
		}
		xz_db_disconnect(db);
		return rc < 0 ? 1 : 0;
	}
	return usage();
}
