/*
 * xgen: software generations on SMTP sessions (DESIGN 5.2): the EHLO
 * keyword, judging a client's XGEN, and what our own client sends. The
 * judgement is a proof; the policy engine answers the command with it
 * (policy_xgen), and decides at RCPT what a generation leads to for mail
 * (xgen_invalid, xgen_too_old).
 */
#include "xgen.h"

#include <stdio.h>
#include <string.h>

#include "vouchd.h"
#include "auth/gen.h"
#include "auth/proofs.h"
#include "policy/stats.h"
#include "util/log.h"

int
xgen_offered(const struct config *cfg, const struct listener_config *l)
{
	return cfg->xgen_generation >= 0 && l->mode != CONFIG_MODE_OFF;
}

const char *
xgen_ehlo(const struct vouchd *d, const struct config *cfg, const struct listener_config *l,
    char *buf, size_t bufsz)
{
	if (!xgen_offered(cfg, l))
		return NULL;
	/* a site that requires generations says so (DESIGN 6: stricter rules
	 * are announced); clients read the first parameter only */
	snprintf(buf, bufsz, "XGEN %lld%s", d->xgen_g >= 0 ? d->xgen_g : cfg->xgen_generation,
	    l->xgen_none != CONFIG_ACT_IGNORE ? " REQUIRED" : "");
	return buf;
}

const char *
xgen_client_arg(const struct vouchd *d, const struct config *cfg, char *buf, size_t bufsz)
{
	if (cfg->xgen_generation < 0 || d->xgen_g < 0)
		return NULL;
	snprintf(buf, bufsz, "%lld %s", d->xgen_g, d->xgen_cookie);
	return buf;
}

static int
refuse(struct xgen_answer *a, int code, const char *status, const char *text)
{
	a->code = code;
	a->status = status;
	a->text = text;
	return 0;
}

int
xgen_judge(struct vouchd *d, const struct config *cfg, const struct listener_config *l, int given,
    uint64_t sid, const char *arg, size_t len, struct proof *p, struct xgen_answer *a)
{
	uint8_t ours[GEN_COOKIE_LEN], theirs[GEN_COOKIE_LEN];
	long long g;

	memset(a, 0, sizeof(*a));
	if (cfg->xgen_generation < 0 || l->mode == CONFIG_MODE_OFF)
		return refuse(a, 502, "5.5.1", "XGEN not offered here");
	/* One per connection (not reset by EHLO): a client proves its
	 * generation once, and cannot make us hash again and again. */
	if (given)
		return refuse(a, 503, "5.5.1", "XGEN already given in this session");
	if (gen_parse(arg, len, &g, theirs) < 0)
		return refuse(a, 501, "5.5.4", "Syntax: XGEN <generation> <cookie: 64 hex digits>");
	/* our generation: the configured one, or a newer published release */
	long long og = d->xgen_g >= 0 ? d->xgen_g : cfg->xgen_generation;
	const char *oc = d->xgen_g >= 0 ? d->xgen_cookie : cfg->xgen_cookie;
	gen_unhex(oc, strlen(oc), ours);
	enum gen_result r = gen_verify_cached(
	    &d->xgen_cache, og, ours, cfg->xgen_tolerance, cfg->xgen_max_newer, g, theirs);
	proofs_from_gen(p, r, g, og, cfg->xgen_tolerance, cfg->xgen_max_newer);
	log_info("sid=%016llx event=xgen result=%s peer_generation=%lld our_generation=%lld",
	    (unsigned long long)sid, gen_result_name(r), g, og);
	if (d->counters)
		stats_count(d->counters, "xgen", gen_result_name(r));
	return 1;
}
