/*
 * Unit tests for msg/mime_strip: a table of messages (plain, mixed with
 * attachments, alternative, nested, HTML-only, attached messages,
 * malformed, over the limits, subjects folded, encoded and tagged) and
 * what their unsafe copies must and must not contain. Every copy must
 * pass mime_strip_check, and stripping it again must change nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "msg/mime_notice.h"
#include "msg/mime_strip.h"

#define CRLF "\r\n"

enum { O_DEFAULT = 0, O_NOSTRIP = 1, O_STRIPMSG = 2, O_SMALL = 4, O_NOTAG = 8, O_NOHTMLTEXT = 16,
	O_UTF8TAG = 32 };

struct strip_case {
	const char *name;
	const char *in;
	unsigned opts;
	int removed;		/* parts removed; -1 = don't care */
	int replaced;		/* whole body replaced */
	const char *has[8];	/* substrings of the copy */
	const char *hasnot[8];	/* must not be in the copy */
};

#define HDRS "From: alice@example.com" CRLF "To: bob@example.org" CRLF \
	"Date: Mon, 1 Jan 2024 10:00:00 +0000" CRLF

static const struct strip_case cases[] = {
	{ "plain text stays as it is",
	  HDRS "Subject: Lunch" CRLF CRLF "Shall we meet at noon?" CRLF,
	  O_DEFAULT, 0, 0,
	  { "X-Vouch-Unsafe: nothing stripped; reason=\"SPF fail\"" CRLF,
	    "Subject: [UNSAFE] Lunch" CRLF, "MIME-Version: 1.0" CRLF,
	    CRLF CRLF "Shall we meet at noon?" CRLF },
	  { "Content-Type" } },
	{ "mixed: the PDF attachment becomes a notice, the text stays",
	  HDRS "Subject: Invoice" CRLF "MIME-Version: 1.0" CRLF
	  "Content-Type: multipart/mixed; boundary=\"XX\"" CRLF CRLF
	  "This is a multi-part message in MIME format." CRLF
	  "--XX" CRLF "Content-Type: text/plain; charset=utf-8" CRLF
	  "Content-Transfer-Encoding: quoted-printable" CRLF CRLF
	  "Please pay =E2=82=AC10." CRLF
	  "--XX" CRLF "Content-Type: application/pdf; name=\"invoice.pdf\"" CRLF
	  "Content-Disposition: attachment; filename=\"invoice.pdf\"" CRLF
	  "Content-Transfer-Encoding: base64" CRLF CRLF
	  "JVBERi0xLjQKJcOkw7zDtsOfCjIgMCBvYmoKPDwvTGVuZ3RoIDMgMCBSL0ZpbHRlci9GbGF0ZURl" CRLF
	  "--XX--" CRLF "epilogue" CRLF,
	  O_DEFAULT, 1, 0,
	  { "X-Vouch-Unsafe: stripped 1 part (application/pdf)",
	    "Content-Type: multipart/mixed;" CRLF " boundary=\"XX\"" CRLF,
	    "--XX" CRLF "Content-Type: text/plain; charset=utf-8" CRLF
	    "Content-Transfer-Encoding: quoted-printable" CRLF CRLF "Please pay =E2=82=AC10." CRLF
	    "--XX" CRLF,
	    "  Type: application/pdf", "  File name: invoice.pdf", "  Size: 57 bytes",
	    "--XX--" CRLF },
	  { "JVBERi0", "epilogue", "multi-part message in MIME", "attachment" } },
	{ "alternative: the HTML alternative is dropped and named",
	  HDRS "Subject: News" CRLF "MIME-Version: 1.0" CRLF
	  "Content-Type: multipart/alternative; boundary=b1" CRLF CRLF
	  "--b1" CRLF "Content-Type: text/plain" CRLF CRLF "Plain news" CRLF
	  "--b1" CRLF "Content-Type: text/html" CRLF CRLF "<p>HTML <b>news</b></p>" CRLF
	  "--b1--" CRLF,
	  O_DEFAULT, 1, 0,
	  { "stripped 1 part (text/html)", "Content-Type: multipart/alternative;" CRLF
	    " boundary=\"b1\"" CRLF, "--b1" CRLF "Content-Type: text/plain" CRLF CRLF
	    "Plain news" CRLF "--b1--" CRLF },
	  { "<p>", "text/html" CRLF, "vouch removed" } },
	{ "alternative without plain text: the HTML becomes its text",
	  HDRS "Subject: Offer" CRLF "MIME-Version: 1.0" CRLF
	  "Content-Type: multipart/alternative; boundary=b1" CRLF CRLF
	  "--b1" CRLF "Content-Type: text/calendar" CRLF CRLF "BEGIN:VCALENDAR" CRLF
	  "--b1" CRLF "Content-Type: text/html; charset=iso-8859-1" CRLF
	  "Content-Transfer-Encoding: quoted-printable" CRLF CRLF
	  "<html><head><title>T</title><script>evil()</script></head><body>Caf=E9 &amp; <a h=" CRLF
	  "ref=3D\"http://x\">link</a><br>next&nbsp;line</body></html>" CRLF
	  "--b1--" CRLF,
	  O_DEFAULT, 2, 0,
	  { "stripped 2 parts (text/calendar, text/html)", "  Type: text/html",
	    "Caf=C3=A9 & link" CRLF "next line" CRLF },
	  { "evil", "BEGIN:VCALENDAR", "http://x", "<a" } },
	{ "nested: mixed > alternative > related with an image",
	  HDRS "Subject: Nested" CRLF "MIME-Version: 1.0" CRLF
	  "Content-Type: multipart/mixed; boundary=\"outer\"" CRLF CRLF
	  "--outer" CRLF "Content-Type: multipart/alternative; boundary=\"alt\"" CRLF CRLF
	  "--alt" CRLF "Content-Type: text/plain" CRLF CRLF "Text version" CRLF
	  "--alt" CRLF "Content-Type: multipart/related; boundary=\"rel\"" CRLF CRLF
	  "--rel" CRLF "Content-Type: text/html" CRLF CRLF "<img src=cid:i1>" CRLF
	  "--rel" CRLF "Content-Type: image/png" CRLF "Content-ID: <i1>" CRLF
	  "Content-Transfer-Encoding: base64" CRLF CRLF "iVBORw0KGgo=" CRLF
	  "--rel--" CRLF "--alt--" CRLF
	  "--outer" CRLF "Content-Type: image/jpeg; name=photo.jpg" CRLF
	  "Content-Transfer-Encoding: base64" CRLF CRLF "/9j/4AAQ" CRLF
	  "--outer--" CRLF,
	  O_DEFAULT, 3, 0,
	  { "stripped 3 parts (text/html, image/png, image/jpeg)", "Text version",
	    "  File name: photo.jpg", "--alt--" CRLF, "--outer--" CRLF },
	  { "--rel", "iVBOR", "/9j/", "cid:i1" } },
	{ "a single-part HTML message becomes a plain notice with its text",
	  HDRS "Subject: Hi" CRLF "MIME-Version: 1.0" CRLF
	  "Content-Type: text/html; charset=utf-8" CRLF "Content-Transfer-Encoding: base64" CRLF CRLF
	  "PGh0bWw+PGJvZHk+PHA+SGVsbG8gPGI+d29ybGQ8L2I+PC9wPjxzdHlsZT5wIHt9PC9zdHlsZT48L2JvZHk+"
	  "PC9odG1sPg==" CRLF,
	  O_DEFAULT, 1, 0,
	  { "Content-Type: text/plain; charset=utf-8" CRLF
	    "Content-Transfer-Encoding: quoted-printable" CRLF,
	    "Hello world" CRLF },
	  { "base64", "text/html;", "PGh0", "<b>", "p {}" } },
	{ "HTML text can be left out",
	  HDRS "Subject: Hi" CRLF "Content-Type: text/html" CRLF CRLF "<p>secret text</p>" CRLF,
	  O_NOHTMLTEXT, 1, 0, { "  Type: text/html" }, { "secret text" } },
	{ "an attached message is entered: its HTML goes, its headers stay",
	  HDRS "Subject: Fwd" CRLF "MIME-Version: 1.0" CRLF
	  "Content-Type: multipart/mixed; boundary=m" CRLF CRLF
	  "--m" CRLF "Content-Type: text/plain" CRLF CRLF "See below." CRLF
	  "--m" CRLF "Content-Type: message/rfc822" CRLF CRLF
	  "From: carol@example.net" CRLF "Subject: Original" CRLF
	  "Content-Type: text/html" CRLF CRLF "<p>original body</p>" CRLF
	  "--m--" CRLF,
	  O_DEFAULT, 1, 0,
	  { "Content-Type: message/rfc822" CRLF CRLF "From: carol@example.net" CRLF
	    "Subject: Original" CRLF "Content-Type: text/plain; charset=utf-8" CRLF,
	    "original body" },
	  { "<p>", "Subject: [UNSAFE] Original" } },
	{ "attached messages can be removed whole",
	  HDRS "Subject: Fwd" CRLF "MIME-Version: 1.0" CRLF
	  "Content-Type: multipart/mixed; boundary=m" CRLF CRLF
	  "--m" CRLF "Content-Type: text/plain" CRLF CRLF "See below." CRLF
	  "--m" CRLF "Content-Type: message/rfc822" CRLF CRLF
	  "From: carol@example.net" CRLF "Subject: Original" CRLF CRLF "hello" CRLF
	  "--m--" CRLF,
	  O_STRIPMSG, 1, 0,
	  { "stripped 1 part (message/rfc822)", "See below." },
	  { "carol", "hello" } },
	{ "text/plain attachments and named text parts go too",
	  HDRS "Subject: t" CRLF "Content-Type: multipart/mixed; boundary=m" CRLF CRLF
	  "--m" CRLF "Content-Type: text/plain" CRLF CRLF "body" CRLF
	  "--m" CRLF "Content-Type: text/plain" CRLF "Content-Disposition: attachment" CRLF CRLF
	  "attached text" CRLF
	  "--m" CRLF "Content-Type: text/plain; name=\"run.html\"" CRLF CRLF "<script>" CRLF
	  "--m--" CRLF,
	  O_DEFAULT, 2, 0,
	  { "stripped 2 parts (text/plain)", "File name: run.html" },
	  { "attached text", "<script>" } },
	{ "uuencoded data in plain text is an attachment",
	  HDRS "Subject: t" CRLF CRLF "here it is" CRLF "begin 644 evil.exe" CRLF "M'XL(\"" CRLF
	  "end" CRLF,
	  O_DEFAULT, 1, 0, { "Reason: it holds uuencoded data" }, { "evil.exe" } },
	{ "RFC 2231 and RFC 2047 file names are decoded, and sanitised",
	  HDRS "Subject: t" CRLF "Content-Type: multipart/mixed; boundary=m" CRLF CRLF
	  "--m" CRLF "Content-Type: application/octet-stream" CRLF
	  "Content-Disposition: attachment; filename*0*=UTF-8''%E2%82%AC%20re; filename*1=port.xls"
	  CRLF CRLF "x" CRLF
	  "--m" CRLF "Content-Type: application/octet-stream; name=\"=?UTF-8?B?Y3bigK5mZHAuZXhl?=\""
	  CRLF CRLF "x" CRLF "--m--" CRLF,
	  O_DEFAULT, 2, 0,
	  { "File name: =E2=82=AC report.xls", "File name: cv?fdp.exe" },
	  { "\xe2\x80\xae", "=E2=80=AE" } },
	{ "missing close delimiter: the copy is closed",
	  HDRS "Subject: t" CRLF "Content-Type: multipart/mixed; boundary=m" CRLF CRLF
	  "--m" CRLF "Content-Type: text/plain" CRLF CRLF "first" CRLF
	  "--m" CRLF "Content-Type: image/gif" CRLF CRLF "GIF89a",
	  O_DEFAULT, 1, 0, { "first" CRLF "--m" CRLF, "--m--" CRLF }, { "GIF89a" } },
	{ "a line that only looks like the boundary makes its part go",
	  HDRS "Subject: t" CRLF "Content-Type: multipart/mixed; boundary=m" CRLF CRLF
	  "--m" CRLF "Content-Type: text/plain" CRLF CRLF "safe" CRLF
	  "--m" CRLF "Content-Type: text/plain" CRLF CRLF "hidden" CRLF "--mx" CRLF
	  "Content-Type: text/html" CRLF CRLF "<b>" CRLF
	  "--m--" CRLF,
	  O_DEFAULT, 1, 0, { "safe", "Reason: it holds a line that looks like a MIME boundary" },
	  { "hidden", "<b>", "--mx" } },
	{ "a part with a broken header section goes",
	  HDRS "Subject: t" CRLF "Content-Type: multipart/mixed; boundary=m" CRLF CRLF
	  "--m" CRLF "Content-Type: text/plain" CRLF "not a header" CRLF "Content-Type: text/html"
	  CRLF CRLF "<b>x</b>" CRLF
	  "--m" CRLF "Content-Type: text/plain" CRLF CRLF "ok" CRLF
	  "--m--" CRLF,
	  O_DEFAULT, 1, 0, { "Reason: its header fields are malformed", "ok" CRLF },
	  { "<b>", "not a header" } },
	{ "two Content-Type fields at the top: the body goes",
	  HDRS "Subject: t" CRLF "Content-Type: text/plain" CRLF "Content-Type: text/html" CRLF
	  CRLF "<script>x</script>" CRLF,
	  O_DEFAULT, 1, 0, { "Reason: its header fields are malformed or contradictory" },
	  { "<script>", "Content-Type: text/html" } },
	{ "a multipart without boundary goes",
	  HDRS "Subject: t" CRLF "Content-Type: multipart/mixed" CRLF CRLF "--x" CRLF CRLF "secret" CRLF,
	  O_DEFAULT, 1, 0, { "Reason: it is a multipart without a usable boundary",
	    "vouch removed the content of this unverified message." }, { "secret" } },
	{ "an inner boundary equal to the outer one goes",
	  HDRS "Subject: t" CRLF "Content-Type: multipart/mixed; boundary=a" CRLF CRLF
	  "--a" CRLF "Content-Type: multipart/mixed; boundary=a" CRLF CRLF
	  "--a" CRLF "Content-Type: text/html" CRLF CRLF "<i>" CRLF "--a--" CRLF "--a--" CRLF,
	  O_DEFAULT, -1, 0, { "multipart without a usable boundary" }, { "<i>" } },
	{ "8-bit junk and bare line feeds survive, and the structure holds",
	  "Subject: \xff\xfe junk\nContent-Type: multipart/mixed; boundary=z\n\n--z\n\n\x80\x81 text\n"
	  "--z\nContent-Type: application/x-junk\n\n\x00\x01\x02\n--z--\n",
	  O_DEFAULT, 1, 0, { "Subject: [UNSAFE] \xff\xfe junk\n", "\x80\x81 text" CRLF "--z" CRLF },
	  { "\x01\x02" } },
	{ "no header section at all",
	  "just some text" CRLF, O_DEFAULT, 0, 0,
	  { "Subject: [UNSAFE]" CRLF "MIME-Version: 1.0" CRLF CRLF "just some text" CRLF }, { NULL } },
	{ "the empty message", "", O_DEFAULT, 0, 0, { "Subject: [UNSAFE]" CRLF }, { NULL } },
	{ "too many parts: the body is replaced, the headers stay",
	  HDRS "Subject: many" CRLF "Content-Type: multipart/mixed; boundary=m" CRLF CRLF
	  "--m" CRLF CRLF "1" CRLF "--m" CRLF CRLF "2" CRLF "--m" CRLF CRLF "3" CRLF "--m" CRLF CRLF
	  "4" CRLF "--m" CRLF CRLF "5" CRLF "--m" CRLF CRLF "6" CRLF "--m" CRLF CRLF "7" CRLF
	  "--m" CRLF CRLF "8" CRLF "--m" CRLF CRLF "9" CRLF "--m--" CRLF,
	  O_SMALL, 1, 1,
	  { "X-Vouch-Unsafe: body removed (it has too many parts)", "From: alice@example.com",
	    "Subject: [UNSAFE] many", "removed the body of this unverified message: it has too",
	    "  Type: multipart/mixed" },
	  { "boundary=", "--m" } },
	{ "too deep",
	  HDRS "Subject: deep" CRLF "Content-Type: multipart/mixed; boundary=a" CRLF CRLF
	  "--a" CRLF "Content-Type: multipart/mixed; boundary=b" CRLF CRLF
	  "--b" CRLF "Content-Type: multipart/mixed; boundary=c" CRLF CRLF
	  "--c" CRLF "Content-Type: multipart/mixed; boundary=d" CRLF CRLF
	  "--d" CRLF CRLF "x" CRLF "--d--" CRLF "--c--" CRLF "--b--" CRLF "--a--" CRLF,
	  O_SMALL, 1, 1, { "body removed (its parts are nested too deeply)" }, { "--a" } },
	{ "too long a line in kept text",
	  HDRS "Subject: long" CRLF CRLF
	  "0123456789012345678901234567890123456789012345678901234567890123456789"
	  "0123456789012345678901234567890123456789012345678901234567890123456789" CRLF,
	  O_SMALL, 1, 1, { "body removed (it has lines too long to pass on)" }, { "0123456789" } },
	{ "too long a header line",
	  HDRS "Subject: big" CRLF "X-Pad: "
	  "0123456789012345678901234567890123456789012345678901234567890123456789"
	  "0123456789012345678901234567890123456789012345678901234567890123456789" CRLF CRLF "x" CRLF,
	  O_SMALL, 1, 1, { "body removed (it has lines too long to pass on)", "Subject: [UNSAFE] big" },
	  { "X-Pad" } },
	{ "forged X-Vouch-Unsafe fields go",
	  "X-Vouch-Unsafe: nothing stripped" CRLF "Subject: s" CRLF "x-vouch-unsafe: safe!" CRLF CRLF
	  "b" CRLF,
	  O_DEFAULT, 0, 0, { "X-Vouch-Unsafe: nothing stripped; reason=\"SPF fail\"" CRLF "Subject" },
	  { "safe!" } },
	{ "strip off: the body is left alone, the subject still tagged",
	  HDRS "Subject: s" CRLF "Content-Type: text/html" CRLF CRLF "<b>kept</b>" CRLF,
	  O_NOSTRIP, 0, 0, { "X-Vouch-Unsafe: not stripped", "Subject: [UNSAFE] s",
	    "Content-Type: text/html" CRLF CRLF "<b>kept</b>" CRLF }, { "MIME-Version" } },
	{ "multipart/digest parts default to messages",
	  HDRS "Subject: d" CRLF "Content-Type: multipart/digest; boundary=d" CRLF CRLF
	  "--d" CRLF CRLF "Subject: one" CRLF "Content-Type: text/html" CRLF CRLF "<b>1</b>" CRLF
	  "--d--" CRLF,
	  O_DEFAULT, 1, 0, { "Content-Type: multipart/digest;", "Subject: one" CRLF
	    "Content-Type: text/plain; charset=utf-8" CRLF }, { "<b>" } },
	{ "signed and related multiparts become mixed",
	  HDRS "Subject: s" CRLF "Content-Type: multipart/signed; boundary=s; protocol=x" CRLF CRLF
	  "--s" CRLF "Content-Type: text/plain" CRLF CRLF "signed text" CRLF
	  "--s" CRLF "Content-Type: application/pgp-signature" CRLF CRLF "sig" CRLF "--s--" CRLF,
	  O_DEFAULT, 1, 0, { "Content-Type: multipart/mixed;" CRLF " boundary=\"s\"", "signed text" },
	  { "protocol", "multipart/signed" } },
};

