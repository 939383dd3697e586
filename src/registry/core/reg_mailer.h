/*
 * reg_mailer: sends the queued notices to owners (reg_notice) through
 * notice_relay, one at a time, on the serve loop with libvouch's SMTP
 * client. A notice the relay takes for at least one recipient is "sent";
 * a temporary failure is tried again every notice_retry for a day, a
 * permanent one (5xx for every recipient) is "failed". Each outcome is a
 * log line (event=notice_sent|notice_deferred|notice_failed) and a line
 * in the server's history.
 *
 * Owns the connection and the message in flight; borrows cfg and db.
 */
#ifndef VOUCH_REGISTRY_REG_MAILER_H
#define VOUCH_REGISTRY_REG_MAILER_H

#include "reg_config.h"
#include "reg_db.h"

struct event_base;
struct reg_mailer;

/* NULL when notice_relay is empty (nothing to send). */
struct reg_mailer *
reg_mailer_new(struct event_base *base, const struct reg_config *cfg, struct reg_db *db);
/* Send the next due notice unless one is in flight (called by the poll). */
void reg_mailer_kick(struct reg_mailer *m);
/* Drop what is in flight (it stays queued) and free; NULL-safe. */
void reg_mailer_free(struct reg_mailer *m);

#endif
