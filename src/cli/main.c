/*
 * main.c — the `xiezhi` command: serve, migrate, demo, user, backup,
 * restore and check. Options may come before or after the command:
 *   xiezhi [--db PATH|postgresql://…] [--evidence DIR] [--log-level L] COMMAND …
 *   xiezhi serve [--listen HOST:PORT|[V6]:PORT] [--web DIR] [--test-mode]
 *                [--secure-cookies] [--trusted-proxies ADDR,…]
 *   xiezhi restore [--force] FILE
 * An unknown option, an option the command does not take, or a missing
 * value is a usage error. Exit status: 0 on success, 1 on any fault, 2 on
 * a usage error.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <dirent.h>

#include <sodium.h>
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

/* Commands, as bits, so each option names the commands that take it. */
enum {
	C_SERVE = 1 << 0,
	C_MIGRATE = 1 << 1,
	C_DEMO = 1 << 2,
	C_USER = 1 << 3,
	C_BACKUP = 1 << 4,
	C_RESTORE = 1 << 5,
	C_CHECK = 1 << 6,
	C_ROUTES = 1 << 7,
	C_DB = C_SERVE | C_MIGRATE | C_DEMO | C_USER | C_BACKUP | C_RESTORE | C_CHECK,
	C_ALL = C_DB | C_ROUTES,
};

struct opts {
	const char *db, *listen, *web, *evidence, *log_level, *proxies;
	bool test_mode, secure, force, json;
	char evidence_buf[PATH_MAX];
};

static const struct {
	const char *name;
	int commands;
	bool value;
	size_t off; /* where the value goes in struct opts */
} options[] = {
    {"--db", C_DB, true, offsetof(struct opts, db)},
    {"--evidence", C_SERVE | C_BACKUP | C_RESTORE | C_CHECK | C_DEMO, true,
     offsetof(struct opts, evidence)},
    {"--log-level", C_ALL, true, offsetof(struct opts, log_level)},
    {"--listen", C_SERVE, true, offsetof(struct opts, listen)},
    {"--web", C_SERVE, true, offsetof(struct opts, web)},
    {"--trusted-proxies", C_SERVE, true, offsetof(struct opts, proxies)},
    {"--test-mode", C_SERVE, false, offsetof(struct opts, test_mode)},
    {"--secure-cookies", C_SERVE, false, offsetof(struct opts, secure)},
    {"--force", C_RESTORE, false, offsetof(struct opts, force)},
    {"--json", C_ROUTES, false, offsetof(struct opts, json)},
};

static const struct {
	const char *name;
	int bit, min_args, max_args;
} commands[] = {
    {"serve", C_SERVE, 0, 0}, {"migrate", C_MIGRATE, 0, 0}, {"demo", C_DEMO, 0, 0},
    {"user", C_USER, 1, 5},   {"backup", C_BACKUP, 1, 1},   {"restore", C_RESTORE, 1, 1},
    {"check", C_CHECK, 0, 0}, {"routes", C_ROUTES, 0, 0},
};

static int usage(void)
{
	fputs("usage: xiezhi [OPTIONS] COMMAND [ARGS] [OPTIONS]\n"
	      "options (before or after the command):\n"
	      "  --db PATH|postgresql://URL    the database (default data/xiezhi.db, or $XZ_DB)\n"
	      "  --evidence DIR                evidence files (default: evidence/ beside a SQLite\n"
	      "                                database, or $XZ_EVIDENCE; required on PostgreSQL\n"
	      "                                when several servers share it)\n"
	      "  --log-level error|warn|info|debug   (default info, or $XZ_LOG_LEVEL)\n"
	      "serve options:\n"
	      "  --listen HOST:PORT            address to listen on (default 127.0.0.1:8080;\n"
	      "                                IPv6 as [::1]:8080, all addresses as [::]:8080)\n"
	      "  --web DIR                     the built web interface (default web/dist)\n"
	      "  --secure-cookies              mark cookies Secure (behind TLS)\n"
	      "  --trusted-proxies A,B,…       proxies whose X-Forwarded-For is believed\n"
	      "  --test-mode                   test clock endpoints (never in production)\n"
	      "commands:\n"
	      "  serve                         run the HTTP server (migrates first)\n"
	      "  migrate                       apply pending schema migrations\n"
	      "  demo                          create the demo county (empty database only)\n"
	      "  user add NAME REGION_ID ROLE[,ROLE…] [UNIT_ID]   (password from XZ_PASSWORD or "
	      "stdin)\n"
	      "  user passwd NAME              set a password (XZ_PASSWORD or stdin)\n"
	      "  user disable NAME             disable an account and end its sessions\n"
	      "  user list                     list accounts\n"
	      "  backup FILE                   write the database to FILE and the evidence files\n"
	      "                                to FILE.evidence/ (mode 0600, replaced only on "
	      "success)\n"
	      "  restore [--force] FILE        replace the database with a backup (refuses a\n"
	      "                                database holding data without --force, and one a\n"
	      "                                server is using)\n"
	      "  check                         verify the database, schema, audit chain and "
	      "evidence\n"
	      "  routes [--json]               list the API routes and their permissions\n",
	      stderr);
	return 2;
}

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
	va_list ap;
	fputs("xiezhi: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n", stderr);
	return usage();
}