static void
options(unsigned f, struct mime_strip_opts *o)
{
	mime_strip_defaults(o);
	o->reason = "SPF fail";
	o->strip = !(f & O_NOSTRIP);
	o->strip_messages = (f & O_STRIPMSG) != 0;
	o->html_text = !(f & O_NOHTMLTEXT);
	if (f & O_NOTAG)
		o->subject_tag = NULL;
	if (f & O_UTF8TAG)
		o->subject_tag = "[\xe2\x9a\xa0 UNSAFE]";
	if (f & O_SMALL) {
		o->limits.max_depth = 3;
		o->limits.max_parts = 8;
		o->limits.max_line = 100;
		o->max_size = 1000;
	}
}

static int
contains(const struct strbuf *sb, const char *needle)
{
	size_t n = strlen(needle);

	if (n == 0)
		return 1;
	for (size_t i = 0; i + n <= sb->len; i++)
		if (memcmp(sb->s + i, needle, n) == 0)
			return 1;
	return 0;
}

static size_t
case_len(const struct strip_case *c)
{
	/* one case holds NULs: its length is that of the literal */
	if (strstr(c->name, "8-bit junk"))
		return sizeof("Subject: \xff\xfe junk\nContent-Type: multipart/mixed; boundary=z\n\n--z\n\n"
		    "\x80\x81 text\n--z\nContent-Type: application/x-junk\n\n\x00\x01\x02\n--z--\n") - 1;
	return strlen(c->in);
}

