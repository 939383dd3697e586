/*
 * reg_input: the registry's request inputs (an application, an abuse
 * report, an admin decision, a sponsorship, a trap, an offender record),
 * read through one field-getter interface from either a JSON object (the
 * API) or a decoded HTML form (the web UI), and validated field by field.
 *
 * Pure: text in, fixed-size structs or a (field, reason) error out.
 */
#ifndef VOUCH_REGISTRY_REG_INPUT_H
#define VOUCH_REGISTRY_REG_INPUT_H

#include <stddef.h>

#include "reg_validate.h"

#define REG_MAX_ADDRS 16
#define REG_REASON_MAX 500
#define REG_NAME_MAX 200

/* Where fields come from: get returns the field's text or NULL if absent. */
struct reg_input_src {
	const char *(*get)(void *ctx, const char *name);
	void *ctx;
};

/* Why an input was refused: which field and a phrase ("is required"). */
struct reg_verr {
	char field[32];
	char why[160];
};

struct reg_application {
	char hostname[REG_HOSTNAME_MAX + 1];
	int class_idx;  /* into reg_validate_classes */
	int owner_kind; /* into reg_validate_owner_kinds */
	char owner_name[REG_NAME_MAX + 1];
	char owner_address[501];
	char owner_phone[33];
	char owner_email[255];
	char business_number[65]; /* required for a business */
	char admin_contact[255];  /* mailbox */
	char domain_age_note[501];
	char addresses[REG_MAX_ADDRS][REG_ADDR_MAX];
	size_t naddrs;
};

struct reg_report_input {
	const char *message; /* borrowed from the source, validated */
	size_t message_len;
	char reporter[255]; /* optional mailbox */
	char comment[1001];
};

/* A JSON request body opened for reading fields; see reg_input_json_open. */
struct reg_input_json {
	void *root;        /* json_t *, owned */
	char *scratch[32]; /* joined arrays and numbers, owned */
	size_t nscratch;
};

/*
 * Parse body as a JSON object. Fields read through reg_input_json_src are
 * strings, numbers (as text), or for "addresses" an array of strings
 * (joined by spaces).
 * Returns 0, or -1 with err (field "body"). Close with reg_input_json_close.
 */
int
reg_input_json_open(struct reg_input_json *j, const char *body, size_t len, struct reg_verr *err);
/* A field source reading from j. */
struct reg_input_src reg_input_json_src(struct reg_input_json *j);
/* Release j; safe on a zeroed or failed j. */
void reg_input_json_close(struct reg_input_json *j);

/* Read and validate an application; max_hostname bounds the name so that
 * <hostname>.<zone> fits in a DNS name. 0 or -1 with err. */
int reg_input_application(const struct reg_input_src *src, size_t max_hostname,
    struct reg_application *app, struct reg_verr *err);
/* The same, listing every field's problem (the web form shows them all):
 * up to cap into errs, their number in *nerr (errs[0] is the error
 * reg_input_application reports). -1 if there was any. */
int reg_input_application_all(const struct reg_input_src *src, size_t max_hostname,
    struct reg_application *app, struct reg_verr *errs, size_t cap, size_t *nerr);
/* Read and validate an abuse report (message required, <= max_len). */
int reg_input_report(const struct reg_input_src *src, size_t max_len, struct reg_report_input *rep,
    struct reg_verr *err);
/* Read a reason (required when required is set) into out. */
int reg_input_reason(
    const struct reg_input_src *src, int required, char *out, size_t outsz, struct reg_verr *err);
/* Read a host name field (name) into out. */
int reg_input_hostname(const struct reg_input_src *src, const char *name, char *out, size_t outsz,
    struct reg_verr *err);
/* Read a short free-text field into out (required or not). */
int reg_input_text(const struct reg_input_src *src, const char *name, int required, char *out,
    size_t outsz, struct reg_verr *err);
/* Split a list of addresses (spaces/commas) into app->addresses. */
int reg_input_addresses(const char *text, struct reg_application *app, struct reg_verr *err);

#endif
