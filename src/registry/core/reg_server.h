/*
 * reg_server: registered servers in the database: records with their
 * owner identity, addresses, bond, certification status, sponsorships and
 * the history of every change (who, when, why).
 *
 * Only reg_workflow changes a server's status; this module stores what it
 * is told. Structs returned are owned by the caller (reg_server_clear).
 */
#ifndef VOUCH_REGISTRY_REG_SERVER_H
#define VOUCH_REGISTRY_REG_SERVER_H

#include <stddef.h>

#include "reg_db.h"
#include "reg_input.h"

struct reg_server {
	long long id;
	char *hostname, *mclass, *status;
	char *owner_kind, *owner_name, *owner_address, *owner_phone, *owner_email;
	char *business_number, *admin_contact, *domain_age_note;
	char *bond_status, *cert_status;
	long long bond_amount;
	long long applied_at, registered_at, fee_due, updated_at; /* Unix s; 0 = unset */
	char **addresses;
	size_t naddrs;
	int nsponsors; /* sponsors that are active servers */
};

struct reg_history {
	long long at;
	char *actor, *event, *from_status, *to_status, *reason;
};

/* Insert a new server (status "applied") with its addresses and the first
 * history line, inside the caller's transaction. A deregistered server's
 * record starts over; ECONFLICT if the host name is otherwise taken. */
int reg_server_create(
    struct reg_db *db, const struct reg_application *app, const char *actor, long long *id);
/* Load one server by host name (lower-case) or by id; ENOTFOUND. */
int reg_server_get(struct reg_db *db, const char *hostname, struct reg_server *out);
int reg_server_get_id(struct reg_db *db, long long id, struct reg_server *out);
/* Free what a reg_server holds (not the struct). NULL-safe. */
void reg_server_clear(struct reg_server *s);
/* All servers, or those with status (NULL = all), ordered by host name. */
int reg_server_list(struct reg_db *db, const char *status, struct reg_server **out, size_t *n);
/* Free an array from reg_server_list. */
void reg_server_list_free(struct reg_server *v, size_t n);

/* Set columns (inside the caller's transaction). */
int reg_server_set_status(struct reg_db *db, long long id, const char *status);
int reg_server_set_cert(struct reg_db *db, long long id, const char *cert_status);
int reg_server_set_bond(struct reg_db *db, long long id, const char *bond_status, long long amount);
/* Mark registered now (if never before) and set the fee due date. */
int reg_server_set_registered(struct reg_db *db, long long id, long long now, long long fee_due);

/* Mark the server's confirmed reports settled (they no longer count
 * towards an automatic suspension); on reinstatement. */
int reg_server_settle_reports(struct reg_db *db, long long id);
/* Append a history line. */
int reg_server_history_add(struct reg_db *db, long long id, const char *actor, const char *event,
    const char *from, const char *to, const char *reason);
/* The history of a server, oldest first; free with reg_server_history_free. */
int reg_server_history(struct reg_db *db, long long id, struct reg_history **out, size_t *n);
void reg_server_history_free(struct reg_history *v, size_t n);

/* Record that sponsor_id vouches for id; ECONFLICT if already recorded. */
int reg_server_add_sponsor(struct reg_db *db, long long id, long long sponsor_id);
/* Host names of the servers sponsoring id (caller frees each and the array). */
int reg_server_sponsors(struct reg_db *db, long long id, char ***names, size_t *n);

/* Ids of registered (active or suspended) servers with this address. */
int reg_server_ids_by_address(
    struct reg_db *db, const char *addr, long long *ids, size_t max, size_t *n);

struct reg_cert_run {
	long long id, started, finished;
	int passed;
	char *summary, *report; /* report is JSON (reg_certify) */
};

/* Store a certification run for server id. */
int reg_server_cert_add(struct reg_db *db, long long id, long long started, long long finished,
    int passed, const char *summary, const char *report);
/* The newest runs of server id (at most max), newest first. */
int reg_server_cert_runs(
    struct reg_db *db, long long id, size_t max, struct reg_cert_run **out, size_t *n);
/* Free runs. */
void reg_server_cert_runs_free(struct reg_cert_run *v, size_t n);

#endif
