/*
 * srsfwd: SRS for forwarded mail and bounces (see srsfwd.h).
 */
#include "srsfwd.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "vouchd.h"
#include "auth/srs_config.h"
#include "config/config.h"
#include "util/log.h"
#include "util/xmalloc.h"

int
srsfwd_is_ours(
    const struct vouchd *d, const struct config *cfg, const char *local, const char *domain)
{
	struct srs_options o;

	if (!cfg->srs.enabled || d->srs == NULL || !srs_is_srs(local, strlen(local)))
		return 0;
	srs_config_options(&cfg->srs, cfg->hostname, &o);
	return strcasecmp(domain, o.domain) == 0 || config_is_local_domain(cfg, domain);
}

enum srs_status
srsfwd_reverse(
    const struct vouchd *d, const struct config *cfg, const char *addr, char *out, size_t outsz)
{
	struct srs_options o;

	srs_config_options(&cfg->srs, cfg->hostname, &o);
	return srs_reverse(d->srs, &o, addr, (int64_t)time(NULL), out, outsz);
}

int
srsfwd_forwarded(const struct env_rcpt *r)
{
	/* remote, and given as another (local) address: an alias or an SRS address */
	return !r->local && r->orig != NULL;
}

char *
srsfwd_sender(const struct vouchd *d, const struct config *cfg, const struct envelope *env)
{
	const char *at = env->sender ? strrchr(env->sender, '@') : NULL;
	char out[SRS_ADDR_MAX + 1], esc[LOG_ESC_MAX], esc2[LOG_ESC_MAX];
	struct srs_options o;
	enum srs_status st;
	size_t i;

	if (!cfg->srs.enabled || d->srs == NULL || at == NULL)
		return NULL;
	/* A smarthost we log in to decides which senders its users may use
	 * (vouch's own refuses any other, 553 5.7.1), and SPF at the next
	 * hop is the smarthost's: the sender is left as it is. */
	if (cfg->relayhost[0] && cfg->relayhost_user[0])
		return NULL;
	for (i = 0; i < env->nrcpts; i++)
		if (srsfwd_forwarded(&env->rcpts[i]))
			break;
	/* our own senders pass SPF as they are (postsrsd's "domains") */
	if (i == env->nrcpts || config_is_local_domain(cfg, at + 1))
		return NULL;
	srs_config_options(&cfg->srs, cfg->hostname, &o);
	st = srs_forward(d->srs, &o, env->sender, (int64_t)time(NULL), out, sizeof(out));
	if (st != SRS_OK) {
		if (st != SRS_UNCHANGED)
			log_info("qid=%s event=srs_not_rewritten sender=%s reason=%s", env->id,
			    log_token(esc, sizeof(esc), env->sender),
			    log_str(esc2, sizeof(esc2), srs_status_name(st)));
		return NULL;
	}
	log_info("qid=%s event=srs_rewritten sender=%s srs=%s", env->id,
	    log_token(esc, sizeof(esc), env->sender), log_token(esc2, sizeof(esc2), out));
	return xstrdup(out);
}
