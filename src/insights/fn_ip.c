/*
 * fn_ip: the functions page's "IP address string functions" — isValidIp,
 * isValidIpV4, isValidIpV6, isIpInSubnet, isIpv4InSubnet, isIpv6InSubnet,
 * ipv4ToNumber, isPrivateIP, isPublicIP, isReservedIP.
 *
 * Addresses are read by inet_pton: dotted-quad IPv4 with exactly four
 * decimal parts (no leading-zero octal forms, no shorthand such as
 * "10.1"), RFC 4291 IPv6 text (with an embedded IPv4 tail), no zone ids or
 * brackets. Subnets are CIDR: address "/" prefix length (0-32 or 0-128);
 * the address is the start of the block, as the page says, and bits past
 * the prefix are ignored.
 */
#include "insights/fn_int.h"

#include <arpa/inet.h>
#include <string.h>

/* An address of the text: 4 (IPv4), 6 (IPv6) or 0. */
static int parse_ip(const struct lv_iq_val *v, unsigned char addr[16])
{
    char buf[64];

    if (v->t != LV_IQ_STR || !v->len || v->len >= sizeof(buf) ||
        memchr(v->s, '\0', v->len)) {
        return 0;
    }
    memcpy(buf, v->s, v->len);
    buf[v->len] = '\0';
    if (inet_pton(AF_INET, buf, addr) == 1) {
        return 4;
    }
    if (inet_pton(AF_INET6, buf, addr) == 1) {
        return 6;
    }
    return 0;
}

/* addr/prefix: the family (4 or 6) and *bits, or 0. */
static int parse_cidr(const struct lv_iq_val *v, unsigned char addr[16],
                      int *bits)
{
    const char *slash;
    struct lv_iq_val a;
    int fam, b = 0;
    size_t k;

    if (v->t != LV_IQ_STR) {
        return 0;
    }
    slash = memchr(v->s, '/', v->len);
    if (!slash) {
        return 0;
    }
    a = *v;
    a.len = (size_t)(slash - v->s);
    fam = parse_ip(&a, addr);
    k = (size_t)(slash - v->s) + 1;
    if (!fam || k >= v->len || v->len - k > 3) {
        return 0;
    }
    for (; k < v->len; k++) {
        if (v->s[k] < '0' || v->s[k] > '9') {
            return 0;
        }
        b = b * 10 + (v->s[k] - '0');
    }
    if (b > (fam == 4 ? 32 : 128)) {
        return 0;
    }
    *bits = b;
    return fam;
}

static int prefix_eq(const unsigned char *x, const unsigned char *y,
                     int bits)
{
    int full = bits / 8, rest = bits % 8;

    if (memcmp(x, y, (size_t)full)) {
        return 0;
    }
    return !rest || ((x[full] ^ y[full]) & (0xff << (8 - rest)) & 0xff) == 0;
}

#define FN(name)                                                              \
    static void name(const struct lv_iq_val *args, size_t n,                  \
                     const struct lv_iq_ctx *cx, struct lv_iq_arena *a,       \
                     struct lv_iq_val *out)

FN(fn_isvalidip)
{
    unsigned char x[16];

    (void)n, (void)cx, (void)a;
    lv_iq_set_bool(out, parse_ip(&args[0], x) != 0);
}

FN(fn_isvalidipv4)
{
    unsigned char x[16];

    (void)n, (void)cx, (void)a;
    lv_iq_set_bool(out, parse_ip(&args[0], x) == 4);
}

FN(fn_isvalidipv6)
{
    unsigned char x[16];

    (void)n, (void)cx, (void)a;
    lv_iq_set_bool(out, parse_ip(&args[0], x) == 6);
}

/* want: 0 either family, else 4 or 6. An address of the other family
 * than the subnet's is not in it; an invalid subnet contains nothing. */
static void in_subnet(const struct lv_iq_val *args, int want,
                      struct lv_iq_val *out)
{
    unsigned char ip[16], net[16];
    int fam, nfam, bits;

    fam = parse_ip(&args[0], ip);
    nfam = parse_cidr(&args[1], net, &bits);
    lv_iq_set_bool(out, fam && fam == nfam && (!want || fam == want) &&
                            prefix_eq(ip, net, bits));
}

FN(fn_isipinsubnet)
{
    (void)n, (void)cx, (void)a;
    in_subnet(args, 0, out);
}

FN(fn_isipv4insubnet)
{
    (void)n, (void)cx, (void)a;
    in_subnet(args, 4, out);
}

FN(fn_isipv6insubnet)
{
    (void)n, (void)cx, (void)a;
    in_subnet(args, 6, out);
}

