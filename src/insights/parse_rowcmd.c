/*
 * parse_rowcmd: the newer row commands of the syntax pages that parse.c
 * hands over once it has read their name — accum, autoregress, filldown
 * (CWL_QuerySyntax-Accum, -Autoregress, -Filldown), addtotals, fillmissing
 * and sessionize — into the struct lv_iq_cmd shape iq.h gives each. They
 * run in cmd_running.c and cmd_fill.c. Refusals are MalformedQuery
 * messages at the position of what is wrong, as in parse.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "insights/iq.h"
#include "insights/parse_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

/* autoregress p=N[-M]: the deepest lag logvault keeps (the page gives
 * none; each row then gets at most this many fields from the command). */
#define MAX_LAG 100

/* A whole number from 1 to MAX_LAG, for autoregress's p=. */
static int parse_lag(struct lv_iqp *p, int64_t *out)
{
    if (p->tok.t != LV_IQT_NUM) {
        return lv_iqp_unexpected(p);
    }
    if (p->tok.num != (double)(int64_t)p->tok.num || p->tok.num < 1 ||
        p->tok.num > MAX_LAG) {
        return lv_iqp_err_at(p, p->tok.pos,
                             "autoregress: a lag must be a whole number "
                             "from 1 to %d",
                             MAX_LAG);
    }
    *out = (int64_t)p->tok.num;
    return lv_iqp_advance(p);
}

/* accum field [AS out] (CWL_QuerySyntax-Accum), autoregress field [AS
 * alias] [p=start[-end]] (-Autoregress), filldown [field …] with '*'
 * wildcards, separated by blanks (-Filldown). The items as iq.h says;
 * cmd_running.c runs them. */
int lv_iqp_parse_running(struct lv_iqp *p, struct lv_iq_cmd *c)
{
    struct lv_iq_expr *e;
    char *alias = NULL;
    int64_t lo = 1, hi = 1;

    if (c->k == LV_IQ_C_FILLDOWN) {
        /* A pattern is IDENT and '*' tokens written without blanks
         * between them (`cpu*`, `*_ms`). */
        while ((p->tok.t == LV_IQT_IDENT && !lv_iqp_is_reserved(&p->tok)) ||
               p->tok.t == LV_IQT_STAR) {
            struct lv_buf b = LV_BUF_INIT(SIZE_MAX);
            int pos = p->tok.pos, end;

            do {
                lv_buf_adds(&b, p->tok.t == LV_IQT_STAR ? "*" : p->tok.text);
                end = p->tok.end;
                if (lv_iqp_advance(p) < 0) {
                    lv_buf_release(&b);
                    return -1;
                }
            } while ((p->tok.t == LV_IQT_IDENT || p->tok.t == LV_IQT_STAR) &&
                     p->tok.pos == end);
            e = lv_iqp_new_expr(LV_IQ_E_FIELD, pos, end);
            e->str = lv_buf_detach(&b, &e->len);
            lv_iqp_add_item(&c->items, &c->n_items, e, lv_xstrdup(e->str), 0);
        }
        if (p->tok.t != LV_IQT_EOF && p->tok.t != LV_IQT_PIPE) {
            return lv_iqp_unexpected(p);
        }
        return 0;
    }
    if (!(e = lv_iqp_parse_field(p))) {
        return -1;
    }
    lv_iqp_add_item(&c->items, &c->n_items, e, NULL, 0);
    if (lv_iqp_is_kw(p, "as")) {
        if (lv_iqp_advance(p) < 0 || lv_iqp_parse_alias(p, &alias) < 0) {
            return -1;
        }
        c->items[0].aliased = 1;
    }
    if (c->k == LV_IQ_C_ACCUM) {
        c->items[0].name = alias ? alias : lv_xstrdup(e->str);
        return 0;
    }
    if (lv_iqp_is_kw(p, "p")) {
        if (lv_iqp_advance(p) < 0 || lv_iqp_expect(p, LV_IQT_EQ) < 0 ||
            parse_lag(p, &lo) < 0) {
            free(alias);
            return -1;
        }
        hi = lo;
        if (p->tok.t == LV_IQT_MINUS) {
            int pos = p->tok.pos;

            if (lv_iqp_advance(p) < 0 || parse_lag(p, &hi) < 0) {
                free(alias);
                return -1;
            }
            if (hi < lo) {
                free(alias);
                return lv_iqp_err_at(p, pos,
                                     "autoregress: the range p=%lld-%lld "
                                     "ends before it starts",
                                     (long long)lo, (long long)hi);
            }
        }
    }
    /* Names: field_pL; with AS, the alias for one lag, alias_pL for a
     * range (the page's example: bytes p=1-4 → bytes_p1 … bytes_p4). */
    c->n = lo;
    for (int64_t l = lo; l <= hi; l++) {
        char *name;

        if (alias && lo == hi) {
            name = lv_xstrdup(alias);
        } else {
            name = lv_xasprintf("%s_p%lld", alias ? alias : e->str,
                                (long long)l);
        }
        if (l == lo) {
            c->items[0].name = name;
        } else {
            struct lv_iq_expr *copy = lv_iqp_field_named(e->str, e->pos);

            copy->end = e->end;
            lv_iqp_add_item(&c->items, &c->n_items, copy, name, alias != NULL);
        }
    }
    free(alias);
    return 0;
}

