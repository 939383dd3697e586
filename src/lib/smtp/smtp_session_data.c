/*
 * smtp_session_data: receiving message text with DATA (dot-terminated)
 * and BDAT (length-framed chunks, RFC 3030), with the size limit, the
 * line rules of smtp_data.h, and the refusal of bad messages.
 */
#include "smtp/smtp_session_int.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <stdio.h>
#include <string.h>

#include "util/log.h"

void
smtp_session_data_begin(struct smtp_session *s, enum smtp_data_mode mode)
{
	smtp_data_init(&s->dec, mode, s->conf.lim.max_text_line);
	s->write_failed = 0;
	s->too_big = 0;
	s->raw_in = 0;
	s->data_start_ms = s->last_read_ms = smtp_session_now_ms();
}

/* Pass decoded text to the host unless the message is already lost. */
static void
deliver_text(struct smtp_session *s, const char *p, size_t n)
{
	if (n == 0 || s->write_failed || s->too_big || s->dec.err != SMTP_DATA_OK)
		return;
	if (s->dec.out_total > s->conf.lim.max_message_size) {
		s->too_big = 1;
		return;
	}
	if (s->srv->ops->data_write(s->srv->host, s, p, n) < 0)
		s->write_failed = 1;
}

/*
 * The message is complete. Bad ones are refused here, and the host only
 * hears reset; good ones go to the host's data_end for a decision.
 */
static void
message_end(struct smtp_session *s)
{
	struct smtp_data_result res;
	int bdat = s->state == SMTP_ST_BDAT;

	if (s->dec.err != SMTP_DATA_OK || s->too_big) {
		int too_big = s->too_big;
		const char *why = too_big ? "Message size exceeds fixed maximum message size"
		                          : smtp_data_strerror(s->dec.err);
		log_info("sid=%016llx event=message_refused client=%s reason=\"%s\" octets=%llu",
		    (unsigned long long)s->id, s->peer_addr, why, s->raw_in);
		smtp_session_reset_txn(s, 1);
		if (too_big)
			smtp_session_error(s, 552, "5.3.4", why);
		else
			smtp_session_error(s, 550, "5.6.0", why);
		return;
	}
	res.size = s->dec.out_total;
	res.bdat = bdat;
	smtp_session_ask(s, SMTP_PEND_DATA_END);
	s->srv->ops->data_end(s->srv->host, s, &res);
}

int
smtp_session_data_read(struct smtp_session *s, struct evbuffer *in)
{
	struct evbuffer_iovec v;
	int progress = 0;

	while (!s->dec.done && evbuffer_peek(in, -1, NULL, &v, 1) > 0 && v.iov_len > 0) {
		size_t n = v.iov_len < SMTP_SCRATCH ? v.iov_len : SMTP_SCRATCH;
		size_t outlen = 0;
		size_t used = smtp_data_feed(&s->dec, v.iov_base, n, s->srv->scratch, &outlen);
		deliver_text(s, s->srv->scratch, outlen);
		s->raw_in += used;
		evbuffer_drain(in, used);
		progress = 1;
	}
	if (s->dec.done) {
		message_end(s);
		return 1;
	}
	return progress;
}

int
smtp_session_data_bdat_read(struct smtp_session *s, struct evbuffer *in)
{
	struct evbuffer_iovec v;
	int progress = 0;

	while (s->bdat_left > 0 && evbuffer_peek(in, -1, NULL, &v, 1) > 0 && v.iov_len > 0) {
		size_t n = v.iov_len < SMTP_SCRATCH ? v.iov_len : SMTP_SCRATCH;
		if (n > s->bdat_left)
			n = (size_t)s->bdat_left;
		if (!s->bdat_refused) {
			size_t outlen = 0;
			smtp_data_feed(&s->dec, v.iov_base, n, s->srv->scratch, &outlen);
			deliver_text(s, s->srv->scratch, outlen);
		}
		s->raw_in += n;
		s->bdat_left -= n;
		evbuffer_drain(in, n);
		progress = 1;
	}
	if (s->bdat_left > 0)
		return progress;

	/* The whole chunk is in. */
	if (s->bdat_refused) {
		char text[300];
		snprintf(text, sizeof(text), "%s", s->bdat_refusal.text);
		int code = s->bdat_refusal.code;
		const char *status = s->bdat_refusal.status;
		/* Without a transaction, or at its end, nothing more to refuse. */
		if (s->mail == NULL || s->bdat_last)
			smtp_session_reset_txn(s, 1);
		else
			smtp_session_set_state(s, SMTP_ST_RCPT);
		smtp_session_error(s, code, status, text);
		return 1;
	}
	if (s->too_big || s->dec.err != SMTP_DATA_OK || s->write_failed) {
		/* Refuse now; later chunks of this transaction are refused too. */
		if (s->bdat_last || s->too_big || s->dec.err != SMTP_DATA_OK) {
			message_end(s);
			return 1;
		}
	}
	if (s->bdat_last) {
		size_t outlen = 0;
		smtp_data_finish(&s->dec, s->srv->scratch, &outlen);
		deliver_text(s, s->srv->scratch, outlen);
		message_end(s);
		return 1;
	}
	char text[64];
	snprintf(text, sizeof(text), "%llu octets received", s->raw_in);
	smtp_session_set_state(s, SMTP_ST_RCPT);
	smtp_session_send(s, 250, "2.0.0", text);
	return 1;
}
