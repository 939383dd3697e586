/*
 * reg_publish: turns the database into the zone: reads the servers the
 * zone shows (active and suspended) with their addresses and sponsor
 * counts, and builds a reg_zone with the configured SOA and NS settings
 * and the current serial.
 */
#ifndef VOUCH_REGISTRY_REG_PUBLISH_H
#define VOUCH_REGISTRY_REG_PUBLISH_H

#include "reg_config.h"
#include "reg_db.h"
#include "reg_zone.h"

/* Build the zone as the database has it now; *out holds one reference. */
int reg_publish_build(
    struct reg_db *db, const struct reg_config *cfg, struct reg_zone **out, struct strbuf *err);

#endif