static void
test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct strip_case *c = &cases[i];
		struct mime_strip_opts o;
		struct mime_strip_info info, info2;
		struct strbuf out, again;
		size_t len = case_len(c);
		const char *why = NULL;

		options(c->opts, &o);
		strbuf_init(&out, mime_strip_bound(len, &o));
		assert_int_equal(mime_strip(c->in, len, len, &o, &out, &info), 0);
		for (int k = 0; k < 8 && c->has[k]; k++)
			if (!contains(&out, c->has[k]))
				fail_msg("case '%s': missing '%s' in:\n%s", c->name, c->has[k], out.s);
		for (int k = 0; k < 8 && c->hasnot[k]; k++)
			if (contains(&out, c->hasnot[k]))
				fail_msg("case '%s': unwanted '%s' in:\n%s", c->name, c->hasnot[k], out.s);
		if (c->removed >= 0 && info.removed != (unsigned)c->removed)
			fail_msg("case '%s': removed %u, expected %d:\n%s", c->name, info.removed,
			    c->removed, out.s);
		if (info.replaced != c->replaced)
			fail_msg("case '%s': replaced %d, expected %d", c->name, info.replaced, c->replaced);
		if (o.strip) {
			if (mime_strip_check(out.s, out.len, &o.limits, &why) != 0)
				fail_msg("case '%s': copy is not clean MIME (%s):\n%s", c->name, why, out.s);
			/* a second pass changes only X-Vouch-Unsafe */
			strbuf_init(&again, mime_strip_bound(out.len, &o));
			assert_int_equal(mime_strip(out.s, out.len, out.len, &o, &again, &info2), 0);
			const char *a = strstr(out.s, CRLF) , *b = strstr(again.s, CRLF);
			while (a && (a[2] == ' ' || a[2] == '\t'))
				a = strstr(a + 2, CRLF);
			while (b && (b[2] == ' ' || b[2] == '\t'))
				b = strstr(b + 2, CRLF);
			assert_non_null(a);
			assert_non_null(b);
			if (out.len - (size_t)(a - out.s) != again.len - (size_t)(b - again.s) ||
			    memcmp(a, b, out.len - (size_t)(a - out.s)) != 0)
				fail_msg("case '%s': second pass differs:\n%s\n----\n%s", c->name, out.s,
				    again.s);
			assert_int_equal(info2.removed, 0);
			strbuf_free(&again);
		}
		strbuf_free(&out);
	}
}

