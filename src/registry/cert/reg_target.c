/*
 * reg_target: certification targets through the special-address filter
 * (see reg_target.h).
 */
#include "reg_target.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "policy/lists.h"
#include "util/ipspecial.h"
#include "util/str.h"
#include "util/xmalloc.h"

struct reg_target_allow {
	struct list *list;
};

struct reg_target_allow *
reg_target_allow_new(const struct conf_list *nets, char *err, size_t errsz)
{
	struct reg_target_allow *a = xcalloc(1, sizeof(*a));

	a->list = list_new();
	for (size_t i = 0; nets && i < nets->n; i++) {
		struct list_entry e;
		char why[200];

		if (list_parse(nets->v[i], &e, why, sizeof(why)) < 0 ||
		    (e.kind != LIST_ADDR && e.kind != LIST_NET)) {
			snprintf(err, errsz, "certify_allow_networks: '%s' is not a network",
			    nets->v[i]);
			reg_target_allow_free(a);
			return NULL;
		}
		list_add(a->list, &e);
	}
	return a;
}

void
reg_target_allow_free(struct reg_target_allow *a)
{
	if (a == NULL)
		return;
	list_free(a->list);
	free(a);
}

enum reg_target
reg_target_judge(const char *addr, const struct reg_target_allow *allow, char *why, size_t whysz)
{
	const char *range = ipspecial_text(addr);
	struct sockaddr_storage ss;

	if (range == NULL) {
		str_copy(why, whysz, "");
		return REG_TARGET_PUBLIC;
	}
	str_copy(why, whysz, range);
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)&ss)->sin_addr) == 1)
		ss.ss_family = AF_INET;
	else if (inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1)
		ss.ss_family = AF_INET6;
	else
		return REG_TARGET_REFUSED;
	if (allow && list_match(allow->list, (const struct sockaddr *)&ss, NULL, NULL, 0))
		return REG_TARGET_ALLOWED;
	return REG_TARGET_REFUSED;
}

int
reg_target_automatic(
    const char addrs[][46], size_t n, const struct reg_target_allow *allow, char *why, size_t whysz)
{
	str_copy(why, whysz, "");
	for (size_t i = 0; i < n; i++) {
		char range[128];

		if (reg_target_judge(addrs[i], allow, range, sizeof(range)) != REG_TARGET_PUBLIC) {
			snprintf(why, whysz, "%s is %s, not a public address", addrs[i], range);
			return 0;
		}
	}
	return n > 0;
}
