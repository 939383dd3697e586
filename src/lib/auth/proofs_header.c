/*
 * proofs_header: Authentication-Results and Received-SPF from the proofs
 * (see proofs_header.h).
 */
#include "auth/proofs_header.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "msg/authres.h"
#include "msg/hdrfilter.h"

static void
spf_comment(const struct proof *o, const char *ip, const char *who, char *out, size_t outsz)
{
	switch (o->result) {
	case PROOF_PASS:
		snprintf(out, outsz, "domain of %s designates %s as permitted sender", who, ip);
		break;
	case PROOF_FAIL:
		snprintf(
		    out, outsz, "domain of %s does not designate %s as permitted sender", who, ip);
		break;
	case PROOF_SOFTFAIL:
		snprintf(out, outsz,
		    "domain of transitioning %s does not designate %s as permitted sender", who,
		    ip);
		break;
	case PROOF_NEUTRAL:
		snprintf(out, outsz, "%s is neither permitted nor denied by domain of %s", ip, who);
		break;
	case PROOF_NONE:
		snprintf(out, outsz, "domain of %s does not provide an SPF record", who);
		break;
	default: snprintf(out, outsz, "%s", o->reason); break;
	}
}

/* The trust layer's own entries: DNS lists, the registrar, the callout
 * (at most 4). bufs hold their comments. */
static size_t
trust_entries(const struct proofs *sess, const struct proofs *msg,
    const struct proofs_header_in *in, struct authres_entry *e, char bufs[2][480])
{
	const struct proof *wl = proofs_get(sess, PROOF_DNSWL), *bl = proofs_get(sess, PROOF_DNSBL);
	const struct proof *name = proofs_get(sess, PROOF_REGISTER_NAME);
	const struct proof *r = name ? name : proofs_get(sess, PROOF_REGISTER_ADDR);
	const struct proof *co = proofs_get(msg, PROOF_CALLOUT);
	const char *sender = in->sender && in->sender[0] ? in->sender : NULL;
	size_t n = 0;

	if (wl) {
		/* RFC 8904: the dnswl method */
		e[n++] =
		    (struct authres_entry){ "dnswl", wl->result == PROOF_LISTED ? "pass" : "none",
			    wl->reason, "policy.ip", in->client_ip };
	}
	if (bl)
		e[n++] = (struct authres_entry){ "x-vouch-dnsbl",
			bl->result == PROOF_LISTED          ? "fail"
			    : bl->result == PROOF_TEMPERROR ? "temperror"
			                                    : "pass",
			bl->reason, "policy.ip", in->client_ip };
	if (r) {
		if (r->u.zone.klass[0])
			snprintf(
			    bufs[0], sizeof(bufs[0]), "class %s: %s", r->u.zone.klass, r->reason);
		else
			snprintf(bufs[0], sizeof(bufs[0]), "%s", r->reason);
		e[n++] = (struct authres_entry){ "x-vouch-register", proof_result_name(r->result),
			bufs[0], r == name ? "smtp.helo" : "policy.ip",
			r == name ? r->identity : in->client_ip };
	}
	if (co && !co->u.callout.skipped && sender) {
		int smtp = strcmp(co->u.callout.source, "smtp") == 0;
		snprintf(bufs[1], sizeof(bufs[1]), "%s%s%s", co->reason, smtp ? "" : "; from ",
		    smtp ? "" : co->u.callout.source);
		e[n++] = (struct authres_entry){ "x-vouch-callout", proof_result_name(co->result),
			bufs[1], "smtp.mailfrom", sender };
	} else if (co && sender) {
		snprintf(bufs[1], sizeof(bufs[1]), "not called: %s",
		    callout_skip_name(co->u.callout.skip));
		e[n++] = (struct authres_entry){ "x-vouch-callout", "none", bufs[1],
			"smtp.mailfrom", sender };
	}
	return n;
}