/* Subjects: folded, encoded, already tagged, replies, missing, long. */
static const struct {
	const char *in, *out;
	unsigned opts;
} subjects[] = {
	{ "Subject: hello" CRLF, "Subject: [UNSAFE] hello" CRLF, 0 },
	{ "Subject:hello" CRLF, "Subject: [UNSAFE] hello" CRLF, 0 },
	{ "Subject: [UNSAFE] hello" CRLF, "Subject: [UNSAFE] hello" CRLF, 0 },
	{ "Subject: [unsafe] hello" CRLF, "Subject: [unsafe] hello" CRLF, 0 },
	{ "Subject: Re: [UNSAFE] hello" CRLF, "Subject: Re: [UNSAFE] hello" CRLF, 0 },
	{ "Subject: RE: Fwd: [UNSAFE] x" CRLF, "Subject: RE: Fwd: [UNSAFE] x" CRLF, 0 },
	{ "Subject: Re: hello" CRLF, "Subject: [UNSAFE] Re: hello" CRLF, 0 },
	{ "Subject: hello [UNSAFE]" CRLF, "Subject: [UNSAFE] hello [UNSAFE]" CRLF, 0 },
	{ "Subject: =?UTF-8?B?w6lsw6h2ZQ==?=" CRLF, "Subject: [UNSAFE] =?UTF-8?B?w6lsw6h2ZQ==?=" CRLF, 0 },
	{ "Subject: =?UTF-8?Q?caf=C3=A9?=" CRLF " =?UTF-8?Q?_au_lait?=" CRLF,
	  "Subject: [UNSAFE] =?UTF-8?Q?caf=C3=A9?=" CRLF " =?UTF-8?Q?_au_lait?=" CRLF, 0 },
	{ "Subject: a folded" CRLF "\tsubject" CRLF, "Subject: [UNSAFE] a folded" CRLF "\tsubject" CRLF, 0 },
	{ "Subject:" CRLF " folded at once" CRLF, "Subject: [UNSAFE]" CRLF " folded at once" CRLF, 0 },
	{ "Subject: " CRLF, "Subject: [UNSAFE] " CRLF, 0 },
	{ "Subject: a line that is long enough that the tag would push it past column 78" CRLF,
	  "Subject: [UNSAFE]" CRLF " a line that is long enough that the tag would push it past column 78"
	  CRLF, 0 },
	{ "X-Other: x" CRLF, "X-Other: x" CRLF "Subject: [UNSAFE]" CRLF, 0 },
	{ "SUBJECT: caps" CRLF, "SUBJECT: [UNSAFE] caps" CRLF, 0 },
	{ "Subject: hello" CRLF, "Subject: hello" CRLF, O_NOTAG },
	{ "Subject: hello" CRLF, "Subject: =?UTF-8?B?W+KaoCBVTlNBRkVd?= hello" CRLF, O_UTF8TAG },
	{ "Subject: =?UTF-8?B?W+KaoCBVTlNBRkVd?= hello" CRLF,
	  "Subject: =?UTF-8?B?W+KaoCBVTlNBRkVd?= hello" CRLF, O_UTF8TAG },
	{ "Subject: x" CRLF "  " CRLF " y" CRLF, "Subject: [UNSAFE] x" CRLF " y" CRLF, 0 },
};

