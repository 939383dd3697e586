/*
 * smtp_reply: reply formatting and parsing (see smtp_reply.h).
 */
#include "smtp/smtp_reply.h"

#include <stdio.h>
#include <string.h>

int
smtp_reply_append(struct strbuf *out, int code, const char *status, const char *text)
{
	const char *p = text;

	for (;;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		int rc = strbuf_printf(out, "%03d%c", code, nl ? '-' : ' ');
		if (rc == 0 && status)
			rc = strbuf_printf(out, "%s ", status);
		for (size_t i = 0; rc == 0 && i < n; i++) {
			char c = p[i];
			if ((unsigned char)c < 32 || c == 127)
				c = '?';
			rc = strbuf_append(out, &c, 1);
		}
		if (rc == 0)
			rc = strbuf_append(out, "\r\n", 2);
		if (rc < 0)
			return -1;
		if (nl == NULL)
			return 0;
		p = nl + 1;
	}
}

int
smtp_reply_parse_line(const char *line, size_t len, struct smtp_reply_line *out)
{
	if (len < 3)
		return -1;
	for (int i = 0; i < 3; i++)
		if (line[i] < '0' || line[i] > '9')
			return -1;
	out->code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	if (out->code < 200 || out->code > 599)
		return -1;
	if (len == 3) {
		out->last = 1;
		out->text = line + 3;
		out->textlen = 0;
		return 0;
	}
	if (line[3] != ' ' && line[3] != '-')
		return -1;
	out->last = line[3] == ' ';
	out->text = line + 4;
	out->textlen = len - 4;
	return 0;
}

int
smtp_reply_status(const char *text, size_t len, char *status, size_t statussz)
{
	size_t i = 0;
	int part = 0;

	/* class "." subject "." detail; class 2, 4 or 5; 1-3 and 1-3 digits */
	if (len < 5 || (text[0] != '2' && text[0] != '4' && text[0] != '5') || text[1] != '.')
		return -1;
	i = 2;
	for (part = 0; part < 2; part++) {
		size_t s = i;
		while (i < len && text[i] >= '0' && text[i] <= '9' && i - s < 3)
			i++;
		if (i == s)
			return -1;
		if (part == 0) {
			if (i >= len || text[i] != '.')
				return -1;
			i++;
		}
	}
	if (i < len && text[i] != ' ')
		return -1;
	if (i + 1 > statussz)
		return -1;
	memcpy(status, text, i);
	status[i] = '\0';
	return (int)i;
}

char *
smtp_reply_diag(int code, const char *status, const char *text, char *out, size_t outsz)
{
	size_t sl = status ? strlen(status) : 0;

	if (text == NULL)
		text = "";
	/* the text's own code counts only as a whole word: "5.1.1 x", "5.1.1" */
	if (sl && strncmp(text, status, sl) == 0 && (text[sl] == ' ' || text[sl] == '\0'))
		sl = 0;
	snprintf(out, outsz, "%d%s%s%s%s", code, sl ? " " : "", sl ? status : "", *text ? " " : "",
	    text);
	return out;
}
