/*
 * dsn: RFC 3464 delivery status notifications (see dsn.h).
 */
#include "msg/dsn.h"

#include <string.h>

#include "msg/received.h"
#include "smtp/smtp_cmd.h"

static const char *const action_names[] = { "failed", "delayed", "delivered", "relayed",
	"expanded" };

const char *
dsn_subject(const struct dsn_rcpt *rcpts, size_t n)
{
	int failed = 0, delayed = 0;

	for (size_t i = 0; i < n; i++) {
		failed |= rcpts[i].action == DSN_FAILED;
		delayed |= rcpts[i].action == DSN_DELAYED;
	}
	if (failed)
		return "Undelivered Mail Returned to Sender";
	if (delayed)
		return "Delayed Mail (still being retried)";
	return "Successful Mail Delivery Report";
}

/* Header field text must stay one printable line (RFC 5322 2.2). */
static void
put_clean(struct strbuf *out, const char *s, size_t max)
{
	for (size_t i = 0; s && s[i] && i < max; i++) {
		char c = s[i];
		if ((unsigned char)c < 32 || c == 127)
			c = ' ';
		strbuf_append(out, &c, 1);
	}
}

/* Octets of a CRLF message's header section (with its last CRLF). */
static size_t
header_end(const char *msg, size_t len)
{
	if (len >= 2 && msg[0] == '\r' && msg[1] == '\n')
		return 0;
	for (size_t i = 0; i + 3 < len; i++)
		if (memcmp(msg + i, "\r\n\r\n", 4) == 0)
			return i + 2;
	return len;
}

static void
human_part(const struct dsn_info *info, struct strbuf *out)
{
	int failed = 0, delayed = 0;

	for (size_t i = 0; i < info->nrcpts; i++) {
		failed |= info->rcpts[i].action == DSN_FAILED;
		delayed |= info->rcpts[i].action == DSN_DELAYED;
	}
	strbuf_printf(out, "This is the mail system at host %s.\r\n\r\n", info->reporting_mta);
	if (failed)
		strbuf_puts(out,
		    "I'm sorry to have to inform you that your message could not\r\n"
		    "be delivered to one or more recipients. It's attached below.\r\n");
	else if (delayed)
		strbuf_puts(out,
		    "Your message could not be delivered yet to one or more\r\n"
		    "recipients. It will be retried; you do not need to resend it.\r\n");
	else
		strbuf_puts(out,
		    "Your message was successfully delivered to the destination(s)\r\n"
		    "listed below. If the message was delivered to a mailbox you will\r\n"
		    "receive no further notifications. Otherwise you may still receive\r\n"
		    "notifications of mail delivery errors from other systems.\r\n");
	strbuf_puts(out, "\r\n");
	for (size_t i = 0; i < info->nrcpts; i++) {
		const struct dsn_rcpt *r = &info->rcpts[i];
		strbuf_puts(out, "<");
		put_clean(out, r->final, 300);
		strbuf_printf(out, ">: %s", action_names[r->action]);
		if (r->diagnostic) {
			strbuf_puts(out, ": ");
			put_clean(out, r->diagnostic, 500);
		}
		strbuf_puts(out, "\r\n");
	}
}