static void
test_subjects(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(subjects) / sizeof(subjects[0]); i++) {
		struct mime_strip_opts o;
		struct mime_strip_info info;
		struct strbuf in, out;

		options(subjects[i].opts, &o);
		strbuf_init(&in, 4096);
		strbuf_printf(&in, "From: a@example.com" CRLF "%s" CRLF "body" CRLF, subjects[i].in);
		strbuf_init(&out, mime_strip_bound(in.len, &o));
		assert_int_equal(mime_strip(in.s, in.len, in.len, &o, &out, &info), 0);
		if (!contains(&out, subjects[i].out))
			fail_msg("subject %zu: wanted '%s' in:\n%s", i, subjects[i].out, out.s);
		strbuf_free(&in);
		strbuf_free(&out);
	}
}

/* The reason: quoted, escaped, folded, never more than one field. */
static void
test_reason_and_folding(void **state)
{
	struct mime_strip_opts o;
	struct mime_strip_info info;
	struct strbuf out;
	const char *msg = "Subject: s" CRLF CRLF "b" CRLF;

	(void)state;
	options(0, &o);
	o.reason = "SPF \"fail\" for\r\nX-Injected: yes\\ example.com, and a long tail of words to fold";
	strbuf_init(&out, mime_strip_bound(strlen(msg), &o));
	assert_int_equal(mime_strip(msg, strlen(msg), strlen(msg), &o, &out, &info), 0);
	assert_true(contains(&out, "reason=\"SPF \\\"fail\\\" for??X-Injected: yes\\\\" CRLF "\texample.com,"));
	assert_false(contains(&out, CRLF "X-Injected"));
	for (const char *p = out.s; (p = strstr(p, CRLF)) != NULL; p += 2) {
		const char *q = strstr(p + 2, CRLF);
		if (q)
			assert_true(q - (p + 2) <= 78);
	}
	strbuf_free(&out);
}

