/*
 * reg_validate: pure checks of the values people send the registry
 * (hostnames, addresses, mailboxes, free text, enumerations). Each check
 * canonicalises into a caller buffer and says why a value is refused, so
 * the API can answer a 400 that names the field and the reason.
 */
#ifndef VOUCH_REGISTRY_REG_VALIDATE_H
#define VOUCH_REGISTRY_REG_VALIDATE_H

#include <stddef.h>

#define REG_HOSTNAME_MAX 253
#define REG_ADDR_MAX 46 /* INET6_ADDRSTRLEN */

/* Mail classes (DESIGN 5.3), in the order stored and published. */
extern const char *const reg_validate_classes[];
/* Server statuses, indexed by enum reg_status (reg_workflow.h). */
extern const char *const reg_validate_owner_kinds[];

/*
 * A fully-qualified host name: LDH labels of 1-63 octets, at least two
 * labels, at most REG_HOSTNAME_MAX octets, not an IP literal. Writes the
 * lower-case form without a final dot into out. 0 or -1 with *why.
 */
int reg_validate_hostname(const char *in, char *out, size_t outsz, const char **why);
/* An IPv4 or IPv6 address, written in canonical text form into out. */
int reg_validate_address(const char *in, char *out, size_t outsz, const char **why);
/* A mailbox local@domain (RFC 5321 4.1.2 dot-atom local part, <= 254 octets). */
int reg_validate_email(const char *in, const char **why);
/* Free text: valid UTF-8, no control characters except newline/tab when
 * multiline, at most maxlen octets; empty only when !required. */
int reg_validate_text(const char *in, size_t maxlen, int required, int multiline, const char **why);
/* A phone number: digits, spaces and + - ( ) . with 5-20 digits. */
int reg_validate_phone(const char *in, const char **why);
/* Replace invalid UTF-8 and control characters (except newline and tab
 * when multiline) by '?' in place, so stored text is safe to show and to
 * put in JSON. Returns s. */
char *reg_validate_utf8_fix(char *s, int multiline);
/* Index of word in a NULL-terminated list (ASCII case-insensitive), or -1. */
int reg_validate_choice(const char *in, const char *const *choices);

#endif
