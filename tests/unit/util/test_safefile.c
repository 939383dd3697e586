/* Unit tests for util/safefile: writing and reading as root where another
 * account may have laid symlinks (issue 13 item 5). Run as root, as the
 * suites are; the other account is uid/gid 4242 (no name needed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "util/safefile.h"

#define OTHER 4242

static char root[256];

static void
path(char *out, size_t n, const char *rel)
{
	snprintf(out, n, "%s/%s", root, rel);
}

static void
put(const char *rel, const char *text)
{
	char p[512];
	FILE *f;

	path(p, sizeof(p), rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
slurp(const char *rel, char *out, size_t n)
{
	char p[512];
	FILE *f;
	size_t got;

	path(p, sizeof(p), rel);
	f = fopen(p, "r");
	assert_non_null(f);
	got = fread(out, 1, n - 1, f);
	out[got] = '\0';
	fclose(f);
}

static int
setup(void **state)
{
	char p[512];

	(void)state;
	if (geteuid() != 0)
		return 0;
	snprintf(root, sizeof(root), "/tmp/vouch-safefile-XXXXXX");
	assert_non_null(mkdtemp(root));
	chmod(root, 0755);
	/* "data": the other account's folder, as data_dir is vouchd's user's */
	path(p, sizeof(p), "data");
	mkdir(p, 0750);
	assert_int_equal(chown(p, OTHER, OTHER), 0);
	path(p, sizeof(p), "rootdir");
	mkdir(p, 0755);
	put("victim", "root's own\n");
	return 0;
}

static int
teardown(void **state)
{
	char cmd[400];

	(void)state;
	if (root[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		if (system(cmd) != 0)
			return -1;
	}
	return 0;
}

static void
test_write_never_follows(void **state)
{
	char p[512], v[512], target[512], err[512], text[64];
	struct stat st;

	(void)state;
	if (geteuid() != 0)
		skip();
	path(v, sizeof(v), "victim");
	/* the name itself a symlink the other account planted: replaced */
	path(p, sizeof(p), "data/users");
	assert_int_equal(symlink(v, p), 0);
	assert_int_equal(safefile_write(p, "new\n", 4, 0640, 0, OTHER, OTHER, err, sizeof(err)), 0);
	slurp("victim", text, sizeof(text));
	assert_string_equal(text, "root's own\n");
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(st.st_gid, OTHER);
	assert_int_equal(st.st_mode & 07777, 0640);
	slurp("data/users", text, sizeof(text));
	assert_string_equal(text, "new\n");
	/* a folder on the way swapped for a symlink to one of root's: refused */
	path(p, sizeof(p), "data/etc");
	path(target, sizeof(target), "rootdir");
	assert_int_equal(symlink(target, p), 0);
	assert_int_equal(chown(root, 0, 0), 0);
	path(p, sizeof(p), "data/etc/users");
	assert_int_equal(safefile_write(p, "x", 1, 0640, 0, 0, OTHER, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "symbolic link"));
	path(p, sizeof(p), "rootdir/users");
	assert_int_equal(access(p, F_OK), -1);
	/* a folder of a third account is refused, one every user may write too */
	path(p, sizeof(p), "data");
	assert_int_equal(chown(p, OTHER + 1, OTHER + 1), 0);
	path(p, sizeof(p), "data/users");
	assert_int_equal(safefile_write(p, "x", 1, 0640, 0, 0, OTHER, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "belongs to uid 4243"));
	path(p, sizeof(p), "data");
	assert_int_equal(chown(p, OTHER, OTHER), 0);
	chmod(p, 0777);
	path(p, sizeof(p), "data/users");
	assert_int_equal(safefile_write(p, "x", 1, 0640, 0, 0, OTHER, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "writable by every user"));
	path(p, sizeof(p), "data");
	chmod(p, 0750);
}

static void
test_root_symlinks_are_followed(void **state)
{
	char p[512], target[512], err[512], text[64];

	(void)state;
	if (geteuid() != 0)
		skip();
	/* root's own symlink in root's own folder (/etc/vouch -> /srv/...) */
	path(p, sizeof(p), "link");
	path(target, sizeof(target), "rootdir");
	assert_int_equal(symlink(target, p), 0);
	path(p, sizeof(p), "link/conf");
	assert_int_equal(safefile_write(p, "ok\n", 3, 0600, -1, -1, OTHER, err, sizeof(err)), 0);
	slurp("rootdir/conf", text, sizeof(text));
	assert_string_equal(text, "ok\n");
	int fd = safefile_open_read(p, OTHER, err, sizeof(err));
	assert_true(fd >= 0);
	close(fd);
}

static void
test_read_refuses_a_planted_link(void **state)
{
	char p[512], v[512], err[512];

	(void)state;
	if (geteuid() != 0)
		skip();
	path(v, sizeof(v), "victim");
	path(p, sizeof(p), "data/aliases");
	assert_int_equal(symlink(v, p), 0);
	assert_int_equal(safefile_open_read(p, OTHER, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "symbolic link"));
	path(p, sizeof(p), "data/missing");
	assert_int_equal(safefile_open_read(p, OTHER, err, sizeof(err)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_never_follows),
		cmocka_unit_test(test_root_symlinks_are_followed),
		cmocka_unit_test(test_read_refuses_a_planted_link),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
