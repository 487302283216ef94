/*
 * sub: a finished sub-query's rows (r8/iqsub; iq.h, struct lv_iq_subres),
 * indexed by the text of its key field — what join looks its right rows
 * up by and what `in ( … )` tests. Values are compared as the text
 * GetQueryResults shows (a number 42 matches "42"), since a sub-query's
 * rows are results.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "insights/insights.h"
#include "insights/iq.h"
#include "util/buf.h"
#include "util/mem.h"

static uint64_t hash_text(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;       /* FNV-1a */

    for (size_t i = 0; i < n; i++) {
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    }
    return h;
}

/* Row i's value of the key (NULL when it has none). */
static const char *row_key(const struct lv_iq_subres *s, size_t i,
                           const char *key)
{
    const struct lv_iq_result_row *row = &s->res.rows[i];

    for (size_t j = 0; j < row->n; j++) {
        if (strcmp(row->f[j].name, key) == 0) {
            return row->f[j].value;
        }
    }
    return NULL;
}

/* The slot of text: where it is, or the empty one where it goes. */
static size_t slot_of(const struct lv_iq_subres *s, const char *key,
                      const char *text, size_t len, uint64_t h)
{
    size_t i = (size_t)h & (s->cap - 1);

    while (s->head[i]) {
        const char *k = row_key(s, s->head[i] - 1, key);
        if (s->hash[i] == h && strlen(k) == len && memcmp(k, text, len) == 0) {
            return i;
        }
        i = (i + 1) & (s->cap - 1);
    }
    return i;
}

void lv_iq_subres_set(struct lv_iq_subres *s, struct lv_iq_result *res,
                      const char *key)
{
    memset(s, 0, sizeof(*s));
    s->res = *res;
    memset(res, 0, sizeof(*res));
    s->done = 1;
    for (size_t i = 0; i < s->res.n; i++) {
        const struct lv_iq_result_row *row = &s->res.rows[i];
        for (size_t j = 0; j < row->n; j++) {
            s->bytes += strlen(row->f[j].name) + strlen(row->f[j].value) +
                        2 + sizeof(row->f[j]);
        }
    }
    if (!key || s->res.n == 0) {
        return;
    }
    s->key = lv_xstrdup(key);
    s->cap = 16;
    while (s->cap < 2 * s->res.n) {
        s->cap *= 2;
    }
    s->head = lv_xcalloc(s->cap, sizeof(*s->head));
    s->tail = lv_xcalloc(s->cap, sizeof(*s->tail));
    s->hash = lv_xcalloc(s->cap, sizeof(*s->hash));
    s->next = lv_xcalloc(s->res.n, sizeof(*s->next));
    s->bytes += s->cap * 3 * sizeof(size_t) + s->res.n * sizeof(size_t);
    for (size_t i = 0; i < s->res.n; i++) {
        const char *k = row_key(s, i, key);
        uint64_t h;
        size_t at;

        if (!k) {
            continue;
        }
        h = hash_text(k, strlen(k));
        at = slot_of(s, key, k, strlen(k), h);
        if (!s->head[at]) {
            s->head[at] = i + 1;
            s->hash[at] = h;
        } else {
            s->next[s->tail[at] - 1] = i + 1;
        }
        s->tail[at] = i + 1;
    }
}

void lv_iq_subres_release(struct lv_iq_subres *s)
{
    lv_iq_result_release(&s->res);
    free(s->head);
    free(s->tail);
    free(s->hash);
    free(s->next);
    free(s->key);
    memset(s, 0, sizeof(*s));
}

size_t lv_iq_subres_find(const struct lv_iq_subres *s, const char *text,
                         size_t len)
{
    if (!s->cap) {
        return 0;
    }
    return s->head[slot_of(s, s->key, text, len, hash_text(text, len))];
}

size_t lv_iq_subres_next(const struct lv_iq_subres *s, size_t row1)
{
    return row1 ? s->next[row1 - 1] : 0;
}

int lv_iq_sub_has(const struct lv_iq_ctx *cx, size_t idx,
                  const struct lv_iq_val *v)
{
    struct lv_buf b = LV_BUF_INIT(SIZE_MAX);
    int found;

    if (!cx->subs || v->t == LV_IQ_NULL) {
        return 0;
    }
    lv_iq_val_text(v, &b);
    found = lv_iq_subres_find(&cx->subs[idx], b.data, b.len) != 0;
    lv_buf_release(&b);
    return found;
}
