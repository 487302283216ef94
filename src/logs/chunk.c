/*
 * chunk.c: the chunk format of chunk.h — serialize, zstd, AES-256-GCM.
 *
 * Compression and decompression contexts are per thread (pthread keys with
 * destructors, so worker threads that exit free theirs). Every buffer that
 * holds plaintext is wiped before it is freed.
 */
#include "logs/chunk.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "crypto/crypto.h"
#include "store/logs_store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

#define AAD_BYTES 77
#define VARINT_MAX 10
#define ZSTD_LEVEL 1

static const char corrupt_msg[] = "stored chunk is corrupt";

/* ---- per-thread zstd contexts ------------------------------------------ */

static pthread_once_t ctx_once = PTHREAD_ONCE_INIT;
static pthread_key_t cctx_key;
static pthread_key_t dctx_key;

static void free_cctx(void *p)
{
    ZSTD_freeCCtx(p);
}

static void free_dctx(void *p)
{
    ZSTD_freeDCtx(p);
}

static void make_keys(void)
{
    if (pthread_key_create(&cctx_key, free_cctx) != 0 ||
        pthread_key_create(&dctx_key, free_dctx) != 0) {
        LV_BUG("chunk: cannot create thread keys");
    }
}

static ZSTD_CCtx *thread_cctx(void)
{
    ZSTD_CCtx *c;

    pthread_once(&ctx_once, make_keys);
    c = pthread_getspecific(cctx_key);
    if (!c) {
        c = ZSTD_createCCtx();
        if (!c) {
            LV_BUG("chunk: out of memory for a zstd context");
        }
        pthread_setspecific(cctx_key, c);
    }
    return c;
}

static ZSTD_DCtx *thread_dctx(void)
{
    ZSTD_DCtx *d;

    pthread_once(&ctx_once, make_keys);
    d = pthread_getspecific(dctx_key);
    if (!d) {
        d = ZSTD_createDCtx();
        if (!d) {
            LV_BUG("chunk: out of memory for a zstd context");
        }
        pthread_setspecific(dctx_key, d);
    }
    return d;
}

/* ---- small encoders ---------------------------------------------------- */

static size_t put_varint(uint8_t *p, uint64_t v)
{
    size_t n = 0;

    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

/* Reads a varint at *pos of p[0..len); -1 when truncated or longer than
 * 10 bytes or overflowing 64 bits. */
static int get_varint(const uint8_t *p, size_t len, size_t *pos,
                      uint64_t *out)
{
    uint64_t v = 0;
    unsigned shift = 0;

    for (size_t i = 0; i < VARINT_MAX; i++) {
        uint8_t b;

        if (*pos >= len) {
            return -1;
        }
        b = p[(*pos)++];
        if (shift == 63 && (b & 0x7e)) {
            return -1;
        }
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return 0;
        }
        shift += 7;
    }
    return -1;
}

static uint8_t *put_be64(uint8_t *p, int64_t v)
{
    uint64_t u = (uint64_t)v;

    for (int i = 7; i >= 0; i--) {
        *p++ = (uint8_t)(u >> (i * 8));
    }
    return p;
}

static void make_aad(const struct lv_log_chunk *m, uint8_t aad[AAD_BYTES])
{
    uint8_t *p = aad;
    uint32_t n = (uint32_t)m->n_events;

    memcpy(p, "lvchunk1", 8);
    p += 8;
    *p++ = LV_CHUNK_FORMAT_V1;
    p = put_be64(p, m->group_id);
    p = put_be64(p, m->stream_id);
    p = put_be64(p, m->seq);
    p = put_be64(p, m->first_ts);
    p = put_be64(p, m->last_ts);
    p = put_be64(p, m->ingestion_time);
    *p++ = (uint8_t)(n >> 24);
    *p++ = (uint8_t)(n >> 16);
    *p++ = (uint8_t)(n >> 8);
    *p++ = (uint8_t)n;
    p = put_be64(p, m->raw_bytes);
    p = put_be64(p, m->data_key_id);
    if (p != aad + AAD_BYTES) {
        LV_BUG("chunk: aad is %zu bytes", (size_t)(p - aad));
    }
}

/* ---- public ------------------------------------------------------------ */

struct lv_chunk_shared {
    atomic_size_t holders;
};

