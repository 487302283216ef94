/*
 * query_seal.c: the sealed results of Logs Insights queries, the @ptr
 * pointers of GetLogRecord, and QueryStatistics (query_int.h).
 */
#include "logs/query_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "crypto/crypto.h"
#include "crypto/keyring.h"
#include "insights/insights.h"
#include "util/b64.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

#define SEAL_FORMAT 0x01
#define SEAL_HEADER (1 + LV_AEAD_NONCE_BYTES + LV_AEAD_TAG_BYTES)
#define PTR_TAG_BYTES 16

/* ---- sealed results ----------------------------------------------------- */

static void results_key(const struct lv_keyring *kr, const char *account,
                        const char *region, uint8_t key[32])
{
    char ctx[256];
    int n = snprintf(ctx, sizeof(ctx), "logs insights results v1%s%s",
                     account, region);

    lv_keyring_derive(kr, "logs-service-key", ctx, (size_t)n, key);
}

static void results_aad(struct lv_buf *aad, const char *account,
                        const char *region, const char *id)
{
    lv_buf_add(aad, "lvqres1", 7);
    lv_buf_add(aad, account, strlen(account) + 1);
    lv_buf_add(aad, region, strlen(region) + 1);
    lv_buf_add(aad, id, strlen(id) + 1);
}

int lv_query_seal(const struct lv_keyring *kr, const char *account,
                  const char *region, const char *id, const void *pt,
                  size_t len, struct lv_buf *out)
{
    struct lv_buf aad = LV_BUF_INIT(1024);
    uint8_t key[32];
    uint8_t *p;
    int ret = -1;

    if (lv_buf_grow(out, SEAL_HEADER + len) < 0) {
        goto out;
    }
    p = (uint8_t *)out->data + out->len;
    p[0] = SEAL_FORMAT;
    lv_rand_bytes(p + 1, LV_AEAD_NONCE_BYTES);
    results_key(kr, account, region, key);
    results_aad(&aad, account, region, id);
    if (lv_aead_seal(key, p + 1, aad.data, aad.len, pt, len, p + SEAL_HEADER,
                     p + 1 + LV_AEAD_NONCE_BYTES) < 0) {
        goto out;
    }
    out->len += SEAL_HEADER + len;
    ret = 0;
out:
    lv_secret_wipe(key, sizeof(key));
    lv_buf_release(&aad);
    return ret;
}

int lv_query_unseal(const struct lv_keyring *kr, const char *account,
                    const char *region, const char *id, const uint8_t *sealed,
                    size_t len, struct lv_buf *out, struct lv_err *err)
{
    struct lv_buf aad = LV_BUF_INIT(1024);
    uint8_t key[32];
    size_t n;
    int ret = -1;

    if (len < SEAL_HEADER || sealed[0] != SEAL_FORMAT) {
        goto bad;
    }
    n = len - SEAL_HEADER;
    /* One extra byte: the text is NUL-terminated for the JSON reader. */
    if (lv_buf_grow(out, n + 1) < 0) {
        goto bad;
    }
    results_key(kr, account, region, key);
    results_aad(&aad, account, region, id);
    if (lv_aead_open(key, sealed + 1, aad.data, aad.len,
                     sealed + SEAL_HEADER, n,
                     (uint8_t *)out->data + out->len,
                     sealed + 1 + LV_AEAD_NONCE_BYTES) < 0) {
        goto bad;
    }
    out->len += n;
    out->data[out->len] = '\0';
    ret = 0;
    goto out;
bad:
    lv_log(LV_LOG_ERROR, "logs: sealed query results do not open query=%s",
           id);
    lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
               "Service is unavailable; please try again");
out:
    lv_secret_wipe(key, sizeof(key));
    lv_buf_release(&aad);
    return ret;
}

/* ---- packed rows ---------------------------------------------------------- */

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

