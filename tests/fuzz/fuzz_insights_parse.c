/*
 * fuzz_insights_parse: arbitrary bytes as a Logs Insights query →
 * lv_iq_parse → the planner's accessors → lv_iq_query_free. A refusal must
 * be a MalformedQueryException whose "at line L and position P" lies in
 * the text; an accepted query must have every command and expression
 * position inside the text, and its column names set.
 * Build: clang -fsanitize=fuzzer,address,undefined with the library.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "insights/insights.h"
#include "insights/iq.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether "… at line L and position P" names a place in text[0..n). */
static int where_ok(const char *msg, const char *text, size_t n)
{
    const char *at = NULL, *s;
    int line, pos, l = 1, used = 0;
    size_t i, bol = 0, eol;

    /* The last " at line": the message may quote the query's text. */
    for (s = strstr(msg, " at line "); s; s = strstr(s + 1, " at line ")) {
        at = s;
    }
    if (!at || sscanf(at, " at line %d and position %d%n", &line, &pos,
                      &used) != 2 || at[used] != '\0') {
        return 0;
    }
    for (i = 0; i < n && l < line; i++) {
        if (text[i] == '\n') {
            l++;
            bol = i + 1;
        }
    }
    if (l != line || pos < 0) {
        return 0;
    }
    for (eol = bol; eol < n && text[eol] != '\n'; eol++) {
    }
    return (size_t)pos <= eol - bol;
}

static void check_expr(const struct lv_iq_expr *e, size_t n)
{
    size_t i;

    if (!e || e->pos < 0 || e->end < e->pos || (size_t)e->end > n) {
        abort();
    }
    for (i = 0; i < e->nargs; i++) {
        check_expr(e->args[i], n);
    }
}

static void check_items(const struct lv_iq_item *it, size_t k, size_t n)
{
    size_t i;

    for (i = 0; i < k; i++) {
        check_expr(it[i].e, n);
        if (!it[i].name) {
            abort();
        }
    }
}

/* The commands of q (or of one of its sub-queries): positions in the
 * text; join and appendcols name a sub-query of q. */
static void check_cmds(const struct lv_iq_query *q, size_t size)
{
    size_t i;

    for (i = 0; i < q->n_cmds; i++) {
        const struct lv_iq_cmd *c = &q->cmds[i];

        if (c->pos < 0 || c->end < c->pos || (size_t)c->end > size) {
            abort();
        }
        if (c->expr) {
            check_expr(c->expr, size);
        }
        check_items(c->items, c->n_items, size);
        check_items(c->by, c->n_by, size);
        if ((c->k == LV_IQ_C_JOIN || c->k == LV_IQ_C_APPENDCOLS) &&
            c->sub.idx >= q->n_subs) {
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_iq_query *q = NULL;
    const char *const *lits;
    const size_t *lens;
    size_t i, n;

    /* Past the model's 10,000 bytes (QueryString) would only slow it. */
    if (size > 12000) {
        return 0;
    }
    if (lv_iq_parse((const char *)data, size, &q, &err) < 0) {
        if (err.code != LV_E_MALFORMED_QUERY ||
            !where_ok(err.msg, (const char *)data, size)) {
            abort();
        }
        return 0;
    }
    check_cmds(q, size);
    /* r8/iqsub: sub-queries — a group each, no sub-query of their own,
     * positions in the text */
    if (lv_iq_query_n_subs(q) != q->n_subs) {
        abort();
    }
    for (i = 0; i < q->n_subs; i++) {
        const struct lv_iq_subq *sq = &q->subs[i];

        if (!lv_iq_query_sub_group(q, i) || sq->q->n_subs != 0 ||
            sq->pos < 0 || sq->end <= sq->pos || (size_t)sq->end > size) {
            abort();
        }
        check_cmds(sq->q, size);
    }
    n = lv_iq_query_required(q, &lits, &lens);
    for (i = 0; i < n; i++) {
        if (!lits[i] || lens[i] == 0) {
            abort();
        }
    }
    (void)lv_iq_query_source(q);
    (void)lv_iq_query_wants_previous(q);
    lv_iq_query_free(q);
    return 0;
}
