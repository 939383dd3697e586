/*
 * vouchctl user add|passwd|del|lock|unlock|list|set: the local users
 * file. Passwords are read from the terminal (or stdin with
 * --password-stdin), hashed with crypt(3) (yescrypt by default) and never
 * stored or printed in clear. A running vouchd is told to reload.
 */
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "config/config.h"
#include "ctlclient.h"
#include "local/users.h"
#include "vouchctl.h"

static int
read_password(int from_stdin, char *buf, size_t bufsz)
{
	FILE *in = stdin;
	struct termios old, quiet;
	int tty = 0;

	if (!from_stdin) {
		in = fopen("/dev/tty", "r+");
		if (in == NULL) {
			fprintf(stderr,
			    "vouchctl: no terminal to ask for a password; use --password-stdin\n");
			return -1;
		}
		fputs("Password: ", in);
		fflush(in);
		if (tcgetattr(fileno(in), &old) == 0) {
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			tcsetattr(fileno(in), TCSAFLUSH, &quiet);
			tty = 1;
		}
	}
	char *ok = fgets(buf, (int)bufsz, in);
	if (tty) {
		tcsetattr(fileno(in), TCSAFLUSH, &old);
		fputs("\n", in);
	}
	if (in != stdin)
		fclose(in);
	if (ok == NULL) {
		fprintf(stderr, "vouchctl: no password given\n");
		return -1;
	}
	buf[strcspn(buf, "\r\n")] = '\0';
	if (strlen(buf) < 8) {
		fprintf(stderr, "vouchctl: a password needs at least 8 characters\n");
		explicit_bzero(buf, bufsz);
		return -1;
	}
	return 0;
}

/* crypt(3) with a fresh salt: yescrypt ("$y$") or bcrypt ("$2b$"). */
static char *
hash_password(const char *pw, const char *method)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data cd;
	char *h;

	if (crypt_gensalt_rn(method, 0, NULL, 0, salt, sizeof(salt)) == NULL)
		return NULL;
	memset(&cd, 0, sizeof(cd));
	h = crypt_r(pw, salt, &cd);
	if (h == NULL || h[0] == '*')
		return NULL;
	return strdup(h);
}

/* The users file may be made before vouchd ever ran: create its folder,
 * owned by vouchd's user as vouchd itself would. The new folder is given
 * away through a descriptor opened O_NOFOLLOW: a name swapped for a
 * symlink in between is refused, never followed (chown(2) would). */
static void
ensure_dir(const struct config *cfg, const struct passwd *pw)
{
	char dir[4096];
	char *slash;
	int fd;

	str_copy(dir, sizeof(dir), cfg->users);
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return;
	*slash = '\0';
	if (mkdir(dir, 0750) != 0 || pw == NULL)
		return;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fchown(fd, pw->pw_uid, pw->pw_gid) < 0)
		fprintf(stderr, "vouchctl: warning: cannot give %s to %s\n", dir, cfg->user);
	if (fd >= 0)
		close(fd);
}

static int
save(const struct config *cfg, struct users *u)
{
	char err[512];
	struct passwd *pw = geteuid() == 0 ? getpwnam(cfg->user) : NULL;

	ensure_dir(cfg, pw);
	/* root writes it as root:<vouchd's group> 0640 (vouchd reads it after
	 * dropping root), never through a name vouchd's user prepared. */
	if (users_save(u, cfg->users, pw ? 0 : (uid_t)-1, pw ? pw->pw_gid : (gid_t)-1,
	        pw ? pw->pw_uid : (uid_t)-1, err, sizeof(err)) < 0) {
		fprintf(stderr, "vouchctl: %s\n", err);
		return 1;
	}
	return 0;
}

/* Tell a running vouchd to re-read the file; not running is fine. */
static void
notify_vouchd(const struct vouchctl_opts *o)
{
	ctlclient_request(o, "reload", 1);
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: vouchctl user add ADDRESS [--password | --password-stdin] [--bcrypt]\n"
	    "       vouchctl user passwd ADDRESS [--password-stdin] [--bcrypt]\n"
	    "       vouchctl user del|lock|unlock ADDRESS\n"
	    "       vouchctl user set ADDRESS KEY=VALUE...   (max_rcpt_msg, max_rcpt_day,\n"
	    "                                                stamp_user, no_unsafe, send_as,\n"
	    "                                                discard, refuse_classes, challenge)\n"
	    "       vouchctl user list\n");
}

