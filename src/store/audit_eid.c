/*
 * audit_eid.c: the functions of audit_eid.h.
 */
#include "store/audit_eid.h"

#include <string.h>

#include "crypto/crypto.h"

#define M61 ((UINT64_C(1) << 61) - 1)
#define ROUNDS 8

typedef unsigned __int128 u128;

static uint64_t rotl(uint64_t x, int b)
{
    return (x << b) | (x >> (64 - b));
}

#define SIPROUND                                                             \
    do {                                                                     \
        v0 += v1;                                                            \
        v1 = rotl(v1, 13);                                                   \
        v1 ^= v0;                                                            \
        v0 = rotl(v0, 32);                                                   \
        v2 += v3;                                                            \
        v3 = rotl(v3, 16);                                                   \
        v3 ^= v2;                                                            \
        v0 += v3;                                                            \
        v3 = rotl(v3, 21);                                                   \
        v3 ^= v0;                                                            \
        v2 += v1;                                                            \
        v1 = rotl(v1, 17);                                                   \
        v1 ^= v2;                                                            \
        v2 = rotl(v2, 32);                                                   \
    } while (0)

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;

    for (int i = 7; i >= 0; i--) {
        v = v << 8 | p[i];
    }
    return v;
}

uint64_t lv_siphash24(uint64_t k0, uint64_t k1, const void *m, size_t n)
{
    const uint8_t *p = m;
    uint64_t v0 = k0 ^ UINT64_C(0x736f6d6570736575);
    uint64_t v1 = k1 ^ UINT64_C(0x646f72616e646f6d);
    uint64_t v2 = k0 ^ UINT64_C(0x6c7967656e657261);
    uint64_t v3 = k1 ^ UINT64_C(0x7465646279746573);
    uint64_t b = (uint64_t)n << 56;
    size_t left = n & 7;

    for (const uint8_t *end = p + (n - left); p < end; p += 8) {
        uint64_t w = le64(p);

        v3 ^= w;
        SIPROUND;
        SIPROUND;
        v0 ^= w;
    }
    for (size_t i = 0; i < left; i++) {
        b |= (uint64_t)p[i] << (8 * i);
    }
    v3 ^= b;
    SIPROUND;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

/* The region's key comes from SipHash under this fixed key ("logvault
 * eventid", and its version), over the salt's length (one byte), the salt
 * and the region's name. */
#define KEY0 UINT64_C(0x7475616c76676f6c)
#define KEY1 UINT64_C(0x3164697475657665)
#define MAX_SALT 64

void lv_audit_eid_init(struct lv_audit_eid *p, const uint8_t *salt,
                       size_t salt_len, const char *region)
{
    uint8_t m[1 + MAX_SALT + 64];
    size_t rn = strnlen(region, 64);
    size_t n;

    if (salt_len > MAX_SALT) {
        salt_len = MAX_SALT;
    }
    m[0] = (uint8_t)salt_len;
    if (salt_len > 0) {
        memcpy(m + 1, salt, salt_len);
    }
    memcpy(m + 1 + salt_len, region, rn);
    n = 1 + salt_len + rn;
    p->k0 = lv_siphash24(KEY0, KEY1, m, n);
    p->k1 = lv_siphash24(KEY1, KEY0, m, n);
}

int lv_audit_eid_account_ok(const char *account)
{
    for (int i = 0; i < 12; i++) {
        if (account[i] < '0' || account[i] > '9') {
            return 0;
        }
    }
    return account[12] == '\0';
}

static uint64_t account_num(const char *account)
{
    uint64_t v = 0;

    for (int i = 0; i < 12; i++) {
        v = v * 10 + (uint64_t)(account[i] - '0');
    }
    return v;
}

/* Round i's function of the 61-bit half x. */
static uint64_t round_f(const struct lv_audit_eid *p, int i, uint64_t x)
{
    uint8_t m[8];
    uint64_t w = x | (uint64_t)i << 61;

    for (int k = 0; k < 8; k++) {
        m[k] = (uint8_t)(w >> (8 * k));
    }
    return lv_siphash24(p->k0, p->k1, m, sizeof(m)) & M61;
}

static u128 permute(const struct lv_audit_eid *p, u128 v)
{
    uint64_t l = (uint64_t)(v >> 61) & M61;
    uint64_t r = (uint64_t)v & M61;

    for (int i = 0; i < ROUNDS; i++) {
        uint64_t t = l ^ round_f(p, i, r);

        l = r;
        r = t;
    }
    return (u128)l << 61 | r;
}

static u128 unpermute(const struct lv_audit_eid *p, u128 v)
{
    uint64_t l = (uint64_t)(v >> 61) & M61;
    uint64_t r = (uint64_t)v & M61;

    for (int i = ROUNDS - 1; i >= 0; i--) {
        uint64_t t = r ^ round_f(p, i, l);

        r = l;
        l = t;
    }
    return (u128)l << 61 | r;
}

#define LOW(n) (((u128)1 << (n)) - 1)

int lv_audit_eid_make(const struct lv_audit_eid *p, const char *account,
                      int64_t seq, char out[37])
{
    uint8_t b[16];
    u128 w;
    u128 u;

    out[0] = '\0';
    if (!lv_audit_eid_account_ok(account) || seq < 1) {
        return -1;
    }
    w = permute(p, (u128)account_num(account) << 82 | (u128)seq << 19);
    /* 48 bits, the version (4), 4 bits, 8 bits, the variant (binary 10),
     * 6 bits, 56 bits: 122 bits in a version-4 UUID's places. */
    u = (w >> 74) << 80 | (u128)4 << 76 | ((w >> 70) & LOW(4)) << 72 |
        ((w >> 62) & LOW(8)) << 64 | (u128)2 << 62 |
        ((w >> 56) & LOW(6)) << 56 | (w & LOW(56));
    for (int i = 15; i >= 0; i--) {
        b[i] = (uint8_t)u;
        u >>= 8;
    }
    lv_keyid_format(b, out);
    return 0;
}

int lv_audit_eid_seq(const struct lv_audit_eid *p, const char *account,
                     const char *id, int64_t *seq)
{
    uint8_t b[16];
    u128 u = 0;
    u128 w;
    u128 v;

    if (!lv_audit_eid_account_ok(account) ||
        !lv_keyid_parse_lower(id, strlen(id), b)) {
        return 0;
    }
    for (int i = 0; i < 16; i++) {
        u = u << 8 | b[i];
    }
    if (((u >> 76) & LOW(4)) != 4 || ((u >> 62) & LOW(2)) != 2) {
        return 0;
    }
    w = (u >> 80) << 74 | ((u >> 72) & LOW(4)) << 70 |
        ((u >> 64) & LOW(8)) << 62 | ((u >> 56) & LOW(6)) << 56 |
        (u & LOW(56));
    v = unpermute(p, w);
    if ((v & LOW(19)) != 0 || (uint64_t)(v >> 82) != account_num(account)) {
        return 0;
    }
    *seq = (int64_t)((v >> 19) & LOW(63));
    return *seq >= 1;
}
