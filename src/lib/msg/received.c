/*
 * received: Received header formatting (see received.h).
 */
#include "msg/received.h"

#include <stdio.h>
#include <string.h>

int
received_date(time_t t, struct strbuf *out)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
		"Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	long off;

	localtime_r(&t, &tm);
	off = tm.tm_gmtoff / 60;
	/* RFC 5322 3.3, independent of the locale. */
	return strbuf_printf(out, "%s, %d %s %d %02d:%02d:%02d %c%02ld%02ld", days[tm.tm_wday],
	    tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    off < 0 ? '-' : '+', (off < 0 ? -off : off) / 60, (off < 0 ? -off : off) % 60);
}

const char *
received_protocol(int esmtp, int tls, int auth, int utf8)
{
	/* RFC 3848 and RFC 6531 7.4 */
	static const char *const names[2][2][2] = {
		{ { "ESMTP", "ESMTPA" }, { "ESMTPS", "ESMTPSA" } },
		{ { "UTF8SMTP", "UTF8SMTPA" }, { "UTF8SMTPS", "UTF8SMTPSA" } },
	};
	if (!esmtp)
		return "SMTP";
	return names[utf8 != 0][tls != 0][auth != 0];
}

int
received_format(const struct received_info *ri, struct strbuf *out)
{
	int rc = 0;

	rc |= strbuf_printf(out, "Received: from %s (%s [%s])\r\n", ri->helo ? ri->helo : "unknown",
	    ri->verified_name ? ri->verified_name : "unknown", ri->client_addr);
	if (ri->user)
		rc |= strbuf_printf(out, "\t(authenticated user %s)\r\n", ri->user);
	rc |=
	    strbuf_printf(out, "\tby %s (vouch) with %s id %s", ri->by, ri->protocol, ri->queue_id);
	if (ri->tracking)
		rc |= strbuf_printf(out, " tracking %s", ri->tracking);
	if (ri->tls_version)
		rc |= strbuf_printf(out, "\r\n\t(using %s with cipher %s)", ri->tls_version,
		    ri->tls_cipher ? ri->tls_cipher : "unknown");
	/* RFC 5322 3.6.7, RFC 5321 4.4: the date always follows a ";", with or
	 * without a "for" clause (one recipient only: others stay private). */
	if (ri->for_rcpt)
		rc |= strbuf_printf(out, "\r\n\tfor <%s>; ", ri->for_rcpt);
	else
		rc |= strbuf_puts(out, ";\r\n\t");
	rc |= received_date(ri->when, out);
	rc |= strbuf_puts(out, "\r\n");
	return rc ? -1 : 0;
}
