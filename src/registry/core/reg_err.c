/*
 * reg_err: names of the registry's typed results (see reg_err.h).
 */
#include "reg_err.h"

const char *
reg_err_str(int err)
{
	switch (err) {
	case REG_OK: return "ok";
	case REG_ENOTFOUND: return "not found";
	case REG_ECONFLICT: return "conflict";
	case REG_EINVAL: return "invalid";
	case REG_EPERM: return "forbidden";
	case REG_ETEMP: return "temporary failure";
	case REG_ELIMIT: return "rate limit reached";
	}
	return "error";
}

int
reg_err_is_temp(int err)
{
	return err == REG_ETEMP || err == REG_ELIMIT;
}
