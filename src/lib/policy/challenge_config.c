/*
 * challenge_config: the challenge/response settings table (see
 * challenge_config.h).
 */
#include "policy/challenge_config.h"

#include <stddef.h>
#include <string.h>

#define C(f) offsetof(struct challenge_config, f)
#define SEC 1000LL
#define DAY (86400LL * SEC)

const struct conf_key challenge_config_keys[] = {
	{ "challenge_expiry", CONF_DURATION, C(expiry), "14d", 1 * SEC, 365 * DAY, NULL,
	    "how long mail held for a challenge waits for its confirmation; then it is discarded, without a bounce" },
	{ "challenge_max_per_sender", CONF_INT, C(max_sender), "3", 1, 1000000, NULL,
	    "challenges sent to one return path per hour; past it, mail that would be challenged gets 451 4.7.1" },
	{ "challenge_max_per_domain", CONF_INT, C(max_domain), "30", 1, 1000000, NULL,
	    "challenges sent to one return-path domain per hour" },
	{ "challenge_max_per_hour", CONF_INT, C(max_hour), "500", 1, 100000000, NULL,
	    "challenges sent per hour in all" },
	{ "challenge_policy", CONF_STR, C(policy_text),
	    "By confirming, you agree that unsolicited commercial mail is not to be sent to this address.",
	    0, 0, NULL, "the recipient's policy statement, quoted in every challenge" },
	{ "challenge_reply_local", CONF_STR, C(reply_local), "confirm", 0, 0, NULL,
	    "reply addresses are <this>-TOKEN@<the recipient's domain>" },
	{ "challenge_http_listen", CONF_ADDR, C(http_listen), "", 0, 0, NULL,
	    "address:port of vouchd's confirmation page (GET shows it, POST confirms); empty = reply confirmation only" },
	{ "challenge_url", CONF_STR, C(url), "", 0, 0, NULL,
	    "public URL of the confirmation page, put in challenges as <url>?t=TOKEN; empty = http://<challenge_http_listen>/confirm" },
	{ "challenge_key_file", CONF_STR, C(key_file), "", 0, 0, NULL,
	    "HMAC key of challenge tokens (made at first start); empty = <data_dir>/state/challenge.key" },
	{ "challenge_sweep", CONF_DURATION, C(sweep), "1m", 1 * SEC, DAY, NULL,
	    "how often held mail whose challenge expired is looked for" },
	{ "challenge_digest", CONF_DURATION, C(digest), "0", 0, 30 * DAY, NULL,
	    "at most how often a user gets a digest of the mail held for them (only when some was held since the last); 0 = no digests" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

int
challenge_config_check(const struct challenge_config *c, struct strbuf *errs)
{
	int bad = 0;
	const char *u = c->url ? c->url : "";
	size_t n = c->reply_local ? strlen(c->reply_local) : 0;

	/* a plain atom, so "<it>-TOKEN" is a dot-string local part of 64 octets at most */
	if (n == 0 || n > 64 - 1 - 46 ||
	    strspn(c->reply_local, "abcdefghijklmnopqrstuvwxyz0123456789_") != n) {
		strbuf_puts(
		    errs, "challenge_reply_local: 1 to 17 lower-case letters, digits or _\n");
		bad = 1;
	}
	if (u[0] &&
	    ((strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0) ||
	        strpbrk(u, " \t\"<>?#") != NULL)) {
		strbuf_puts(errs,
		    "challenge_url: an http:// or https:// URL without spaces, quotes, '?' or '#'\n");
		bad = 1;
	}
	if (u[0] && (c->http_listen == NULL || c->http_listen[0] == '\0')) {
		strbuf_puts(
		    errs, "challenge_url: needs challenge_http_listen (the page it names)\n");
		bad = 1;
	}
	if (c->policy_text && strpbrk(c->policy_text, "\r\n")) {
		strbuf_puts(errs, "challenge_policy: one line (it is wrapped in the message)\n");
		bad = 1;
	}
	return bad ? -1 : 0;
}