void
proofs_header_write(const struct proofs *sess, const struct proofs *msg,
    const struct proofs_header_in *in, struct strbuf *out)
{
	struct authres_entry e[16];
	char tbufs[2][480];
	size_t n = 0;
	const char *ip = in->client_ip, *helo = in->helo ? in->helo : "";
	const char *sender = in->sender ? in->sender : "";
	const struct proof *spf_mail = proofs_get(msg, PROOF_SPF_MAILFROM);
	const struct proof *spf_helo = proofs_get(sess, PROOF_SPF_HELO);
	const struct proof *h = proofs_get(sess, PROOF_HELO),
	                   *iprev = proofs_get(sess, PROOF_IPREV);
	const struct proof *xv = proofs_get(sess, PROOF_XVOUCH);
	const struct proof *tls = proofs_has(sess, PROOF_TLS_CERT, PROOF_PASS);
	const struct proof *tls_any = proofs_get(sess, PROOF_TLS_CERT);
	const struct proof *gen = proofs_get(sess, PROOF_XGEN);
	int user = proofs_get(sess, PROOF_AUTH) != NULL;
	char pm[300], comment[600], helo_reason[300], xv_reason[300], genv[32];

	if (user) {
		/* The login is named only for a user with stamp_user (issue 13
		 * item 17); the tracking id in Received finds it in the log. */
		e[n++] = (struct authres_entry){ "auth", "pass", NULL,
			in->named_user ? "smtp.auth" : NULL, in->named_user };
	}
	if (spf_mail) {
		snprintf(pm, sizeof(pm), "postmaster@%s", helo);
		e[n++] = (struct authres_entry){ "spf", proof_result_name(spf_mail->result),
			spf_mail->u.spf.from_table ? "from the local table" : NULL, "smtp.mailfrom",
			sender[0] ? sender : pm };
	}
	if (spf_helo)
		e[n++] = (struct authres_entry){ "spf", proof_result_name(spf_helo->result), NULL,
			"smtp.helo", helo };
	if (h && iprev) {
		/* RFC 8601 2.7.3: iprev, the client's forward-confirmed reverse name */
		e[n++] = (struct authres_entry){ "iprev", proof_result_name(iprev->result),
			iprev->reason, "policy.iprev", ip };
		int literal = helo[0] == '[';
		enum helo_result named = literal ? h->u.helo.literal : h->u.helo.forward;
		snprintf(helo_reason, sizeof(helo_reason), "syntax %s, %s %s",
		    helo_result_name(h->u.helo.syntax), literal ? "literal" : "forward",
		    helo_result_name(named));
		int ok = h->u.helo.syntax == HELO_PASS && named == HELO_PASS;
		int temp = h->u.helo.forward == HELO_TEMPERROR;
		e[n++] = (struct authres_entry){ "x-vouch-helo",
			ok         ? "pass"
			    : temp ? "temperror"
			           : "fail",
			helo_reason, "smtp.helo", helo };
	}
	if (xv) {
		str_copy(xv_reason, sizeof(xv_reason), xv->reason);
		e[n++] = (struct authres_entry){ "x-vouch", proof_result_name(xv->result),
			xv_reason, "smtp.helo", xv->identity };
	} else if (!user) {
		e[n++] = (struct authres_entry){ "x-vouch", "none",
			"the client did not send XVOUCH", "smtp.helo", helo };
	}
	if (tls)
		e[n++] = (struct authres_entry){ "x-tls-client", "pass",
			tls->u.tls.ca[0] ? tls->reason : tls->u.tls.subject, "smtp.helo", helo };
	else if (tls_any && tls_any->u.tls.revoked)
		e[n++] = (struct authres_entry){ "x-tls-client", "fail", tls_any->reason,
			"smtp.helo", helo };
	if (gen && gen->result != PROOF_NONE) {
		snprintf(genv, sizeof(genv), "%lld", gen->u.gen.peer);
		e[n++] = (struct authres_entry){ "x-vouch-gen", proof_result_name(gen->result),
			NULL, "policy.generation", genv };
	}
	n += trust_entries(sess, msg, in, e + n, tbufs);
	authres_format(in->hostname, e, n, out);
	/* RFC 7208 9.1: one Received-SPF, for the identity that was decisive */
	const struct proof *c = spf_mail ? spf_mail : spf_helo;
	if (c) {
		const char *who = c == spf_mail && sender[0] ? sender : helo;
		spf_comment(c, ip, who, comment, sizeof(comment));
		char full[700];
		snprintf(full, sizeof(full), "%s: %s", in->hostname, comment);
		struct authres_spf r = { proof_result_name(c->result), full, ip, sender, helo,
			in->hostname, c == spf_mail ? "mailfrom" : "helo", c->u.spf.mechanism };
		authres_received_spf(&r, out);
	}
}

int
proofs_header_forged(const char *field, size_t len, const char *hostname)
{
	const char *v;
	size_t vl;

	if (hdrfilter_field_is(field, len, "Authentication-Results", &v, &vl))
		return authres_is_ours(v, vl, hostname);
	/* Nobody but us writes our verdict. */
	if (hdrfilter_field_is(field, len, "X-Vouch-Verdict", NULL, NULL))
		return 1;
	if (hdrfilter_field_is(field, len, "Received-SPF", &v, &vl)) {
		/* RFC 7208 9.1 receiver= names the host that added it */
		char key[300];
		snprintf(key, sizeof(key), "receiver=%s", hostname);
		for (size_t i = 0; i + strlen(key) <= vl; i++)
			if (strncasecmp(v + i, key, strlen(key)) == 0 &&
			    (i + strlen(key) == vl || strchr(";\r\n \t", v[i + strlen(key)])))
				return 1;
	}
	return 0;
}
