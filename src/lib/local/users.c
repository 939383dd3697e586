/*
 * users: the local users file (see users.h).
 */
#include "local/users.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/register.h"
#include "smtp/smtp_addr.h"
#include "util/hmap.h"
#include "util/safefile.h"
#include "util/xmalloc.h"

struct users {
	struct user **v;
	size_t n;
	struct hmap *by_addr;
};

struct users *
users_new(void)
{
	struct users *u = xcalloc(1, sizeof(*u));

	u->by_addr = hmap_new();
	return u;
}

static void
user_free(struct user *x)
{
	if (x == NULL)
		return;
	free(x->address);
	free(x->password);
	free(x->send_as);
	for (size_t i = 0; i < x->refuse_classes.n; i++)
		free(x->refuse_classes.v[i]);
	free(x->refuse_classes.v);
	free(x);
}

int
users_set_refuse_classes(struct user *x, const char *value, char *err, size_t errsz)
{
	struct conf_list l = { NULL, 0 };
	char *copy = xstrdup(value), *save = NULL, *tok;
	int rc = 0, none = 0;

	for (tok = strtok_r(copy, ",", &save); tok && rc == 0; tok = strtok_r(NULL, ",", &save)) {
		str_lower(tok);
		if (strcmp(tok, "none") == 0)
			none = 1;
		else if (!register_class_known(tok)) {
			snprintf(err, errsz,
			    "refuse_classes: unknown mail class '%.60s' (business, individual, isp, "
			    "government, education, bulk, other, none)",
			    tok);
			rc = -1;
		} else {
			l.v = xrealloc(l.v, (l.n + 1) * sizeof(*l.v));
			l.v[l.n++] = xstrdup(tok);
		}
	}
	if (rc == 0 && none && l.n) {
		snprintf(err, errsz, "refuse_classes: 'none' stands alone");
		rc = -1;
	}
	free(copy);
	if (rc < 0) {
		for (size_t i = 0; i < l.n; i++)
			free(l.v[i]);
		free(l.v);
		return -1;
	}
	for (size_t i = 0; i < x->refuse_classes.n; i++)
		free(x->refuse_classes.v[i]);
	free(x->refuse_classes.v);
	x->refuse_classes = l;
	x->refuse_classes_set = value[0] != '\0';
	return 0;
}

void
users_free(struct users *u)
{
	if (u == NULL)
		return;
	for (size_t i = 0; i < u->n; i++)
		user_free(u->v[i]);
	free(u->v);
	hmap_free(u->by_addr);
	free(u);
}

const struct user *
users_find(const struct users *u, const char *address)
{
	char key[SMTP_PATH_MAX + 1];

	if (u == NULL || str_copy(key, sizeof(key), address) >= sizeof(key))
		return NULL;
	str_lower(key);
	return hmap_get(u->by_addr, key, strlen(key));
}

size_t
users_count(const struct users *u)
{
	return u ? u->n : 0;
}

const struct user *
users_at(const struct users *u, size_t i)
{
	return u->v[i];
}

struct user *
users_put(struct users *u, const char *address)
{
	char key[SMTP_PATH_MAX + 1];
	struct user *x;

	str_copy(key, sizeof(key), address);
	str_lower(key);
	x = hmap_get(u->by_addr, key, strlen(key));
	if (x)
		return x;
	x = xcalloc(1, sizeof(*x));
	x->address = xstrdup(key);
	u->v = xrealloc(u->v, (u->n + 1) * sizeof(*u->v));
	u->v[u->n++] = x;
	hmap_put(u->by_addr, x->address, strlen(x->address), x);
	return x;
}

int
users_del(struct users *u, const char *address)
{
	char key[SMTP_PATH_MAX + 1];
	struct user *x;

	str_copy(key, sizeof(key), address);
	str_lower(key);
	x = hmap_del(u->by_addr, key, strlen(key));
	if (x == NULL)
		return -1;
	for (size_t i = 0; i < u->n; i++) {
		if (u->v[i] == x) {
			memmove(&u->v[i], &u->v[i + 1], (u->n - i - 1) * sizeof(*u->v));
			u->n--;
			break;
		}
	}
	user_free(x);
	return 0;
}

/* Addresses usable as mailbox names: a plain dot-string local part. */
static int
address_ok(const char *a)
{
	struct smtp_addr parsed;
	const char *at = strrchr(a, '@');

	if (smtp_addr_parse_mailbox(a, strlen(a), 0, &parsed) != SMTP_ADDR_OK)
		return 0;
	/* Quoted local parts and literals cannot name a Maildir safely. */
	if (parsed.flags & (SMTP_ADDR_QUOTED | SMTP_ADDR_LITERAL))
		return 0;
	if (at == NULL || strpbrk(a, "/\\\"") != NULL || a[0] == '.')
		return 0;
	return 1;
}

static int
set_num(const char *v, long long *out)
{
	return str_to_ll(v, 0, 1000000000LL, out);
}

