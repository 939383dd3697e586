/*
 * challenge: tokens, the header fields that exempt a message, and the
 * end-of-data decision (see challenge.h).
 */
#include "policy/challenge.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "policy/verdict_int.h"
#include "util/str.h"

/* ---- tokens ------------------------------------------------------------- */

static int
is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (str_hexval((unsigned char)s[i]) < 0)
			return 0;
	return 1;
}

int
challenge_id_ok(const char *s)
{
	if (s == NULL || strlen(s) != CHALLENGE_ID_LEN)
		return 0;
	for (size_t i = 0; i < CHALLENGE_ID_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* The MAC of "vouch-challenge-1:" id ":" expiry, as 20 hex digits. */
static void
token_mac(const unsigned char *key, size_t keylen, const char *id, const char *exp, char out[21])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	char data[80];
	int n = snprintf(data, sizeof(data), "vouch-challenge-1:%s:%s", id, exp);

	if (HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)data, (size_t)n, md,
	        &mdlen) == NULL)
		memset(md, 0, sizeof(md));
	for (int i = 0; i < 10; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

void
challenge_token_make(const unsigned char *key, size_t keylen, const char *id, int64_t expires,
    char out[CHALLENGE_TOKEN_LEN + 1])
{
	char exp[9], mac[21];

	snprintf(exp, sizeof(exp), "%08llx", (unsigned long long)expires & 0xffffffffULL);
	token_mac(key, keylen, id, exp, mac);
	snprintf(out, CHALLENGE_TOKEN_LEN + 1, "%s-%s-%s", id, exp, mac);
}

enum challenge_token_status
challenge_token_check(const unsigned char *key, size_t keylen, const char *token, size_t len,
    int64_t now, char id[CHALLENGE_ID_LEN + 1], int64_t *expires)
{
	char t[CHALLENGE_TOKEN_LEN + 1], mac[21];
	const size_t e0 = CHALLENGE_ID_LEN + 1, m0 = e0 + 9;
	unsigned long long exp = 0;

	if (len != CHALLENGE_TOKEN_LEN)
		return CHALLENGE_TOKEN_SYNTAX;
	memcpy(t, token, len);
	t[len] = '\0';
	str_lower(t);
	if (t[CHALLENGE_ID_LEN] != '-' || t[m0 - 1] != '-' || !is_hex(t, CHALLENGE_ID_LEN) ||
	    !is_hex(t + e0, 8) || !is_hex(t + m0, 20))
		return CHALLENGE_TOKEN_SYNTAX;
	t[CHALLENGE_ID_LEN] = '\0';
	t[m0 - 1] = '\0';
	token_mac(key, keylen, t, t + e0, mac);
	/* constant time: the MAC is the secret part */
	if (CRYPTO_memcmp(mac, t + m0, 20) != 0)
		return CHALLENGE_TOKEN_FORGED;
	for (size_t i = 0; i < 8; i++)
		exp = exp * 16 + (unsigned)str_hexval((unsigned char)t[e0 + i]);
	str_copy(id, CHALLENGE_ID_LEN + 1, t);
	*expires = (int64_t)exp;
	/* valid before its time, as the store's records (store.h) */
	return now >= (int64_t)exp ? CHALLENGE_TOKEN_EXPIRED : CHALLENGE_TOKEN_OK;
}

const char *
challenge_token_status_name(enum challenge_token_status s)
{
	switch (s) {
	case CHALLENGE_TOKEN_OK: return "ok";
	case CHALLENGE_TOKEN_SYNTAX: return "syntax";
	case CHALLENGE_TOKEN_FORGED: return "forged";
	case CHALLENGE_TOKEN_EXPIRED: return "expired";
	}
	return "?";
}

/* ---- header fields -------------------------------------------------------- */

/* The field's value with its name matched (case-insensitive), or NULL. */
static const char *
field_value(const char *field, size_t len, const char *name, size_t *vlen)
{
	size_t n = strlen(name);
	const char *v, *end = field + len;

	if (len <= n || strncasecmp(field, name, n) != 0)
		return NULL;
	v = field + n;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	if (v >= end || *v != ':')
		return NULL;
	v++;
	while (v < end && (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*vlen = (size_t)(end - v);
	return v;
}

/* True if the value's first word (up to ';', space or a comment) is word. */
static int
first_word_is(const char *v, size_t n, const char *word)
{
	size_t w = 0;

	while (w < n && v[w] != ';' && v[w] != ' ' && v[w] != '\t' && v[w] != '(' && v[w] != '\r')
		w++;
	return str_nieq(v, w, word);
}

unsigned
challenge_header_flags(const char *field, size_t len)
{
	size_t n;
	const char *v;

	if (field_value(field, len, "List-Id", &n) || field_value(field, len, "List-Post", &n) ||
	    field_value(field, len, "List-Unsubscribe", &n))
		return CHALLENGE_HDR_LIST;
	if ((v = field_value(field, len, "Precedence", &n)) != NULL) {
		if (first_word_is(v, n, "list"))
			return CHALLENGE_HDR_LIST;
		if (first_word_is(v, n, "bulk") || first_word_is(v, n, "junk"))
			return CHALLENGE_HDR_BULK;
		return 0;
	}
	/* RFC 3834 5.1: any value but "no" is an automatic message */
	if ((v = field_value(field, len, "Auto-Submitted", &n)) != NULL)
		return n && !first_word_is(v, n, "no") ? CHALLENGE_HDR_AUTO : 0;
	return 0;
}

int
challenge_sender_is_list(const char *sender)
{
	const char *at = strrchr(sender, '@');
	size_t n = at ? (size_t)(at - sender) : strlen(sender);
	static const char *const suffixes[] = { "-request", "-bounces", "-bounce", "-owner", NULL };

	if (str_nieq(sender, n, "mailer-daemon") ||
	    (n > 6 && strncasecmp(sender, "owner-", 6) == 0))
		return 1;
	for (size_t i = 0; suffixes[i]; i++) {
		size_t k = strlen(suffixes[i]);
		if (n > k && strncasecmp(sender + n - k, suffixes[i], k) == 0)
			return 1;
	}
	return 0;
}

/* ---- the decision ------------------------------------------------------------ */

/* a and b the same domain, or one under the other */
static int
related(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la == 0 || lb == 0)
		return 0;
	if (strcasecmp(a, b) == 0)
		return 1;
	if (la > lb)
		return a[la - lb - 1] == '.' && strcasecmp(a + la - lb, b) == 0;
	return b[lb - la - 1] == '.' && strcasecmp(b + lb - la, a) == 0;
}

const char *
challenge_proven(const struct proofs *msg, const char *sender)
{
	const char *at = sender ? strrchr(sender, '@') : NULL;
	const struct proof *spf = proofs_get(msg, PROOF_SPF_MAILFROM);
	const struct proof *co = proofs_get(msg, PROOF_CALLOUT);

	if (at == NULL || at[1] == '\0')
		return NULL;
	/* SPF pass for the return path's own domain (not the HELO's) */
	if (spf && spf->result == PROOF_PASS && strcasecmp(spf->u.spf.domain, at + 1) == 0)
		return "spf";
	for (size_t i = 0; i < proofs_count(msg); i++) {
		const struct proof *p = proofs_at(msg, i);
		if (p->method == PROOF_DKIM && p->result == PROOF_PASS &&
		    related(p->identity, at + 1))
			return "dkim";
	}
	if (co && co->result == PROOF_PASS && !co->u.callout.skipped)
		return "callout";
	return NULL;
}

void
policy_challenge(const struct proofs *sess, const struct proofs *msg, const struct policy *p,
    const struct verdict *v, const struct challenge_in *in, struct challenge_out *out)
{
	const char *proof;

	memset(out, 0, sizeof(*out));
	out->act = CHALLENGE_DELIVER;
	if (!in->enabled) {
		out->why = "off";
		return;
	}
	if (p->submission || verdict_authenticated(sess)) {
		out->why = "authenticated";
		return;
	}
	if (v->code >= 400 || v->act == VERDICT_UNSAFE) {
		out->why = "verdict"; /* refused or unsafe: as the verdict says */
		return;
	}
	if (in->whitelisted) {
		out->why = "whitelisted";
		return;
	}
	/* never a challenge to what cannot or must not answer (RFC 3834 2) */
	if (in->sender == NULL || in->sender[0] == '\0') {
		out->why = "null-sender";
		return;
	}
	if (in->hdr & CHALLENGE_HDR_AUTO) {
		out->why = "auto-submitted";
		return;
	}
	if ((in->hdr & (CHALLENGE_HDR_LIST | CHALLENGE_HDR_BULK)) ||
	    challenge_sender_is_list(in->sender)) {
		out->why = "list";
		return;
	}
	/* the backscatter rule (DESIGN 6): only a proven return path */
	if ((proof = challenge_proven(msg, in->sender)) == NULL) {
		out->why = "unproven";
		return;
	}
	out->why = proof;
	if (in->outstanding) {
		out->act = CHALLENGE_HOLD_JOIN;
		return;
	}
	if (in->n_sender >= in->max_sender || in->n_domain >= in->max_domain ||
	    in->n_all >= in->max_all) {
		char text[200];
		out->act = CHALLENGE_TEMPFAIL;
		/* no loss, no backscatter: the sending server tries again later */
		str_fmt(text, sizeof(text),
		    "Too many confirmation requests %s this hour; try again later",
		    in->n_sender >= in->max_sender       ? "to this sender"
		        : in->n_domain >= in->max_domain ? "to this sender's domain"
		                                         : "from this server");
		verdict_set(&out->v, VERDICT_TEMPFAIL, 451, "4.7.1", text, VERDICT_RULE_NONE);
		str_copy(out->v.why, sizeof(out->v.why), text);
		return;
	}
	out->act = CHALLENGE_HOLD_NEW;
}
