/*
 * reg_dns: the registry's DNS server on the event loop: UDP and TCP
 * listeners answering from the current zone (reg_answer), zone transfers
 * streamed over TCP to allowed clients (configured secondaries and
 * allow_transfer), and NOTIFY (RFC 1996) sent to every configured
 * secondary whenever a zone with a new serial is installed, re-sent every
 * notify_retry until acknowledged, at most 5 times.
 *
 * Owns its sockets, connections and its reference to the current zone.
 */
#ifndef VOUCH_REGISTRY_REG_DNS_H
#define VOUCH_REGISTRY_REG_DNS_H

#include <event2/event.h>

#include "reg_config.h"
#include "reg_zone.h"
#include "util/str.h"

struct reg_dns;

/* Bind the configured addresses. NULL with a reason in err on failure. */
struct reg_dns *
reg_dns_new(struct event_base *base, const struct reg_config *cfg, struct strbuf *err);
/* Close everything; transfers in progress are cut. NULL-safe. */
void reg_dns_free(struct reg_dns *d);
/* Serve z from now on (takes a reference); NOTIFY secondaries when the
 * serial differs from the previous zone's. */
void reg_dns_set_zone(struct reg_dns *d, struct reg_zone *z);
/* NOTIFYs still waiting for an answer. */
int reg_dns_notify_pending(const struct reg_dns *d);

#endif
