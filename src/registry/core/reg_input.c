/*
 * reg_input: reading and validating request fields (see reg_input.h).
 */
#include "reg_input.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util/str.h"
#include "util/xmalloc.h"

static int
verr(struct reg_verr *e, const char *field, const char *why)
{
	str_copy(e->field, sizeof(e->field), field);
	str_copy(e->why, sizeof(e->why), why);
	return -1;
}

int
reg_input_json_open(struct reg_input_json *j, const char *body, size_t len, struct reg_verr *err)
{
	json_error_t je;
	json_t *root;

	memset(j, 0, sizeof(*j));
	if (body == NULL || len == 0)
		return verr(err, "body", "is empty; send a JSON object");
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		char why[160];
		snprintf(why, sizeof(why), "is not valid JSON (line %d: %.80s)", je.line, je.text);
		return verr(err, "body", why);
	}
	if (!json_is_object(root)) {
		json_decref(root);
		return verr(err, "body", "must be a JSON object");
	}
	j->root = root;
	return 0;
}

static const char *
keep(struct reg_input_json *j, char *s)
{
	if (j->nscratch >= sizeof(j->scratch) / sizeof(j->scratch[0])) {
		free(s);
		return NULL;
	}
	j->scratch[j->nscratch++] = s;
	return s;
}

static const char *
json_get(void *ctx, const char *name)
{
	struct reg_input_json *j = ctx;
	json_t *v = j->root ? json_object_get(j->root, name) : NULL;
	char num[64];

	if (v == NULL || json_is_null(v))
		return NULL;
	if (json_is_string(v)) {
		/* a NUL inside the string would hide the rest from C: refuse */
		if (strlen(json_string_value(v)) != json_string_length(v))
			return keep(j, xstrdup("\x01"));
		return json_string_value(v);
	}
	if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		return keep(j, xstrdup(num));
	}
	if (json_is_true(v))
		return "yes";
	if (json_is_false(v))
		return "no";
	/* only list fields take arrays of strings (joined by spaces) */
	if (json_is_array(v) && strcmp(name, "addresses") == 0) {
		struct strbuf sb;
		size_t i;
		json_t *item;

		strbuf_init(&sb, 64 * 1024);
		json_array_foreach(v, i, item)
		{
			if (!json_is_string(item) || (i > 0 && strbuf_puts(&sb, " ") < 0) ||
			    strbuf_puts(&sb, json_string_value(item)) < 0) {
				strbuf_free(&sb);
				return keep(j, xstrdup("\x01"));
			}
		}
		return keep(j, strbuf_steal(&sb));
	}
	/* objects and reals are never valid field values: make them fail */
	return keep(j, xstrdup("\x01"));
}

struct reg_input_src
reg_input_json_src(struct reg_input_json *j)
{
	struct reg_input_src s = { json_get, j };

	return s;
}

void
reg_input_json_close(struct reg_input_json *j)
{
	if (j == NULL)
		return;
	if (j->root)
		json_decref((json_t *)j->root);
	for (size_t i = 0; i < j->nscratch; i++)
		free(j->scratch[i]);
	memset(j, 0, sizeof(*j));
}

static const char *
get(const struct reg_input_src *src, const char *name)
{
	return src->get(src->ctx, name);
}

int
reg_input_text(const struct reg_input_src *src, const char *name, int required, char *out,
    size_t outsz, struct reg_verr *err)
{
	const char *v = get(src, name), *why;
	char *t;

	if (v == NULL)
		v = "";
	/* surrounding blanks are a typing accident, not content */
	t = xstrdup(v);
	str_trim(t);
	if (reg_validate_text(t, outsz - 1, required, 0, &why) < 0) {
		free(t);
		return verr(err, name, why);
	}
	str_copy(out, outsz, t);
	free(t);
	return 0;
}

int
reg_input_hostname(const struct reg_input_src *src, const char *name, char *out, size_t outsz,
    struct reg_verr *err)
{
	const char *v = get(src, name), *why;
	char *t = xstrdup(v ? v : "");
	int r;

	str_trim(t);
	r = reg_validate_hostname(t, out, outsz, &why);
	free(t);
	return r < 0 ? verr(err, name, why) : 0;
}

