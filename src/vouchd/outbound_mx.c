/*
 * outbound_mx: which addresses serve a destination, through the shared
 * resolver (dns/dns_mx.h: MX in preference order, implicit MX, null MX per
 * RFC 7505), or the configured relayhost. The outcome says whether a
 * failure is permanent (no such domain, null MX, no addresses) or
 * temporary (DNS trouble).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vouchd.h"
#include "outbound_int.h"
#include "dns/dns_mx.h"
#include "util/log.h"
#include "util/xmalloc.h"

void
outbound_mx_clear(struct dest *dst)
{
	free(dst->addrs);
	dst->addrs = NULL;
	dst->naddrs = 0;
}

static void
set_fail(struct dest *dst, int code, const char *status, const char *reason)
{
	dst->fail.code = code;
	str_copy(dst->fail.status, sizeof(dst->fail.status), status);
	str_copy(dst->fail.text, sizeof(dst->fail.text), reason);
}

static void
on_resolved(const struct dns_mx_result *r, void *arg)
{
	struct dest *dst = arg;
	struct outbound *o = dst->o;
	int port = dst->relay ? o->relay_port : (int)o->d->cfg->outbound_port;

	outbound_mx_clear(dst);
	memset(&dst->fail, 0, sizeof(dst->fail));
	switch (r->status) {
	case DNS_MX_FOUND:
		dst->addrs = xcalloc(r->naddrs, sizeof(*dst->addrs));
		for (size_t i = 0; i < r->naddrs; i++) {
			struct mx_addr *a = &dst->addrs[dst->naddrs++];
			a->salen = dns_mx_sockaddr(&r->addrs[i], port, &a->sa);
			str_copy(a->host, sizeof(a->host), r->hosts[r->addrs[i].host].name);
			str_copy(a->text, sizeof(a->text), r->addrs[i].text);
			a->pref = r->addrs[i].pref;
		}
		break;
	case DNS_MX_NXDOMAIN: set_fail(dst, 550, "5.1.2", r->reason); break;
	case DNS_MX_NULL:
		/* RFC 7505 4.2: 556 5.1.10 */
		set_fail(dst, 556, "5.1.10", r->reason);
		break;
	case DNS_MX_NOADDR: set_fail(dst, 550, "5.4.4", r->reason); break;
	case DNS_MX_TEMPFAIL: set_fail(dst, 451, "4.4.3", r->reason); break;
	}
	if (log_enabled(LOG_LVL_DEBUG)) {
		char esc[LOG_ESC_MAX];
		log_debug("event=outbound_resolved dest=%s addresses=%zu status=%s",
		    log_token(esc, sizeof(esc), dst->name), dst->naddrs,
		    dns_mx_status_name(r->status));
	}
	/* r belongs to the query: freed here, after its last use above. */
	dns_mx_free(dst->mxq);
	dst->mxq = NULL;
	dst->resolving = 0;
	dst->resolved = 1;
	dst->resolved_at = (int64_t)time(NULL);
	outbound_dest_kick(o, dst);
}

void
outbound_mx_resolve(struct outbound *o, struct dest *dst)
{
	dst->o = o;
	dst->resolving = 1;
	dst->resolved = 0;
	/* The relayhost is a host, not a mail domain: its addresses only. */
	dst->mxq = dns_mx_start(o->d->dns, dst->relay ? o->relay_name : dst->name,
	    dst->relay ? DNS_MX_HOST_ONLY : 0, on_resolved, dst);
}

void
outbound_mx_cancel(struct outbound *o, struct dest *dst)
{
	(void)o;
	dns_mx_free(dst->mxq);
	dst->mxq = NULL;
	dst->resolving = 0;
}
