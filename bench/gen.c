/*
 * gen.c: the generated log events of the benchmarks (see gen.h).
 */
#include "gen.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

#define MAX_EVENT 1024

/* splitmix64: small, fast, deterministic; not for secrets. */
static uint64_t next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;

        a = b;
        b = t;
    }
    return a;
}

static unsigned pick(uint64_t *s, unsigned n)
{
    return (unsigned)(next(s) % n);
}

static void hex(uint64_t *s, char *out, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    uint64_t r = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        if (i % 16 == 0) {
            r = next(s);
        }
        out[i] = digits[r & 15];
        r >>= 4;
    }
    out[n] = '\0';
}

static void uuid(uint64_t *s, char out[37])
{
    char h[33];

    hex(s, h, 32);
    snprintf(out, 37, "%.8s-%.4s-4%.3s-a%.3s-%.12s", h, h + 8, h + 12,
             h + 15, h + 18);
}

static const char *const routes[] = {
    "/api/v1/users/%u", "/api/v1/users/%u/orders", "/api/v1/orders/%u",
    "/api/v1/orders/%u/items", "/api/v1/products/%u", "/api/v1/cart/%u",
    "/api/v1/cart/%u/checkout", "/api/v2/search?q=item%u",
    "/api/v2/inventory/%u", "/api/v2/payments/%u", "/api/v2/payments/%u/refund",
    "/api/v2/shipments/%u", "/health", "/metrics", "/login", "/logout",
    "/static/js/app.%u.js", "/static/css/site.%u.css", "/images/p/%u.jpg",
    "/api/v1/sessions/%u",
};
#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

static const char *const agents[] = {
    "Mozilla/5.0 (X11; Linux x86_64) Firefox/126.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) Safari/605.1",
    "curl/8.5.0", "python-requests/2.31.0", "Go-http-client/1.1",
    "aws-sdk-java/2.25.1", "okhttp/4.12.0",
};
#define N_AGENTS (sizeof(agents) / sizeof(agents[0]))

static const char *const methods[] = { "GET", "GET", "GET", "POST", "PUT",
                                       "DELETE" };

static const char *const app_msgs[] = {
    "order %u processed in %u ms (%u items)",
    "cache miss for key user:%u, loaded in %u ms from db (%u rows)",
    "payment %u authorized, amount %u.%02u EUR",
    "session %u refreshed, ttl %u s, %u active",
    "queue depth %u, %u consumers, lag %u ms",
    "sent email %u to %u recipients in %u ms",
};
#define N_APP (sizeof(app_msgs) / sizeof(app_msgs[0]))

static const char *const errors[] = {
    "java.lang.IllegalStateException: pool exhausted at "
    "com.example.db.Pool.acquire(Pool.java:%u) at "
    "com.example.api.OrderService.get(OrderService.java:%u)",
    "java.net.SocketTimeoutException: read timed out after %u ms at "
    "com.example.http.Client.send(Client.java:%u)",
    "retrying upstream call attempt=%u backoff=%u ms status=503",
    "java.lang.NullPointerException at "
    "com.example.cart.Cart.total(Cart.java:%u) at "
    "com.example.api.CartHandler.handle(CartHandler.java:%u)",
};
#define N_ERRORS (sizeof(errors) / sizeof(errors[0]))

static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May",
                                      "Jun", "Jul", "Aug", "Sep", "Oct",
                                      "Nov", "Dec" };

static unsigned status_code(uint64_t *s)
{
    unsigned r = pick(s, 1000);

    if (r < 5) {
        return 503;
    }
    if (r < 15) {
        return 500;
    }
    if (r < 60) {
        return 404;
    }
    if (r < 80) {
        return 302;
    }
    return r < 120 ? 201 : 200;
}