/* shown_url: the database named for a message, without a password. */
static const char *shown_url(const char *url, char *buf, size_t size)
{
	const char *at = strchr(url, '@'), *scheme = strstr(url, "://");
	const char *colon = scheme ? strchr(scheme + 3, ':') : NULL;
	if (!at || !scheme || !colon || colon > at)
		return url;
	snprintf(buf, size, "%.*s:***%s", (int)(colon - url), url, at);
	return buf;
}

static bool is_pg(const char *url)
{
	return !strncmp(url, "postgres", 8);
}

/* make_dirs: mkdir -p of path's directories (all of path when whole). */
static int make_dirs(const char *path, bool whole, mode_t mode)
{
	char dir[PATH_MAX];
	size_t n = strlen(path);
	if (n >= sizeof(dir))
		return XZ_EMALFORMED;
	memcpy(dir, path, n + 1);
	if (!whole) {
		char *slash = strrchr(dir, '/');
		if (!slash)
			return 0;
		*slash = 0;
	}
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(dir, mode) < 0 && errno != EEXIST)
			return XZ_EIO;
		*p = '/';
	}
	if (dir[0] && mkdir(dir, mode) < 0 && errno != EEXIST)
		return XZ_EIO;
	return 0;
}

/* connect_db: open the database with a message a county IT team can act on
 * (missing directory, unreachable server). */
static int connect_db(const struct opts *o, struct xz_db **db)
{
	char shown[512];
	int rc;
	if (!is_pg(o->db) && make_dirs(o->db, false, 0750) < 0) {
		fprintf(stderr, "xiezhi: cannot create the directory of %s: %s\n", o->db,
			strerror(errno));
		return XZ_EIO;
	}
	if ((rc = xz_db_connect(o->db, db)) < 0)
		fprintf(stderr,
			is_pg(o->db)
			    ? "xiezhi: cannot reach the database %s (is PostgreSQL running, "
			      "and the URL's host, port, user and database right?)\n"
			    : "xiezhi: cannot open the database %s (directory permissions?)\n",
			shown_url(o->db, shown, sizeof(shown)));
	return rc;
}

static int open_migrated(const struct opts *o, struct xz_db **db)
{
	int applied = 0, rc;
	if ((rc = connect_db(o, db)) < 0)
		return rc;
	if ((rc = xz_db_migrate(*db, &applied)) < 0) {
		struct xz_schema_status st;
		if (xz_db_schema_status(*db, &st) < 0 && st.problem[0])
			fprintf(stderr, "xiezhi: %s\n", st.problem);
		xz_db_disconnect(*db);
		*db = NULL;
	}
	return rc;
}

/* resolve_evidence: --evidence, else $XZ_EVIDENCE, else evidence/ beside a
 * SQLite file, else data/evidence (PostgreSQL: say so); made absolute so a
 * server started from another directory finds the same files. */
