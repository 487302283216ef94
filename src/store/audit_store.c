/*
 * audit_store.c: the functions of audit_store.h. lv_audit_record_release
 * is here; every backend operation is a front that dispatches through the
 * backend table (store_int.h): one per entry of audit_ops.def. Above them,
 * the batches: their codec, and list, by_request, key_last_use,
 * chain_walk and append_batch, which combine single rows (rows_*) and
 * batched records (batch_*) backend-independently.
 *
 * A batch's body is one zstd frame (a fast level, content size in its
 * header) of one of four serializations. The writer writes format 4;
 * formats 3, 2 and 1, written before it, are still read:
 *
 *   "lvab4"                         5 bytes, the format
 *   32 bytes                        the prev_hash of its first record (the
 *                                   chain's head before the batch)
 *   then for each record, in seq order (seq_first, seq_first + 1 …):
 *     byte k                        K_EVENT_ID: its event_id is 16 bytes
 *                                   below, else a str; K_REQUEST_ID: the
 *                                   same for its request_id; K_SAME_TAIL:
 *                                   its tail is the tail of the record
 *                                   before it (never for the first); no
 *                                   other bit
 *     varint                        zigzag(its event_time_ms less the
 *                                   record's before it; the first's less 0)
 *     16 bytes or str               its event_id (16 bytes: a UUID's, in
 *                                   lower case 8-4-4-4-12 when read; the
 *                                   empty str: the one its place gives it,
 *                                   audit_eid.h, which is not stored and
 *                                   not in the ids set; the writer leaves
 *                                   the records of 12-digit accounts so)
 *     16 bytes or str               its request_id, the same way
 *     [str tail(record)]            unless K_SAME_TAIL
 *     32 bytes                      its hash (chain.h v3, over the head as
 *                                   enc2 has it: the text ids)
 *   A record of a run is about 52 bytes (69 with a stored event_id)
 *   rather than format 3's 114: what
 *   the writer stores is what recording costs it most (its WAL writes and
 *   their checkpoint), about 6 ns a byte on our bench machine.
 *
 *   "lvab3"                         5 bytes, the format
 *   32 bytes                        the prev_hash of its first record (the
 *                                   chain's head before the batch)
 *   then for each record, in seq order (seq_first, seq_first + 1 …):
 *     head(record)                  enc2's head (audit_store.h)
 *     varint t                      0: its tail is the tail of the record
 *                                   before it (never for the first);
 *                                   else its tail follows, t - 1 bytes
 *     [tail(record)]
 *     32 bytes                      its hash (chain.h v3)
 *   A client's run of one request keeps its tail once: the body is the
 *   heads, mostly, and the writer compresses and stores a fifth of
 *   format 2's bytes.
 *
 *   "lvab2"                         5 bytes, the format
 *   32 bytes                        the prev_hash of its first record
 *   then for each record, in seq order:
 *     enc2(record)                  audit_store.h
 *     32 bytes                      its hash (chain.h v2)
 *
 *   "lvab1"                         5 bytes, the format
 *   then for each record, in seq order:
 *     enc2(record) as above, then 32+32 bytes prev_hash, hash (chain.h v1)
 *
 * varint = unsigned LEB128; str = varint length, then the bytes (no NUL).
 * account, region and each seq are the row's; a record's prev_hash in
 * formats 3 and 2 is the hash stored before it. A body that does not decode
 * exactly (changed underneath) is passed over with a warning (by batch
 * id: never its content): its records read as absent, which is what
 * verification reports.
 */
#include "store/audit_store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "crypto/crypto.h"
#include "store/audit_eid.h"
#include "store/store.h"
#include "store/store_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

void lv_audit_record_release(struct lv_audit_record *r)
{
    free(r->event);
    free(r->trace);
    r->event = NULL;
    r->trace = NULL;
}

void lv_audit_batch_release(struct lv_audit_batch *b)
{
    free(b->attrs);
    free(b->ids);
    free(b->body);
    b->attrs = NULL;
    b->ids = NULL;
    b->body = NULL;
    b->body_len = 0;
}

#define LV_STORE_OP(name, params, args)                                      \
    int lv_store_audit_##name(struct lv_store *s, LV_STORE_UNPAREN params)   \
    {                                                                        \
        return s->be->audit->name(s->impl, LV_STORE_UNPAREN args);           \
    }
#include "store/audit_ops.def"
#undef LV_STORE_OP

/* ---- the codec ----------------------------------------------------------- */

#define BODY_MAGIC_V1 "lvab1"
#define BODY_MAGIC_V2 "lvab2"
#define BODY_MAGIC_V3 "lvab3"
#define BODY_MAGIC_V4 "lvab4"
/* Format 4's record kind bits (above). */
#define K_EVENT_ID 1
#define K_REQUEST_ID 2
#define K_SAME_TAIL 4
#define K_ALL (K_EVENT_ID | K_REQUEST_ID | K_SAME_TAIL)
#define UUID_BYTES 16
#define BODY_MAGIC_LEN 5
/* One of zstd's fast levels: a batch is written for every few hundred
 * records and its text repeats itself, so level -3 keeps most of level
 * 1's ratio (about 6% more bytes per record) at less CPU per record. */
#define ZSTD_LEVEL -3
/* A body that is mostly heads and hashes (a run's tail kept once, format
 * 3): random ids in hex and hashes, which level -3 shrinks by 5% at 130 ns
 * a record; this level costs 18 ns and stores them as they are. */
#define ZSTD_LEVEL_HEADS -50
/* No body decodes to more than this (a batch of a few hundred records of
 * a few KB each is far below). */
#define BODY_MAX_RAW ((size_t)256 << 20)

#define FLAG_READ_ONLY 1
#define FLAG_KEY_USE 2
#define FLAG_TRACE 4