/* Appends printf output at *pos, bounded by MAX_EVENT. */
static void put(char *ev, size_t *pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void put(char *ev, size_t *pos, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(ev + *pos, MAX_EVENT - *pos, fmt, ap);
    va_end(ap);
    if (n > 0) {
        *pos += (size_t)n < MAX_EVENT - *pos ? (size_t)n
                                              : MAX_EVENT - 1 - *pos;
    }
}

static size_t one_event(uint64_t *s, size_t i, char *ev)
{
    unsigned kind = pick(s, 100);
    unsigned sec = (unsigned)(i / 1000) % 86400;
    unsigned ms = (unsigned)(i % 1000);
    char iso[32];
    char id[37];
    char path[64];
    char trace[33];
    size_t pos = 0;

    snprintf(iso, sizeof(iso), "2024-05-01T%02u:%02u:%02u.%03uZ",
             sec / 3600, sec / 60 % 60, sec % 60, ms);
    uuid(s, id);
    snprintf(path, sizeof(path), routes[pick(s, N_ROUTES)],
             pick(s, 1000000));
    if (kind < 50) {
        hex(s, trace, 32);
        put(ev, &pos, "{\"time\":\"%s\",\"level\":\"INFO\",\"method\":\"%s\","
            "\"path\":\"%s\",\"status\":%u,\"bytes\":%u,\"latency_ms\":%u,"
            "\"request_id\":\"%s\",\"trace_id\":\"%s\",\"ip\":\"10.%u.%u.%u\","
            "\"ua\":\"%s\"}", iso, methods[pick(s, 6)], path, status_code(s),
            pick(s, 60000), pick(s, 1000), id, trace, pick(s, 256),
            pick(s, 256), pick(s, 256), agents[pick(s, N_AGENTS)]);
    } else if (kind < 75) {
        put(ev, &pos, "%s INFO [worker-%u] req=%s ", iso, pick(s, 16), id);
        put(ev, &pos, app_msgs[pick(s, N_APP)], pick(s, 100000),
            pick(s, 2000), pick(s, 100));
    } else if (kind < 85) {
        int rare = i % LV_GEN_RARE_EVERY == LV_GEN_RARE_EVERY / 2;

        put(ev, &pos, "%s %s [worker-%u] req=%s ", iso,
            kind < 80 ? "WARN" : "ERROR", pick(s, 16), id);
        if (rare) {
            put(ev, &pos, "java.lang." LV_GEN_RARE_TERM ": Java heap space "
                "at com.example.Cache.put(Cache.java:%u)", pick(s, 900));
        } else {
            put(ev, &pos, errors[pick(s, N_ERRORS)], pick(s, 900),
                pick(s, 900));
        }
    } else {
        put(ev, &pos, "10.%u.%u.%u - - [01/%s/2024:%02u:%02u:%02u +0000] "
            "\"%s %s HTTP/1.1\" %u %u \"-\" \"%s\"", pick(s, 256),
            pick(s, 256), pick(s, 256), months[4], sec / 3600, sec / 60 % 60,
            sec % 60, methods[pick(s, 6)], path, status_code(s),
            pick(s, 60000), agents[pick(s, N_AGENTS)]);
    }
    return pos;
}

void lv_gen_events(struct lv_gen *g, uint64_t seed, size_t n)
{
    uint64_t s = seed;
    size_t cap = n * 240 + MAX_EVENT;
    char ev[MAX_EVENT];
    size_t i;

    g->data = lv_xmalloc(cap);
    g->off = lv_xmalloc((n ? n : 1) * sizeof(*g->off));
    g->len = lv_xmalloc((n ? n : 1) * sizeof(*g->len));
    g->bytes = 0;
    g->n = n;
    for (i = 0; i < n; i++) {
        size_t len = one_event(&s, i, ev);

        if (g->bytes + len > cap) {
            cap *= 2;
            g->data = lv_xrealloc(g->data, cap);
        }
        memcpy(g->data + g->bytes, ev, len);
        g->off[i] = g->bytes;
        g->len[i] = (uint32_t)len;
        g->bytes += len;
    }
}

void lv_gen_distinct(struct lv_gen *g, uint64_t seed, size_t n)
{
    uint64_t s = seed;
    /* x = k(i * a + b) mod n with a odd and coprime to n: a permutation
     * of 0..n-1 that does not look sorted */
    uint64_t a = (next(&s) | 1) % (n ? n : 1), b = next(&s);
    char ev[MAX_EVENT];
    size_t i;

    while (n > 2 && (a < 2 || gcd(a, n) != 1)) {
        a = (a + 2) % n;
    }
    g->data = lv_xmalloc(n * 64 + 1);
    g->off = lv_xmalloc((n ? n : 1) * sizeof(*g->off));
    g->len = lv_xmalloc((n ? n : 1) * sizeof(*g->len));
    g->bytes = 0;
    g->n = n;
    for (i = 0; i < n; i++) {
        uint64_t x = n ? (uint64_t)(((unsigned __int128)i * a + b) % n) : 0;
        size_t len = 0;

        put(ev, &len, "{\"x\":\"k%07" PRIu64 "\",\"level\":\"INFO\","
            "\"latency_ms\":%u}", x, pick(&s, 1000));
        memcpy(g->data + g->bytes, ev, len);
        g->off[i] = g->bytes;
        g->len[i] = (uint32_t)len;
        g->bytes += len;
    }
}

void lv_gen_release(struct lv_gen *g)
{
    free(g->data);
    free(g->off);
    free(g->len);
    memset(g, 0, sizeof(*g));
}
