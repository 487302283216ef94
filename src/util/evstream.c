#include "util/evstream.h"

#include <string.h>

#include "util/buf.h"

/* Value type of a string header (botocore: _HEADER_TYPE "string"). */
#define TYPE_STRING 7

/* CRC32 as zlib computes it: reflected, polynomial 0xEDB88320, the
 * register starting and ending inverted. Bitwise: messages are few and
 * small next to everything else a live tail does per second. */
uint32_t lv_evstream_crc32(uint32_t crc, const void *data, size_t n)
{
    const unsigned char *p = data;

    crc = ~crc;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++) {
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
        }
    }
    return ~crc;
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

int lv_evstream_write(struct lv_buf *out, const struct lv_evstream_header *h,
                      size_t nh, const void *payload, size_t n)
{
    size_t hlen = 0;
    size_t total;
    size_t start = out->len;
    unsigned char pre[12];
    unsigned char crc[4];

    for (size_t i = 0; i < nh; i++) {
        size_t nl = strlen(h[i].name);
        size_t vl = strlen(h[i].value);

        if (nl == 0 || nl > 255 || vl > 32767) {
            return -1;
        }
        hlen += 1 + nl + 1 + 2 + vl;
    }
    if (hlen > LV_EVSTREAM_MAX_HEADERS ||
        n > LV_EVSTREAM_MAX_MESSAGE - LV_EVSTREAM_OVERHEAD - hlen) {
        return -1;
    }
    total = LV_EVSTREAM_OVERHEAD + hlen + n;
    if (lv_buf_grow(out, total) < 0) {
        return -1;
    }
    put32(pre, (uint32_t)total);
    put32(pre + 4, (uint32_t)hlen);
    put32(pre + 8, lv_evstream_crc32(0, pre, 8));
    lv_buf_add(out, pre, sizeof(pre));
    for (size_t i = 0; i < nh; i++) {
        size_t nl = strlen(h[i].name);
        size_t vl = strlen(h[i].value);
        unsigned char b[3];

        lv_buf_addc(out, (char)nl);
        lv_buf_add(out, h[i].name, nl);
        b[0] = TYPE_STRING;
        b[1] = (unsigned char)(vl >> 8);
        b[2] = (unsigned char)vl;
        lv_buf_add(out, b, sizeof(b));
        lv_buf_add(out, h[i].value, vl);
    }
    lv_buf_add(out, payload, n);
    put32(crc, lv_evstream_crc32(0, out->data + start, out->len - start));
    lv_buf_add(out, crc, sizeof(crc));
    return 0;
}

int lv_evstream_event(struct lv_buf *out, const char *type,
                      const char *json, size_t n)
{
    const struct lv_evstream_header h[] = {
        { ":message-type", "event" },
        { ":event-type", type },
        { ":content-type", "application/json" },
    };

    return lv_evstream_write(out, h, 3, json, n);
}

int lv_evstream_exception(struct lv_buf *out, const char *type,
                          const char *msg)
{
    const struct lv_evstream_header h[] = {
        { ":message-type", "exception" },
        { ":exception-type", type },
        { ":content-type", "application/json" },
    };
    struct lv_buf body = LV_BUF_INIT(LV_EVSTREAM_MAX_MESSAGE / 2);
    int ret = -1;

    if (lv_buf_adds(&body, "{\"message\":\"") == 0 &&
        lv_buf_add_json_str(&body, msg, strlen(msg)) == 0 &&
        lv_buf_adds(&body, "\"}") == 0) {
        ret = lv_evstream_write(out, h, 3, body.data, body.len);
    }
    lv_buf_release(&body);
    return ret;
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | p[3];
}

/* The size of a header value of type t at p (room bytes left), or
 * (size_t)-1 when the type is unknown or the value runs past room. */
static size_t value_size(unsigned t, const unsigned char *p, size_t room)
{
    /* bool true, bool false, byte, short, int, long, bytes, string,
     * timestamp, uuid (botocore's _HEADER_TYPE_MAP) */
    static const size_t fixed[] = { 0, 0, 1, 2, 4, 8, 0, 0, 8, 16 };
    size_t n;

    if (t > 9) {
        return (size_t)-1;
    }
    if (t == 6 || t == TYPE_STRING) {
        if (room < 2) {
            return (size_t)-1;
        }
        n = 2 + ((size_t)p[0] << 8 | p[1]);
    } else {
        n = fixed[t];
    }
    return n <= room ? n : (size_t)-1;
}

/* Walks the headers: calls back for each (name, type, value); -1 when
 * they do not parse. */
static int walk_headers(const unsigned char *h, size_t len,
                        int (*fn)(void *arg, const unsigned char *name,
                                  size_t nl, unsigned t,
                                  const unsigned char *v, size_t vl),
                        void *arg)
{
    size_t i = 0;

    while (i < len) {
        size_t nl = h[i];
        size_t vs;
        unsigned t;

        if (nl == 0 || len - i < 1 + nl + 1) {
            return -1;
        }
        t = h[i + 1 + nl];
        vs = value_size(t, h + i + 2 + nl, len - i - 2 - nl);
        if (vs == (size_t)-1) {
            return -1;
        }
        if (fn && fn(arg, h + i + 1, nl, t, h + i + 2 + nl, vs)) {
            return 1;
        }
        i += 2 + nl + vs;
    }
    return 0;
}

int lv_evstream_read(const void *data, size_t n, struct lv_evstream_msg *m,
                     size_t *used)
{
    const unsigned char *p = data;
    uint32_t total, hlen;

    if (n < 12) {
        return 0;
    }
    total = get32(p);
    hlen = get32(p + 4);
    if (get32(p + 8) != lv_evstream_crc32(0, p, 8) ||
        total < LV_EVSTREAM_OVERHEAD || total > LV_EVSTREAM_MAX_MESSAGE ||
        hlen > LV_EVSTREAM_MAX_HEADERS ||
        hlen > total - LV_EVSTREAM_OVERHEAD) {
        return -1;
    }
    if (n < total) {
        return 0;
    }
    if (get32(p + total - 4) != lv_evstream_crc32(0, p, total - 4) ||
        walk_headers(p + 12, hlen, NULL, NULL) < 0) {
        return -1;
    }
    m->headers = p + 12;
    m->headers_len = hlen;
    m->payload = p + 12 + hlen;
    m->payload_len = total - LV_EVSTREAM_OVERHEAD - hlen;
    *used = total;
    return 1;
}

struct find {
    const char *name;
    const unsigned char *v;
    size_t vl;
};

static int find_one(void *arg, const unsigned char *name, size_t nl,
                    unsigned t, const unsigned char *v, size_t vl)
{
    struct find *f = arg;

    if (t == TYPE_STRING && nl == strlen(f->name) &&
        memcmp(name, f->name, nl) == 0) {
        f->v = v + 2;
        f->vl = vl - 2;
        return 1;
    }
    return 0;
}

int lv_evstream_header(const struct lv_evstream_msg *m, const char *name,
                       const char **value, size_t *len)
{
    struct find f = { name, NULL, 0 };

    if (walk_headers(m->headers, m->headers_len, find_one, &f) != 1) {
        return 0;
    }
    *value = (const char *)f.v;
    *len = f.vl;
    return 1;
}
