/*
 * reg_target: where the certification tests may connect. Every address
 * of an applicant's name goes through libvouch's special-purpose address
 * filter (util/ipspecial: loopback, private, link-local, multicast,
 * reserved, documentation ranges and the IPv6 forms carrying them), so
 * that nobody can aim the registry's SMTP tests at a service inside its
 * own network by naming a host that resolves there (an SSRF). Networks
 * listed in certify_allow_networks (test worlds, a lab) may be tested
 * anyway, but only when a person started the tests: automatic
 * certification is for names whose addresses are all public.
 *
 * Pure: address text and the allow list in, a verdict and a reason out.
 */
#ifndef VOUCH_REGISTRY_REG_TARGET_H
#define VOUCH_REGISTRY_REG_TARGET_H

#include <stddef.h>

#include "util/conf.h"

enum reg_target {
	REG_TARGET_PUBLIC,  /* globally reachable unicast: may be tested, even automatically */
	REG_TARGET_ALLOWED, /* special-purpose, but in certify_allow_networks */
	REG_TARGET_REFUSED, /* special-purpose: never connected to */
};

struct reg_target_allow;

/* The allow list from certify_allow_networks (addresses and networks);
 * NULL with a reason in err if an entry is neither. */
struct reg_target_allow *
reg_target_allow_new(const struct conf_list *nets, char *err, size_t errsz);
void reg_target_allow_free(struct reg_target_allow *a);

/* Judge addr (text); why gets the range ("loopback 127.0.0.0/8") for
 * special-purpose addresses, "" for public ones. allow may be NULL. */
enum reg_target
reg_target_judge(const char *addr, const struct reg_target_allow *allow, char *why, size_t whysz);

/* Whether the tests of a name with these addresses may start without a
 * person: all public (automatic), or not; why names the first that is not. */
int reg_target_automatic(const char addrs[][46], size_t n, const struct reg_target_allow *allow,
    char *why, size_t whysz);

#endif
