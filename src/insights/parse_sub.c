/*
 * parse_sub: sub-queries and the commands that read them (r8/iqsub) —
 * join (CWL_QuerySyntax-Join), appendcols (CWL_QuerySyntax-Appendcols)
 * and `filter f in ( … )` (CWL_QuerySyntax-Subqueries).
 *
 *   join [type=inner|left] left=<L> right=<R> where <L>.<f> = <R>.<g>
 *        ( SOURCE <group> [| commands] )
 *   appendcols [override=true|false] [max=n] ( SOURCE <group> | … )
 *   filter <field> [not] in ( SOURCE <group> | … )
 *
 * Where the pages leave a choice, the strictest reading (each refused
 * with MalformedQueryException at its position):
 *   - a sub-query starts with SOURCE naming one log group ('quoted' or a
 *     bare name): the pages' examples all do, and without it the groups
 *     it reads would be a guess. SOURCE logGroups(…) inside one is
 *     refused;
 *   - no sub-query inside a sub-query (the pages show none);
 *   - `in ( … )` only in a filter command, its left side a field: the
 *     sub-query's rows are matched on the field of the same name ("The
 *     subquery must produce fields referenced by the outer query");
 *   - join's where names one field of each alias, joined by =; the
 *     aliases differ; each option at most once;
 *   - at most LV_IQ_MAX_SUBS sub-queries in a query (no page says;
 *     each is a scan of a group, held in memory).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "insights/iq.h"
#include "insights/parse_int.h"
#include "util/mem.h"

#define LV_IQ_MAX_SUBS 10
/* appendcols max: "Maximum rows to process (1–100000, default 10000)". */
#define APPENDCOLS_MAX 100000
#define APPENDCOLS_DEFAULT 10000
/* The rows a join's right side or an in's set holds: no page gives a
 * cap, so the one a query's results have (the limit page: "up to 10,000
 * log events" without limit). */
#define SUB_ROWS 10000

int lv_iqp_parse_subquery(struct lv_iqp *p, const char *key, size_t limit,
                          size_t *idx)
{
    struct lv_iq_query *root = p->root;
    struct lv_iq_query *q = NULL;
    struct lv_iq_subq *sq;
    char *group = NULL;
    int pos = p->tok.pos;
    int ret = -1;

    if (p->tok.t != LV_IQT_LPAREN) {
        return lv_iqp_unexpected(p);
    }
    if (p->in_sub) {
        return lv_iqp_err_at(p, pos, "a subquery cannot contain another "
                                     "subquery");
    }
    if (root->n_subs >= LV_IQ_MAX_SUBS) {
        return lv_iqp_err_at(p, pos, "a query can have at most %d "
                                     "subqueries", LV_IQ_MAX_SUBS);
    }
    if (lv_iqp_advance(p) < 0) {
        return -1;
    }
    if (!lv_iqp_is_kw(p, "SOURCE")) {
        return lv_iqp_err_at(p, p->tok.pos, "a subquery must start with "
                                            "SOURCE and a log group name");
    }
    if (lv_iqp_advance(p) < 0) {
        return -1;
    }
    if ((p->tok.t != LV_IQT_STR && p->tok.t != LV_IQT_IDENT) ||
        p->tok.len == 0 || p->tok.len > 512) {
        return lv_iqp_err_at(p, p->tok.pos, "a subquery's SOURCE must "
                                            "name one log group");
    }
    group = lv_xstrdup(p->tok.text);
    if (lv_iqp_advance(p) < 0) {
        goto out;
    }
    if (p->tok.t == LV_IQT_LPAREN) {
        lv_iqp_err_at(p, p->tok.pos, "a subquery's SOURCE must name one "
                                     "log group");
        goto out;
    }
    q = lv_xcalloc(1, sizeof(*q));
    q->text = lv_xstrdup("");
    if (p->tok.t == LV_IQT_PIPE) {
        if (lv_iqp_advance(p) < 0) {
            goto out;
        }
        p->in_sub = 1;
        if (lv_iqp_parse_pipeline(p, q) < 0) {
            p->in_sub = 0;
            goto out;
        }
        p->in_sub = 0;
    }
    if (p->tok.t != LV_IQT_RPAREN) {
        lv_iqp_unexpected(p);
        goto out;
    }
    root->subs = lv_xrealloc(root->subs,
                             (root->n_subs + 1) * sizeof(*root->subs));
    sq = &root->subs[root->n_subs];
    memset(sq, 0, sizeof(*sq));
    sq->q = q;
    sq->group = group;
    sq->pos = pos;
    sq->end = p->tok.end;
    sq->key = key ? lv_xstrdup(key) : NULL;
    sq->limit = limit;
    q = NULL;
    group = NULL;
    *idx = root->n_subs++;
    ret = lv_iqp_advance(p);
out:
    lv_iq_query_free(q);
    free(group);
    return ret;
}

