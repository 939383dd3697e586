/*
 * fdbudget: descriptors for sessions and for the rest (see fdbudget.h).
 */
#include "util/fdbudget.h"

long long
fdbudget_reserve(
    long long outbound_max_connections, long long callout_max_total, long long delivery_threads)
{
	return 64 + outbound_max_connections + callout_max_total + 2 * delivery_threads;
}

int
fdbudget_plan(struct fdbudget *b)
{
	long long limit;

	b->need = b->reserve + 2 * b->max_connections;
	b->set_soft = b->soft;
	b->set_hard = b->hard;
	if (b->need > b->soft) {
		/* raise the soft limit as far as the hard one allows, and the hard
		 * one as far as we may (root, before it drops privileges) */
		if (b->need > b->hard && b->ceiling > b->hard)
			b->set_hard = b->need < b->ceiling ? b->need : b->ceiling;
		b->set_soft = b->need < b->set_hard ? b->need : b->set_hard;
	}
	limit = b->set_soft;
	b->sessions = b->max_connections;
	if (limit < b->need)
		b->sessions = (limit - b->reserve) / 2;
	return b->sessions >= 1 ? 0 : -1;
}