int lv_query_results_pack(const struct lv_iq_result *res, struct lv_buf *out)
{
    struct lv_buf row = LV_BUF_INIT(UINT32_MAX);
    size_t head = 8 + 4 * res->n;
    size_t start = out->len;
    uint32_t end = 0;
    int ret = -1;

    if (res->n > UINT32_MAX / 4 || lv_buf_grow(out, head) < 0) {
        goto out;
    }
    memset(out->data + start, 0, head);
    memcpy(out->data + start, "LVR1", 4);
    put_be32((uint8_t *)out->data + start + 4, (uint32_t)res->n);
    out->len += head;
    for (size_t i = 0; i < res->n; i++) {
        struct lv_iq_result one = { &res->rows[i], 1, 0 };

        lv_buf_reset(&row);
        /* "[[…]]" for one row: the row is what the outer brackets hold. */
        if (lv_iq_result_json(&one, &row) < 0 || row.len < 2 ||
            (uint64_t)end + row.len - 2 > UINT32_MAX ||
            lv_buf_add(out, row.data + 1, row.len - 2) < 0) {
            goto out;
        }
        end += (uint32_t)(row.len - 2);
        put_be32((uint8_t *)out->data + start + 8 + 4 * i, end);
        lv_secret_wipe(row.data, row.len);
    }
    ret = 0;
out:
    lv_secret_wipe(row.data, row.len);
    lv_buf_release(&row);
    return ret;
}

int lv_query_results_page(const uint8_t *pack, size_t len, size_t from,
                          size_t max, struct lv_buf *out, size_t *total)
{
    const uint8_t *body;
    size_t n;
    size_t body_len;

    if (len < 8 || memcmp(pack, "LVR1", 4) != 0) {
        return -1;
    }
    n = get_be32(pack + 4);
    if ((len - 8) / 4 < n) {
        return -1;
    }
    body = pack + 8 + 4 * n;
    body_len = len - 8 - 4 * n;
    if (n > 0 && get_be32(pack + 8 + 4 * (n - 1)) != body_len) {
        return -1;
    }
    *total = n;
    lv_buf_addc(out, '[');
    for (size_t i = from; i < n && i - from < max; i++) {
        size_t b = i ? get_be32(pack + 8 + 4 * (i - 1)) : 0;
        size_t e = get_be32(pack + 8 + 4 * i);

        if (b > e || e > body_len) {
            return -1;
        }
        if (i > from) {
            lv_buf_addc(out, ',');
        }
        lv_buf_add(out, body + b, e - b);
    }
    lv_buf_addc(out, ']');
    return 0;
}

/* ---- @ptr --------------------------------------------------------------- */

void lv_query_ptr_cursor(const struct lv_query_ptr *p, char *out)
{
    snprintf(out, LV_QUERY_CURSOR_MAX,
             "%" PRId64 ".%" PRId64 ".%" PRId64 ".%" PRId64, p->group_id,
             p->chunk_id, p->first_ts, p->idx);
}

static void ptr_tag(const struct lv_keyring *kr, const char *account,
                    const char *region, const char *cursor, size_t len,
                    uint8_t tag[PTR_TAG_BYTES])
{
    struct lv_buf msg = LV_BUF_INIT(LV_QUERY_CURSOR_MAX + 256);
    uint8_t key[32];
    uint8_t mac[32];
    unsigned int n = sizeof(mac);

    lv_keyring_derive(kr, "logs-next-token", NULL, 0, key);
    /* "@ptr" is no operation's name: no paging token reads the same. */
    lv_buf_add(&msg, "@ptr", 5);
    lv_buf_add(&msg, account, strlen(account) + 1);
    lv_buf_add(&msg, region, strlen(region) + 1);
    lv_buf_add(&msg, cursor, len);
    if (!HMAC(EVP_sha256(), key, sizeof(key), (const uint8_t *)msg.data,
              msg.len, mac, &n)) {
        LV_BUG("logs: @ptr HMAC failed");
    }
    memcpy(tag, mac, PTR_TAG_BYTES);
    OPENSSL_cleanse(key, sizeof(key));
    lv_buf_release(&msg);
}

/* base64url without padding: a pointer is copied around in URLs and
 * shells. */
static char *b64url(const uint8_t *raw, size_t n)
{
    char *s = lv_b64_encode_alloc(raw, n, NULL);
    size_t k = 0;

    for (size_t i = 0; s[i]; i++) {
        if (s[i] == '=') {
            break;
        }
        s[k++] = s[i] == '+' ? '-' : s[i] == '/' ? '_' : s[i];
    }
    s[k] = '\0';
    return s;
}