struct lv_iq_expr *lv_iqp_parse_in_subquery(struct lv_iqp *p,
                                            const struct lv_iq_expr *l)
{
    struct lv_iq_expr *e;
    int pos = p->tok.pos;
    size_t idx;

    if (!p->in_filter || p->ctx != LV_IQP_PLAIN) {
        lv_iqp_err_at(p, pos, "a subquery is allowed only in a filter "
                              "command");
        return NULL;
    }
    if (l->k != LV_IQ_E_FIELD) {
        lv_iqp_err_at(p, l->pos, "the left side of in ( subquery ) must "
                                 "be a field");
        return NULL;
    }
    if (lv_iqp_parse_subquery(p, l->str, SUB_ROWS, &idx) < 0) {
        return NULL;
    }
    e = lv_iqp_new_expr(LV_IQ_E_SUBQ, pos, p->prev_end);
    e->num = (double)idx;
    return e;
}

/* `name=` of an option: the name (current token) must be kw. */
static int option(struct lv_iqp *p, const char *kw)
{
    return p->tok.t == LV_IQT_IDENT && !p->tok.quoted &&
           strcasecmp(p->tok.text, kw) == 0;
}

/* After `name`: = value (an identifier, heap in *out). */
static int option_word(struct lv_iqp *p, char **out)
{
    if (lv_iqp_advance(p) < 0 || lv_iqp_expect(p, LV_IQT_EQ) < 0) {
        return -1;
    }
    if (p->tok.t != LV_IQT_IDENT || p->tok.len == 0) {
        return lv_iqp_unexpected(p);
    }
    *out = lv_xstrdup(p->tok.text);
    return lv_iqp_advance(p);
}

/* ALIAS.field of join's where: the field's name after the alias. */
static int join_side(struct lv_iqp *p, const struct lv_iq_subcmd *sc,
                     int *is_left, char **field)
{
    const char *t = p->tok.text;
    const char *dot;

    if (p->tok.t != LV_IQT_IDENT || !(dot = strchr(t, '.')) || !dot[1]) {
        return lv_iqp_err_at(p, p->tok.pos, "join: where needs "
                                            "<alias>.<field> on each side");
    }
    if (strlen(sc->lalias) == (size_t)(dot - t) &&
        strncmp(t, sc->lalias, (size_t)(dot - t)) == 0) {
        *is_left = 1;
    } else if (strlen(sc->ralias) == (size_t)(dot - t) &&
               strncmp(t, sc->ralias, (size_t)(dot - t)) == 0) {
        *is_left = 0;
    } else {
        return lv_iqp_err_at(p, p->tok.pos, "join: %.*s is neither the "
                                            "left nor the right alias",
                             (int)(dot - t), t);
    }
    *field = lv_xstrdup(dot + 1);
    return lv_iqp_advance(p);
}

