/*
 * row: one row of a query as the commands see it — the event it came from,
 * the fields commands set on it, and the fields discovered in its message
 * (discover.c), found lazily: the first lookup of a name that is neither
 * set nor a system field parses @message once, into a table in the row's
 * arena. Lookups are a compare of the name against the few set fields,
 * the six system names and that table.
 *
 * System fields (CWL_AnalyzeLogData-discoverable-fields): @timestamp and
 * @ingestionTime (times, epoch ms), @message, @logStream, @log
 * ("account:group"), and @ptr (GetLogRecord's pointer).
 */
#include <stdint.h>
#include <string.h>

#include "insights/exec_int.h"
#include "insights/iq.h"
#include "util/mem.h"

struct set_field {
    char *name;             /* in the arena */
    size_t nlen;
    struct lv_iq_val v;     /* text in the arena */
};

struct lv_iq_row {
    int has_ev;
    struct lv_iq_event ev;      /* text borrowed until lv_iq_row_own */
    int owned;
    struct lv_iq_arena arena;
    struct set_field *set;      /* heap */
    size_t n_set, cap_set;
    int discovered;             /* the table below is built */
    struct lv_iq_dfield *disc;
    size_t n_disc;
};

/* The prefix that makes a group Lambda's, after "account:" in @log. */
#define LAMBDA_PREFIX "/aws/lambda/"

struct lv_iq_row *lv_iq_row_new(const struct lv_iq_event *ev)
{
    struct lv_iq_row *r = lv_xcalloc(1, sizeof(*r));
    if (ev) {
        r->has_ev = 1;
        r->ev = *ev;
    }
    return r;
}

void lv_iq_row_free(struct lv_iq_row *r)
{
    if (!r) {
        return;
    }
    lv_iq_arena_release(&r->arena);
    free(r->set);
    free(r);
}

struct lv_iq_arena *lv_iq_row_arena(struct lv_iq_row *r)
{
    return &r->arena;
}

const struct lv_iq_event *lv_iq_row_event(const struct lv_iq_row *r)
{
    return r->has_ev ? &r->ev : NULL;
}

static int is_lambda(const struct lv_iq_event *ev)
{
    const char *c = ev->log ? memchr(ev->log, ':', ev->log_len) : NULL;
    size_t rest;
    if (!c) {
        return 0;
    }
    rest = ev->log_len - (size_t)(c + 1 - ev->log);
    return rest > strlen(LAMBDA_PREFIX) &&
           memcmp(c + 1, LAMBDA_PREFIX, strlen(LAMBDA_PREFIX)) == 0;
}

static void discover(struct lv_iq_row *r)
{
    r->discovered = 1;
    if (!r->has_ev || !r->ev.msg || r->ev.no_discovery) {
        return;
    }
    r->n_disc = lv_iq_discover_fields(r->ev.msg, r->ev.msg_len,
                                      is_lambda(&r->ev) ? LV_IQ_DISC_LAMBDA
                                                        : 0,
                                      &r->arena, &r->disc);
}

static int name_is(const char *name, size_t len, const char *lit)
{
    size_t n = strlen(lit);
    return len == n && memcmp(name, lit, n) == 0;
}

static void str_val(struct lv_iq_val *out, const char *s, size_t len)
{
    out->t = s ? LV_IQ_STR : LV_IQ_NULL;
    out->num = 0;
    out->s = s;
    out->len = s ? len : 0;
    out->is_ptr = 0;
}

/* The system field `name` of r's event: 1 and *out, or 0. */
static int system_field(const struct lv_iq_row *r, const char *name,
                        size_t len, struct lv_iq_val *out)
{
    const struct lv_iq_event *ev = &r->ev;

    if (!r->has_ev || len < 4 || name[0] != '@') {
        return 0;
    }
    if (name_is(name, len, "@timestamp")) {
        out->t = LV_IQ_TIME;
        out->num = (double)ev->ts;
        out->s = NULL;
        out->len = 0;
    } else if (name_is(name, len, "@message")) {
        str_val(out, ev->msg, ev->msg_len);
    } else if (name_is(name, len, "@logStream")) {
        str_val(out, ev->stream, ev->stream_len);
    } else if (name_is(name, len, "@log")) {
        str_val(out, ev->log, ev->log_len);
    } else if (name_is(name, len, "@ingestionTime")) {
        out->t = LV_IQ_TIME;
        out->num = (double)ev->ingestion_ms;
        out->s = NULL;
        out->len = 0;
    } else if (name_is(name, len, "@ptr")) {
        str_val(out, ev->ptr, ev->ptr_len);
        out->is_ptr = out->t == LV_IQ_STR;
    } else {
        return 0;
    }
    return 1;
}

static struct set_field *find_set(const struct lv_iq_row *r, const char *name,
                                  size_t len)
{
    for (size_t i = 0; i < r->n_set; i++) {
        if (r->set[i].nlen == len && memcmp(r->set[i].name, name, len) == 0) {
            return &r->set[i];
        }
    }
    return NULL;
}

int lv_iq_row_has_set(const struct lv_iq_row *r, const char *name,
                      size_t len)
{
    return find_set(r, name, len) != NULL;
}

void lv_iq_row_get(struct lv_iq_row *r, const char *name, size_t len,
                   struct lv_iq_val *out)
{
    const struct set_field *f = find_set(r, name, len);