struct users *
users_parse(const char *text, size_t len, const char *name, struct strbuf *errs)
{
	struct users *u = users_new();
	size_t pos = 0;
	int lineno = 0, nerr = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		char *line = xstrndup(text + pos, n);
		char *save = NULL, *tok, *p;

		pos += n + 1;
		lineno++;
		p = str_trim(line);
		if (*p == '\0' || *p == '#') {
			free(line);
			continue;
		}
		tok = strtok_r(p, " \t", &save);
		if (!address_ok(tok)) {
			strbuf_printf(errs, "%s:%d: '%s' is not a usable mailbox address\n", name,
			    lineno, tok);
			nerr++;
			free(line);
			continue;
		}
		if (users_find(u, tok) != NULL) {
			strbuf_printf(errs, "%s:%d: user %s listed twice\n", name, lineno, tok);
			nerr++;
			free(line);
			continue;
		}
		struct user *x = users_put(u, tok);
		while ((tok = strtok_r(NULL, " \t", &save)) != NULL) {
			char *eq = strchr(tok, '=');
			long long num = 0;
			int bad = 0;
			if (eq == NULL) {
				bad = 1;
			} else {
				*eq = '\0';
				const char *k = tok, *v = eq + 1;
				if (strcmp(k, "password") == 0) {
					free(x->password);
					x->password = xstrdup(v);
				} else if (strcmp(k, "send_as") == 0) {
					free(x->send_as);
					x->send_as = xstrdup(v);
				} else if (strcmp(k, "refuse_classes") == 0) {
					char why[200];
					if (users_set_refuse_classes(x, v, why, sizeof(why)) < 0) {
						strbuf_printf(
						    errs, "%s:%d: %s\n", name, lineno, why);
						nerr++;
					}
				} else if (strcmp(k, "challenge") == 0 &&
				    (strcmp(v, "yes") == 0 || strcmp(v, "no") == 0)) {
					x->challenge = v[0] == 'y' ? 1 : -1;
				} else if (set_num(v, &num) < 0) {
					bad = 1;
				} else if (strcmp(k, "locked") == 0) {
					x->locked = num != 0;
				} else if (strcmp(k, "send_locked") == 0) {
					x->send_locked = num != 0;
				} else if (strcmp(k, "max_rcpt_msg") == 0) {
					x->max_rcpt_msg = num;
				} else if (strcmp(k, "max_rcpt_day") == 0) {
					x->max_rcpt_day = num;
				} else if (strcmp(k, "stamp_user") == 0) {
					x->stamp_user = num != 0;
				} else if (strcmp(k, "no_unsafe") == 0) {
					x->no_unsafe = num != 0;
				} else if (strcmp(k, "discard") == 0) {
					x->discard = num != 0;
				} else if (strcmp(k, "challenge") == 0) {
					x->challenge = num ? 1 : -1;
				} else {
					bad = 1;
				}
			}
			if (bad) {
				strbuf_printf(errs,
				    "%s:%d: bad attribute '%s' (expected key=value)\n", name,
				    lineno, tok);
				nerr++;
			}
		}
		free(line);
	}
	if (nerr) {
		users_free(u);
		return NULL;
	}
	return u;
}

struct users *
users_load(const char *path, uid_t trusted_uid, struct strbuf *errs)
{
	struct strbuf text;
	char buf[8192], err[600];
	ssize_t n;
	int fd = safefile_open_read(path, trusted_uid, err, sizeof(err));
	struct users *u;

	if (fd < 0) {
		if (errno == ENOENT)
			return users_new();
		strbuf_printf(errs, "%s\n", err);
		return NULL;
	}
	strbuf_init(&text, 256 * 1024 * 1024);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (strbuf_append(&text, buf, (size_t)n) < 0)
			break;
	close(fd);
	u = users_parse(text.s ? text.s : "", text.len, path, errs);
	strbuf_free(&text);
	return u;
}

int
users_write(const struct users *u, struct strbuf *out)
{
	int rc =
	    strbuf_puts(out, "# vouch users: managed by vouchctl user ...; one mailbox per line\n");

	for (size_t i = 0; i < u->n && rc == 0; i++) {
		const struct user *x = u->v[i];
		rc |= strbuf_puts(out, x->address);
		if (x->password)
			rc |= strbuf_printf(out, " password=%s", x->password);
		if (x->locked)
			rc |= strbuf_puts(out, " locked=1");
		if (x->send_locked)
			rc |= strbuf_puts(out, " send_locked=1");
		if (x->max_rcpt_msg)
			rc |= strbuf_printf(out, " max_rcpt_msg=%lld", x->max_rcpt_msg);
		if (x->max_rcpt_day)
			rc |= strbuf_printf(out, " max_rcpt_day=%lld", x->max_rcpt_day);
		if (x->stamp_user)
			rc |= strbuf_puts(out, " stamp_user=1");
		if (x->no_unsafe)
			rc |= strbuf_puts(out, " no_unsafe=1");
		if (x->discard)
			rc |= strbuf_puts(out, " discard=1");
		if (x->challenge)
			rc |= strbuf_printf(out, " challenge=%d", x->challenge > 0);
		if (x->send_as)
			rc |= strbuf_printf(out, " send_as=%s", x->send_as);
		if (x->refuse_classes_set) {
			rc |= strbuf_puts(out, " refuse_classes=");
			if (x->refuse_classes.n == 0)
				rc |= strbuf_puts(out, "none");
			for (size_t k = 0; k < x->refuse_classes.n; k++)
				rc |= strbuf_printf(
				    out, "%s%s", k ? "," : "", x->refuse_classes.v[k]);
		}
		rc |= strbuf_puts(out, "\n");
	}
	return rc ? -1 : 0;
}

int
users_save(const struct users *u, const char *path, uid_t uid, gid_t gid, uid_t trusted_uid,
    char *err, size_t errsz)
{
	struct strbuf text;
	int rc;

	strbuf_init(&text, 256 * 1024 * 1024);
	if (users_write(u, &text) < 0) {
		snprintf(err, errsz, "users table too large");
		strbuf_free(&text);
		return -1;
	}
	/* Never through a name someone else could have prepared (issue 13
	 * item 5: symlinks planted at "users.tmp.<pid>" made root overwrite
	 * what they pointed to): util/safefile.h. */
	rc = safefile_write(
	    path, text.s ? text.s : "", text.len, 0640, uid, gid, trusted_uid, err, errsz);
	strbuf_free(&text);
	return rc;
}