/* true or false after `row=` / `col=` of addtotals: 0 and *b. */
static int parse_bool(struct lv_iqp *p, int *b)
{
    if (!lv_iqp_is_kw(p, "true") && !lv_iqp_is_kw(p, "false")) {
        return lv_iqp_unexpected(p);
    }
    *b = lv_iqp_is_kw(p, "true");
    return lv_iqp_advance(p);
}

/* addtotals [fieldname=Name] [row=bool] [col=bool] [f1, f2, …]
 * (CWL_QuerySyntax-Addtotals; defaults Total, true, false). The options
 * come before the fields, each once, in any order. */
int lv_iqp_parse_addtotals(struct lv_iqp *p, struct lv_iq_cmd *c)
{
    static const char *const opts[] = { "fieldname", "row", "col" };
    char *name = NULL;
    int row = 1, col = 0, seen[3] = { 0, 0, 0 };
    int ret = -1;

    for (;;) {
        struct lv_iqtoken next;
        int k = -1, eq;

        for (int j = 0; j < 3; j++) {
            if (lv_iqp_is_kw(p, opts[j])) {
                k = j;
            }
        }
        if (k < 0) {
            break;
        }
        eq = lv_iqp_peek(p, &next) == 0 && next.t == LV_IQT_EQ;
        lv_iqtok_release(&next);
        if (!eq) {
            break;              /* a field named row, col or fieldname */
        }
        if (seen[k]) {
            lv_iqp_unexpected(p);
            goto out;
        }
        seen[k] = 1;
        if (lv_iqp_advance(p) < 0 || lv_iqp_advance(p) < 0) {
            goto out;
        }
        if (k == 0 ? lv_iqp_parse_alias(p, &name) < 0 :
            parse_bool(p, k == 1 ? &row : &col) < 0) {
            goto out;
        }
    }
    if (p->tok.t != LV_IQT_EOF && p->tok.t != LV_IQT_PIPE) {
        for (;;) {
            struct lv_iq_expr *e = lv_iqp_parse_field(p);

            if (!e) {
                goto out;
            }
            lv_iqp_add_item(&c->items, &c->n_items, e, lv_xstrdup(e->str), 0);
            if (p->tok.t != LV_IQT_COMMA) {
                break;
            }
            if (lv_iqp_advance(p) < 0) {
                goto out;
            }
        }
    }
    if (!row && !col) {
        lv_iqp_err_at(p, c->pos,
                      "addtotals with row=false and col=false adds "
                      "nothing");
        goto out;
    }
    c->n = (row ? LV_IQ_TOTALS_ROW : 0) | (col ? LV_IQ_TOTALS_COL : 0);
    if (!name) {
        name = lv_xstrdup("Total");
    }
    if (row) {
        lv_iqp_add_item(&c->by, &c->n_by, lv_iqp_field_named(name, c->pos),
                        lv_xstrdup(name), 1);
    }
    c->str = name;
    name = NULL;
    ret = 0;
out:
    free(name);
    return ret;
}

/* fillmissing [with value for field [, value for field …]]
 * (CWL_QuerySyntax-Fillmissing), after a `stats … by bin(period)`: the
 * stats before it gives the bin column, its period and the other by
 * columns (iq.h); cmd_fill.c runs it. */
