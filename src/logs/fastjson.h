/*
 * fastjson: the PutLogEvents request decoder of the ingest hot path
 * (DESIGN.md "Hot paths"), simdjson's On-Demand API behind a plain C API.
 * src/logs/fastjson.cc is the only C++ file of the tree.
 *
 * The decoder accepts only plainly valid requests: those that jansson
 * parses, that lv_model_validate accepts for Logs_20140328.PutLogEvents,
 * and whose events the jansson path reads the same way. Anything else —
 * malformed JSON, a member it does not know (entity, or any unknown member
 * AWS would ignore), a duplicate member, null, a wrong type, a count or
 * length out of the model's range, a name that breaks the model's pattern,
 * \u0000 (jansson refuses it), a number that is not a plain non-negative
 * integer — is answered "fall back", and the caller runs the ordinary
 * path (jansson + lv_model_validate), which produces the answer, error
 * message included. So this decoder never produces an error message.
 *
 * The second entry point, lv_fastjson_visit, is for FilterLogEvents JSON
 * filter patterns: it reports what selectors ($.a.b[0].c, $.a[*].b) name
 * in an event message without building a jansson tree, under the same
 * rule: a doubt is a fallback.
 *
 * Not here: the batch rules that come after decoding (chronological order,
 * 24-hour span, 1 MB total; src/logs/ingest.c applies them to what either
 * path decoded).
 */
#ifndef LV_LOGS_FASTJSON_H
#define LV_LOGS_FASTJSON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes past the end of a body that simdjson reads (SIMDJSON_PADDING). A
 * caller that can offer them readable avoids one copy of the body. */
#define LV_FASTJSON_PADDING 64

/* The model's bounds (botocore logs service-2.json, PutLogEventsRequest). */
#define LV_FASTJSON_MAX_EVENTS 10000
#define LV_FASTJSON_MAX_NAME 512

struct lv_fastjson_event {
    int64_t ts;             /* epoch ms, 0 .. INT64_MAX */
    const char *msg;        /* into text; not NUL-terminated; no NUL */
    size_t len;             /* bytes, >= 1 */
};

/* A decoded request. Everything points into `text`, which it owns. */
struct lv_fastjson_put {
    const char *group;      /* logGroupName, NUL-terminated */
    const char *stream;     /* logStreamName, NUL-terminated */
    struct lv_fastjson_event *ev;
    size_t n;               /* 1 .. LV_FASTJSON_MAX_EVENTS */
    char *text;             /* the unescaped strings */
};

#define LV_FASTJSON_PUT_INIT { NULL, NULL, NULL, 0, NULL }

enum lv_fastjson_status {
    LV_FASTJSON_OK = 0,
    LV_FASTJSON_FALLBACK = 1,   /* not decoded: take the jansson path */
};

/*
 * Decodes the PutLogEvents body (len bytes at body; `readable` bytes from
 * body on may be read, readable >= len — when readable >= len +
 * LV_FASTJSON_PADDING the body is parsed in place, else it is copied).
 * On LV_FASTJSON_OK fills *out (release it with lv_fastjson_put_release):
 * logGroupName (1..512 of [.-_/#A-Za-z0-9]), logStreamName (1..512 code
 * points, no ':' or '*'), the events in request order, sequenceToken
 * checked (a string of at least one character) and dropped. On
 * LV_FASTJSON_FALLBACK *out is untouched. Thread-safe (one simdjson parser
 * per thread, kept for the thread's life).
 */
enum lv_fastjson_status lv_fastjson_put_decode(const char *body, size_t len,
                                               size_t readable,
                                               struct lv_fastjson_put *out);

/* Frees what p holds and leaves it LV_FASTJSON_PUT_INIT. */
void lv_fastjson_put_release(struct lv_fastjson_put *p);

/* ---- FilterLogEvents: the values JSON selectors name ------------------ */

/* One step of a selector: .name (name_len bytes, need not be
 * NUL-terminated), [index], or the wildcard (is_wild: every element of an
 * array, every member value of an object). */
struct lv_fastjson_step {
    const char *name;
    size_t name_len;
    size_t index;
    int is_index;
    int is_wild;
};

struct lv_fastjson_path {
    const struct lv_fastjson_step *steps;
    size_t nsteps;
};

enum lv_fastjson_kind {
    LV_FASTJSON_MISSING,    /* the path names nothing */
    LV_FASTJSON_NULL,
    LV_FASTJSON_TRUE,
    LV_FASTJSON_FALSE,
    LV_FASTJSON_INT,        /* a JSON integer (no fraction, no exponent) */
    LV_FASTJSON_REAL,       /* a number with a fraction or an exponent */
    LV_FASTJSON_STRING,
    LV_FASTJSON_CONTAINER,  /* an object or an array */
};

/* What a path names, as jansson's tree of the same message would have it
 * (json_loadb with JSON_ALLOW_NUL; of duplicate members the last counts).
 * str/len: the unescaped bytes of a string (may hold NULs). */
struct lv_fastjson_val {
    enum lv_fastjson_kind kind;
    const char *str;
    size_t len;
    int64_t i;              /* LV_FASTJSON_INT */
    double d;               /* LV_FASTJSON_REAL */
};

/* Called once per value a path names: path is its index in paths. */
typedef void (*lv_fastjson_visit_fn)(void *arg, size_t path,
                                     const struct lv_fastjson_val *v);

/*
 * Parses the event message msg (len bytes, need not be NUL-terminated or
 * padded: it is copied) as one JSON document with simdjson's DOM parser
 * and calls fn(arg, k, v) for each value v that paths[k] names, for
 * k = 0 .. npaths - 1 in turn, and for one path in the message's order
 * (a path without a wildcard names at most one value; one with a
 * wildcard, one per child — elements of an array, member values of an
 * object — below which the rest of the path is followed; a path that
 * names nothing gets no call).
 *
 * LV_FASTJSON_OK only when jansson's json_loadb(msg, len, JSON_ALLOW_NUL)
 * would return an object and the calls made are exactly what walking
 * jansson's tree of it would give, values and order. LV_FASTJSON_FALLBACK
 * whenever that is not certain — the message is not valid JSON to
 * simdjson (jansson accepts some of those: nesting between 1024 and 2048
 * levels), or holds something where the two may differ (an integer of 19
 * digits or more, which jansson refuses past int64; \u0000, which jansson
 * refuses in a member name; a \uD800..\uDFFF escape; an object a
 * wildcard walks that has a member name twice, of which jansson keeps one
 * value) — and the caller, having thrown away what the calls so far told
 * it, asks jansson. v->str points into per-thread storage, valid until
 * this thread's next call. Thread-safe.
 */
enum lv_fastjson_status lv_fastjson_visit(const char *msg, size_t len,
                                          const struct lv_fastjson_path
                                              *paths,
                                          size_t npaths,
                                          lv_fastjson_visit_fn fn,
                                          void *arg);

#ifdef __cplusplus
}
#endif

#endif