void lv_chunk_plain_release(struct lv_chunk_plain *p)
{
    if (p->shared) {
        if (atomic_fetch_sub(&p->shared->holders, 1) == 1) {
            free(p->shared);        /* the last holder wipes and frees */
        } else {
            p->data = NULL;         /* another holder still reads them */
            p->ev = NULL;
        }
    }
    if (p->data) {
        lv_secret_free(p->data, p->len);
    }
    free(p->ev);
    p->data = NULL;
    p->len = 0;
    p->ev = NULL;
    p->n = 0;
    p->shared = NULL;
}

void lv_chunk_plain_share(struct lv_chunk_plain *p, struct lv_chunk_plain *to)
{
    if (!p->shared) {
        p->shared = lv_xmalloc(sizeof(*p->shared));
        atomic_init(&p->shared->holders, 1);
    }
    atomic_fetch_add(&p->shared->holders, 1);
    *to = *p;
}

void lv_chunk_describe(const struct lv_chunk_event *ev, size_t n,
                       struct lv_log_chunk *meta)
{
    int64_t raw = 0;

    if (n == 0) {
        LV_BUG("chunk: describing no events");
    }
    for (size_t i = 0; i < n; i++) {
        raw += (int64_t)ev[i].len + LV_CHUNK_EVENT_OVERHEAD;
    }
    meta->first_ts = ev[0].ts;
    meta->last_ts = ev[n - 1].ts;
    meta->n_events = (int32_t)n;
    meta->raw_bytes = raw;
}

int lv_chunk_seal(const uint8_t key[32], const struct lv_log_chunk *meta,
                  const struct lv_chunk_event *ev, size_t n,
                  struct lv_buf *payload, struct lv_err *err)
{
    uint8_t aad[AAD_BYTES];
    uint8_t *ser = NULL;
    size_t ser_cap = 0;
    size_t ser_len = 0;
    uint8_t *z = NULL;
    size_t z_cap = 0;
    size_t z_len;
    size_t start = payload->len;
    uint8_t *hdr;
    int64_t prev;
    int ret = -1;

    if (n == 0 || (size_t)meta->n_events != n || ev[0].ts != meta->first_ts ||
        ev[n - 1].ts != meta->last_ts) {
        LV_BUG("chunk: events do not match their metadata");
    }
    ser_cap = n * 2 * VARINT_MAX;
    for (size_t i = 0; i < n; i++) {
        ser_cap += ev[i].len;
    }
    ser = lv_xmalloc(ser_cap);
    prev = meta->first_ts;
    for (size_t i = 0; i < n; i++) {
        if (ev[i].ts < prev || ev[i].len == 0) {
            LV_BUG("chunk: events out of order or empty");
        }
        ser_len += put_varint(ser + ser_len, (uint64_t)(ev[i].ts - prev));
        ser_len += put_varint(ser + ser_len, ev[i].len);
        memcpy(ser + ser_len, ev[i].msg, ev[i].len);
        ser_len += ev[i].len;
        prev = ev[i].ts;
    }
    z_cap = ZSTD_compressBound(ser_len);
    z = lv_xmalloc(z_cap);
    z_len = ZSTD_compressCCtx(thread_cctx(), z, z_cap, ser, ser_len,
                              ZSTD_LEVEL);
    if (ZSTD_isError(z_len)) {
        lv_err_set(err, LV_E_SERVICE_UNAVAILABLE, "chunk compression failed");
        goto out;
    }
    if (lv_buf_grow(payload, LV_CHUNK_HEADER_BYTES + z_len) < 0) {
        lv_err_set(err, LV_E_SERVICE_UNAVAILABLE, "chunk too large");
        goto out;
    }
    hdr = (uint8_t *)payload->data + start;
    hdr[0] = LV_CHUNK_FORMAT_V1;
    lv_rand_public(hdr + 1, LV_AEAD_NONCE_BYTES);
    make_aad(meta, aad);
    if (lv_aead_seal(key, hdr + 1, aad, sizeof(aad), z, z_len,
                     hdr + LV_CHUNK_HEADER_BYTES, hdr + 13) < 0) {
        lv_err_set(err, LV_E_SERVICE_UNAVAILABLE, "chunk encryption failed");
        goto out;
    }
    payload->len = start + LV_CHUNK_HEADER_BYTES + z_len;
    payload->data[payload->len] = '\0';
    ret = 0;
out:
    lv_secret_free(ser, ser_cap);
    lv_secret_free(z, z_cap);
    return ret;
}