/* A prefix of a message larger than max_size: headers and a notice. */
static void
test_prefix_only(void **state)
{
	struct mime_strip_opts o;
	struct mime_strip_info info;
	struct strbuf out;
	const char *msg = "Subject: big" CRLF "X-Long: part one" CRLF " part two" CRLF CRLF "body";

	(void)state;
	options(0, &o);
	o.max_size = 10;
	strbuf_init(&out, mime_strip_bound(100, &o));
	/* the read stopped inside X-Long: that field may go on, so it goes */
	assert_int_equal(mime_strip(msg, 30, 5000000, &o, &out, &info), 0);
	assert_true(info.replaced);
	assert_true(contains(&out, "Subject: [UNSAFE] big" CRLF));
	assert_false(contains(&out, "X-Long"));
	assert_true(contains(&out, "Size: about 4.7 MB"));
	strbuf_free(&out);

	/* the whole of a message larger than max_size: the same */
	strbuf_init(&out, mime_strip_bound(strlen(msg), &o));
	assert_int_equal(mime_strip(msg, strlen(msg), strlen(msg), &o, &out, &info), 0);
	assert_true(info.replaced);
	assert_true(contains(&out, "X-Vouch-Unsafe: body removed (the message is too large to strip)"));
	assert_true(contains(&out, "X-Long: part one" CRLF " part two" CRLF));
	assert_true(contains(&out, "Size: 4 bytes"));
	assert_false(contains(&out, CRLF "body"));
	strbuf_free(&out);

	/* strip off: the header section, and where the original body resumes */
	o.strip = 0;
	strbuf_init(&out, mime_strip_bound(100, &o));
	assert_int_equal(mime_strip(msg, strlen(msg), 5000000, &o, &out, &info), 0);
	assert_true(info.has_rest);
	assert_string_equal(msg + info.rest, "body");
	assert_true(contains(&out, "X-Long: part one" CRLF " part two" CRLF CRLF));
	strbuf_free(&out);
}

