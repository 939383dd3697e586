/*
 * xgen: software generations on SMTP sessions (DESIGN 5.2): the EHLO
 * keyword, judging a client's XGEN, and what our own client sends.
 */
#include <stdio.h>
#include <string.h>

#include "vouchd.h"
#include "smtpd.h"
#include "auth/gen.h"
#include "util/log.h"

const char *
xgen_ehlo(const struct smtpd_sess *ss, char *buf, size_t bufsz)
{
	if (ss->cfg->xgen_generation < 0 || ss->listener->mode == CONFIG_MODE_OFF)
		return NULL;
	snprintf(buf, bufsz, "XGEN %lld", ss->cfg->xgen_generation);
	return buf;
}

const char *
xgen_client_arg(const struct config *cfg, char *buf, size_t bufsz)
{
	if (cfg->xgen_generation < 0)
		return NULL;
	snprintf(buf, bufsz, "%lld %s", cfg->xgen_generation, cfg->xgen_cookie);
	return buf;
}

void
xgen_command(struct smtpd_sess *ss, struct smtp_session *s, const char *arg, size_t len)
{
	const struct config *cfg = ss->cfg;
	uint8_t ours[GEN_COOKIE_LEN], theirs[GEN_COOKIE_LEN];
	long long g;
	char text[200];

	if (cfg->xgen_generation < 0 || ss->listener->mode == CONFIG_MODE_OFF) {
		smtp_session_decide(s, 502, "5.5.1", "XGEN not offered here");
		return;
	}
	/* One per connection (not reset by EHLO): a client proves its
	 * generation once, and cannot make us hash again and again. */
	if (ss->xgen_given) {
		smtp_session_decide(s, 503, "5.5.1", "XGEN already given in this session");
		return;
	}
	if (gen_parse(arg, len, &g, theirs) < 0) {
		smtp_session_decide(
		    s, 501, "5.5.4", "Syntax: XGEN <generation> <cookie: 64 hex digits>");
		return;
	}
	ss->xgen_given = 1;
	gen_unhex(cfg->xgen_cookie, strlen(cfg->xgen_cookie), ours);
	ss->xgen = gen_verify_cached(&ss->d->xgen_cache, cfg->xgen_generation, ours,
	    cfg->xgen_tolerance, cfg->xgen_max_newer, g, theirs);
	ss->xgen_peer = g;
	log_info("sid=%016llx event=xgen result=%s peer_generation=%lld our_generation=%lld",
	    (unsigned long long)ss->sid, gen_result_name(ss->xgen), g, cfg->xgen_generation);
	checks_count(ss, "xgen", gen_result_name(ss->xgen));
	switch (ss->xgen) {
	case GEN_CURRENT:
	case GEN_NEWER:
	case GEN_OLDER:
		snprintf(text, sizeof(text), "generation %lld accepted (%s)", g,
		    gen_result_name(ss->xgen));
		smtp_session_decide(s, 250, "2.7.0", text);
		return;
	case GEN_TOO_NEW:
		snprintf(text, sizeof(text),
		    "generation %lld is more than %lld newer than ours (%lld): not checked", g,
		    cfg->xgen_max_newer, cfg->xgen_generation);
		smtp_session_decide(s, 550, "5.7.1", text);
		return;
	case GEN_TOO_OLD:
		snprintf(text, sizeof(text),
		    "generation %lld is too old: the oldest accepted here is %lld", g,
		    cfg->xgen_generation + cfg->xgen_tolerance);
		smtp_session_decide(s, 550, "5.7.1", text);
		return;
	default: smtp_session_decide(s, 550, "5.7.1", "generation cookie does not verify"); return;
	}
}