static void
status_part(const struct dsn_info *info, struct strbuf *out)
{
	char decoded[SMTP_ORCPT_MAX + 1];

	/* RFC 3464 2.2: per-message fields */
	strbuf_printf(out, "Reporting-MTA: dns; %s\r\n", info->reporting_mta);
	strbuf_printf(out, "X-Vouch-Queue-ID: %s\r\n", info->queue_id);
	if (info->envid &&
	    smtp_xtext_decode(info->envid, strlen(info->envid), decoded, sizeof(decoded)) >= 0) {
		strbuf_puts(out, "Original-Envelope-Id: ");
		put_clean(out, decoded, SMTP_ENVID_MAX);
		strbuf_puts(out, "\r\n");
	}
	if (info->arrival) {
		strbuf_puts(out, "Arrival-Date: ");
		received_date(info->arrival, out);
		strbuf_puts(out, "\r\n");
	}
	/* RFC 3464 2.3: per-recipient fields, each group after an empty line */
	for (size_t i = 0; i < info->nrcpts; i++) {
		const struct dsn_rcpt *r = &info->rcpts[i];
		strbuf_puts(out, "\r\n");
		if (r->orcpt) {
			const char *semi = strchr(r->orcpt, ';');
			if (semi &&
			    smtp_xtext_decode(
			        semi + 1, strlen(semi + 1), decoded, sizeof(decoded)) >= 0) {
				strbuf_append(out, "Original-Recipient: ", 20);
				put_clean(out, r->orcpt, (size_t)(semi - r->orcpt));
				strbuf_puts(out, ";");
				put_clean(out, decoded, sizeof(decoded));
				strbuf_puts(out, "\r\n");
			}
		}
		strbuf_puts(out, "Final-Recipient: rfc822; ");
		put_clean(out, r->final, 300);
		strbuf_printf(out, "\r\nAction: %s\r\nStatus: ", action_names[r->action]);
		put_clean(out,
		    r->status ? r->status
		              : (r->action == DSN_FAILED           ? "5.0.0"
		                        : r->action == DSN_DELAYED ? "4.0.0"
		                                                   : "2.0.0"),
		    16);
		strbuf_puts(out, "\r\n");
		if (r->remote_mta) {
			strbuf_puts(out, "Remote-MTA: dns; ");
			put_clean(out, r->remote_mta, 255);
			strbuf_puts(out, "\r\n");
		}
		if (r->diagnostic) {
			strbuf_puts(out, "Diagnostic-Code: smtp; ");
			put_clean(out, r->diagnostic, 900);
			strbuf_puts(out, "\r\n");
		}
		if (r->last_attempt) {
			strbuf_puts(out, "Last-Attempt-Date: ");
			received_date(r->last_attempt, out);
			strbuf_puts(out, "\r\n");
		}
		if (r->action == DSN_DELAYED && r->retry_until) {
			strbuf_puts(out, "Will-Retry-Until: ");
			received_date(r->retry_until, out);
			strbuf_puts(out, "\r\n");
		}
	}
}

int
dsn_compose(const struct dsn_info *info, struct strbuf *out)
{
	const char *b = info->boundary;
	size_t hdr = header_end(info->original, info->original_len);
	int full = info->ret == DSN_RETURN_FULL && info->original_len <= info->max_full;

	strbuf_printf(
	    out, "From: Mail Delivery System <MAILER-DAEMON@%s>\r\n", info->reporting_mta);
	strbuf_puts(out, "To: <");
	put_clean(out, info->sender, 300);
	strbuf_printf(out, ">\r\nSubject: %s\r\nDate: ", dsn_subject(info->rcpts, info->nrcpts));
	received_date(info->now, out);
	strbuf_printf(out, "\r\nMessage-ID: <%s.%lld.dsn@%s>\r\n", info->queue_id,
	    (long long)info->now, info->reporting_mta);
	/* RFC 3834 5: machines must not answer this. */
	strbuf_puts(out, "Auto-Submitted: auto-replied\r\n");
	strbuf_printf(out,
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/report; report-type=delivery-status;\r\n"
	    "\tboundary=\"%s\"\r\n\r\n"
	    "This is a MIME-encapsulated message.\r\n\r\n",
	    b);
	strbuf_printf(out,
	    "--%s\r\nContent-Description: Notification\r\n"
	    "Content-Type: text/plain; charset=us-ascii\r\n\r\n",
	    b);
	human_part(info, out);
	strbuf_printf(out,
	    "\r\n--%s\r\nContent-Description: Delivery report\r\n"
	    "Content-Type: message/delivery-status\r\n\r\n",
	    b);
	status_part(info, out);
	if (info->original_len > 0) {
		strbuf_printf(out, "\r\n--%s\r\n", b);
		if (full) {
			strbuf_puts(out,
			    "Content-Description: Undelivered Message\r\n"
			    "Content-Type: message/rfc822\r\n\r\n");
			strbuf_append(out, info->original, info->original_len);
		} else {
			strbuf_puts(out,
			    "Content-Description: Undelivered Message Headers\r\n"
			    "Content-Type: text/rfc822-headers\r\n\r\n");
			strbuf_append(out, info->original, hdr);
		}
		if (out->len < 2 || memcmp(out->s + out->len - 2, "\r\n", 2) != 0)
			strbuf_puts(out, "\r\n");
	}
	return strbuf_printf(out, "\r\n--%s--\r\n", b);
}