int lv_iqp_parse_join(struct lv_iqp *p, struct lv_iq_cmd *c)
{
    struct lv_iq_subcmd *sc = &c->sub;
    char *type = NULL;
    char *a = NULL, *b = NULL;
    int a_left = 0, b_left = 0;
    int pos;
    int ret = -1;

    if (p->in_sub) {
        return lv_iqp_err_at(p, c->pos, "a subquery cannot contain "
                                        "another subquery");
    }
    while (!lv_iqp_is_kw(p, "where")) {
        char **slot = option(p, "type")    ? &type
                      : option(p, "left")  ? &sc->lalias
                      : option(p, "right") ? &sc->ralias
                                           : NULL;
        if (!slot) {
            lv_iqp_unexpected(p);
            goto out;
        }
        if (*slot) {
            lv_iqp_err_at(p, p->tok.pos, "join: %s is given twice",
                          p->tok.text);
            goto out;
        }
        if (option_word(p, slot) < 0) {
            goto out;
        }
    }
    pos = p->tok.pos;
    if (!sc->lalias || !sc->ralias) {
        lv_iqp_err_at(p, pos, "join needs left=<alias> and "
                              "right=<alias>");
        goto out;
    }
    if (strcmp(sc->lalias, sc->ralias) == 0 || strchr(sc->lalias, '.') ||
        strchr(sc->ralias, '.')) {
        lv_iqp_err_at(p, pos, "join: the left and right aliases must be "
                              "two different names");
        goto out;
    }
    if (type && strcasecmp(type, "left") == 0) {
        sc->left_join = 1;
    } else if (type && strcasecmp(type, "inner") != 0) {
        lv_iqp_err_at(p, c->pos, "join: type must be inner or left");
        goto out;
    }
    if (lv_iqp_advance(p) < 0 || join_side(p, sc, &a_left, &a) < 0 ||
        lv_iqp_expect(p, LV_IQT_EQ) < 0 ||
        join_side(p, sc, &b_left, &b) < 0) {
        goto out;
    }
    if (a_left == b_left) {
        lv_iqp_err_at(p, pos, "join: where must compare a field of the "
                              "left alias with one of the right alias");
        goto out;
    }
    sc->lkey = a_left ? a : b;
    sc->rkey = a_left ? b : a;
    a = b = NULL;
    ret = lv_iqp_parse_subquery(p, sc->rkey, SUB_ROWS, &sc->idx);
out:
    free(type);
    free(a);
    free(b);
    return ret;
}

int lv_iqp_parse_appendcols(struct lv_iqp *p, struct lv_iq_cmd *c)
{
    struct lv_iq_subcmd *sc = &c->sub;
    int seen_override = 0, seen_max = 0;
    int64_t max = APPENDCOLS_DEFAULT;

    if (p->in_sub) {
        return lv_iqp_err_at(p, c->pos, "a subquery cannot contain "
                                        "another subquery");
    }
    while (p->tok.t != LV_IQT_LPAREN) {
        if (option(p, "override") && !seen_override) {
            seen_override = 1;
            if (lv_iqp_advance(p) < 0 || lv_iqp_expect(p, LV_IQT_EQ) < 0) {
                return -1;
            }
            if (lv_iqp_is_kw(p, "true") || lv_iqp_is_kw(p, "false")) {
                sc->override = lv_iqp_is_kw(p, "true");
            } else {
                return lv_iqp_err_at(p, p->tok.pos, "appendcols: override "
                                                    "must be true or "
                                                    "false");
            }
        } else if (option(p, "max") && !seen_max) {
            seen_max = 1;
            if (lv_iqp_advance(p) < 0 || lv_iqp_expect(p, LV_IQT_EQ) < 0) {
                return -1;
            }
            if (p->tok.t != LV_IQT_NUM || p->tok.num < 1 ||
                p->tok.num > APPENDCOLS_MAX ||
                p->tok.num != (double)(int64_t)p->tok.num) {
                return lv_iqp_err_at(p, p->tok.pos, "appendcols: max must "
                                                    "be an integer from 1 "
                                                    "to %d",
                                     APPENDCOLS_MAX);
            }
            max = (int64_t)p->tok.num;
        } else {
            return lv_iqp_unexpected(p);
        }
        if (lv_iqp_advance(p) < 0) {
            return -1;
        }
    }
    return lv_iqp_parse_subquery(p, NULL, (size_t)max, &sc->idx);
}
