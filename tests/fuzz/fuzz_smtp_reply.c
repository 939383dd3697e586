/*
 * Fuzz target: SMTP replies. As a client (smtp_client, callouts, XVOUCH
 * callbacks) vouch reads replies from servers it does not trust: each
 * line the reader accepts must have a code in 200..599 and text inside
 * the line, and an enhanced status code found must be well-formed. As a
 * server it writes replies whose text can hold client data: whatever the
 * text, the reply must be whole lines that read back with the same code,
 * one line per '\n' in the text, never a line injected.
 */
#include <stdint.h>
#include <string.h>

#include "smtp/smtp_reply.h"
#include "util/str.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct smtp_reply_line rl;
	char status[16];
	char text[4096];
	struct strbuf out;
	size_t lines = 1;

	if (smtp_reply_parse_line(s, size, &rl) == 0) {
		if (rl.code < 200 || rl.code > 599 || rl.text < s || rl.text + rl.textlen > s + size)
			__builtin_trap();
		int n = smtp_reply_status(rl.text, rl.textlen, status, sizeof(status));
		if (n > 0 && ((size_t)n > rl.textlen || strlen(status) != (size_t)n ||
		    (status[0] != '2' && status[0] != '4' && status[0] != '5')))
			__builtin_trap();
	}
	/* the same bytes as reply text written by a server */
	if (size >= sizeof(text))
		return 0;
	memcpy(text, s, size);
	text[size] = '\0';
	for (size_t i = 0; i < strlen(text); i++)
		if (text[i] == '\n')
			lines++;
	strbuf_init(&out, 1 << 20);
	if (smtp_reply_append(&out, 550, "5.7.1", text) != 0)
		__builtin_trap();
	size_t seen = 0;
	for (size_t o = 0; o < out.len;) {
		const char *crlf = memchr(out.s + o, '\r', out.len - o);
		if (crlf == NULL || crlf + 1 >= out.s + out.len || crlf[1] != '\n')
			__builtin_trap();
		size_t n = (size_t)(crlf - (out.s + o));
		if (memchr(out.s + o, '\n', n) != NULL)
			__builtin_trap();
		if (smtp_reply_parse_line(out.s + o, n, &rl) != 0 || rl.code != 550)
			__builtin_trap();
		seen++;
		/* only the last line says it is the last */
		if (rl.last != (o + n + 2 == out.len))
			__builtin_trap();
		o += n + 2;
	}
	if (seen != lines)
		__builtin_trap();
	strbuf_free(&out);
	return 0;
}