/* A large HTML body: its text is taken from its first megabytes and cut
 * to a budget, and the copy stays within the bound. */
static void
test_large_html(void **state)
{
	struct mime_strip_opts o;
	struct mime_strip_info info;
	struct strbuf in, out;
	const char *why;

	(void)state;
	options(0, &o);
	strbuf_init(&in, 8 * 1024 * 1024);
	strbuf_puts(&in, "Subject: big" CRLF "Content-Type: text/html" CRLF CRLF);
	while (in.len < 3 * 1024 * 1024)
		strbuf_puts(&in, "<p>para &amp; text <b>bold</b></p>" CRLF);
	strbuf_init(&out, mime_strip_bound(in.len, &o));
	assert_int_equal(mime_strip(in.s, in.len, in.len, &o, &out, &info), 0);
	assert_true(contains(&out, "Its text, without formatting, pictures or links:" CRLF CRLF
	    "para & text bold" CRLF CRLF "para & text bold" CRLF));
	assert_true(contains(&out, "..." CRLF));
	assert_true(out.len < 1024 * 1024);
	assert_int_equal(mime_strip_check(out.s, out.len, &o.limits, &why), 0);
	strbuf_free(&in);
	strbuf_free(&out);
}

/* An output buffer too small is an error, not an overflow. */
static void
test_small_buffer(void **state)
{
	struct mime_strip_opts o;
	struct mime_strip_info info;
	struct strbuf out;
	const char *msg = "Subject: s" CRLF CRLF "body" CRLF;

	(void)state;
	options(0, &o);
	strbuf_init(&out, 20);
	assert_int_equal(mime_strip(msg, strlen(msg), strlen(msg), &o, &out, &info), -1);
	assert_true(out.len <= 20);
	strbuf_free(&out);
}