static char *ptr_make(const struct lv_keyring *kr, const char *account,
                      const char *region, const char *cursor)
{
    size_t n = strlen(cursor);
    uint8_t raw[LV_QUERY_CURSOR_MAX + PTR_TAG_BYTES];

    if (n >= LV_QUERY_CURSOR_MAX) {
        LV_BUG("logs: @ptr cursor too long");
    }
    memcpy(raw, cursor, n);
    ptr_tag(kr, account, region, cursor, n, raw + n);
    return b64url(raw, n + PTR_TAG_BYTES);
}

void lv_query_ptr_sign(const struct lv_keyring *kr, const char *account,
                       const char *region, struct lv_iq_result *res)
{
    for (size_t i = 0; i < res->n; i++) {
        struct lv_iq_result_row *row = &res->rows[i];

        for (size_t j = 0; j < row->n; j++) {
            char *signed_ptr;

            if (!row->f[j].is_ptr || !row->f[j].value ||
                strlen(row->f[j].value) >= LV_QUERY_CURSOR_MAX) {
                continue;
            }
            signed_ptr = ptr_make(kr, account, region, row->f[j].value);
            free(row->f[j].value);
            row->f[j].value = signed_ptr;
        }
    }
}

static int parse_i64(const char **p, char end, int64_t *v)
{
    char *e;
    long long x;

    if (**p < '0' || **p > '9') {
        return -1;
    }
    x = strtoll(*p, &e, 10);
    if (e == *p || *e != end || x < 0) {
        return -1;
    }
    *v = x;
    *p = e + (end ? 1 : 0);
    return 0;
}

int lv_query_ptr_read(const struct lv_keyring *kr, const char *account,
                      const char *region, const char *ptr,
                      struct lv_query_ptr *p)
{
    char buf[2 * (LV_QUERY_CURSOR_MAX + PTR_TAG_BYTES)];
    char cursor[LV_QUERY_CURSOR_MAX];
    unsigned char *raw = NULL;
    uint8_t tag[PTR_TAG_BYTES];
    size_t len = strlen(ptr);
    size_t n = 0;
    const char *c;
    int ret = -1;

    if (len == 0 || len + 4 >= sizeof(buf)) {
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        char ch = ptr[i];

        if (ch == '+' || ch == '/' || ch == '=') {
            return -1;
        }
        buf[i] = ch == '-' ? '+' : ch == '_' ? '/' : ch;
    }
    while (len % 4) {
        buf[len++] = '=';
    }
    buf[len] = '\0';
    raw = lv_b64_decode_alloc(buf, len, &n);
    if (!raw || n <= PTR_TAG_BYTES ||
        n - PTR_TAG_BYTES >= LV_QUERY_CURSOR_MAX) {
        goto out;
    }
    n -= PTR_TAG_BYTES;
    ptr_tag(kr, account, region, (const char *)raw, n, tag);
    if (CRYPTO_memcmp(tag, raw + n, PTR_TAG_BYTES) != 0 ||
        memchr(raw, '\0', n)) {
        goto out;
    }
    memcpy(cursor, raw, n);
    cursor[n] = '\0';
    c = cursor;
    if (parse_i64(&c, '.', &p->group_id) < 0 ||
        parse_i64(&c, '.', &p->chunk_id) < 0 ||
        parse_i64(&c, '.', &p->first_ts) < 0 ||
        parse_i64(&c, '\0', &p->idx) < 0) {
        goto out;
    }
    ret = 0;
out:
    free(raw);
    return ret;
}

/* ---- statistics --------------------------------------------------------- */

void lv_query_stats_json(const struct lv_query_stats *st, struct lv_buf *out)
{
    /* StatsValue is a double: AWS writes 12.0. */
    lv_buf_reset(out);
    lv_buf_addf(out, "{\"recordsMatched\":%" PRId64 ".0,"
                "\"recordsScanned\":%" PRId64 ".0,"
                "\"estimatedRecordsSkipped\":%" PRId64 ".0,"
                "\"bytesScanned\":%" PRId64 ".0,"
                "\"estimatedBytesSkipped\":%" PRId64 ".0,"
                "\"logGroupsScanned\":%" PRId64 ".0}",
                st->matched, st->scanned, st->skipped_records, st->bytes,
                st->skipped_bytes, st->groups);
}
