/*
 * cmd_lookup.c: the lookup command (r8/lookup) — its syntax, the index of
 * a table on its match columns, and the enrichment of a row.
 *
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/
 * CWL_QuerySyntax-Lookup.html: "the lookup command matches a field in
 * your log events against a field in the lookup table and appends the
 * specified output fields to the results". The form read here is the one
 * AWS's own samples use (aws-samples/sample-quick-ai-governance:
 * `lookup quick_agent_catalog agent_id OUTPUT agent_name`):
 *
 *   lookup TABLE FIELD[, FIELD …] OUTPUT FIELD[, FIELD …]
 *
 * TABLE a lookup table name ([A-Za-z0-9_]{1,256}), the match fields named
 * alike in the events and the table, OUTPUT the table's columns copied
 * onto a matching row under their own names. Renaming with `as`, and
 * OUTPUTNEW, are not read (MalformedQueryException naming them): how AWS
 * treats them could not be checked against its syntax page.
 *
 * A match compares text: the row's field as GetQueryResults shows it
 * (lv_iq_val_text: 200 and "200" alike) with the cell, byte for byte. The
 * first table row with the key wins. The index is an open-addressing hash
 * of the table's keys, made once per run.
 */
#include "insights/iq.h"
#include "insights/insights.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "insights/parse_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

/* ---- syntax --------------------------------------------------------- */

static int field_list(struct lv_iqp *p, struct lv_iq_item **items,
                      size_t *n)
{
    for (;;) {
        struct lv_iq_expr *e = lv_iqp_parse_field(p);

        if (!e) {
            return -1;
        }
        lv_iqp_add_item(items, n, e, lv_xstrdup(e->str), 0);
        if (lv_iqp_is_kw(p, "as")) {
            return lv_iqp_err_at(p, p->tok.pos,
                                 "lookup: renaming a field with 'as' is "
                                 "not supported by logvault");
        }
        if (p->tok.t != LV_IQT_COMMA) {
            return 0;
        }
        if (lv_iqp_advance(p) < 0) {
            return -1;
        }
    }
}

int lv_iqp_parse_lookup(struct lv_iqp *p, struct lv_iq_cmd *c)
{
    size_t n;

    if (p->tok.t != LV_IQT_IDENT || p->tok.quoted) {
        return lv_iqp_err_at(p, p->tok.pos,
                             "lookup: a lookup table name expected");
    }
    n = strlen(p->tok.text);
    if (n == 0 || n > 256 ||
        strspn(p->tok.text, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS"
                            "TUVWXYZ0123456789_") != n) {
        return lv_iqp_err_at(p, p->tok.pos,
                             "lookup: '%s' is not a lookup table name",
                             p->tok.text);
    }
    c->str = lv_xstrdup(p->tok.text);
    if (lv_iqp_advance(p) < 0 || field_list(p, &c->items, &c->n_items) < 0) {
        return -1;
    }
    if (lv_iqp_is_kw(p, "OUTPUTNEW")) {
        return lv_iqp_err_at(p, p->tok.pos,
                             "lookup: OUTPUTNEW is not supported by "
                             "logvault");
    }
    if (!lv_iqp_is_kw(p, "OUTPUT")) {
        return lv_iqp_err_at(p, p->tok.pos,
                             "lookup: OUTPUT and the fields to add "
                             "expected");
    }
    if (lv_iqp_advance(p) < 0) {
        return -1;
    }
    return field_list(p, &c->by, &c->n_by);
}

const char *lv_iq_query_table(const struct lv_iq_query *q, size_t i)
{
    size_t seen = 0;

    for (size_t k = 0; k < q->n_cmds; k++) {
        const struct lv_iq_cmd *c = &q->cmds[k];
        int dup = 0;

        if (c->k != LV_IQ_C_LOOKUP) {
            continue;
        }
        for (size_t j = 0; j < k && !dup; j++) {
            dup = q->cmds[j].k == LV_IQ_C_LOOKUP &&
                  strcmp(q->cmds[j].str, c->str) == 0;
        }
        if (dup) {
            continue;
        }
        if (seen++ == i) {
            return c->str;
        }
    }
    return NULL;
}

/* ---- the index ------------------------------------------------------ */

struct lv_iq_lookup {
    const struct lv_iq_cmd *c;
    const struct lv_iq_table *t;
    size_t *match;              /* the table columns of c->items */
    size_t *out;                /* the table columns of c->by */
    uint32_t *slot;             /* row + 1, 0 empty */
    uint64_t *hash;             /* of each slot's key */
    size_t cap;                 /* a power of two */
};

static uint64_t hash_bytes(const char *s, size_t n, uint64_t h)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* The key of table row r: its match cells, each followed by a 0x1f unit
 * separator byte (the cells hold no NUL; a separator inside one could
 * only join two cells into what two other cells also join to, and the
 * compare below checks cell by cell). */
static uint64_t row_hash(const struct lv_iq_lookup *l, size_t r)
{
    uint64_t h = 0xcbf29ce484222325ull;

    for (size_t i = 0; i < l->c->n_items; i++) {
        const char *v = l->t->cell(l->t->t, r, l->match[i]);

        h = hash_bytes(v, strlen(v), h);
        h = hash_bytes("\x1f", 1, h);
    }
    return h;
}

