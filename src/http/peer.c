#include "http/peer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* An address in binary: 4 or 16 bytes. */
struct addr {
    unsigned char b[16];
    int len;
};

static const unsigned char v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                             0xff, 0xff };

/* Reads the address text s[0..n) (no prefix). 0 ok, -1 not an address. */
static int read_addr(const char *s, size_t n, struct addr *a)
{
    char text[LV_REQ_MAX_IP];

    if (n == 0 || n >= sizeof(text)) {
        return -1;
    }
    memcpy(text, s, n);
    text[n] = '\0';
    if (inet_pton(AF_INET, text, a->b) == 1) {
        a->len = 4;
        return 0;
    }
    if (inet_pton(AF_INET6, text, a->b) == 1) {
        a->len = 16;
        if (memcmp(a->b, v4_mapped, sizeof(v4_mapped)) == 0) {
            memmove(a->b, a->b + 12, 4);
            a->len = 4;
        }
        return 0;
    }
    return -1;
}

/* s[0..n) without the blanks around it. */
static void trim(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*n)--;
    }
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t')) {
        (*n)--;
    }
}

/* One list entry "addr" or "addr/prefix". 0 ok, -1 not one. */
static int read_block(const char *s, size_t n, struct addr *a, int *prefix)
{
    const char *slash;
    int p = 0;

    trim(&s, &n);
    slash = memchr(s, '/', n);
    if (read_addr(s, slash ? (size_t)(slash - s) : n, a) < 0) {
        return -1;
    }
    if (!slash) {
        *prefix = a->len * 8;
        return 0;
    }
    for (const char *c = slash + 1; c < s + n; c++) {
        if (*c < '0' || *c > '9' || p > a->len * 8) {
            return -1;
        }
        p = p * 10 + (*c - '0');
    }
    if (slash + 1 == s + n || p > a->len * 8) {
        return -1;
    }
    *prefix = p;
    return 0;
}

static int in_block(const struct addr *a, const struct addr *net, int prefix)
{
    int full = prefix / 8;
    int rest = prefix % 8;

    if (a->len != net->len || memcmp(a->b, net->b, (size_t)full) != 0) {
        return 0;
    }
    if (rest) {
        unsigned char mask = (unsigned char)(0xff << (8 - rest));

        return (a->b[full] & mask) == (net->b[full] & mask);
    }
    return 1;
}

/* Reads a comma-separated list of blocks: -1 when an entry does not read
 * (before probe is found in one), 1 when probe (may be NULL) lies in one
 * of them, else 0. */
static int walk_list(const char *list, const struct addr *probe)
{
    const char *p = list;

    for (;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        struct addr net;
        int prefix;

        if (read_block(p, n, &net, &prefix) < 0) {
            return -1;
        }
        if (probe && in_block(probe, &net, prefix)) {
            return 1;
        }
        if (!comma) {
            return 0;
        }
        p = comma + 1;
    }
}

int lv_http_proxy_list_check(const char *list)
{
    return walk_list(list, NULL) < 0 ? -1 : 0;
}

static void format_addr(const struct addr *a, char out[LV_REQ_MAX_IP])
{
    if (!inet_ntop(a->len == 4 ? AF_INET : AF_INET6, a->b, out,
                   LV_REQ_MAX_IP)) {
        out[0] = '\0';
    }
}

void lv_http_source_ip(const struct sockaddr *peer,
                       const char *forwarded_for,
                       const char *trusted_proxies,
                       char out[LV_REQ_MAX_IP])
{
    struct addr a;

    out[0] = '\0';
    if (!peer) {
        return;
    }
    if (peer->sa_family == AF_INET) {
        const struct sockaddr_in *in4 = (const struct sockaddr_in *)peer;

        memcpy(a.b, &in4->sin_addr, 4);
        a.len = 4;
    } else if (peer->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)peer;

        memcpy(a.b, &in6->sin6_addr, 16);
        a.len = 16;
        if (memcmp(a.b, v4_mapped, sizeof(v4_mapped)) == 0) {
            memmove(a.b, a.b + 12, 4);
            a.len = 4;
        }
    } else {
        return;
    }
    if (trusted_proxies && *trusted_proxies && forwarded_for &&
        walk_list(trusted_proxies, &a) == 1) {
        const char *last = strrchr(forwarded_for, ',');
        const char *s = last ? last + 1 : forwarded_for;
        size_t n = strlen(s);
        struct addr fwd;

        trim(&s, &n);
        if (read_addr(s, n, &fwd) == 0) {
            a = fwd;
        }
    }
    format_addr(&a, out);
}
