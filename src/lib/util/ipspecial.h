/*
 * ipspecial: which IP addresses are not globally reachable unicast, the
 * one filter every outbound check shares (XVOUCH callbacks, sender
 * callouts, the registry's certification tests) so that none of them can
 * be aimed at loopback, a private network or any other special-purpose
 * range by a name a client controls.
 *
 * The table is the IANA IPv4 and IPv6 Special-Purpose Address Registries
 * (RFC 6890 and its updates) plus multicast and the reserved space. IPv6
 * forms that carry an IPv4 address (IPv4-mapped, IPv4-compatible, SIIT,
 * NAT64's well-known prefix, 6to4) are judged by the IPv4 address inside,
 * so ::ffff:127.0.0.1, 64:ff9b::a00:1 or 2002:7f00:1:: are loopback and
 * private as their IPv4 forms are. Everything in IPv6 outside 2000::/3
 * (global unicast) is special.
 */
#ifndef VOUCH_UTIL_IPSPECIAL_H
#define VOUCH_UTIL_IPSPECIAL_H

/*
 * The special-purpose range addr (AF_INET: 4 octets, AF_INET6: 16) falls
 * in, named with its prefix ("loopback 127.0.0.0/8"), or NULL if the
 * address is globally reachable unicast. Any other family is special.
 */
const char *ipspecial_range(int af, const void *addr);
/* The same for an address in text form; text that is not an IP address is
 * special ("not an IP address"). */
const char *ipspecial_text(const char *ip);

#endif