static int corrupt(struct lv_chunk_plain *out, struct lv_err *err)
{
    lv_chunk_plain_release(out);
    return lv_err_set(err, LV_E_SERVICE_UNAVAILABLE, "%s", corrupt_msg);
}

/* Decodes the serialization in out->data[0..out->len) against meta. */
static int parse_events(const struct lv_log_chunk *meta,
                        struct lv_chunk_plain *out, struct lv_err *err)
{
    const uint8_t *p = (const uint8_t *)out->data;
    size_t len = out->len;
    size_t pos = 0;
    int64_t prev = meta->first_ts;
    int64_t raw = 0;
    size_t n = (size_t)meta->n_events;

    out->ev = lv_xcalloc(n, sizeof(*out->ev));
    for (size_t i = 0; i < n; i++) {
        uint64_t delta;
        uint64_t mlen;

        if (get_varint(p, len, &pos, &delta) < 0 ||
            delta > (uint64_t)meta->last_ts - (uint64_t)prev ||
            get_varint(p, len, &pos, &mlen) < 0 || mlen == 0 ||
            mlen > len - pos) {
            return corrupt(out, err);
        }
        prev = (int64_t)((uint64_t)prev + delta);
        if (i == 0 && prev != meta->first_ts) {
            return corrupt(out, err);
        }
        out->ev[i].ts = prev;
        out->ev[i].msg = (const char *)p + pos;
        out->ev[i].len = (size_t)mlen;
        pos += (size_t)mlen;
        raw += (int64_t)mlen + LV_CHUNK_EVENT_OVERHEAD;
    }
    if (pos != len || prev != meta->last_ts || raw != meta->raw_bytes) {
        return corrupt(out, err);
    }
    out->n = n;
    return 0;
}

int lv_chunk_decode(const struct lv_log_chunk *meta, const void *frame,
                    size_t len, struct lv_chunk_plain *out,
                    struct lv_err *err)
{
    unsigned long long size;
    size_t got;

    lv_chunk_plain_release(out);
    if (meta->n_events <= 0 || meta->n_events > LV_CHUNK_MAX_EVENTS ||
        meta->raw_bytes <= 0 || meta->raw_bytes > LV_CHUNK_MAX_RAW ||
        meta->last_ts < meta->first_ts) {
        return corrupt(out, err);
    }
    if (ZSTD_findFrameCompressedSize(frame, len) != len) {
        return corrupt(out, err);
    }
    size = ZSTD_getFrameContentSize(frame, len);
    /* The serialization is never larger than the raw size: at most 20
     * bytes of varints against 26 counted per event. */
    if (size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR ||
        size == 0 || size > (unsigned long long)meta->raw_bytes) {
        return corrupt(out, err);
    }
    out->data = lv_xmalloc((size_t)size);
    out->len = (size_t)size;
    got = ZSTD_decompressDCtx(thread_dctx(), out->data, out->len, frame, len);
    if (ZSTD_isError(got) || got != out->len) {
        return corrupt(out, err);
    }
    return parse_events(meta, out, err);
}

int lv_chunk_open(const uint8_t key[32], const struct lv_log_chunk *meta,
                  const void *payload, size_t len,
                  struct lv_chunk_plain *out, struct lv_err *err)
{
    const uint8_t *p = payload;
    uint8_t aad[AAD_BYTES];
    uint8_t *z = NULL;
    size_t z_len;
    int ret = -1;

    lv_chunk_plain_release(out);
    if (len <= LV_CHUNK_HEADER_BYTES || p[0] != LV_CHUNK_FORMAT_V1 ||
        len - LV_CHUNK_HEADER_BYTES > (size_t)2 * LV_CHUNK_MAX_RAW) {
        return corrupt(out, err);
    }
    z_len = len - LV_CHUNK_HEADER_BYTES;
    z = lv_xmalloc(z_len);
    make_aad(meta, aad);
    if (lv_aead_open(key, p + 1, aad, sizeof(aad), p + LV_CHUNK_HEADER_BYTES,
                     z_len, z, p + 13) < 0) {
        corrupt(out, err);
        goto out;
    }
    ret = lv_chunk_decode(meta, z, z_len, out, err);
out:
    lv_secret_free(z, z_len);
    return ret;
}
