/*
 * reg_publish: database -> zone (see reg_publish.h).
 */
#include "reg_publish.h"

#include <stdlib.h>
#include <string.h>

#include "reg_err.h"
#include "reg_server.h"
#include "util/log.h"
#include "util/xmalloc.h"

int
reg_publish_build(
    struct reg_db *db, const struct reg_config *cfg, struct reg_zone **out, struct strbuf *err)
{
	struct reg_server *all = NULL;
	struct reg_zone_server *zs;
	struct reg_zone_params p;
	size_t n = 0, m = 0, skipped = 0;
	uint32_t serial;
	int rc;

	*out = NULL;
	/* serial and rows read in one snapshot */
	if ((rc = reg_db_begin(db)) != REG_OK)
		return rc;
	serial = reg_db_serial(db);
	rc = reg_server_list(db, NULL, &all, &n);
	reg_db_rollback(db);
	if (rc != REG_OK) {
		strbuf_printf(err, "cannot read servers: %s", reg_err_str(rc));
		return rc;
	}
	zs = xcalloc(n ? n : 1, sizeof(*zs));
	for (size_t i = 0; i < n; i++) {
		int active = strcmp(all[i].status, "active") == 0;
		if (!active && strcmp(all[i].status, "suspended") != 0)
			continue;
		zs[m].hostname = all[i].hostname;
		zs[m].mclass = all[i].mclass;
		zs[m].suspended = !active;
		zs[m].since = all[i].registered_at;
		zs[m].sponsors = all[i].nsponsors;
		zs[m].addrs = (const char *const *)all[i].addresses;
		zs[m].naddrs = all[i].naddrs;
		m++;
	}
	memset(&p, 0, sizeof(p));
	p.zone = cfg->zone;
	p.ns = (const char *const *)cfg->ns.v;
	p.nns = cfg->ns.n;
	p.soa_rname = cfg->soa_rname;
	p.glue = (const char *const *)cfg->ns_address.v;
	p.nglue = cfg->ns_address.n;
	p.serial = serial;
	p.ttl = (uint32_t)(cfg->ttl / 1000);
	p.refresh = (uint32_t)(cfg->soa_refresh / 1000);
	p.retry = (uint32_t)(cfg->soa_retry / 1000);
	p.expire = (uint32_t)(cfg->soa_expire / 1000);
	p.minimum = (uint32_t)(cfg->soa_minimum / 1000);
	rc = reg_zone_build(&p, zs, m, out, &skipped, err);
	if (skipped)
		log_warn("event=zone_skipped count=%zu reason=\"name does not fit under the zone\"",
		    skipped);
	free(zs);
	reg_server_list_free(all, n);
	return rc;
}
