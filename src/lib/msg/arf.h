/*
 * arf: a pure reader for abuse reports as they arrive by mail: an ARF
 * feedback report (RFC 5965: multipart/report; report-type=feedback-report
 * with a message/feedback-report part and the original as message/rfc822
 * or text/rfc822-headers), a message forwarded as an attachment
 * (message/rfc822), a message forwarded inline (the usual "Forwarded
 * message" / "Original Message" markers followed by its header), or the
 * reported message itself (as a spam trap receives it).
 *
 * The MIME structure is libvouch's (msg/mime_parse.h), the header fields
 * header_fields's (libvouch's header reader). Finds the reported message inside
 * the input and the report's fields; never copies the message, only gives
 * its offset and length. A multipart/report with a
 * message/feedback-report part is an ARF report.
 */
#ifndef VOUCH_MSG_ARF_H
#define VOUCH_MSG_ARF_H

#include <stddef.h>

enum arf_kind {
	ARF_FEEDBACK, /* RFC 5965 feedback report */
	ARF_ATTACHED, /* forwarded as message/rfc822 */
	ARF_INLINE,   /* forwarded inline after a marker line */
	ARF_DIRECT,   /* the input is the reported message */
};

#define ARF_RCPTS 8

struct arf_report {
	enum arf_kind kind;
	char feedback_type[32]; /* abuse, fraud, virus, other, ... */
	char user_agent[128];
	char version[16];
	char source_ip[46]; /* validated address or "" */
	char original_mail_from[256];
	char arrival_date[80];
	char reported_domain[256];
	char original_rcpt_to[ARF_RCPTS][256];
	size_t nrcpt;
	char reporter[256];        /* the outer From: field */
	char subject[256];         /* the reported message's Subject */
	size_t orig_off, orig_len; /* the reported message within the input */
};

/* Kind names: "arf", "attached", "inline", "direct". */
const char *arf_kind_name(enum arf_kind k);
/* Analyse a report; always succeeds (DIRECT at worst). */
void arf_parse(const char *msg, size_t len, struct arf_report *out);

#endif
