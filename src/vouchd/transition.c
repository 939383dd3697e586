/*
 * transition: the transition period's notice and reply (see transition.h).
 */
#include "transition.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "vouchd.h"
#include "inject.h"
#include "auth/orgdomain.h"
#include "msg/hdrfilter.h"
#include "policy/challenge.h"
#include "smtp/smtp_cmd.h"
#include "store/store.h"
#include "util/log.h"

void
transition_text(const struct config *cfg, int reply, struct strbuf *out)
{
	char day[40];
	int act = cfg->transition_action;
	const char *what = act == CONFIG_ACT_REJECT ? "refused"
	    : act == CONFIG_ACT_UNSAFE              ? "filed as unsafe"
	    : act == CONFIG_ACT_TEMPFAIL            ? "deferred"
	    : act == CONFIG_ACT_MODE                ? "refused or filed as unsafe"
	                                            : "marked";

	smtp_datetime_format(cfg->transition_at, day, sizeof(day));
	strbuf_printf(out,
	    "%s\n\n"
	    "The server that sent this message is not registered with a mail server\n"
	    "registrar that %s trusts. From %.10s on, mail from unregistered\n"
	    "servers will be %s here.\n",
	    reply ? "About the message you sent to this site:"
	          : "Notice from the receiving mail server:",
	    cfg->hostname, day, what);
	if (cfg->transition_url && cfg->transition_url[0])
		strbuf_printf(
		    out, "\nRegistered mail providers are listed at %s\n", cfg->transition_url);
	strbuf_puts(out,
	    reply ? "\nYour message was delivered. Please ask the operator of your mail\n"
	            "server to register it, or send from a registered provider.\n"
	          : "\nThe message below was delivered as usual. Its sender has been told\n"
	            "if their address could be verified.\n");
}

static void
reply(struct vouchd *d, const struct config *cfg, uint64_t sid, const char *sender)
{
	char key[600], esc[LOG_ESC_MAX];
	struct strbuf text, body;
	int64_t now = (int64_t)time(NULL);

	str_copy(key, sizeof(key), sender);
	str_lower(key);
	/* one per sender per period, across sessions and nodes */
	if (store_get(d->store, "transition_reply", key, NULL, NULL) == 1)
		return;
	if (store_put(d->store, "transition_reply", key, "1",
	        now + cfg->transition_reply_period / 1000) < 0)
		return; /* better no reply than one per message */
	strbuf_init(&body, 8192);
	transition_text(cfg, 1, &body);
	strbuf_init(&text, 16384);
	strbuf_printf(&text,
	    "From: Mail Delivery System <MAILER-DAEMON@%s>\r\n"
	    "To: <%s>\r\n"
	    "Subject: Your mail server is not registered: mail from it will be refused\r\n"
	    "Auto-Submitted: auto-replied\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n"
	    "\r\n",
	    cfg->hostname, sender);
	for (size_t i = 0; i < body.len; i++) {
		if (body.s[i] == '\n')
			strbuf_puts(&text, "\r\n");
		else
			strbuf_append(&text, body.s + i, 1);
	}
	/* the null return path: a reply to a reply goes nowhere (RFC 3834 3.1.7) */
	const char *rcpt = sender;
	if (inject_message(d, "", &rcpt, 1, text.s, text.len, 1) == 0)
		log_info("sid=%016llx event=transition_reply to=%s", (unsigned long long)sid,
		    log_token(esc, sizeof(esc), sender));
	strbuf_free(&text);
	strbuf_free(&body);
}

void
transition_data_end(struct vouchd *d, const struct config *cfg, const struct policy *pol,
    const struct proofs *sess, const struct proofs *msg, int bulk, uint64_t sid,
    struct envelope *env)
{
	const char *sender = env->sender ? env->sender : "";
	const char *at = strrchr(sender, '@');

	if (policy_transition(sess, pol) != POLICY_TRANSITION_BEFORE)
		return;
	env->transition_notice = cfg->transition_notice;
	/* never to a list, a robot, or a return path nothing proved: the same
	 * rules as a challenge's (policy/challenge.h), so no backscatter */
	if (!cfg->transition_reply || at == NULL || at[1] == '\0' || bulk ||
	    challenge_sender_is_list(sender) || challenge_proven(msg, sender) == NULL)
		return;
	reply(d, cfg, sid, sender);
}