int
reg_input_addresses(const char *text, struct reg_application *app, struct reg_verr *err)
{
	const char *p = text ? text : "";

	app->naddrs = 0;
	while (*p) {
		char word[128];
		size_t n = 0;
		const char *why;

		while (*p == ' ' || *p == ',' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (*p == '\0')
			break;
		while (*p && !(*p == ' ' || *p == ',' || *p == '\t' || *p == '\n' || *p == '\r')) {
			if (n + 1 >= sizeof(word))
				return verr(err, "addresses", "has an entry that is too long");
			word[n++] = *p++;
		}
		word[n] = '\0';
		if (app->naddrs >= REG_MAX_ADDRS)
			return verr(err, "addresses", "lists more than 16 addresses");
		if (reg_validate_address(word, app->addresses[app->naddrs], REG_ADDR_MAX, &why) <
		    0) {
			char msg[160];
			snprintf(msg, sizeof(msg), "entry '%.60s' %s", word, why);
			return verr(err, "addresses", msg);
		}
		for (size_t i = 0; i < app->naddrs; i++)
			if (strcmp(app->addresses[i], app->addresses[app->naddrs]) == 0)
				return verr(err, "addresses", "lists an address twice");
		app->naddrs++;
	}
	if (app->naddrs == 0)
		return verr(err, "addresses", "is required (the server's sending addresses)");
	return 0;
}

/* Keep e as the next error of the list, if there is room. */
static void
collect(struct reg_verr *errs, size_t cap, size_t *n, const struct reg_verr *e)
{
	if (*n < cap)
		errs[*n] = *e;
	(*n)++;
}

int
reg_input_application_all(const struct reg_input_src *src, size_t max_hostname,
    struct reg_application *app, struct reg_verr *errs, size_t cap, size_t *nerr)
{
	static const struct {
		const char *name;
		size_t off, size;
	} texts[] = {
		{ "owner_name", offsetof(struct reg_application, owner_name),
		    sizeof(((struct reg_application *)0)->owner_name) },
		{ "owner_address", offsetof(struct reg_application, owner_address),
		    sizeof(((struct reg_application *)0)->owner_address) },
		{ "owner_phone", offsetof(struct reg_application, owner_phone),
		    sizeof(((struct reg_application *)0)->owner_phone) },
		{ "owner_email", offsetof(struct reg_application, owner_email),
		    sizeof(((struct reg_application *)0)->owner_email) },
		{ "business_number", offsetof(struct reg_application, business_number),
		    sizeof(((struct reg_application *)0)->business_number) },
		{ "admin_contact", offsetof(struct reg_application, admin_contact),
		    sizeof(((struct reg_application *)0)->admin_contact) },
		{ "domain_age_note", offsetof(struct reg_application, domain_age_note),
		    sizeof(((struct reg_application *)0)->domain_age_note) },
	};
	unsigned bad_text = 0;
	struct reg_verr e;
	const char *v, *why;

	memset(app, 0, sizeof(*app));
	*nerr = 0;
	/* the order of the checks is the order the API reports the first in */
	if (reg_input_hostname(src, "hostname", app->hostname, sizeof(app->hostname), &e) < 0)
		collect(errs, cap, nerr, &e);
	else if (strlen(app->hostname) > max_hostname &&
	    verr(&e, "hostname", "is too long to publish under the registry's zone") < 0)
		collect(errs, cap, nerr, &e);
	v = get(src, "class");
	if ((app->class_idx = reg_validate_choice(v, reg_validate_classes)) < 0 &&
	    verr(&e, "class",
	        "must be one of business, individual, isp, government, education, bulk") < 0)
		collect(errs, cap, nerr, &e);
	v = get(src, "owner_kind");
	if ((app->owner_kind = reg_validate_choice(v, reg_validate_owner_kinds)) < 0 &&
	    verr(&e, "owner_kind", "must be individual or business") < 0)
		collect(errs, cap, nerr, &e);
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		int required = strcmp(texts[i].name, "domain_age_note") != 0 &&
		    (strcmp(texts[i].name, "business_number") != 0 || app->owner_kind == 1);
		if (reg_input_text(src, texts[i].name, required, (char *)app + texts[i].off,
		        texts[i].size, &e) < 0) {
			collect(errs, cap, nerr, &e);
			bad_text |= 1u << i;
		}
	}
	if (!(bad_text & 4) && reg_validate_phone(app->owner_phone, &why) < 0 &&
	    verr(&e, "owner_phone", why) < 0)
		collect(errs, cap, nerr, &e);
	if (!(bad_text & 8) && reg_validate_email(app->owner_email, &why) < 0 &&
	    verr(&e, "owner_email", why) < 0)
		collect(errs, cap, nerr, &e);
	if (!(bad_text & 32) && reg_validate_email(app->admin_contact, &why) < 0 &&
	    verr(&e, "admin_contact", why) < 0)
		collect(errs, cap, nerr, &e);
	if (reg_input_addresses(get(src, "addresses"), app, &e) < 0)
		collect(errs, cap, nerr, &e);
	return *nerr ? -1 : 0;
}

int
reg_input_application(const struct reg_input_src *src, size_t max_hostname,
    struct reg_application *app, struct reg_verr *err)
{
	size_t n;

	return reg_input_application_all(src, max_hostname, app, err, 1, &n);
}

int
reg_input_report(const struct reg_input_src *src, size_t max_len, struct reg_report_input *rep,
    struct reg_verr *err)
{
	const char *m = get(src, "message"), *why;
	size_t n;

	memset(rep, 0, sizeof(*rep));
	if (m == NULL || *m == '\0')
		return verr(err, "message", "is required (the full source of the message)");
	n = strlen(m);
	if (n > max_len)
		return verr(err, "message", "is larger than this registry accepts");
	if (memchr(m, ':', n) == NULL)
		return verr(err, "message", "has no header fields; paste the full source");
	rep->message = m;
	rep->message_len = n;
	if (reg_input_text(src, "reporter", 0, rep->reporter, sizeof(rep->reporter), err) < 0)
		return -1;
	if (rep->reporter[0] && reg_validate_email(rep->reporter, &why) < 0)
		return verr(err, "reporter", why);
	{
		const char *c = get(src, "comment");
		if (c && reg_validate_text(c, sizeof(rep->comment) - 1, 0, 1, &why) < 0)
			return verr(err, "comment", why);
		str_copy(rep->comment, sizeof(rep->comment), c ? c : "");
	}
	return 0;
}

int
reg_input_reason(
    const struct reg_input_src *src, int required, char *out, size_t outsz, struct reg_verr *err)
{
	return reg_input_text(src, "reason", required, out, outsz, err);
}
