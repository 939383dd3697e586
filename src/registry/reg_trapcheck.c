/*
 * reg_trapcheck: MX checks of spam traps on the loop (see reg_trapcheck.h).
 */
#include "reg_trapcheck.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns.h"
#include "dns/dns_result.h"
#include "reg_err.h"
#include "reg_trap.h"
#include "util/log.h"
#include "util/str.h"
#include "util/xmalloc.h"

struct check {
	struct check *next;
	struct reg_trapcheck *t;
	long long trap_id;
	uint64_t q;
	char domain[256], owner[256];
};

struct reg_trapcheck {
	struct reg_db *db;
	struct dns_client *dns;
	struct check *checks;
	size_t n;
};

static void
on_mx(struct dns_result *res, void *arg)
{
	struct check *c = arg, **pp;
	struct reg_trapcheck *t = c->t;
	char note[400];
	int v = reg_trap_mx_verdict(c->domain, c->owner, res, note, sizeof(note));

	dns_result_free(res);
	/* undecided (a temporary failure) counts as refused until registered again */
	if (reg_trap_set(t->db, c->trap_id, v == 1, note) != REG_OK)
		log_err("event=trap_check_store_failed trap=%lld", c->trap_id);
	else {
		char owner_esc[LOG_ESC_MAX], note_esc[LOG_ESC_MAX];
		log_info("event=trap_checked trap=%lld owner=%s status=%s note=%s", c->trap_id,
		    log_token(owner_esc, sizeof(owner_esc), c->owner),
		    v == 1 ? "verified" : "refused", log_str(note_esc, sizeof(note_esc), note));
	}
	for (pp = &t->checks; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	t->n--;
	free(c);
}

struct reg_trapcheck *
reg_trapcheck_new(struct reg_db *db, struct dns_client *dns)
{
	struct reg_trapcheck *t = xcalloc(1, sizeof(*t));

	t->db = db;
	t->dns = dns;
	return t;
}

void
reg_trapcheck_free(struct reg_trapcheck *t)
{
	if (t == NULL)
		return;
	while (t->checks) {
		struct check *c = t->checks;
		t->checks = c->next;
		dns_client_cancel(t->dns, c->q);
		free(c);
	}
	free(t);
}

void
reg_trapcheck_start(
    struct reg_trapcheck *t, long long trap_id, const char *address, const char *owner_host)
{
	const char *at = strrchr(address, '@');
	struct check *c;

	if (at == NULL || at[1] == '\0')
		return;
	c = xcalloc(1, sizeof(*c));
	c->t = t;
	c->trap_id = trap_id;
	str_copy(c->domain, sizeof(c->domain), at + 1);
	str_lower(c->domain);
	str_copy(c->owner, sizeof(c->owner), owner_host);
	c->next = t->checks;
	t->checks = c;
	t->n++;
	/* the callback comes from the loop, never from inside this call */
	c->q = dns_client_lookup(t->dns, c->domain, DNS_T_MX, on_mx, c);
}

size_t
reg_trapcheck_pending(const struct reg_trapcheck *t)
{
	return t->n;
}
