/*
 * peer: the client address a request counts as coming from — what the
 * aws:SourceIp condition key holds
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceip).
 *
 * It is the TCP peer. A forwarded address (X-Forwarded-For) is believed
 * only when the server was told which proxies to trust (serve
 * --trusted-proxy, off by default) and the peer is one of them: anyone
 * else can write that header, and a policy that allows or denies by
 * address must not be fooled by it. This module does no I/O.
 */
#ifndef LV_HTTP_PEER_H
#define LV_HTTP_PEER_H

#include "svc/req.h"

struct sockaddr;

/*
 * Checks a --trusted-proxy value: a comma-separated list of IPv4/IPv6
 * addresses or CIDR blocks ("10.0.0.1, 192.168.0.0/16, ::1"). Returns 0
 * when every entry reads, else -1.
 */
int lv_http_proxy_list_check(const char *list);

/*
 * Writes the client address of a request into out: the text of `peer`
 * (an IPv4-mapped IPv6 peer as plain IPv4, so that IPv4 conditions
 * match), or, when trusted_proxies (NULL: none) lists the peer and
 * forwarded_for (the X-Forwarded-For header, NULL if absent) ends in a
 * valid address, that last address — the one the trusted proxy itself
 * appended; whatever stands before it was written by the client. A peer
 * that is not an IP socket gives "". Never fails.
 */
void lv_http_source_ip(const struct sockaddr *peer,
                       const char *forwarded_for,
                       const char *trusted_proxies,
                       char out[LV_REQ_MAX_IP]);

#endif
