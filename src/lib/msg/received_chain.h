/*
 * received_chain: a pure parser for Received trace fields (RFC 5321 4.4,
 * RFC 5322 3.6.7) as real MTAs write them (Postfix, Sendmail, Exim,
 * Exchange, Gmail), and for a message's whole chain, newest first.
 *
 * From each field it takes the sending host's HELO name, the reverse name
 * and address the receiver recorded (TCP-info comment), the receiving
 * host ("by"), the protocol, the receiver's queue id and the recipient.
 * Every output is bounded; unknown clauses are skipped, never trusted.
 */
#ifndef VOUCH_MSG_RECEIVED_CHAIN_H
#define VOUCH_MSG_RECEIVED_CHAIN_H

#include <stddef.h>

#define RECEIVED_CHAIN_HOPS 64

struct received_hop {
	char from_helo[256]; /* what the client said in HELO/EHLO */
	char from_rdns[256]; /* the receiver's reverse lookup, if shown */
	char from_ip[46];    /* the client's address as the receiver saw it */
	char by[256];        /* the receiving host */
	char with[64];       /* protocol: SMTP, ESMTPS, LMTP, ... */
	char id[128];        /* the receiving host's queue id */
	char for_addr[256];
	char date[80];
};

struct received_chain {
	struct received_hop hops[RECEIVED_CHAIN_HOPS]; /* [0] is the newest */
	size_t n;
	size_t dropped; /* fields beyond RECEIVED_CHAIN_HOPS */
};

/* Parse one field value (unfolded, without "Received:"). Returns 0, or -1
 * if it holds neither a from nor a by clause. */
int received_chain_parse_field(const char *value, struct received_hop *hop);
/* Parse every Received field of a message's header section, top first. */
void received_chain_parse(const char *msg, size_t len, struct received_chain *c);

#endif
