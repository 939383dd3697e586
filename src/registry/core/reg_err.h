/*
 * reg_err: the registry's typed results. Temporary failures (the database
 * is busy, a peer timed out) are kept apart from permanent ones (no such
 * server, a transition the workflow forbids, bad input), so the HTTP layer
 * can answer 503 versus 4xx and the CLI can say "try again".
 */
#ifndef VOUCH_REGISTRY_REG_ERR_H
#define VOUCH_REGISTRY_REG_ERR_H

enum reg_err {
	REG_OK = 0,
	REG_ENOTFOUND = -1, /* permanent: no such server, report, token */
	REG_ECONFLICT = -2, /* permanent: state forbids it, or duplicate */
	REG_EINVAL = -3,    /* permanent: input fails validation */
	REG_EPERM = -4,     /* permanent: not allowed for this caller */
	REG_ETEMP = -5,     /* temporary: busy database, I/O, timeout */
	REG_ELIMIT = -6,    /* temporary: this client's rate limit is used up */
};

/* Short name of a result, for logs and API errors. */
const char *reg_err_str(int err);
/* True for failures worth retrying later. */
int reg_err_is_temp(int err);

#endif