int lv_iqp_parse_fillmissing(struct lv_iqp *p, struct lv_iq_cmd *c,
                             const struct lv_iq_query *q)
{
    const struct lv_iq_cmd *st = NULL;
    const struct lv_iq_expr *bin = NULL;
    size_t i;

    for (i = q->n_cmds - 1; i > 0 && !st; i--) {
        if (q->cmds[i - 1].k == LV_IQ_C_STATS) {
            st = &q->cmds[i - 1];
        }
    }
    for (i = 0; st && i < st->n_by; i++) {
        const struct lv_iq_expr *e = st->by[i].e;

        if (!bin && e->k == LV_IQ_E_CALL && e->fn &&
            strcasecmp(e->str, "bin") == 0 && e->nargs == 1 &&
            e->args[0]->k == LV_IQ_E_TIME) {
            bin = e;
            c->str = lv_xstrdup(st->by[i].name);
        } else {
            lv_iqp_add_item(&c->by, &c->n_by,
                            lv_iqp_field_named(st->by[i].name, c->pos),
                            lv_xstrdup(st->by[i].name), 0);
        }
    }
    if (!bin) {
        return lv_iqp_err_at(p, c->pos,
                             "fillmissing must follow a stats command "
                             "grouped by bin(period)");
    }
    if (strcmp(bin->args[0]->unit, "mo") == 0 ||
        strcmp(bin->args[0]->unit, "q") == 0 ||
        strcmp(bin->args[0]->unit, "y") == 0 || bin->args[0]->num < 1) {
        return lv_iqp_err_at(p, c->pos,
                             "fillmissing: bins of months, quarters or "
                             "years are not supported by logvault");
    }
    c->n = (int64_t)bin->args[0]->num;
    if (!lv_iqp_is_kw(p, "with")) {
        return 0;
    }
    for (;;) {
        struct lv_iq_expr *v;
        char *name = NULL;

        if (lv_iqp_advance(p) < 0 || !(v = lv_iqp_parse_list_item(p))) {
            return -1;
        }
        if (lv_iqp_expect_kw(p, "for") < 0 ||
            lv_iqp_parse_alias(p, &name) < 0) {
            lv_iqp_expr_free(v);
            return -1;
        }
        lv_iqp_add_item(&c->items, &c->n_items, v, name, 1);
        if (p->tok.t != LV_IQT_COMMA) {
            return 0;
        }
    }
}

/* sessionize f[, f …] [maxspan duration] [AS out]
 * (CWL_QuerySyntax-Sessionize; defaults 30m and session_id). The
 * duration is a period literal of a fixed length (ms, s, m, h, d, w), not
 * capped as bin()'s: maxspan 90m is 90 minutes. */
int lv_iqp_parse_sessionize(struct lv_iqp *p, struct lv_iq_cmd *c)
{
    static const struct {
        const char *unit;
        int64_t ms;
    } units[] = {
        { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
        { "d", 86400000 }, { "w", 7 * 86400000LL },
    };

    for (;;) {
        struct lv_iq_expr *e = lv_iqp_parse_field(p);

        if (!e) {
            return -1;
        }
        lv_iqp_add_item(&c->by, &c->n_by, e, lv_xstrdup(e->str), 0);
        if (p->tok.t != LV_IQT_COMMA) {
            break;
        }
        if (lv_iqp_advance(p) < 0) {
            return -1;
        }
    }
    c->n = 30 * 60000;          /* "Default: 30m" */
    if (lv_iqp_is_kw(p, "maxspan")) {
        size_t i;

        if (lv_iqp_advance(p) < 0) {
            return -1;
        }
        if (p->tok.t != LV_IQT_PERIOD) {
            return lv_iqp_unexpected(p);
        }
        for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
            if (strcmp(p->tok.unit, units[i].unit) == 0) {
                break;
            }
        }
        if (i == sizeof(units) / sizeof(units[0]) || p->tok.num <= 0 ||
            p->tok.num * (double)units[i].ms > 1e15) {
            return lv_iqp_err_at(p, p->tok.pos,
                                 "sessionize: maxspan must be a positive "
                                 "duration in ms, s, m, h, d or w");
        }
        c->n = (int64_t)(p->tok.num * (double)units[i].ms);
        if (lv_iqp_advance(p) < 0) {
            return -1;
        }
    }
    if (lv_iqp_is_kw(p, "as")) {
        if (lv_iqp_advance(p) < 0 || lv_iqp_parse_alias(p, &c->str) < 0) {
            return -1;
        }
    } else {
        c->str = lv_xstrdup("session_id");  /* "Default: session_id" */
    }
    lv_iqp_add_item(&c->items, &c->n_items,
                    lv_iqp_field_named(c->str, c->pos), lv_xstrdup(c->str), 1);
    return 0;
}
