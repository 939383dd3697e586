/*
 * reg_validate: input checks (see reg_validate.h).
 */
#include "reg_validate.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>

#include "util/str.h"

const char *const reg_validate_classes[] = {
	"business",
	"individual",
	"isp",
	"government",
	"education",
	"bulk",
	NULL,
};

const char *const reg_validate_owner_kinds[] = { "individual", "business", NULL };

static int
fail(const char **why, const char *msg)
{
	if (why)
		*why = msg;
	return -1;
}

int
reg_validate_hostname(const char *in, char *out, size_t outsz, const char **why)
{
	size_t len, labels = 0, l = 0, o = 0;
	int all_digits_tld = 1;

	if (in == NULL || *in == '\0')
		return fail(why, "is required");
	len = strlen(in);
	if (len > 0 && in[len - 1] == '.')
		len--;
	if (len == 0)
		return fail(why, "is empty");
	if (len > REG_HOSTNAME_MAX)
		return fail(why, "is longer than 253 characters");
	if (len + 1 > outsz)
		return fail(why, "is too long");
	for (size_t i = 0; i <= len; i++) {
		int c = i < len ? (unsigned char)in[i] : '.';

		if (c == '.') {
			if (l == 0)
				return fail(why, "has an empty label");
			if (in[i - 1] == '-')
				return fail(why, "has a label ending in '-'");
			labels++;
			if (i < len) {
				out[o++] = '.';
				all_digits_tld = 1;
			}
			l = 0;
			continue;
		}
		if (!(isalnum(c) || c == '-'))
			return fail(why, "may contain only letters, digits, '-' and '.'");
		if (l == 0 && c == '-')
			return fail(why, "has a label starting with '-'");
		if (++l > 63)
			return fail(why, "has a label longer than 63 characters");
		if (!isdigit(c))
			all_digits_tld = 0;
		out[o++] = (char)tolower(c);
	}
	out[o] = '\0';
	if (labels < 2)
		return fail(why, "must be fully qualified (name.domain)");
	if (all_digits_tld)
		return fail(why, "must be a name, not an address");
	return 0;
}

int
reg_validate_address(const char *in, char *out, size_t outsz, const char **why)
{
	unsigned char bin[16];

	if (in == NULL || *in == '\0')
		return fail(why, "is required");
	if (inet_pton(AF_INET, in, bin) == 1) {
		if (inet_ntop(AF_INET, bin, out, (socklen_t)outsz) == NULL)
			return fail(why, "is too long");
		return 0;
	}
	if (inet_pton(AF_INET6, in, bin) == 1) {
		if (inet_ntop(AF_INET6, bin, out, (socklen_t)outsz) == NULL)
			return fail(why, "is too long");
		return 0;
	}
	return fail(why, "is not an IPv4 or IPv6 address");
}

int
reg_validate_email(const char *in, const char **why)
{
	const char *at;
	char dom[REG_HOSTNAME_MAX + 2];
	size_t local;

	if (in == NULL || *in == '\0')
		return fail(why, "is required");
	if (strlen(in) > 254)
		return fail(why, "is longer than 254 characters");
	at = strrchr(in, '@');
	if (at == NULL || at == in)
		return fail(why, "must look like name@domain");
	local = (size_t)(at - in);
	if (local > 64)
		return fail(why, "has a local part longer than 64 characters");
	for (size_t i = 0; i < local; i++) {
		int c = (unsigned char)in[i];
		/* RFC 5322 3.2.3 atext and '.' (no quoted local parts here) */
		if (!(isalnum(c) || strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL))
			return fail(why, "has a character not allowed before '@'");
		if (c == '.' && (i == 0 || i + 1 == local || in[i + 1] == '.'))
			return fail(why, "has a misplaced '.'");
	}
	if (reg_validate_hostname(at + 1, dom, sizeof(dom), NULL) < 0)
		return fail(why, "has an invalid domain");
	return 0;
}

/* Length of the UTF-8 sequence at s (valid, shortest form), or 0. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

int
reg_validate_text(const char *in, size_t maxlen, int required, int multiline, const char **why)
{
	size_t n;

	if (in == NULL || *in == '\0')
		return required ? fail(why, "is required") : 0;
	n = strlen(in);
	if (n > maxlen)
		return fail(why, "is too long");
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)in[i];
		size_t k;

		if (c < 0x20 || c == 0x7f) {
			if (!(multiline && (c == '\n' || c == '\r' || c == '\t')))
				return fail(why, "contains control characters");
		}
		k = utf8_seq((const unsigned char *)in + i, n - i);
		if (k == 0)
			return fail(why, "is not valid UTF-8");
		i += k;
	}
	return 0;
}

char *
reg_validate_utf8_fix(char *s, int multiline)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		size_t k = utf8_seq((const unsigned char *)s + i, n - i);

		if (k == 0 ||
		    ((c < 0x20 || c == 0x7f) &&
		        !(multiline && (c == '\n' || c == '\t' || c == '\r')))) {
			s[i++] = '?';
			continue;
		}
		i += k;
	}
	return s;
}

int
reg_validate_phone(const char *in, const char **why)
{
	int digits = 0;

	if (in == NULL || *in == '\0')
		return fail(why, "is required");
	if (strlen(in) > 32)
		return fail(why, "is too long");
	for (const char *p = in; *p; p++) {
		if (isdigit((unsigned char)*p))
			digits++;
		else if (strchr(" +-().", *p) == NULL)
			return fail(why, "may contain only digits, spaces and + - ( ) .");
	}
	if (digits < 5 || digits > 20)
		return fail(why, "must have 5 to 20 digits");
	return 0;
}

int
reg_validate_choice(const char *in, const char *const *choices)
{
	if (in == NULL)
		return -1;
	for (int i = 0; choices[i]; i++)
		if (str_ieq(in, choices[i]))
			return i;
	return -1;
}
