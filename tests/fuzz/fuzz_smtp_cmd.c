/* Fuzz target: SMTP command lines and every argument parser behind them
 * (MAIL/RCPT paths and ESMTP parameters, BDAT, EHLO). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp/smtp_cmd.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_cmd cmd;
	struct smtp_perr err;
	char *line = malloc(size + 1);

	if (line == NULL)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	if (smtp_cmd_parse(line, size, &cmd, &err) == 0) {
		unsigned ext = size ? (unsigned)data[0] : 0x7f;
		/* the first byte is text: FUTURERELEASE rides on the last one */
		if (size > 1 && (data[size - 1] & 1))
			ext |= SMTP_EXT_FUTURERELEASE;
		struct smtp_mail_args m;
		struct smtp_rcpt_args r;
		unsigned long long n;
		int last;
		enum smtp_helo_kind k;
		char buf[600];

		switch (cmd.verb) {
		case SMTP_VERB_MAIL:
			if (smtp_cmd_mail(cmd.arg, cmd.arglen, ext, &m, &err) == 0)
				smtp_addr_format(&m.from, buf, sizeof(buf));
			break;
		case SMTP_VERB_RCPT:
			if (smtp_cmd_rcpt(cmd.arg, cmd.arglen, ext, ext & 1, &r, &err) == 0)
				smtp_addr_format(&r.to, buf, sizeof(buf));
			break;
		case SMTP_VERB_BDAT:
			smtp_cmd_bdat(cmd.arg, cmd.arglen, &n, &last, &err);
			break;
		default:
			smtp_cmd_helo(cmd.arg, cmd.arglen, &k, &err);
			smtp_xtext_decode(cmd.arg, cmd.arglen, buf, sizeof(buf));
			break;
		}
	}
	free(line);
	return 0;
}