static void resolve_evidence(struct opts *o)
{
	char base[PATH_MAX];
	const char *env = getenv("XZ_EVIDENCE");
	if (!o->evidence && env && *env)
		o->evidence = env;
	if (!o->evidence && !is_pg(o->db)) {
		const char *slash = strrchr(o->db, '/');
		snprintf(o->evidence_buf, sizeof(o->evidence_buf), "%.*sevidence",
			 slash ? (int)(slash - o->db + 1) : 0, o->db);
		o->evidence = o->evidence_buf;
	}
	if (!o->evidence)
		o->evidence = "data/evidence";
	if (o->evidence[0] != '/' && getcwd(base, sizeof(base)) &&
	    strlen(base) + strlen(o->evidence) + 2 <= sizeof(o->evidence_buf)) {
		char abs[2 * PATH_MAX];
		snprintf(abs, sizeof(abs), "%s/%s", base, o->evidence);
		memcpy(o->evidence_buf, abs, strlen(abs) + 1);
		o->evidence = o->evidence_buf;
	}
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
		rc = xz_db_query(db,
				 "SELECT u.id, u.username, u.display_name, u.disabled, u.region_id "
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
			       json_integer_value(json_object_get(row, "disabled")) ? " DISABLED"
										    : "");
			xz_db_query(db, "SELECT role FROM user_roles WHERE user_id = $1",
				    XZ_ARGS(XZ_INT(json_integer_value(json_object_get(row, "id")))),
				    &roles);
			json_array_foreach(roles, k, role) printf(
			    "%s%s", k ? "," : "", json_string_value(json_object_get(role, "role")));
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
			struct xz_audit_entry e = {.source = "cli",
						   .action = "user.create",
						   .object_type = "user",
						   .outcome = "ok",
						   .detail = argv[1]};
			rc = xz_audit_append(db, &e);
			printf("created user %s (id %lld)\n", argv[1], (long long)id);
		}
	} else if (!strcmp(argv[0], "passwd") && argc >= 2) {
		rc = xz_db_int(db, "SELECT id FROM users WHERE username = $1",
			       XZ_ARGS(XZ_TEXT(argv[1])), &id);
		if (rc == 0 && (rc = read_password(pw, sizeof(pw))) == 0)
			rc = xz_user_set_password(db, id, pw, false, &why);
		if (rc == 0) {
			struct xz_audit_entry e = {.source = "cli",
						   .action = "user.password_reset",
						   .object_type = "user",
						   .outcome = "ok",
						   .detail = argv[1]};
			rc = xz_audit_append(db, &e);
		}
	} else if (!strcmp(argv[0], "disable") && argc >= 2) {
		rc = xz_db_int(db, "SELECT id FROM users WHERE username = $1",
			       XZ_ARGS(XZ_TEXT(argv[1])), &id);
		if (rc == 0)
			rc = xz_db_exec(
			    db,
			    "UPDATE users SET disabled = 1, version = version + 1 WHERE id = $1",
			    XZ_ARGS(XZ_INT(id)), NULL);
		if (rc == 0)
			rc = xz_db_exec(db,
					"UPDATE sessions SET ended_at = $2 WHERE user_id = $1 AND "
					"ended_at IS NULL",
					XZ_ARGS(XZ_INT(id), XZ_INT(xz_now())), NULL);
		if (rc == 0) {
			struct xz_audit_entry e = {.source = "cli",
						   .action = "user.disable",
						   .object_type = "user",
						   .outcome = "ok",
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

/* run: fork and exec a program (pg_dump / psql), never through a shell,
 * with stdout to out_fd and stdin from in_path when given. */
static int run(char *const argv[], int out_fd, const char *in_path)
{
	pid_t pid = fork();
	int status = 0;
	if (pid < 0)
		return XZ_EIO;
	if (pid == 0) {
		if (out_fd >= 0 && dup2(out_fd, 1) < 0)
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

/* copy_file: src to dst through dst.tmp-XXXXXX, fsync, rename; mode 0600. */
static int copy_file(const char *src, const char *dst)
{
	char tmp[PATH_MAX + 16], buf[65536];
	int in = -1, out = -1, rc = XZ_EIO;
	ssize_t n;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", dst) >= (int)sizeof(tmp))
		return XZ_EIO;
	if ((in = open(src, O_RDONLY | O_CLOEXEC)) < 0 || (out = mkstemp(tmp)) < 0)
		goto out;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			goto out;
	if (n < 0 || fsync(out) < 0)
		goto out;
	if (close(out) < 0) {
		out = -1;
		goto out;
	}
	out = -1;
	if (rename(tmp, dst) == 0)
		rc = 0;
out:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	if (rc < 0)
		unlink(tmp);
	return rc;
}

/* sync_evidence: copy every file of the content-addressed tree from/aa/bb/
 * <sha256> missing in to/ (a hard link when both are on one file system).
 * Files are never changed once written, so a file present is complete.
 * *copied counts the files added. */
static int sync_evidence(const char *from, const char *to, int *copied)
{
	char a[PATH_MAX], b[PATH_MAX];
	DIR *d1 = opendir(from), *d2 = NULL, *d3 = NULL;
	struct dirent *e1, *e2, *e3;
	int rc = 0;
	*copied = 0;
	if (!d1)
		return errno == ENOENT ? 0 : XZ_EIO;
	while (rc == 0 && (e1 = readdir(d1))) {
		if (strlen(e1->d_name) != 2)
			continue;
		snprintf(a, sizeof(a), "%s/%s", from, e1->d_name);
		if (!(d2 = opendir(a)))
			continue;
		while (rc == 0 && (e2 = readdir(d2))) {
			char sub[PATH_MAX];
			if (strlen(e2->d_name) != 2)
				continue;
			snprintf(sub, sizeof(sub), "%.2000s/%s/%s", from, e1->d_name, e2->d_name);
			if (!(d3 = opendir(sub)))
				continue;
			while (rc == 0 && (e3 = readdir(d3))) {
				struct stat st;
				if (strlen(e3->d_name) != 64)
					continue; /* temp files and dot entries */
				snprintf(a, sizeof(a), "%.2000s/%s", sub, e3->d_name);
				snprintf(b, sizeof(b), "%.2000s/%s/%s/%s", to, e1->d_name,
					 e2->d_name, e3->d_name);
				if (stat(b, &st) == 0)
					continue;
				if ((rc = make_dirs(b, false, 0700)) < 0)
					break;
				if (link(a, b) != 0 && (rc = copy_file(a, b)) < 0)
					break;
				(*copied)++;
			}
			closedir(d3);
		}
		closedir(d2);
	}
	closedir(d1);
	return rc;
}

/* cmd_backup: the database into FILE (SQLite through the online backup API,
 * a consistent copy while the server writes; PostgreSQL through pg_dump),
 * written to a temporary file of mode 0600 renamed only on success, so a
 * failed backup never harms the previous one. Then the evidence files into
 * FILE.evidence/: evidence is written before the row that names it and
 * never changed, so every file the database copy names is already there. */
static int cmd_backup(const struct opts *o, const char *file)
{
	char tmp[PATH_MAX + 16], ev[PATH_MAX + 16];
	sqlite3 *src = NULL, *dst = NULL;
	sqlite3_backup *b;
	int rc = 0, fd, copied = 0;
	mode_t old = umask(077); /* main sets it too; kept here for the contract */
	if (snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", file) >= (int)sizeof(tmp) ||
	    (fd = mkstemp(tmp)) < 0) {
		fprintf(stderr, "xiezhi: cannot create a file beside %s: %s\n", file,
			strerror(errno));
		umask(old);
		return 1;
	}
	if (is_pg(o->db)) {
		char *argv[] = {"pg_dump",    "--clean",     "--if-exists",
				"--no-owner", (char *)o->db, NULL};
		rc = run(argv, fd, NULL);
		if (rc == 0 && fsync(fd) < 0)
			rc = XZ_EIO;
		close(fd);
		goto done;
	}
	close(fd);
	if (sqlite3_open_v2(o->db, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_open(tmp, &dst) != SQLITE_OK) {
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
	if (rc == 0 && rename(tmp, file) < 0)
		rc = XZ_EIO;
	if (rc < 0) {
		unlink(tmp);
		fprintf(stderr, "xiezhi: backup to %s failed; the previous %s is untouched\n", file,
			file);
		umask(old);
		return 1;
	}
	snprintf(ev, sizeof(ev), "%s.evidence", file);
	if (sync_evidence(o->evidence, ev, &copied) < 0) {
		fprintf(stderr,
			"xiezhi: database written to %s, but copying evidence to %s failed: %s\n",
			file, ev, strerror(errno));
		umask(old);
		return 1;
	}
	umask(old);
	printf("backup written to %s (evidence: %d new files in %s)\n", file, copied, ev);
	return 0;
}

/* server_lock: a running server holds a shared lock on its database (flock
 * on the SQLite file; an advisory lock on PostgreSQL); restore takes it
 * exclusively. Answers the fd or connection that holds it. */
#define XZ_PG_LOCK_KEY 7424001
static int server_lock(const struct opts *o, bool exclusive, int *fd, struct xz_db **db)
{
	int64_t got = 0;
	*fd = -1;
	*db = NULL;
	if (!is_pg(o->db)) {
		if ((*fd = open(o->db, O_RDONLY | O_CLOEXEC)) < 0)
			return errno == ENOENT ? 0 : XZ_EIO;
		if (flock(*fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) < 0)
			return XZ_ECONFLICT;
		return 0;
	}
	if (connect_db(o, db) < 0)
		return XZ_EUNAVAIL;
	if (xz_db_int(*db,
		      exclusive
			  ? "SELECT CASE WHEN pg_try_advisory_lock($1) THEN 1 ELSE 0 END"
			  : "SELECT CASE WHEN pg_try_advisory_lock_shared($1) THEN 1 ELSE 0 END",
		      XZ_ARGS(XZ_INT(XZ_PG_LOCK_KEY)), &got) < 0)
		return XZ_EDB;
	return got ? 0 : XZ_ECONFLICT;
}

static void server_unlock(int fd, struct xz_db *db)
{
	if (fd >= 0)
		close(fd);
	xz_db_disconnect(db);
}

static int cmd_restore(const struct opts *o, const char *file)
{
	sqlite3 *src = NULL, *dst = NULL;
	sqlite3_backup *b;
	struct xz_db *db = NULL, *lockdb = NULL;
	int64_t regions = 0;
	int rc = 0, lockfd = -1, copied = 0;
	char ev[PATH_MAX + 16];
	if (access(file, R_OK) != 0) {
		fprintf(stderr, "xiezhi: cannot read %s\n", file);
		return 1;
	}
	rc = server_lock(o, true, &lockfd, &lockdb);
	if (rc == XZ_ECONFLICT) {
		fprintf(stderr, "xiezhi: a server is using %s; stop it before restoring\n", o->db);
		goto fail;
	}
	if (rc < 0)
		goto fail;
	if (is_pg(o->db) || access(o->db, F_OK) == 0) {
		if ((rc = connect_db(o, &db)) < 0)
			goto fail;
		/* no regions table yet counts as empty */
		if (xz_db_int(db, "SELECT COUNT(*) FROM regions", XZ_NOARGS, &regions) < 0)
			regions = 0;
		xz_db_disconnect(db);
		db = NULL;
		if (regions > 0 && !o->force) {
			fprintf(
			    stderr,
			    "xiezhi: %s holds data (%lld regions); restoring would replace it. "
			    "Nothing was changed. Take a backup of it, then run restore --force.\n",
			    o->db, (long long)regions);
			rc = XZ_ECONFLICT;
			goto fail;
		}
	}
	if (is_pg(o->db)) {
		char *argv[] = {"psql", "-q", "-v", "ON_ERROR_STOP=1", (char *)o->db, NULL};
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		rc = run(argv, null, file);
		if (null >= 0)
			close(null);
		goto done;
	}
	if (make_dirs(o->db, false, 0700) < 0 ||
	    sqlite3_open_v2(file, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
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
	chmod(o->db, 0600);
done:
	if (rc == 0) {
		snprintf(ev, sizeof(ev), "%s.evidence", file);
		if (sync_evidence(ev, o->evidence, &copied) < 0) {
			fprintf(stderr,
				"xiezhi: database restored, but copying evidence from %s failed\n",
				ev);
			rc = XZ_EIO;
		}
	}
	if (rc < 0)
		fprintf(stderr, "xiezhi: restore from %s failed\n", file);
	else
		printf("restored from %s (evidence: %d files added to %s)\n", file, copied,
		       o->evidence);
fail:
	server_unlock(lockfd, lockdb);
	return rc < 0 ? 1 : 0;
}

/* check_evidence: every evidence row's file exists under the evidence
 * directory and hashes to its name. */
static int check_evidence(struct xz_db *db, const char *dir)
{
	json_t *rows = NULL, *row;
	int64_t after = 0;
	long long total = 0, missing = 0, bad = 0;
	size_t i;
	int rc;
	for (;;) {
		json_decref(rows);
		rows = NULL;
		rc = xz_db_query(
		    db, "SELECT id, sha256 FROM evidence WHERE id > $1 ORDER BY id LIMIT 1000",
		    XZ_ARGS(XZ_INT(after)), &rows);
		if (rc < 0 || json_array_size(rows) == 0)
			break;
		json_array_foreach(rows, i, row)
		{
			const char *hex = json_string_value(json_object_get(row, "sha256"));
			char path[PATH_MAX], got[65];
			unsigned char h[crypto_hash_sha256_BYTES], buf[65536];
			crypto_hash_sha256_state s;
			ssize_t n;
			int fd;
			after = json_integer_value(json_object_get(row, "id"));
			total++;
			if (!hex || strlen(hex) != 64) {
				bad++;
				continue;
			}
			snprintf(path, sizeof(path), "%.3000s/%.2s/%.2s/%s", dir, hex, hex + 2,
				 hex);
			if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
				if (missing++ < 10)
					printf("evidence #%lld: MISSING %s\n", (long long)after,
					       path);
				continue;
			}
			crypto_hash_sha256_init(&s);
			while ((n = read(fd, buf, sizeof(buf))) > 0)
				crypto_hash_sha256_update(&s, buf, (unsigned long long)n);
			close(fd);
			crypto_hash_sha256_final(&s, h);
			sodium_bin2hex(got, sizeof(got), h, sizeof(h));
			if (n < 0 || strcmp(got, hex)) {
				if (bad++ < 10)
					printf("evidence #%lld: DAMAGED %s\n", (long long)after,
					       path);
			}
		}
	}
	json_decref(rows);
	if (rc < 0) {
		printf("evidence: FAULT (%s)\n", xz_db_errmsg(db));
		return 1;
	}
	if (missing || bad) {
		printf("evidence: FAULT (%lld files, %lld missing, %lld damaged, in %s)\n", total,
		       missing, bad, dir);
		return 1;
	}
	printf("evidence: ok (%lld files in %s)\n", total, dir);
	return 0;
}

/* cmd_check: the engine's own integrity check, the schema against the
 * binary, the audit chain, and the evidence files. */
static int cmd_check(const struct opts *o)
{
	struct xz_db *db = NULL;
	struct xz_schema_status st;
	json_t *row = NULL;
	int64_t count = 0, bad = 0;
	int rc, faults = 0;
	if ((rc = connect_db(o, &db)) < 0)
		return 1;
	if (xz_db_engine(db) == XZ_DB_SQLITE) {
		rc = xz_db_one(db, "PRAGMA integrity_check", XZ_NOARGS, &row);
		if (rc < 0 ||
		    strcmp(json_string_value(json_object_get(row, "integrity_check")), "ok")) {
			printf("database: FAULT (integrity_check)\n");
			faults++;
		} else {
			printf("database: ok\n");
		}
		json_decref(row);
	} else {
		printf("database: %s\n",
		       xz_db_int(db, "SELECT 1", XZ_NOARGS, &count) == 0 ? "ok" : "FAULT");
	}
	if (xz_db_schema_status(db, &st) < 0) {
		printf("schema: FAULT (%s)\n", st.problem);
		faults++;
	} else if (st.pending) {
		printf("schema: %d migrations pending (database at %03d, binary at %03d; run "
		       "migrate)\n",
		       st.pending, st.version, st.binary_version);
	} else {
		printf("schema: ok (%03d)\n", st.version);
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
	faults += check_evidence(db, o->evidence);
	xz_db_disconnect(db);
	return faults ? 1 : 0;
}

/* evidence_ready: the evidence directory exists (made if not) and takes a
 * file; a clear line when it does not. */
/* sweep_uploads: uploads a crash cut off (.upload.* older than a day: a
 * second server on the same directory may be receiving newer ones). */
static void sweep_uploads(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct stat st;
	char path[PATH_MAX];
	time_t old = time(NULL) - 86400;
	while (d && (e = readdir(d)))
		if (!strncmp(e->d_name, ".upload.", 8) &&
		    snprintf(path, sizeof(path), "%.3000s/%.200s", dir, e->d_name) > 0 &&
		    stat(path, &st) == 0 && st.st_mtime < old)
			unlink(path);
	if (d)
		closedir(d);
}

static int evidence_ready(const char *dir)
{
	char probe[PATH_MAX];
	int fd;
	if (make_dirs(dir, true, 0750) < 0) {
		fprintf(stderr, "xiezhi: cannot create the evidence directory %s: %s\n", dir,
			strerror(errno));
		return XZ_EIO;
	}
	snprintf(probe, sizeof(probe), "%.4000s/.probe-XXXXXX", dir);
	if ((fd = mkstemp(probe)) < 0) {
		fprintf(stderr, "xiezhi: cannot write in the evidence directory %s: %s\n", dir,
			strerror(errno));
		return XZ_EIO;
	}
	close(fd);
	unlink(probe);
	sweep_uploads(dir);
	return 0;
}

static int cmd_serve(const struct opts *o)
{
	struct xz_app app = {0};
	struct xz_db *db = NULL, *lockdb = NULL;
	int rc, lockfd = -1;
	sigset_t stop;
	/* a stop signal during start-up waits for the server, which then
	 * stops at once and cleanly (exit 0) */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	if ((rc = open_migrated(o, &db)) < 0)
		return 1;
	xz_db_disconnect(db);
	if (evidence_ready(o->evidence) < 0)
		return 1;
	if (!is_pg(o->db))
		chmod(o->db, 0600);
	rc = server_lock(o, false, &lockfd, &lockdb);
	if (rc == XZ_ECONFLICT) {
		fprintf(stderr, "xiezhi: a restore of %s is in progress\n", o->db);
		server_unlock(lockfd, lockdb);
		return 1;
	}
	app.db_url = o->db;
	app.web_root = o->web;
	app.evidence_dir = o->evidence;
	app.test_mode = o->test_mode;
	app.secure_cookies = o->secure;
	app.trusted_proxies = o->proxies;
	app.login_rl = xz_ratelimit_new(o->test_mode ? 1000 : 20);
	if ((rc = xz_pool_open(o->db, XZ_DB_POOL, &app.pool)) < 0) {
		fprintf(stderr, "xiezhi: cannot open the database pool\n");
		rc = XZ_EUNAVAIL;
		goto out;
	}
	xz_log_info("evidence files in %s", o->evidence);
	if (xz_events_pg_start(o->db) < 0) /* live updates across servers (PostgreSQL) */
		fprintf(stderr, "xiezhi: live updates stay within this server\n");
	rc = xz_server_run(&app, o->listen);
	xz_events_pg_stop();
out:
	xz_pool_close(app.pool);
	xz_ratelimit_free(app.login_rl);
	server_unlock(lockfd, lockdb);
	return rc < 0 ? 1 : 0;
}

static void print_route(const struct xz_route *rt, void *arg)
{
	XZ_UNUSED(arg);
	printf("%s %s %s%s\n", rt->method, rt->pattern, rt->perm ? rt->perm : "-",
	       rt->perm && !xz_authz_known(rt->perm) ? " UNKNOWN-PERMISSION" : "");
}

/* print_route_json / cmd_routes_json: `xiezhi routes --json`, the route
 * table as JSON for the role × route × place test: each route's method,
 * pattern, permission, body limit and the roles whose grants hold the
 * permission somewhere (authz.c; "self" is every account's). */
static void print_route_json(const struct xz_route *rt, void *arg)
{
	json_t *roles = json_array();
	for (int k = 0; k < XZ_ROLE_COUNT; k++) {
		struct xz_user u = {.id = 1, .roles = xz_all_roles[k]};
		if (rt->perm && xz_authz(&u, rt->perm, NULL))
			json_array_append_new(roles, json_string(xz_role_name(xz_all_roles[k])));
	}
	json_array_append_new(arg, json_pack("{s:s,s:s,s:s?,s:I,s:o}", "method", rt->method,
					     "pattern", rt->pattern, "perm", rt->perm, "max_body",
					     (json_int_t)(rt->max_body ? rt->max_body : XZ_MAX_BODY),
					     "roles", roles));
}

static int cmd_routes_json(void)
{
	json_t *all = json_array();
	xz_routes_each(print_route_json, all);
	json_dumpf(all, stdout, JSON_INDENT(1));
	putchar('\n');
	json_decref(all);
	return 0;
}


/* parse: options anywhere; positional words into pos[]. 2 on a usage error. */
static int parse(int argc, char **argv, struct opts *o, char **pos, int *npos, int *cmd)
{
	int given[XZ_ARRAY_LEN(options)] = {0};
	size_t k;
	*npos = 0;
	*cmd = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *eq;
		size_t len;
		if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			return usage();
		if (a[0] != '-' || !a[1]) {
			if (*npos >= 8)
				return usage_error("too many arguments (at %s)", a);
			pos[(*npos)++] = argv[i];
			continue;
		}
		eq = strchr(a, '=');
		len = eq ? (size_t)(eq - a) : strlen(a);
		for (k = 0; k < XZ_ARRAY_LEN(options); k++)
			if (strlen(options[k].name) == len && !strncmp(a, options[k].name, len))
				break;
		if (k == XZ_ARRAY_LEN(options))
			return usage_error("unknown option %s", a);
		given[k] = 1;
		if (options[k].value) {
			const char *v = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
			if (!v || !*v || (!eq && v[0] == '-' && v[1] == '-'))
				return usage_error("%s needs a value", options[k].name);
			*(const char **)((char *)o + options[k].off) = v;
		} else {
			if (eq)
				return usage_error("%s takes no value", options[k].name);
			*(bool *)((char *)o + options[k].off) = true;
		}
	}
	if (*npos == 0)
		return usage_error("%s", "no command given");
	for (k = 0; k < XZ_ARRAY_LEN(commands); k++)
		if (!strcmp(pos[0], commands[k].name))
			break;
	if (k == XZ_ARRAY_LEN(commands))
		return usage_error("unknown command %s", pos[0]);
	*cmd = commands[k].bit;
	if (*npos - 1 < commands[k].min_args || *npos - 1 > commands[k].max_args)
		return usage_error("wrong number of arguments for %s", pos[0]);
	for (size_t j = 0; j < XZ_ARRAY_LEN(options); j++)
		if (given[j] && !(options[j].commands & *cmd)) {
			fprintf(stderr, "xiezhi: %s does not apply to %s\n", options[j].name,
				pos[0]);
			return usage();
		}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = {.db = "data/xiezhi.db", .listen = "127.0.0.1:8080", .web = "web/dist"};
	struct xz_db *db = NULL;
	char *pos[8];
	int npos, cmd, rc;
	const char *env;

	/* the database, its backups and evidence hold password hashes and
	 * complainants: nothing we create is readable by others */
	umask(077);
	if ((env = getenv("XZ_DB")) && *env)
		o.db = env;
	if ((rc = parse(argc, argv, &o, pos, &npos, &cmd)) != 0)
		return rc;
	if (!o.log_level && (env = getenv("XZ_LOG_LEVEL")) && *env)
		o.log_level = env;
	if (o.log_level && xz_log_set_level(o.log_level) < 0)
		return usage_error("--log-level must be error, warn, info or debug, not %s",
				   o.log_level);
	resolve_evidence(&o);
	if (xz_auth_init() < 0) {
		fprintf(stderr, "xiezhi: cannot initialise libsodium\n");
		return 1;
	}
	switch (cmd) {
	case C_SERVE:
		return cmd_serve(&o);
	case C_ROUTES:
		if (o.json)
			return cmd_routes_json();
		xz_routes_each(print_route, NULL);
		return 0;
	case C_CHECK:
		return cmd_check(&o);
	case C_BACKUP:
		return cmd_backup(&o, pos[1]);
	case C_RESTORE:
		return cmd_restore(&o, pos[1]);
	case C_USER:
		return cmd_user(&o, npos - 1, pos + 1);
	default:
		break;
	}
	/* migrate, demo (open_migrated has said why it failed) */
	if ((rc = open_migrated(&o, &db)) < 0)
		return 1;
	if (cmd == C_DEMO) {
		rc = xz_demo_create(db);
		if (rc == XZ_ECONFLICT)
			printf("database already holds data; demo not created\n");
		else if (rc < 0)
			fprintf(stderr, "xiezhi: demo failed: %s\n", xz_strerror(rc));
		else
			printf("demo county created; logins use password %s\n", XZ_DEMO_PASSWORD);
		rc = rc == XZ_ECONFLICT ? 0 : rc;
	} else {
		struct xz_schema_status st;
		xz_db_schema_status(db, &st);
		printf("database is up to date (schema %03d)\n", st.version);
	}
	xz_db_disconnect(db);
	return rc < 0 ? 1 : 0;
}