/* The transition notice at the top of a message (mime_notice_wrap): valid
 * MIME whatever the message, the original body the second part, its MIME
 * fields with it, and a boundary the message does not hold. */
static void
test_notice_wrap(void **state)
{
	static const char *const msgs[] = {
		"From: a@example.com\r\nSubject: plain\r\n\r\nhello\r\n",
		"From: a@example.com\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; "
		"boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nplain\r\n"
		"--b1\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n--b1--\r\n",
		/* the boundary the first try would take, inside the message */
		"Subject: trap\r\n\r\n--=_vouch-notice-QID-0\r\n",
		"Subject: no body\r\n\r\n",
		"Subject: no end of line\r\n\r\nlast line",
	};
	struct mime_strip_opts o;
	const char *why = NULL;

	(void)state;
	mime_strip_defaults(&o);
	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		struct strbuf out;
		strbuf_init(&out, 1 << 16);
		assert_int_equal(mime_notice_wrap(msgs[i], strlen(msgs[i]), "Notice: t\xc3\xa9st\n",
		                     "QID", &out),
		    0);
		/* the check also wants plain text only: case 1 keeps its HTML */
		if (i != 1 && mime_strip_check(out.s, out.len, &o.limits, &why) != 0)
			fail_msg("case %zu: %s\n%s", i, why, out.s);
		assert_non_null(strstr(out.s, "Content-Type: multipart/mixed; boundary="));
		assert_non_null(strstr(out.s, "Notice: t=C3=A9st"));
		/* one MIME-Version, at the top */
		const char *mv = strstr(out.s, "MIME-Version: 1.0");
		assert_non_null(mv);
		assert_null(strstr(mv + 1, "MIME-Version"));
		if (i == 1)
			assert_non_null(strstr(out.s, "--=_vouch-notice-QID-0\r\nContent-Type: "
			                              "multipart/alternative"));
		if (i == 2)
			assert_non_null(strstr(out.s, "boundary=\"=_vouch-notice-QID-1\""));
		strbuf_free(&out);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_notice_wrap),
		cmocka_unit_test(test_subjects),
		cmocka_unit_test(test_reason_and_folding),
		cmocka_unit_test(test_prefix_only),
		cmocka_unit_test(test_small_buffer),
		cmocka_unit_test(test_large_html),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
