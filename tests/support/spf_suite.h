/*
 * spf_suite: loads the openspf SPF test suite (YAML, read with libyaml)
 * into plain structures, for the suite unit test and the SPF benchmark
 * drivers. Not part of libvouch; nothing here depends on it.
 *
 * Zone data follows the suite's driver convention (pyspf's testspf.py):
 * a name's "SPF" records are also published as TXT records unless the name
 * lists TXT records of its own (TXT "NONE" counts as listing one); TIMEOUT
 * makes queries for types the name has no records of time out.
 */
#ifndef VOUCH_TESTS_SPF_SUITE_H
#define VOUCH_TESTS_SPF_SUITE_H

#include <stddef.h>

struct suite_rr {
	char type[8];		/* "A", "AAAA", "MX", "PTR", "CNAME", "TXT", "SPF" */
	char *text;		/* A/AAAA/PTR/CNAME: the value; MX: the host */
	unsigned pref;		/* MX */
	char **strs;		/* TXT/SPF: character-strings (may hold NULs) */
	size_t *lens;
	size_t nstrs;
};

struct suite_name {
	char *name;
	int timeout;
	struct suite_rr *rr;
	size_t nrr;
};

struct suite_case {
	const char *group;	/* the group's description */
	char *name;
	char *helo, *host, *mailfrom;
	char *results[8];	/* acceptable results */
	size_t nresults;
	char *explanation;	/* expected, or NULL */
	struct suite_group *zone;	/* the group's zone data */
	size_t gi;		/* index of the group */
};

struct suite_group {
	char *description;
	struct suite_name *names;
	size_t nnames;
};

struct suite {
	struct suite_group *groups;
	size_t ngroups;
	struct suite_case *cases;
	size_t ncases;
};

/* Load path; 0, or -1 with a reason in err. suite_free() in both cases. */
int suite_load(const char *path, struct suite *s, char *err, size_t errsz);
void suite_free(struct suite *s);
/* True if result is one of the case's acceptable results. */
int suite_result_ok(const struct suite_case *c, const char *result);

#endif