static int row_equal(const struct lv_iq_lookup *l, size_t a, size_t b)
{
    for (size_t i = 0; i < l->c->n_items; i++) {
        if (strcmp(l->t->cell(l->t->t, a, l->match[i]),
                   l->t->cell(l->t->t, b, l->match[i])) != 0) {
            return 0;
        }
    }
    return 1;
}

static int find_column(const struct lv_iq_table *t, const char *name,
                       size_t *out)
{
    for (size_t c = 0; c < t->n_cols; c++) {
        if (strcmp(t->header(t->t, c), name) == 0) {
            *out = c;
            return 0;
        }
    }
    return -1;
}

struct lv_iq_lookup *lv_iq_lookup_new(const struct lv_iq_cmd *c,
                                      const struct lv_iq_table *t,
                                      struct lv_err *err)
{
    struct lv_iq_lookup *l = lv_xcalloc(1, sizeof(*l));
    size_t i;

    l->c = c;
    l->t = t;
    l->match = lv_xcalloc(c->n_items ? c->n_items : 1, sizeof(*l->match));
    l->out = lv_xcalloc(c->n_by ? c->n_by : 1, sizeof(*l->out));
    for (i = 0; i < c->n_items + c->n_by; i++) {
        const char *name = i < c->n_items ? c->items[i].name
                                          : c->by[i - c->n_items].name;
        size_t *dst = i < c->n_items ? &l->match[i]
                                     : &l->out[i - c->n_items];

        if (find_column(t, name, dst) < 0) {
            lv_err_set(err, LV_E_INVALID_PARAMETER,
                       "The lookup table %s has no column named %s.",
                       c->str, name);
            lv_iq_lookup_free(l);
            return NULL;
        }
    }
    if (t->n_rows >= UINT32_MAX / 2) {
        lv_err_set(err, LV_E_INVALID_PARAMETER,
                   "The lookup table %s has too many rows.", c->str);
        lv_iq_lookup_free(l);
        return NULL;
    }
    l->cap = 16;
    while (l->cap < 2 * t->n_rows) {
        l->cap *= 2;
    }
    l->slot = lv_xcalloc(l->cap, sizeof(*l->slot));
    l->hash = lv_xcalloc(l->cap, sizeof(*l->hash));
    for (size_t r = 0; r < t->n_rows; r++) {
        uint64_t h = row_hash(l, r);
        size_t at = (size_t)h & (l->cap - 1);

        for (;;) {
            if (!l->slot[at]) {
                l->slot[at] = (uint32_t)(r + 1);
                l->hash[at] = h;
                break;
            }
            /* A key already there: the first row keeps it. */
            if (l->hash[at] == h && row_equal(l, l->slot[at] - 1, r)) {
                break;
            }
            at = (at + 1) & (l->cap - 1);
        }
    }
    return l;
}

void lv_iq_lookup_apply(const struct lv_iq_lookup *l, struct lv_iq_row *r)
{
    const struct lv_iq_cmd *c = l->c;
    struct lv_buf key = LV_BUF_INIT(SIZE_MAX);
    size_t *ends = lv_xcalloc(c->n_items, sizeof(*ends));
    uint64_t h = 0xcbf29ce484222325ull;
    size_t at;

    for (size_t i = 0; i < c->n_items; i++) {
        struct lv_iq_val v;

        lv_iq_row_get(r, c->items[i].name, strlen(c->items[i].name), &v);
        if (v.t == LV_IQ_NULL) {
            goto out;
        }
        lv_iq_val_text(&v, &key);
        ends[i] = key.len;
        lv_buf_addc(&key, '\0');
    }
    /* The hash of the cells' bytes and separators, as row_hash. */
    for (size_t i = 0, from = 0; i < c->n_items; i++) {
        h = hash_bytes(key.data + from, ends[i] - from, h);
        h = hash_bytes("\x1f", 1, h);
        from = ends[i] + 1;
    }
    for (at = (size_t)h & (l->cap - 1); l->slot[at];
         at = (at + 1) & (l->cap - 1)) {
        size_t row = l->slot[at] - 1;
        size_t from = 0;
        size_t i;

        if (l->hash[at] != h) {
            continue;
        }
        for (i = 0; i < c->n_items; i++) {
            const char *cell = l->t->cell(l->t->t, row, l->match[i]);

            if (strlen(cell) != ends[i] - from ||
                memcmp(cell, key.data + from, ends[i] - from) != 0) {
                break;
            }
            from = ends[i] + 1;
        }
        if (i < c->n_items) {
            continue;
        }
        for (size_t o = 0; o < c->n_by; o++) {
            const char *cell = l->t->cell(l->t->t, row, l->out[o]);
            struct lv_iq_val v = { LV_IQ_STR, 0, cell, strlen(cell) };

            lv_iq_row_set(r, c->by[o].name, &v);
        }
        break;
    }
out:
    free(ends);
    lv_buf_release(&key);
}

size_t lv_iq_lookup_bytes(const struct lv_iq_lookup *l)
{
    return l ? l->cap * (sizeof(*l->slot) + sizeof(*l->hash)) : 0;
}

void lv_iq_lookup_free(struct lv_iq_lookup *l)
{
    if (!l) {
        return;
    }
    free(l->match);
    free(l->out);
    free(l->slot);
    free(l->hash);
    free(l);
}