/* The bytes of v as a varint. */
static size_t varint_len(uint64_t v)
{
    size_t n = 1;

    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static uint8_t *put_varint(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

/* A time's difference from the one before it, as an unsigned varint's
 * value: 0, -1, 1, -2 … as 0, 1, 2, 3 … (unsigned arithmetic: any two
 * int64 times). */
static uint64_t zigzag(int64_t t, int64_t before)
{
    uint64_t d = (uint64_t)t - (uint64_t)before;

    return (d << 1) ^ (0 - (d >> 63));
}

static int64_t unzigzag(uint64_t z, int64_t before)
{
    uint64_t d = (z >> 1) ^ (0 - (z & 1));

    return (int64_t)((uint64_t)before + d);
}

/* A str of t at p; *at (when not NULL) re-pointed to the bytes written. */
static uint8_t *put_text(uint8_t *p, const struct lv_audit_text *t,
                         struct lv_audit_text *at)
{
    p = put_varint(p, t->n);
    if (t->n) {
        memcpy(p, t->p, t->n);
    }
    if (at) {
        at->p = (const char *)p;
        at->n = t->n;
    }
    return p + t->n;
}

static size_t text_len(const struct lv_audit_text *t)
{
    return varint_len(t->n) + t->n;
}

/* At most the field's size less one: what a record can hold and a
 * decoder accepts (a field filling its whole size would be a bug). */
#define VIEW(f) ((struct lv_audit_text){ (f), strnlen((f), sizeof(f) - 1) })

void lv_audit_fields_of(const struct lv_audit_record *r,
                        struct lv_audit_fields *f)
{
    int nres = r->n_resources;

    if (nres < 0) {
        nres = 0;
    } else if (nres > LV_AUDIT_MAX_RESOURCES) {
        nres = LV_AUDIT_MAX_RESOURCES;
    }
    f->event_time_ms = r->event_time_ms;
    f->read_only = r->read_only != 0;
    f->key_use = r->key_use != 0;
    f->has_trace = r->trace != NULL;
    f->n_resources = nres;
    f->event_id = VIEW(r->event_id);
    if (r->event_id_derived) {
        f->event_id.n = 0;
    }
    f->request_id = VIEW(r->request_id);
    f->event_source = VIEW(r->event_source);
    f->event_name = VIEW(r->event_name);
    f->username = VIEW(r->username);
    f->access_key_id = VIEW(r->access_key_id);
    f->error_code = VIEW(r->error_code);
    for (int i = 0; i < nres; i++) {
        f->res_type[i] = VIEW(r->resources[i].type);
        f->res_name[i] = VIEW(r->resources[i].name);
    }
    f->event.p = r->event ? r->event : "";
    f->event.n = strlen(f->event.p);
    f->trace.p = r->trace ? r->trace : "";
    f->trace.n = r->trace ? strlen(r->trace) : 0;
}

#undef VIEW

size_t lv_audit_enc2_size(const struct lv_audit_fields *f)
{
    size_t n = varint_len((uint64_t)f->event_time_ms) + 2;  /* + flags,
                                                               * n_res */

    n += text_len(&f->event_id) + text_len(&f->request_id) +
         text_len(&f->event_source) + text_len(&f->event_name) +
         text_len(&f->username) + text_len(&f->access_key_id) +
         text_len(&f->error_code) + text_len(&f->event);
    for (int i = 0; i < f->n_resources; i++) {
        n += text_len(&f->res_type[i]) + text_len(&f->res_name[i]);
    }
    if (f->has_trace) {
        n += text_len(&f->trace);
    }
    return n;
}

size_t lv_audit_enc2_head_size(int64_t event_time_ms,
                               const struct lv_audit_text *event_id,
                               const struct lv_audit_text *request_id)
{
    return varint_len((uint64_t)event_time_ms) + text_len(event_id) +
           text_len(request_id);
}

uint8_t *lv_audit_enc2_put_head(uint8_t *p, int64_t event_time_ms,
                                const struct lv_audit_text *event_id,
                                const struct lv_audit_text *request_id)
{
    p = put_varint(p, (uint64_t)event_time_ms);
    p = put_text(p, event_id, NULL);
    return put_text(p, request_id, NULL);
}

uint8_t *lv_audit_enc2_put(uint8_t *p, const struct lv_audit_fields *f,
                           struct lv_audit_fields *at)
{
    struct lv_audit_fields src = *f;    /* at may be f */
    struct lv_audit_fields *o = at;

    if (o) {
        *o = src;
    }
#define PUT(name) (p = put_text(p, &src.name, o ? &o->name : NULL))
    p = put_varint(p, (uint64_t)src.event_time_ms);
    PUT(event_id);
    PUT(request_id);
    PUT(event_source);
    PUT(event_name);
    *p++ = (uint8_t)((src.read_only ? FLAG_READ_ONLY : 0) |
                     (src.key_use ? FLAG_KEY_USE : 0) |
                     (src.has_trace ? FLAG_TRACE : 0));
    PUT(username);
    PUT(access_key_id);
    PUT(error_code);
    *p++ = (uint8_t)src.n_resources;
    for (int i = 0; i < src.n_resources; i++) {
        PUT(res_type[i]);
        PUT(res_name[i]);
    }
    PUT(event);
    if (src.has_trace) {
        PUT(trace);
    }
#undef PUT
    return p;
}

int lv_audit_enc2_of(const struct lv_audit_record *r, struct lv_buf *out)
{
    struct lv_audit_fields f;
    size_t n;
    uint8_t *end;

    lv_audit_fields_of(r, &f);
    n = lv_audit_enc2_size(&f);
    if (lv_buf_grow(out, n) < 0) {
        return -1;
    }
    end = lv_audit_enc2_put((uint8_t *)out->data + out->len, &f, NULL);
    out->len = (size_t)((char *)end - out->data);
    out->data[out->len] = '\0';
    return 0;
}

struct rd {
    const uint8_t *p;
    const uint8_t *e;
    int bad;
};

static uint64_t rd_varint(struct rd *d)
{
    uint64_t v = 0;

    for (int shift = 0; shift < 64; shift += 7) {
        uint8_t c;

        if (d->p >= d->e) {
            break;
        }
        c = *d->p++;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            return v;
        }
    }
    d->bad = 1;
    return 0;
}

static const char *rd_str(struct rd *d, size_t *len)
{
    uint64_t n = rd_varint(d);
    const char *s = (const char *)d->p;

    if (d->bad || n > (uint64_t)(d->e - d->p)) {
        d->bad = 1;
        *len = 0;
        return "";
    }
    d->p += n;
    *len = (size_t)n;
    return s;
}

static void rd_field(struct rd *d, char *dst, size_t cap)
{
    size_t len;
    const char *s = rd_str(d, &len);

    if (len >= cap || memchr(s, '\0', len)) {
        d->bad = 1;
        len = 0;
    }
    memcpy(dst, s, len);
    dst[len] = '\0';
}

#define RD_FIELD(d, f) rd_field((d), (f), sizeof(f))

static char *rd_dup(struct rd *d)
{
    size_t len;
    const char *s = rd_str(d, &len);
    char *out = lv_xmalloc(len + 1);

    memcpy(out, s, len);
    out[len] = '\0';
    return out;
}

static uint8_t rd_byte(struct rd *d)
{
    if (d->p >= d->e) {
        d->bad = 1;
        return 0;
    }
    return *d->p++;
}

static void rd_hash(struct rd *d, uint8_t h[LV_AUDIT_HASH_BYTES])
{
    if (d->e - d->p < LV_AUDIT_HASH_BYTES) {
        d->bad = 1;
        memset(h, 0, LV_AUDIT_HASH_BYTES);
        return;
    }
    memcpy(h, d->p, LV_AUDIT_HASH_BYTES);
    d->p += LV_AUDIT_HASH_BYTES;
}

/* The head of an enc2 (event_time_ms, event_id, request_id) into r. */
static void decode_head(struct rd *d, struct lv_audit_record *r)
{
    r->event_time_ms = (int64_t)rd_varint(d);
    RD_FIELD(d, r->event_id);
    RD_FIELD(d, r->request_id);
}

/* An id of format 4 into dst (cap bytes): 16 bytes written as a UUID
 * when bin, else a str. */
static void rd_id(struct rd *d, int bin, char *dst, size_t cap)
{
    if (!bin) {
        rd_field(d, dst, cap);
        return;
    }
    if (d->e - d->p < UUID_BYTES || cap < 37) {
        d->bad = 1;
        dst[0] = '\0';
        return;
    }
    lv_keyid_format(d->p, dst);
    d->p += UUID_BYTES;
}

/* A format-4 record's head into r: its kind byte (returned), its time
 * after *time_ms (the record's before it; updated) and its ids. */
static uint8_t decode_head4(struct rd *d, int64_t *time_ms,
                            struct lv_audit_record *r)
{
    uint8_t k = rd_byte(d);

    if (k & ~K_ALL) {
        d->bad = 1;
        return 0;
    }
    r->event_time_ms = unzigzag(rd_varint(d), *time_ms);
    *time_ms = r->event_time_ms;
    rd_id(d, k & K_EVENT_ID, r->event_id, sizeof(r->event_id));
    rd_id(d, k & K_REQUEST_ID, r->request_id, sizeof(r->request_id));
    return k;
}

/* The tail of an enc2 (every field after its head) into r. */
static void decode_tail(struct rd *d, struct lv_audit_record *r)
{
    uint8_t flags;
    uint8_t nres;

    RD_FIELD(d, r->event_source);
    RD_FIELD(d, r->event_name);
    flags = rd_byte(d);
    r->read_only = !!(flags & FLAG_READ_ONLY);
    r->key_use = !!(flags & FLAG_KEY_USE);
    RD_FIELD(d, r->username);
    RD_FIELD(d, r->access_key_id);
    RD_FIELD(d, r->error_code);
    nres = rd_byte(d);
    if (nres > LV_AUDIT_MAX_RESOURCES) {
        d->bad = 1;
        nres = 0;
    }
    r->n_resources = nres;
    for (int i = 0; i < nres && !d->bad; i++) {
        RD_FIELD(d, r->resources[i].type);
        RD_FIELD(d, r->resources[i].name);
    }
    r->event = rd_dup(d);
    if (flags & FLAG_TRACE) {
        r->trace = rd_dup(d);
    }
}

/* A body's format: what decode_record reads. */
enum body_format { BODY_V1 = 1, BODY_V2, BODY_V3, BODY_V4 };

/* What a record of format 3 or 4 takes from the one before it in its
 * body: the tail it took (its bytes: a record may say its tail is that
 * one), and in format 4 its time. */
struct tail_ref {
    const uint8_t *p;
    size_t n;
    int64_t time_ms;
};

/* Decodes the next record of d into *r (zeroed first; release it): 0, or
 * -1 when the bytes do not decode. Formats 4, 3 and 2 (prev: the hash
 * before it) store its hash only, formats 4 and 3 its tail once for a run
 * of equal ones (last: the run's, and in format 4 the time before it,
 * updated); format 1 (prev NULL) its prev_hash and hash. */
static int decode_record(struct rd *d, struct lv_audit_record *r,
                         enum body_format fmt, const uint8_t *prev,
                         struct tail_ref *last)
{
    memset(r, 0, sizeof(*r));
    if (fmt >= BODY_V3) {
        /* Format 3's mark: 0, the same tail; else its length + 1. */
        uint64_t mark;
        struct rd t;

        if (fmt == BODY_V4) {
            mark = 0;
            if (!(decode_head4(d, &last->time_ms, r) & K_SAME_TAIL)) {
                uint64_t n = rd_varint(d);

                if (n > (uint64_t)(d->e - d->p)) {
                    return -1;  /* and n + 1 never wraps to 0 */
                }
                mark = n + 1;
            }
        } else {
            decode_head(d, r);
            mark = rd_varint(d);
        }
        if (d->bad) {
            return -1;
        }
        if (mark != 0) {
            if (mark - 1 > (uint64_t)(d->e - d->p)) {
                return -1;
            }
            last->p = d->p;
            last->n = (size_t)(mark - 1);
            d->p += last->n;
        } else if (last->p == NULL) {
            return -1;          /* "the same tail" with none before */
        }
        t.p = last->p;
        t.e = last->p + last->n;
        t.bad = 0;
        decode_tail(&t, r);
        if (t.bad || t.p != t.e) {
            return -1;
        }
        r->tail_hashed = 1;
    } else {
        decode_head(d, r);
        decode_tail(d, r);
    }
    if (prev) {
        memcpy(r->prev_hash, prev, LV_AUDIT_HASH_BYTES);
        r->enc2 = 1;
    } else {
        rd_hash(d, r->prev_hash);
    }
    rd_hash(d, r->hash);
    return d->bad ? -1 : 0;
}

static void rd_text(struct rd *d, struct lv_audit_text *t)
{
    t->p = rd_str(d, &t->n);
}

/* The fields of an enc2's tail (every field after its head) into f. */
static int read_tail(struct rd *d, struct lv_audit_fields *f)
{
    uint8_t flags;
    int nres;

    rd_text(d, &f->event_source);
    rd_text(d, &f->event_name);
    flags = rd_byte(d);
    f->read_only = !!(flags & FLAG_READ_ONLY);
    f->key_use = !!(flags & FLAG_KEY_USE);
    f->has_trace = !!(flags & FLAG_TRACE);
    rd_text(d, &f->username);
    rd_text(d, &f->access_key_id);
    rd_text(d, &f->error_code);
    nres = rd_byte(d);
    if (nres > LV_AUDIT_MAX_RESOURCES) {
        return -1;
    }
    f->n_resources = nres;
    for (int i = 0; i < nres; i++) {
        rd_text(d, &f->res_type[i]);
        rd_text(d, &f->res_name[i]);
    }
    rd_text(d, &f->event);
    if (f->has_trace) {
        rd_text(d, &f->trace);
    } else {
        f->trace.p = "";
    }
    return d->bad || d->p != d->e ? -1 : 0;
}

int lv_audit_enc2_read(const uint8_t *p, size_t n, struct lv_audit_fields *f)
{
    struct rd d = { p, p + n, 0 };

    memset(f, 0, sizeof(*f));
    f->event_time_ms = (int64_t)rd_varint(&d);
    rd_text(&d, &f->event_id);
    rd_text(&d, &f->request_id);
    return read_tail(&d, f);
}

typedef int (*record_cb)(void *arg, struct lv_audit_record *r);

/*
 * Decodes b's body and hands each record to fn in seq order (a record it
 * may keep: it takes what the record owns, or leaves it to be released
 * here). 0 when done, fn's non-zero value when fn stopped, or 0 with a
 * warning when the body does not decode exactly (whatever fn saw of it
 * stays seen: a body changed underneath).
 */
static int decode_body(const struct lv_audit_batch *b,
                       const struct lv_audit_eid *eid, record_cb fn,
                       void *arg)
{
    unsigned long long raw_len;
    uint8_t *raw = NULL;
    struct lv_audit_record *r = lv_xmalloc(sizeof(*r));
    struct rd d;
    int64_t n = b->seq_last - b->seq_first + 1;
    uint8_t prev[LV_AUDIT_HASH_BYTES];
    enum body_format fmt;
    struct tail_ref last = { NULL, 0, 0 };
    const char *why = NULL;
    int rc = 0;

    raw_len = ZSTD_getFrameContentSize(b->body, b->body_len);
    if (raw_len == ZSTD_CONTENTSIZE_ERROR ||
        raw_len == ZSTD_CONTENTSIZE_UNKNOWN || raw_len > BODY_MAX_RAW ||
        raw_len < BODY_MAGIC_LEN || n < 1) {
        why = "no zstd frame of a known size";
        goto out;
    }
    raw = lv_xmalloc((size_t)raw_len);
    if (ZSTD_decompress(raw, (size_t)raw_len, b->body, b->body_len) !=
        raw_len) {
        why = "it does not decompress";
        goto out;
    }
    d.p = raw + BODY_MAGIC_LEN;
    d.e = raw + raw_len;
    d.bad = 0;
    if (memcmp(raw, BODY_MAGIC_V4, BODY_MAGIC_LEN) == 0) {
        fmt = BODY_V4;
        rd_hash(&d, prev);
    } else if (memcmp(raw, BODY_MAGIC_V3, BODY_MAGIC_LEN) == 0) {
        fmt = BODY_V3;
        rd_hash(&d, prev);
    } else if (memcmp(raw, BODY_MAGIC_V2, BODY_MAGIC_LEN) == 0) {
        fmt = BODY_V2;
        rd_hash(&d, prev);
    } else if (memcmp(raw, BODY_MAGIC_V1, BODY_MAGIC_LEN) == 0) {
        fmt = BODY_V1;
    } else {
        why = "unknown format";
        goto out;
    }
    for (int64_t i = 0; i < n; i++) {
        if (decode_record(&d, r, fmt, fmt == BODY_V1 ? NULL : prev,
                          &last) < 0) {
            lv_audit_record_release(r);
            why = "a record does not decode";
            goto out;
        }
        r->id = b->id;
        memcpy(r->account, b->account, sizeof(r->account));
        memcpy(r->region, b->region, sizeof(r->region));
        r->seq = b->seq_first + i;
        if (fmt == BODY_V4 && r->event_id[0] == '\0' &&
            lv_audit_eid_account_ok(r->account)) {
            /* Stored as nothing: the record's place gives it (a reader
             * without the store, eid NULL, leaves it empty). */
            if (eid != NULL) {
                lv_audit_eid_make(eid, r->account, r->seq, r->event_id);
            }
            r->event_id_derived = 1;
        }
        memcpy(prev, r->hash, sizeof(prev));
        rc = fn(arg, r);
        lv_audit_record_release(r);
        if (rc) {
            goto out;
        }
    }
    if (d.p != d.e) {
        why = "bytes past its last record";
    }
out:
    if (why) {
        lv_log(LV_LOG_WARN, "store: audit batch %lld (seq %lld-%lld) cannot "
               "be read, its records are passed over: %s", (long long)b->id,
               (long long)b->seq_first, (long long)b->seq_last, why);
    }
    free(raw);
    free(r);
    return rc;
}

/* lv_audit_batch_decode's callback, under decode_body's. */
struct const_cb {
    lv_audit_record_fn fn;
    void *arg;
};

static int const_record(void *arg, struct lv_audit_record *r)
{
    struct const_cb *c = arg;

    return c->fn(c->arg, r);
}

int lv_audit_batch_decode(const struct lv_audit_batch *b,
                          lv_audit_record_fn fn, void *arg)
{
    struct const_cb c = { fn, arg };

    return decode_body(b, NULL, const_record, &c);
}

/* The store's derived-eventID permutations for the batches one read
 * decodes (list, by request, last use, walk): the salt read from meta once
 * a read, not once a batch, and the permutation of the last region. */
struct eid_cache {
    int have_salt;
    uint8_t salt[64];
    size_t salt_len;
    int have_eid;
    char region[64];
    struct lv_audit_eid eid;
};

static const struct lv_audit_eid *eid_for(struct lv_store *s,
                                          struct eid_cache *c,
                                          const char *region,
                                          struct lv_err *err)
{
    if (!c->have_salt) {
        struct lv_buf salt = LV_BUF_INIT(sizeof(c->salt));
        int rc = lv_store_meta_get(s, LV_AUDIT_EID_SALT, &salt, err);

        if (rc < 0) {
            lv_buf_release(&salt);
            return NULL;
        }
        /* Absent only in a store its migrations did not make (a test's). */
        c->salt_len = rc > 0 ? salt.len : 0;
        if (c->salt_len > 0) {
            memcpy(c->salt, salt.data, c->salt_len);
        }
        lv_buf_release(&salt);
        c->have_salt = 1;
    }
    if (!c->have_eid || strcmp(c->region, region) != 0) {
        snprintf(c->region, sizeof(c->region), "%s", region);
        lv_audit_eid_init(&c->eid, c->salt, c->salt_len, c->region);
        c->have_eid = 1;
    }
    return &c->eid;
}

int lv_store_audit_eid(struct lv_store *s, const char *region,
                       struct lv_audit_eid *p, struct lv_err *err)
{
    struct eid_cache c = { 0 };
    const struct lv_audit_eid *e = eid_for(s, &c, region, err);

    if (e == NULL) {
        return -1;
    }
    *p = *e;
    return 0;
}

/* Reads the body of b (a batch as search and walk give it, without one)
 * and decodes it (decode_body, with the permutation of c's store): its
 * value, 0 when the batch is gone, or -1 with *err on a store fault. */
static int decode_batch(struct lv_store *s, const struct lv_audit_batch *b,
                        struct eid_cache *c, record_cb fn, void *arg,
                        struct lv_err *err)
{
    struct lv_audit_batch full = *b;
    const struct lv_audit_eid *eid = eid_for(s, c, b->region, err);
    int rc;

    if (eid == NULL) {
        return -1;
    }
    full.attrs = NULL;
    full.ids = NULL;
    full.body = NULL;
    full.body_len = 0;
    rc = lv_store_audit_batch_body(s, b->id, &full, err);
    if (rc > 0) {
        rc = decode_body(&full, eid, fn, arg);
    }
    lv_audit_batch_release(&full);
    return rc;
}

/* ---- building a batch ---------------------------------------------------- */

/* The set of attrs lines, each once: an open-addressing table of the
 * lines already in the buffer (offset and length). */
struct line_set {
    struct lv_buf *b;
    size_t *off;                /* (size_t)-1: empty slot */
    size_t *len;
    size_t cap;                 /* a power of two */
    size_t n;                   /* slots used, at most cap / 2 */
};

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;

    for (size_t i = 0; i < n; i++) {
        h ^= (uint8_t)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* Appends "<tag>:<value>\n" to b (a newline in value as a space). */
static void add_line(struct lv_buf *b, char tag, const char *value,
                     size_t len)
{
    char *p;

    /* Two per batched record (ids): one reservation, one copy. */
    if (lv_buf_grow(b, len + 3) < 0) {
        LV_BUG("audit: a set's line past its buffer");
    }
    p = b->data + b->len;
    p[0] = tag;
    p[1] = ':';
    if (len) {
        memcpy(p + 2, value, len);
    }
    if (len && memchr(value, '\n', len)) {
        for (size_t i = 0; i < len; i++) {
            if (p[2 + i] == '\n') {
                p[2 + i] = ' ';
            }
        }
    }
    p[len + 2] = '\n';
    b->len += len + 3;
    b->data[b->len] = '\0';
}

/* The bytes of an id an ids line holds (audit_store.h). */
static size_t id_prefix(size_t n)
{
    return n < LV_AUDIT_ID_PREFIX ? n : LV_AUDIT_ID_PREFIX;
}

/* The term that finds an id of tag in ids, into b (emptied): "\n", the
 * tag, ':', the id's first bytes as add_line() writes them, unframed at
 * its end (a whole id's line and a prefix's both start so). */
static char *id_term(struct lv_buf *b, char tag, const char *id)
{
    b->len = 0;
    lv_buf_addc(b, '\n');
    add_line(b, tag, id, id_prefix(strlen(id)));
    b->data[--b->len] = '\0';          /* the line's '\n' */
    return b->data;
}

static void set_init(struct line_set *ls, struct lv_buf *b, size_t cap)
{
    ls->b = b;
    ls->cap = cap;
    ls->n = 0;
    ls->off = lv_xmalloc(cap * sizeof(*ls->off));
    ls->len = lv_xmalloc(cap * sizeof(*ls->len));
    memset(ls->off, 0xff, cap * sizeof(*ls->off));
}

static void set_put(struct line_set *ls, size_t off, size_t len)
{
    size_t i = (size_t)fnv1a(ls->b->data + off, len) & (ls->cap - 1);

    while (ls->off[i] != (size_t)-1) {
        i = (i + 1) & (ls->cap - 1);
    }
    ls->off[i] = off;
    ls->len[i] = len;
    ls->n++;
}


/* One compression context, kept for the life of the process: making one
 * per batch (ZSTD_compress) allocates and clears its tables every time.
 * The recorder's one writer appends nearly every batch; an append that
 * finds the context taken (another thread's) makes its own. */
static pthread_mutex_t cctx_mu = PTHREAD_MUTEX_INITIALIZER;
static ZSTD_CCtx *cctx;

static size_t compress(void *dst, size_t cap, const void *src, size_t len,
                       int level)
{
    size_t z;

    if (pthread_mutex_trylock(&cctx_mu) != 0) {
        return ZSTD_compress(dst, cap, src, len, level);
    }
    if (cctx == NULL) {
        cctx = ZSTD_createCCtx();
        if (cctx == NULL) {
            LV_BUG("audit batch: no memory for a zstd context");
        }
    }
    z = ZSTD_compressCCtx(cctx, dst, cap, src, len, level);
    pthread_mutex_unlock(&cctx_mu);
    return z;
}

/* Doubles the table once it is half full. */
static void set_grow(struct line_set *ls)
{
    struct line_set old = *ls;

    set_init(ls, old.b, old.cap * 2);
    for (size_t i = 0; i < old.cap; i++) {
        if (old.off[i] != (size_t)-1) {
            set_put(ls, old.off[i], old.len[i]);
        }
    }
    free(old.off);
    free(old.len);
}

static void set_add(struct line_set *ls, char tag, const char *value,
                    size_t vlen)
{
    size_t at = ls->b->len;
    size_t n;
    size_t i;

    add_line(ls->b, tag, value, vlen);
    n = ls->b->len - at;
    i = (size_t)fnv1a(ls->b->data + at, n) & (ls->cap - 1);
    while (ls->off[i] != (size_t)-1) {
        if (ls->len[i] == n &&
            memcmp(ls->b->data + ls->off[i], ls->b->data + at, n) == 0) {
            ls->b->len = at;            /* present: take it back */
            ls->b->data[at] = '\0';
            return;
        }
        i = (i + 1) & (ls->cap - 1);
    }
    ls->off[i] = at;
    ls->len[i] = n;
    if (++ls->n > ls->cap / 2) {
        set_grow(ls);
    }
}

#define SET_ADD(ls, tag, t) set_add((ls), (tag), (t).p, (t).n)

static int same_text(const struct lv_audit_text *a,
                     const struct lv_audit_text *b)
{
    return a->n == b->n && memcmp(a->p, b->p, a->n) == 0;
}

/* Whether r adds nothing to the sets that p added: the same values of
 * every attribute (most records of a run are alike: one caller, one
 * operation, one key), so that a batch hashes each value once per change
 * rather than once per record. */
static int same_attrs(const struct lv_audit_fields *p,
                      const struct lv_audit_fields *r)
{
    if (p->read_only != r->read_only || p->n_resources != r->n_resources ||
        (p->key_use && !p->error_code.n) !=
            (r->key_use && !r->error_code.n) ||
        !same_text(&p->event_name, &r->event_name) ||
        !same_text(&p->username, &r->username) ||
        !same_text(&p->event_source, &r->event_source) ||
        !same_text(&p->access_key_id, &r->access_key_id)) {
        return 0;
    }
    for (int k = 0; k < r->n_resources; k++) {
        if (!same_text(&p->res_type[k], &r->res_type[k]) ||
            !same_text(&p->res_name[k], &r->res_name[k])) {
            return 0;
        }
    }
    return 1;
}

/* The sets' lines of record f (build_batch). */
static void add_attrs(struct line_set *ls, const struct lv_audit_fields *f)
{
    static const char key_type[] = "AWS::KMS::Key";
    int used = f->key_use && !f->error_code.n;

    SET_ADD(ls, LV_AUDIT_TAG_EVENT_NAME, f->event_name);
    if (f->read_only) {
        set_add(ls, LV_AUDIT_TAG_READ_ONLY, "true", 4);
    } else {
        set_add(ls, LV_AUDIT_TAG_READ_ONLY, "false", 5);
    }
    SET_ADD(ls, LV_AUDIT_TAG_USERNAME, f->username);
    SET_ADD(ls, LV_AUDIT_TAG_EVENT_SOURCE, f->event_source);
    SET_ADD(ls, LV_AUDIT_TAG_ACCESS_KEY_ID, f->access_key_id);
    for (int k = 0; k < f->n_resources; k++) {
        SET_ADD(ls, LV_AUDIT_TAG_RESOURCE_TYPE, f->res_type[k]);
        SET_ADD(ls, LV_AUDIT_TAG_RESOURCE_NAME, f->res_name[k]);
        if (used && f->res_type[k].n == sizeof(key_type) - 1 &&
            memcmp(f->res_type[k].p, key_type, sizeof(key_type) - 1) == 0) {
            SET_ADD(ls, LV_AUDIT_TAG_KEY_USED, f->res_name[k]);
        }
    }
}

int lv_audit_flat_read(struct lv_audit_flat *f,
                       const struct lv_audit_flat *prev)
{
    struct rd d = { f->rec, f->rec + f->rec_len, 0 };
    struct rd t;
    struct lv_audit_text eid;
    struct lv_audit_text rid;
    int64_t time_ms;

    time_ms = (int64_t)rd_varint(&d);
    rd_text(&d, &eid);
    rd_text(&d, &rid);
    if (d.bad) {
        return -1;
    }
    f->head_len = (size_t)(d.p - f->rec);
    if (f->tail == NULL) {
        f->tail = d.p;
        f->tail_len = f->rec_len - f->head_len;
    } else if (f->head_len != f->rec_len) {
        return -1;              /* bytes between a head and its tail */
    }
    /* A shared tail is the same object; another equal one, the same
     * bytes. */
    f->same_tail = prev != NULL && f->tail_len == prev->tail_len &&
                   (f->tail == prev->tail ||
                    memcmp(f->tail, prev->tail, f->tail_len) == 0);
    if (f->same_tail) {
        f->f = prev->f;
    } else {
        memset(&f->f, 0, sizeof(f->f));
        t.p = f->tail;
        t.e = f->tail + f->tail_len;
        t.bad = 0;
        if (read_tail(&t, &f->f) < 0) {
            return -1;
        }
    }
    f->f.event_time_ms = time_ms;
    f->f.event_id = eid;
    f->f.request_id = rid;
    return 0;
}

/* An id of format 4 at p: its 16 bytes when it is a UUID as
 * lv_keyid_format writes one, so that it reads back the same (kind |=
 * bit), else a str. */
static uint8_t *put_id(uint8_t *p, const struct lv_audit_text *id,
                       uint8_t bit, uint8_t *kind)
{
    if (lv_keyid_parse_lower(id->p, id->n, p)) {
        *kind |= bit;
        return p + UUID_BYTES;
    }
    return put_text(p, id, NULL);
}

/* The batch (format 4) of v[0] … v[n-1] at seq_first …, after prev. */
static void build_batch(const char *account, const char *region,
                        int64_t seq_first,
                        const uint8_t prev[LV_AUDIT_HASH_BYTES],
                        struct lv_audit_flat *const *v, size_t n,
                        struct lv_audit_batch *b)
{
    struct lv_buf attrs = LV_BUF_INIT(SIZE_MAX);
    struct lv_buf ids = LV_BUF_INIT(SIZE_MAX);
    struct lv_buf raw = LV_BUF_INIT(SIZE_MAX);
    struct line_set ls;
    size_t total = BODY_MAGIC_LEN + LV_AUDIT_HASH_BYTES;
    size_t tails = 0;               /* the tails' bytes kept */
    int64_t time_ms = 0;            /* the record's before */
    size_t bound;
    size_t z;
    uint8_t *p;

    memset(b, 0, sizeof(*b));
    if ((size_t)snprintf(b->account, sizeof(b->account), "%s", account) >=
            sizeof(b->account) ||
        (size_t)snprintf(b->region, sizeof(b->region), "%s", region) >=
            sizeof(b->region)) {
        LV_BUG("audit batch: a chain's account or region past its field");
    }
    b->seq_first = seq_first;
    b->seq_last = seq_first + (int64_t)n - 1;
    b->time_min = INT64_MAX;
    b->time_max = INT64_MIN;
    memcpy(b->last_hash, v[n - 1]->hash, LV_AUDIT_HASH_BYTES);

    /* The body in one reservation (at most: a tail repeated is kept
     * once, an id may take 16 bytes rather than 37, the time 10 bytes
     * rather than its varint's), the records' bytes being ready. */
    for (size_t i = 0; i < n; i++) {
        total += 1 + 10 + v[i]->head_len + 10 + v[i]->tail_len +
                 LV_AUDIT_HASH_BYTES;
    }
    if (lv_buf_grow(&raw, total) < 0 || lv_buf_grow(&ids, 96 * n) < 0) {
        LV_BUG("audit batch: no room");
    }
    p = (uint8_t *)raw.data;
    memcpy(p, BODY_MAGIC_V4, BODY_MAGIC_LEN);
    p += BODY_MAGIC_LEN;
    memcpy(p, prev, LV_AUDIT_HASH_BYTES);
    p += LV_AUDIT_HASH_BYTES;

    set_init(&ls, &attrs, 64);
    lv_buf_addc(&attrs, '\n');
    lv_buf_addc(&ids, '\n');
    for (size_t i = 0; i < n; i++) {
        const struct lv_audit_fields *f = &v[i]->f;
        uint8_t *kind;

        if (f->n_resources < 0 || f->n_resources > LV_AUDIT_MAX_RESOURCES) {
            LV_BUG("audit batch: record %zu has %d resources", i,
                   f->n_resources);
        }
        if (f->event_time_ms < b->time_min) {
            b->time_min = f->event_time_ms;
        }
        if (f->event_time_ms > b->time_max) {
            b->time_max = f->event_time_ms;
        }
        /* A record with the tail before it has its attributes too. */
        if (i == 0 ||
            (!v[i]->same_tail && !same_attrs(&v[i - 1]->f, f))) {
            add_attrs(&ls, f);
        }
        if (f->event_id.n > 0) {    /* else its place gives it */
            add_line(&ids, LV_AUDIT_TAG_EVENT_ID, f->event_id.p,
                     id_prefix(f->event_id.n));
        }
        if (f->has_trace) {
            /* Only the explainer looks a record up by its requestID,
             * for the trace a refusal keeps. */
            add_line(&ids, LV_AUDIT_TAG_REQUEST_ID, f->request_id.p,
                     id_prefix(f->request_id.n));
        }
        kind = p++;
        *kind = i > 0 && v[i]->same_tail ? K_SAME_TAIL : 0;
        p = put_varint(p, zigzag(f->event_time_ms, time_ms));
        time_ms = f->event_time_ms;
        p = put_id(p, &f->event_id, K_EVENT_ID, kind);
        p = put_id(p, &f->request_id, K_REQUEST_ID, kind);
        if (!(*kind & K_SAME_TAIL)) {
            p = put_varint(p, (uint64_t)v[i]->tail_len);
            memcpy(p, v[i]->tail, v[i]->tail_len);
            p += v[i]->tail_len;
            tails += v[i]->tail_len;
        }
        memcpy(p, v[i]->hash, LV_AUDIT_HASH_BYTES);
        p += LV_AUDIT_HASH_BYTES;
    }
    raw.len = (size_t)((char *)p - raw.data);
    free(ls.off);
    free(ls.len);
    b->attrs = lv_buf_detach(&attrs, NULL);
    b->ids = lv_buf_detach(&ids, NULL);
    bound = ZSTD_compressBound(raw.len);
    b->body = lv_xmalloc(bound);
    z = compress(b->body, bound, raw.data, raw.len,
                 tails * 4 < raw.len ? ZSTD_LEVEL_HEADS : ZSTD_LEVEL);
    if (ZSTD_isError(z)) {
        LV_BUG("audit batch: zstd: %s", ZSTD_getErrorName(z));
    }
    b->body_len = z;
    lv_buf_release(&raw);
}

int lv_store_audit_append_flat(struct lv_store *s, const char *account,
                               const char *region, int64_t seq_first,
                               const uint8_t prev_hash[LV_AUDIT_HASH_BYTES],
                               struct lv_audit_flat *const *v, size_t n,
                               int64_t *id, struct lv_err *err)
{
    struct lv_audit_batch b;
    int rc;

    if (n == 0) {
        LV_BUG("audit batch: no record");
    }
    build_batch(account, region, seq_first, prev_hash, v, n, &b);
    rc = lv_store_audit_batch_insert(s, &b, err);
    if (rc == 0) {
        *id = b.id;
    }
    lv_audit_batch_release(&b);
    return rc;
}

int lv_store_audit_append_batch(struct lv_store *s,
                                struct lv_audit_record *const *v, size_t n,
                                struct lv_err *err)
{
    struct lv_audit_flat *flat;
    struct lv_audit_flat **pv;
    struct lv_audit_fields f;
    uint8_t *bytes;
    size_t total = 0;
    size_t at = 0;
    int64_t id = 0;
    int rc;

    if (n == 0) {
        LV_BUG("audit batch: no record");
    }
    flat = lv_xcalloc(n, sizeof(*flat));
    pv = lv_xcalloc(n, sizeof(*pv));
    for (size_t i = 0; i < n; i++) {
        if (strcmp(v[i]->account, v[0]->account) != 0 ||
            strcmp(v[i]->region, v[0]->region) != 0 ||
            v[i]->seq != v[0]->seq + (int64_t)i ||
            (i > 0 && memcmp(v[i]->prev_hash, v[i - 1]->hash,
                             LV_AUDIT_HASH_BYTES) != 0)) {
            LV_BUG("audit batch: record %zu is not the next of its chain",
                   i);
        }
        lv_audit_fields_of(v[i], &f);
        total += lv_audit_enc2_size(&f);
    }
    bytes = lv_xmalloc(total ? total : 1);
    for (size_t i = 0; i < n; i++) {
        uint8_t *end;

        lv_audit_fields_of(v[i], &f);
        end = lv_audit_enc2_put(bytes + at, &f, NULL);
        flat[i].rec = bytes + at;
        flat[i].rec_len = (size_t)(end - (bytes + at));
        flat[i].tail = NULL;
        if (lv_audit_flat_read(&flat[i], i > 0 ? &flat[i - 1] : NULL) < 0) {
            LV_BUG("audit batch: record %zu does not read back", i);
        }
        memcpy(flat[i].hash, v[i]->hash, LV_AUDIT_HASH_BYTES);
        at += flat[i].rec_len;
        pv[i] = &flat[i];
    }
    rc = lv_store_audit_append_flat(s, v[0]->account, v[0]->region,
                                    v[0]->seq, v[0]->prev_hash, pv, n, &id,
                                    err);
    if (rc == 0) {
        for (size_t i = 0; i < n; i++) {
            v[i]->id = id;
        }
    }
    free(bytes);
    free(pv);
    free(flat);
    return rc;
}

/* ---- matching ------------------------------------------------------------ */

/* The framed line a batch holding a record that passes f has in attrs,
 * or for EventId the id's term in ids (id_term), into buf; NULL when f
 * selects on none. */
static char *filter_term(const struct lv_audit_filter *f, int *in_ids,
                         struct lv_buf *buf)
{
    static const char tags[] = {
        [LV_AUDIT_ATTR_EVENT_ID] = LV_AUDIT_TAG_EVENT_ID,
        [LV_AUDIT_ATTR_EVENT_NAME] = LV_AUDIT_TAG_EVENT_NAME,
        [LV_AUDIT_ATTR_READ_ONLY] = LV_AUDIT_TAG_READ_ONLY,
        [LV_AUDIT_ATTR_USERNAME] = LV_AUDIT_TAG_USERNAME,
        [LV_AUDIT_ATTR_RESOURCE_TYPE] = LV_AUDIT_TAG_RESOURCE_TYPE,
        [LV_AUDIT_ATTR_RESOURCE_NAME] = LV_AUDIT_TAG_RESOURCE_NAME,
        [LV_AUDIT_ATTR_EVENT_SOURCE] = LV_AUDIT_TAG_EVENT_SOURCE,
        [LV_AUDIT_ATTR_ACCESS_KEY_ID] = LV_AUDIT_TAG_ACCESS_KEY_ID,
    };

    *in_ids = f->attr == LV_AUDIT_ATTR_EVENT_ID;
    if (f->attr == LV_AUDIT_ATTR_NONE || !f->value) {
        return NULL;
    }
    if (*in_ids) {
        return id_term(buf, LV_AUDIT_TAG_EVENT_ID, f->value);
    }
    if ((unsigned)f->attr >= sizeof(tags)) {
        LV_BUG("audit list: lookup attribute %d", (int)f->attr);
    }
    lv_buf_addc(buf, '\n');
    add_line(buf, tags[f->attr], f->value, strlen(f->value));
    return buf->data;
}

static int record_passes(const struct lv_audit_filter *f,
                         const struct lv_audit_record *r)
{
    const char *v = f->value ? f->value : "";

    if (r->event_time_ms < f->start_ms || r->event_time_ms > f->end_ms) {
        return 0;
    }
    switch (f->attr) {
    case LV_AUDIT_ATTR_NONE:
        return 1;
    case LV_AUDIT_ATTR_EVENT_ID:
        return strcmp(r->event_id, v) == 0;
    case LV_AUDIT_ATTR_EVENT_NAME:
        return strcmp(r->event_name, v) == 0;
    case LV_AUDIT_ATTR_READ_ONLY:
        return strcmp(v, r->read_only ? "true" : "false") == 0;
    case LV_AUDIT_ATTR_USERNAME:
        return strcmp(r->username, v) == 0;
    case LV_AUDIT_ATTR_RESOURCE_TYPE:
    case LV_AUDIT_ATTR_RESOURCE_NAME:
        for (int i = 0; i < r->n_resources; i++) {
            const char *x = f->attr == LV_AUDIT_ATTR_RESOURCE_TYPE
                                ? r->resources[i].type
                                : r->resources[i].name;

            if (strcmp(x, v) == 0) {
                return 1;
            }
        }
        return 0;
    case LV_AUDIT_ATTR_EVENT_SOURCE:
        return strcmp(r->event_source, v) == 0;
    case LV_AUDIT_ATTR_ACCESS_KEY_ID:
        return strcmp(r->access_key_id, v) == 0;
    }
    return 0;
}

/* (time, seq) order: > 0 when x is newer than y. */
static int newer(int64_t xt, int64_t xs, int64_t yt, int64_t ys)
{
    if (xt != yt) {
        return xt > yt ? 1 : -1;
    }
    return (xs > ys) - (xs < ys);
}

/* A copy of r the caller owns (free it with free_record). */
static struct lv_audit_record *take_record(struct lv_audit_record *r)
{
    struct lv_audit_record *p = lv_xmalloc(sizeof(*p));

    *p = *r;
    r->event = NULL;
    r->trace = NULL;
    return p;
}

static struct lv_audit_record *copy_record(const struct lv_audit_record *r)
{
    struct lv_audit_record *p = lv_xmalloc(sizeof(*p));

    *p = *r;
    p->event = r->event ? lv_xstrdup(r->event) : NULL;
    p->trace = r->trace ? lv_xstrdup(r->trace) : NULL;
    return p;
}

static void free_record(struct lv_audit_record *r)
{
    if (r) {
        lv_audit_record_release(r);
        free(r);
    }
}

/* ---- list ---------------------------------------------------------------- */

struct list_state {
    struct lv_store *s;
    struct lv_err *err;
    const struct lv_audit_filter *f;
    int64_t before_time_ms;
    int64_t before_seq;
    int limit;
    int64_t seq;                    /* list_at_seq's place */
    struct lv_audit_record **v;     /* candidates, newest first once cut */
    size_t n;
    size_t cap;
    struct eid_cache eid;           /* decode_batch's */
};

static void cand_add(struct list_state *ls, struct lv_audit_record *r)
{
    if (ls->n == ls->cap) {
        ls->cap = ls->cap ? 2 * ls->cap : 64;
        ls->v = lv_xrealloc(ls->v, ls->cap * sizeof(*ls->v));
    }
    ls->v[ls->n++] = r;
}

static int by_newest(const void *a, const void *b)
{
    const struct lv_audit_record *const *x = a;
    const struct lv_audit_record *const *y = b;

    return -newer((*x)->event_time_ms, (*x)->seq, (*y)->event_time_ms,
                  (*y)->seq);
}

/* Sorts the candidates newest first and keeps `limit` of them. */
static void cand_cut(struct list_state *ls)
{
    if (ls->n == 0) {
        return;
    }
    qsort(ls->v, ls->n, sizeof(*ls->v), by_newest);
    while (ls->n > (size_t)ls->limit) {
        free_record(ls->v[--ls->n]);
    }
}

static int list_row(void *arg, const struct lv_audit_record *r)
{
    cand_add(arg, copy_record(r));
    return 0;
}

static int list_batched(void *arg, struct lv_audit_record *r)
{
    struct list_state *ls = arg;

    if (newer(r->event_time_ms, r->seq, ls->before_time_ms,
              ls->before_seq) < 0 &&
        record_passes(ls->f, r)) {
        cand_add(ls, take_record(r));
    }
    return 0;
}

static int list_batch(void *arg, const struct lv_audit_batch *b)
{
    struct list_state *ls = arg;

    /* Batches come newest first (by time_max): once `limit` candidates
     * are all newer than anything this batch holds, none after it can
     * enter the page. */
    if (ls->n >= (size_t)ls->limit &&
        b->time_max < ls->v[ls->limit - 1]->event_time_ms) {
        return 1;
    }
    if (decode_batch(ls->s, b, &ls->eid, list_batched, ls, ls->err) < 0) {
        return -1;
    }
    cand_cut(ls);
    return 0;
}

/* The batch that holds place ls->seq of its chain, when the first the
 * walk gives (seq_last >= seq) is it: its records, as list_batch takes
 * them; then the walk stops. */
static int list_at_seq(void *arg, const struct lv_audit_batch *b)
{
    struct list_state *ls = arg;

    if (b->seq_first <= ls->seq &&
        decode_batch(ls->s, b, &ls->eid, list_batched, ls, ls->err) < 0) {
        return -1;
    }
    return 1;
}

/* Whether ls's filter looks up an eventID that a batched record of
 * (account, region) derives from its place (audit_eid.h): 1 with the place
 * in ls->seq, 0, or -1 with *ls->err. */
static int derived_place(struct list_state *ls, const char *account,
                         const char *region)
{
    const struct lv_audit_eid *eid;

    if (ls->f->attr != LV_AUDIT_ATTR_EVENT_ID || !ls->f->value || !region) {
        return 0;
    }
    eid = eid_for(ls->s, &ls->eid, region, ls->err);
    if (eid == NULL) {
        return -1;
    }
    return lv_audit_eid_seq(eid, account, ls->f->value, &ls->seq);
}

int lv_store_audit_list(struct lv_store *s, const char *account,
                        const char *region, const struct lv_audit_filter *f,
                        int64_t before_time_ms, int64_t before_seq, int limit,
                        lv_audit_record_fn fn, void *arg, struct lv_err *err)
{
    struct list_state ls = { s, err, f, before_time_ms, before_seq, limit,
                             0, NULL, 0, 0 };
    struct lv_buf term = LV_BUF_INIT(SIZE_MAX);
    const char *t;
    int in_ids;
    int rc;

    if (limit <= 0) {
        LV_BUG("audit list: limit %d", limit);
    }
    t = filter_term(f, &in_ids, &term);
    rc = lv_store_audit_rows_list(s, account, region, f, before_time_ms,
                                  before_seq, limit, list_row, &ls, err);
    if (rc < 0) {
        goto out;
    }
    cand_cut(&ls);
    rc = derived_place(&ls, account, region);
    if (rc < 0) {
        goto out;
    }
    if (rc > 0) {
        /* Its place names its batch; the ids set does not hold it. */
        rc = lv_store_audit_batch_walk(s, account, region, ls.seq - 1,
                                       list_at_seq, &ls, err);
        cand_cut(&ls);
    } else {
        rc = lv_store_audit_batch_search(s, account, region, in_ids, t,
                                         f->start_ms,
                                         f->end_ms < before_time_ms
                                             ? f->end_ms
                                             : before_time_ms,
                                         list_batch, &ls, err);
    }
    if (rc < 0) {
        goto out;
    }
    rc = 0;
    for (size_t i = 0; i < ls.n && rc == 0; i++) {
        rc = fn(arg, ls.v[i]);
    }
out:
    for (size_t i = 0; i < ls.n; i++) {
        free_record(ls.v[i]);
    }
    free(ls.v);
    lv_buf_release(&term);
    return rc;
}

/* ---- by request ---------------------------------------------------------- */

struct by_request_state {
    struct lv_store *s;
    struct lv_err *err;
    const char *request_id;
    lv_audit_record_fn fn;
    void *arg;
    int rc;                         /* fn's non-zero value */
    struct eid_cache eid;           /* decode_batch's */
};

static int by_request_record(void *arg, struct lv_audit_record *r)
{
    struct by_request_state *st = arg;

    if (!r->trace || strcmp(r->request_id, st->request_id) != 0) {
        return 0;
    }
    st->rc = st->fn(st->arg, r);
    return st->rc;
}

/* A single row of the request: passed on when it keeps a trace. */
static int by_request_row(void *arg, const struct lv_audit_record *r)
{
    struct by_request_state *st = arg;

    return r->trace ? st->fn(st->arg, r) : 0;
}

static int by_request_batch(void *arg, const struct lv_audit_batch *b)
{
    struct by_request_state *st = arg;

    return decode_batch(st->s, b, &st->eid, by_request_record, st, st->err);
}

int lv_store_audit_traces_by_request(struct lv_store *s,
                                     const char *account,
                                     const char *request_id,
                                     lv_audit_record_fn fn, void *arg,
                                     struct lv_err *err)
{
    struct by_request_state st = { s, err, request_id, fn, arg, 0 };
    struct lv_buf term = LV_BUF_INIT(SIZE_MAX);
    int rc;

    rc = lv_store_audit_rows_by_request(s, account, request_id,
                                        by_request_row, &st, err);
    if (rc != 0) {
        return rc;
    }
    rc = lv_store_audit_batch_search(s, account, NULL, 1,
                                     id_term(&term, LV_AUDIT_TAG_REQUEST_ID,
                                             request_id),
                                     INT64_MIN, INT64_MAX, by_request_batch,
                                     &st, err);
    lv_buf_release(&term);
    return rc < 0 ? -1 : st.rc;
}

/* ---- key last use -------------------------------------------------------- */

struct last_use_state {
    struct lv_store *s;
    struct lv_err *err;
    const char *key_arn;
    struct lv_audit_record *best;   /* NULL: none yet */
    struct eid_cache eid;           /* decode_batch's */
};

static int last_use_record(void *arg, struct lv_audit_record *r)
{
    struct last_use_state *st = arg;

    if (!r->key_use || r->error_code[0] ||
        (st->best && newer(r->event_time_ms, r->seq, st->best->event_time_ms,
                           st->best->seq) <= 0)) {
        return 0;
    }
    for (int i = 0; i < r->n_resources; i++) {
        if (strcmp(r->resources[i].type, "AWS::KMS::Key") == 0 &&
            strcmp(r->resources[i].name, st->key_arn) == 0) {
            free_record(st->best);
            st->best = take_record(r);
            return 0;
        }
    }
    return 0;
}

static int last_use_batch(void *arg, const struct lv_audit_batch *b)
{
    struct last_use_state *st = arg;

    if (st->best && b->time_max < st->best->event_time_ms) {
        return 1;                   /* batches come newest first */
    }
    return decode_batch(st->s, b, &st->eid, last_use_record, st,
                        st->err) < 0 ? -1
                                                                   : 0;
}

int lv_store_audit_key_last_use(struct lv_store *s, const char *key_arn,
                                struct lv_audit_record *out,
                                struct lv_err *err)
{
    struct last_use_state st = { s, err, key_arn, NULL };
    struct lv_buf term = LV_BUF_INIT(SIZE_MAX);
    int found;
    int rc;

    found = lv_store_audit_rows_key_last_use(s, key_arn, out, err);
    if (found < 0) {
        return -1;
    }
    if (found) {
        st.best = take_record(out);
    }
    memset(out, 0, sizeof(*out));
    lv_buf_addc(&term, '\n');
    add_line(&term, LV_AUDIT_TAG_KEY_USED, key_arn, strlen(key_arn));
    rc = lv_store_audit_batch_search(s, NULL, NULL, 0, term.data,
                                     st.best ? st.best->event_time_ms
                                             : INT64_MIN,
                                     INT64_MAX, last_use_batch, &st, err);
    lv_buf_release(&term);
    if (rc < 0) {
        free_record(st.best);
        return -1;
    }
    if (!st.best) {
        return 0;
    }
    *out = *st.best;
    free(st.best);
    return 1;
}

/* ---- chain walk ---------------------------------------------------------- */

struct walk_state {
    struct lv_store *s;
    const char *account;
    const char *region;
    lv_audit_record_fn fn;
    void *arg;
    int64_t done;                   /* the last seq handed to fn */
    int64_t upto;                   /* batches starting before it */
    int rc;                         /* fn's non-zero value */
    struct lv_err *err;
    struct eid_cache eid;           /* decode_batch's */
};

static int walk_record(void *arg, struct lv_audit_record *r)
{
    struct walk_state *ws = arg;

    if (r->seq <= ws->done) {
        return 0;
    }
    ws->done = r->seq;
    ws->rc = ws->fn(ws->arg, r);
    return ws->rc;
}

static int walk_batch(void *arg, const struct lv_audit_batch *b)
{
    struct walk_state *ws = arg;
    int rc;

    if (b->seq_first >= ws->upto) {
        return 1;                   /* the single row comes first */
    }
    rc = decode_batch(ws->s, b, &ws->eid, walk_record, ws, ws->err);
    if (rc != 0) {
        return rc < 0 ? -1 : 1;
    }
    /* A body passed over leaves its places to read as removed. */
    if (ws->done < b->seq_last) {
        ws->done = b->seq_last;
    }
    return 0;
}

/* Hands fn every batched record after ws->done and before seq upto. */
static int walk_batches_upto(struct walk_state *ws, int64_t upto)
{
    ws->upto = upto;
    if (lv_store_audit_batch_walk(ws->s, ws->account, ws->region, ws->done,
                                  walk_batch, ws, ws->err) < 0) {
        return -1;
    }
    return ws->rc;
}

static int walk_row(void *arg, const struct lv_audit_record *r)
{
    struct walk_state *ws = arg;
    int rc = walk_batches_upto(ws, r->seq);

    if (rc != 0) {
        return rc;
    }
    if (r->seq > ws->done) {
        ws->done = r->seq;
    }
    ws->rc = ws->fn(ws->arg, r);
    return ws->rc;
}

int lv_store_audit_chain_walk(struct lv_store *s, const char *account,
                              const char *region, int64_t after_seq,
                              int64_t *base_seq,
                              uint8_t base_hash[LV_AUDIT_HASH_BYTES],
                              lv_audit_record_fn fn, void *arg,
                              struct lv_err *err)
{
    struct walk_state ws = { s, account, region, fn, arg, after_seq, 0, 0,
                             err };
    int rc;

    rc = lv_store_audit_rows_chain_walk(s, account, region, after_seq,
                                        base_seq, base_hash, walk_row, &ws,
                                        err);
    if (rc != 0) {
        return rc;
    }
    return walk_batches_upto(&ws, INT64_MAX);
}
