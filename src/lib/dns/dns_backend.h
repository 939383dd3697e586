/*
 * dns_backend: the interface between the DNS client (dns.c) and whatever
 * resolves names (STYLE 12: a small struct of function pointers).
 *
 * The client names each query by a 64-bit id. A backend resolves it
 * however it likes and hands the result back with dns_client_deliver(),
 * at any time after submit returned (even from inside submit: the client
 * queues results and calls user callbacks from its own event, never
 * re-entrantly). After cancel(id) the backend must not deliver that id;
 * if it does anyway the client drops the result, so a late answer can never
 * reach a freed owner.
 */
#ifndef VOUCH_DNS_DNS_BACKEND_H
#define VOUCH_DNS_DNS_BACKEND_H

#include <stdint.h>

#include "dns/dns.h"

struct dns_backend_ops {
	const char *name;
	/* Start resolving; 0 on success, -1 if it could not even start
	 * (the client then delivers a temporary failure itself). The backend
	 * may store a per-query handle in *q, given back to cancel. */
	int (*submit)(void *state, uint64_t id, const char *name, enum dns_type type, void **q);
	/* Forget a query not yet delivered; it will not be delivered. */
	void (*cancel)(void *state, uint64_t id, void *q);
	/* Release the backend (every query has been cancelled before). */
	void (*free)(void *state);
};

/* Create a client around a backend; the client owns state from now on. */
struct dns_client *dns_client_new_backend(
    struct event_base *base, const struct dns_backend_ops *ops, void *state, long long timeout_ms);
/* Backends: hand over the result of query id (takes ownership of res). */
void dns_client_deliver(struct dns_client *c, uint64_t id, struct dns_result *res);

/*
 * The libunbound backend (dns_unbound.c): creates its ub_ctx from cfg and
 * registers ub_fd() on base. Returns the state for dns_client_new_backend,
 * or NULL with a reason in err.
 */
void *dns_unbound_new(struct dns_client *c, struct event_base *base, const struct dns_config *cfg,
    char *err, size_t errsz);
extern const struct dns_backend_ops dns_unbound_ops;

#endif