    if (f) {
        *out = f->v;
        return;
    }
    if (system_field(r, name, len, out)) {
        return;
    }
    if (!r->discovered) {
        discover(r);
    }
    for (size_t i = 0; i < r->n_disc; i++) {
        if (r->disc[i].nlen == len && memcmp(r->disc[i].name, name, len) == 0) {
            *out = r->disc[i].v;
            return;
        }
    }
    out->t = LV_IQ_NULL;
    out->num = 0;
    out->s = NULL;
    out->len = 0;
}

void lv_iq_row_set(struct lv_iq_row *r, const char *name,
                   const struct lv_iq_val *v)
{
    size_t len = strlen(name);
    struct set_field *f = find_set(r, name, len);

    if (!f) {
        if (r->n_set == r->cap_set) {
            r->cap_set = r->cap_set ? r->cap_set * 2 : 4;
            r->set = lv_xrealloc(r->set, r->cap_set * sizeof(*r->set));
        }
        f = &r->set[r->n_set++];
        f->name = lv_iq_arena_strndup(&r->arena, name, len);
        f->nlen = len;
    }
    f->v = *v;
    if (v->t == LV_IQ_STR || v->t == LV_IQ_JSON) {
        f->v.s = lv_iq_arena_strndup(&r->arena, v->s ? v->s : "", v->len);
    } else {
        f->v.s = NULL;
        f->v.len = 0;
    }
}

/* p, if it points into [old, old + len), moved to the same place in nw. */
static const char *rebase(const char *p, const char *old, size_t len,
                          const char *nw)
{
    uintptr_t u = (uintptr_t)p, o = (uintptr_t)old;
    if (p && old && u >= o && u < o + len + 1) {
        return nw + (u - o);
    }
    return p;
}

void lv_iq_row_own(struct lv_iq_row *r)
{
    struct lv_iq_event *ev = &r->ev;
    const char *old_msg = ev->msg;

    if (!r->has_ev || r->owned) {
        return;
    }
    r->owned = 1;
    if (ev->msg) {
        ev->msg = lv_iq_arena_strndup(&r->arena, ev->msg, ev->msg_len);
        for (size_t i = 0; i < r->n_disc; i++) {
            if (r->disc[i].v.t == LV_IQ_STR) {
                r->disc[i].v.s = rebase(r->disc[i].v.s, old_msg, ev->msg_len,
                                        ev->msg);
            }
        }
    }
    if (ev->unmasked) {
        ev->unmasked = lv_iq_arena_strndup(&r->arena, ev->unmasked,
                                           ev->unmasked_len);
    }
    if (ev->log) {
        ev->log = lv_iq_arena_strndup(&r->arena, ev->log, ev->log_len);
    }
    if (ev->stream) {
        ev->stream = lv_iq_arena_strndup(&r->arena, ev->stream,
                                         ev->stream_len);
    }
    if (ev->ptr) {
        ev->ptr = lv_iq_arena_strndup(&r->arena, ev->ptr, ev->ptr_len);
    }
}

void lv_iq_row_reuse(struct lv_iq_row *r, const struct lv_iq_event *ev)
{
    lv_iq_arena_reset(&r->arena);
    r->n_set = 0;
    r->discovered = 0;
    r->disc = NULL;
    r->n_disc = 0;
    r->owned = 0;
    r->has_ev = ev != NULL;
    if (ev) {
        r->ev = *ev;
    } else {
        memset(&r->ev, 0, sizeof(r->ev));
    }
}

struct lv_iq_row *lv_iq_row_clone(const struct lv_iq_row *r)
{
    struct lv_iq_row *c = lv_iq_row_new(r->has_ev ? &r->ev : NULL);

    for (size_t i = 0; i < r->n_set; i++) {
        lv_iq_row_set(c, r->set[i].name, &r->set[i].v);
    }
    if (r->owned) {
        lv_iq_row_own(c);
    }
    return c;
}

size_t lv_iq_row_bytes(const struct lv_iq_row *r)
{
    return sizeof(*r) + r->arena.used_total + r->cap_set * sizeof(*r->set);
}

static const char *const system_names[] = {
    "@timestamp", "@message", "@logStream", "@log", "@ingestionTime",
};

int lv_iq_row_each(struct lv_iq_row *r, lv_iq_field_fn *fn, void *arg)
{
    struct lv_iq_val v;
    int rc;

    for (size_t i = 0; i < r->n_set; i++) {
        if ((rc = fn(arg, r->set[i].name, &r->set[i].v)) != 0) {
            return rc;
        }
    }
    if (!r->has_ev) {
        return 0;
    }
    for (size_t i = 0; i < sizeof(system_names) / sizeof(system_names[0]);
         i++) {
        const char *n = system_names[i];
        if (find_set(r, n, strlen(n)) ||
            !system_field(r, n, strlen(n), &v) || v.t == LV_IQ_NULL) {
            continue;
        }
        if ((rc = fn(arg, n, &v)) != 0) {
            return rc;
        }
    }
    if (!r->discovered) {
        discover(r);
    }
    for (size_t i = 0; i < r->n_disc; i++) {
        if (find_set(r, r->disc[i].name, r->disc[i].nlen)) {
            continue;
        }
        if ((rc = fn(arg, r->disc[i].name, &r->disc[i].v)) != 0) {
            return rc;
        }
    }
    if (!find_set(r, "@ptr", 4) && system_field(r, "@ptr", 4, &v) &&
        v.t != LV_IQ_NULL) {
        return fn(arg, "@ptr", &v);
    }
    return 0;
}