/* ipv4ToNumber("192.0.2.1") is 3221225985 (the address as a big-endian
 * 32-bit unsigned number); not an IPv4 address: NULL. */
FN(fn_ipv4tonumber)
{
    unsigned char x[16];

    (void)n, (void)cx, (void)a;
    if (parse_ip(&args[0], x) != 4) {
        lv_iq_set_null(out);
        return;
    }
    lv_iq_set_num(out, (double)((uint32_t)x[0] << 24 | (uint32_t)x[1] << 16 |
                                (uint32_t)x[2] << 8 | x[3]));
}

struct block {
    int fam;
    const char *net;
    int bits;
    int private_;   /* also a private range */
};

/*
 * The IANA special-purpose address registries (RFC 6890 and updates),
 * which "reserved" means here, plus multicast and the IPv4 class E block.
 * Private: RFC 1918 for IPv4 ("a private range (RFC 1918)"), and the
 * IPv6 unique local block fc00::/7, its IPv6 counterpart (RFC 4193).
 */
static const struct block blocks[] = {
    { 4, "0.0.0.0", 8, 0 },          { 4, "10.0.0.0", 8, 1 },
    { 4, "100.64.0.0", 10, 0 },      { 4, "127.0.0.0", 8, 0 },
    { 4, "169.254.0.0", 16, 0 },     { 4, "172.16.0.0", 12, 1 },
    { 4, "192.0.0.0", 24, 0 },       { 4, "192.0.2.0", 24, 0 },
    { 4, "192.88.99.0", 24, 0 },     { 4, "192.168.0.0", 16, 1 },
    { 4, "198.18.0.0", 15, 0 },      { 4, "198.51.100.0", 24, 0 },
    { 4, "203.0.113.0", 24, 0 },     { 4, "224.0.0.0", 4, 0 },
    { 4, "240.0.0.0", 4, 0 },
    { 6, "::", 128, 0 },             { 6, "::1", 128, 0 },
    { 6, "::ffff:0:0", 96, 0 },      { 6, "64:ff9b::", 96, 0 },
    { 6, "64:ff9b:1::", 48, 0 },     { 6, "100::", 64, 0 },
    { 6, "2001::", 23, 0 },          { 6, "2001:db8::", 32, 0 },
    { 6, "2002::", 16, 0 },          { 6, "fc00::", 7, 1 },
    { 6, "fe80::", 10, 0 },          { 6, "ff00::", 8, 0 },
};

/* 1 reserved, 2 private (also reserved), 0 neither, -1 not an address. */
static int classify(const struct lv_iq_val *v)
{
    unsigned char ip[16], net[16];
    int fam = parse_ip(v, ip), r = 0;

    if (!fam) {
        return -1;
    }
    for (size_t i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
        if (blocks[i].fam != fam) {
            continue;
        }
        inet_pton(fam == 4 ? AF_INET : AF_INET6, blocks[i].net, net);
        if (prefix_eq(ip, net, blocks[i].bits)) {
            r = blocks[i].private_ ? 2 : (r ? r : 1);
        }
    }
    return r;
}

FN(fn_isprivateip)
{
    (void)n, (void)cx, (void)a;
    lv_iq_set_bool(out, classify(&args[0]) == 2);
}

/* Publicly routable: a valid address in none of the blocks above. */
FN(fn_ispublicip)
{
    (void)n, (void)cx, (void)a;
    lv_iq_set_bool(out, classify(&args[0]) == 0);
}

FN(fn_isreservedip)
{
    (void)n, (void)cx, (void)a;
    lv_iq_set_bool(out, classify(&args[0]) > 0);
}

static const struct lv_iq_fn ip_fns[] = {
    { "isValidIp", 1, 1, fn_isvalidip },
    { "isValidIpV4", 1, 1, fn_isvalidipv4 },
    { "isValidIpV6", 1, 1, fn_isvalidipv6 },
    { "isIpInSubnet", 2, 2, fn_isipinsubnet },
    { "isIpv4InSubnet", 2, 2, fn_isipv4insubnet },
    { "isIpv6InSubnet", 2, 2, fn_isipv6insubnet },
    { "ipv4ToNumber", 1, 1, fn_ipv4tonumber },
    { "isPrivateIP", 1, 1, fn_isprivateip },
    { "isPublicIP", 1, 1, fn_ispublicip },
    { "isReservedIP", 1, 1, fn_isreservedip },
};
const struct lv_iq_fn_table lv_iq_fns_ip = {
    ip_fns, sizeof(ip_fns) / sizeof(ip_fns[0])
};