int
cmd_user(const struct vouchctl_opts *o, int argc, char **argv)
{
	struct strbuf errs;
	struct config *cfg;
	struct users *u = NULL;
	int rc = 0, changed = 0;

	if (argc < 2) {
		usage();
		return 2;
	}
	strbuf_init(&errs, 1 << 20);
	cfg = config_load(o->config_path, &errs);
	if (cfg) {
		struct passwd *pw = geteuid() == 0 ? getpwnam(cfg->user) : NULL;
		u = users_load(cfg->users, pw ? pw->pw_uid : (uid_t)-1, &errs);
	}
	if (u == NULL) {
		fputs(errs.s ? errs.s : "cannot load\n", stderr);
		strbuf_free(&errs);
		config_free(cfg);
		return 1;
	}
	strbuf_free(&errs);
	const char *verb = argv[1];
	const char *addr = argc >= 3 ? argv[2] : NULL;
	struct user *x = NULL;

	if (strcmp(verb, "list") == 0 && argc == 2) {
		for (size_t i = 0; i < users_count(u); i++) {
			const struct user *y = users_at(u, i);
			printf("%s%s%s%s\n", y->address, y->password ? " login" : "",
			    y->locked ? " locked" : "", y->send_locked ? " send_locked" : "");
		}
	} else if (addr == NULL) {
		usage();
		rc = 2;
	} else if (strcmp(verb, "add") == 0 || strcmp(verb, "passwd") == 0) {
		int want_pw = strcmp(verb, "passwd") == 0, from_stdin = 0;
		const char *method = "$y$";
		for (int i = 3; i < argc; i++) {
			if (strcmp(argv[i], "--password") == 0)
				want_pw = 1;
			else if (strcmp(argv[i], "--password-stdin") == 0)
				want_pw = from_stdin = 1;
			else if (strcmp(argv[i], "--bcrypt") == 0)
				method = "$2b$";
			else {
				usage();
				rc = 2;
			}
		}
		if (rc == 0 && strcmp(verb, "add") == 0 && users_find(u, addr)) {
			fprintf(stderr, "vouchctl: user %s exists\n", addr);
			rc = 1;
		} else if (rc == 0 && strcmp(verb, "passwd") == 0 && !users_find(u, addr)) {
			fprintf(stderr, "vouchctl: no user %s\n", addr);
			rc = 1;
		}
		if (rc == 0) {
			/* Validate the address with the file's own rules. */
			struct strbuf line, e2;
			strbuf_init(&line, 1024);
			strbuf_init(&e2, 4096);
			strbuf_printf(&line, "%s\n", addr);
			struct users *probe = users_parse(line.s, line.len, "address", &e2);
			if (probe == NULL) {
				fprintf(
				    stderr, "vouchctl: %s is not a usable mailbox address\n", addr);
				rc = 1;
			}
			users_free(probe);
			strbuf_free(&line);
			strbuf_free(&e2);
		}
		if (rc == 0) {
			char pw[512];
			char *hash = NULL;
			if (want_pw) {
				if (read_password(from_stdin, pw, sizeof(pw)) < 0)
					rc = 1;
				else if ((hash = hash_password(pw, method)) == NULL) {
					fprintf(stderr, "vouchctl: crypt(3) failed\n");
					rc = 1;
				}
				explicit_bzero(pw, sizeof(pw));
			}
			if (rc == 0) {
				x = users_put(u, addr);
				if (hash) {
					free(x->password);
					x->password = hash;
				}
				changed = 1;
			} else {
				free(hash);
			}
		}
	} else if (strcmp(verb, "del") == 0) {
		if (users_del(u, addr) < 0) {
			fprintf(stderr, "vouchctl: no user %s\n", addr);
			rc = 1;
		} else
			changed = 1;
	} else if (strcmp(verb, "lock") == 0 || strcmp(verb, "unlock") == 0) {
		if ((x = (struct user *)users_find(u, addr)) == NULL) {
			fprintf(stderr, "vouchctl: no user %s\n", addr);
			rc = 1;
		} else {
			int lock = strcmp(verb, "lock") == 0;
			x->locked = lock;
			if (!lock)
				x->send_locked = 0; /* also lifts a daily-limit lock */
			changed = 1;
		}
	} else if (strcmp(verb, "set") == 0 && argc >= 4) {
		if ((x = (struct user *)users_find(u, addr)) == NULL) {
			fprintf(stderr, "vouchctl: no user %s\n", addr);
			rc = 1;
		}
		for (int i = 3; rc == 0 && i < argc; i++) {
			char *eq = strchr(argv[i], '=');
			long long v = 0;
			if (eq == NULL) {
				rc = 2;
				break;
			}
			*eq = '\0';
			const char *k = argv[i], *val = eq + 1;
			if (strcmp(k, "send_as") == 0) {
				free(x->send_as);
				x->send_as = *val ? strdup(val) : NULL;
			} else if (strcmp(k, "refuse_classes") == 0) {
				char why[200];
				if (users_set_refuse_classes(x, val, why, sizeof(why)) < 0) {
					fprintf(stderr, "vouchctl: %s\n", why);
					rc = 2;
				}
			} else if (strcmp(k, "challenge") == 0 &&
			    (strcmp(val, "yes") == 0 || strcmp(val, "no") == 0)) {
				x->challenge = val[0] == 'y' ? 1 : -1;
			} else if (str_to_ll(val, 0, 1000000000LL, &v) < 0) {
				rc = 2;
			} else if (strcmp(k, "max_rcpt_msg") == 0) {
				x->max_rcpt_msg = v;
			} else if (strcmp(k, "max_rcpt_day") == 0) {
				x->max_rcpt_day = v;
			} else if (strcmp(k, "stamp_user") == 0) {
				x->stamp_user = v != 0;
			} else if (strcmp(k, "no_unsafe") == 0) {
				x->no_unsafe = v != 0;
			} else if (strcmp(k, "discard") == 0) {
				x->discard = v != 0;
			} else if (strcmp(k, "challenge") == 0) {
				x->challenge = v ? 1 : -1;
			} else {
				rc = 2;
			}
			if (rc == 2)
				fprintf(stderr, "vouchctl: bad setting '%s'\n", k);
		}
		if (rc == 0)
			changed = 1;
	} else {
		usage();
		rc = 2;
	}
	if (rc == 0 && changed) {
		rc = save(cfg, u);
		if (rc == 0) {
			printf("%s %s\n", verb, addr);
			notify_vouchd(o);
			/* unlock also lifts a daily-limit lock vouchd holds */
			if (strcmp(verb, "unlock") == 0) {
				char req[600];
				snprintf(req, sizeof(req), "user unlock %s", addr);
				ctlclient_request(o, req, 1);
			}
		}
	}
	users_free(u);
	config_free(cfg);
	return rc;
}
