/*
 * parse_ml: the analysis commands of the syntax pages that parse.c hands
 * over once it has read their name, into the struct lv_iq_cmd shape iq.h
 * gives each:
 *   outlier [action=remove|transform] [param=n] [uselower=true|false]
 *           [mark=true|false] field [field ...]        (-Outlier)
 *   relevantfields [field1, field2, ...] where condition  (-RelevantFields)
 *   logcompare timeshift duration                      (-Logcompare)
 *   anomaly                                            (-Anomaly)
 * Refusals are MalformedQuery messages at the position of what is wrong,
 * as in parse.c. The options of outlier may come in any order, each once
 * (the page lists them in one order and says nothing of others); its
 * fields are separated by blanks as the page writes them, commas allowed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "insights/iq.h"
#include "insights/parse_int.h"
#include "util/err.h"
#include "util/mem.h"

/* Adds the output fields names[0..n) to c->by, as FIELDs at c's
 * position. */
static void add_outputs(struct lv_iq_cmd *c, const char *const *names,
                        size_t n)
{
    for (size_t i = 0; i < n; i++) {
        lv_iqp_add_item(&c->by, &c->n_by,
                        lv_iqp_field_named(names[i], c->pos),
                        lv_xstrdup(names[i]), 0);
    }
}

/* The end of a command: the next `|` or the end of the query. */
static int at_end(const struct lv_iqp *p)
{
    return p->tok.t == LV_IQT_EOF || p->tok.t == LV_IQT_PIPE;
}

/* true / false after `name=`: *out 1 / 0. */
static int parse_bool(struct lv_iqp *p, const char *name, int *out)
{
    if (lv_iqp_is_kw(p, "true")) {
        *out = 1;
    } else if (lv_iqp_is_kw(p, "false")) {
        *out = 0;
    } else {
        return lv_iqp_err_at(p, p->tok.pos,
                             "outlier: %s must be true or false", name);
    }
    return lv_iqp_advance(p);
}

static int parse_outlier(struct lv_iqp *p, struct lv_iq_cmd *c)
{
    static const char *const opts[] = { "action", "param", "uselower",
                                        "mark" };
    unsigned seen = 0;
    double param = 2.5;
    int param_pos = c->pos;

    for (;;) {
        struct lv_iqtoken next;
        size_t o;
        int pos = p->tok.pos, v = 0, eq;

        if (p->tok.t != LV_IQT_IDENT || p->tok.quoted) {
            break;
        }
        memset(&next, 0, sizeof(next));
        if (lv_iqp_peek(p, &next) < 0) {
            break;              /* the lexer's error comes when reached */
        }
        eq = next.t == LV_IQT_EQ;
        lv_iqtok_release(&next);
        if (!eq) {
            break;
        }
        for (o = 0; o < sizeof(opts) / sizeof(opts[0]); o++) {
            if (strcasecmp(p->tok.text, opts[o]) == 0) {
                break;
            }
        }
        if (o == sizeof(opts) / sizeof(opts[0])) {
            return lv_iqp_err_at(p, pos,
                                 "outlier: unknown option '%s', expecting "
                                 "{action, param, uselower, mark}",
                                 p->tok.text);
        }
        if (seen & (1u << o)) {
            return lv_iqp_err_at(p, pos, "outlier: %s is given twice",
                                 opts[o]);
        }
        seen |= 1u << o;
        if (lv_iqp_advance(p) < 0 || lv_iqp_advance(p) < 0) {
            return -1;
        }
        switch (o) {
        case 0:
            if (lv_iqp_is_kw(p, "remove")) {
                c->n |= LV_IQ_OUTLIER_REMOVE;
            } else if (!lv_iqp_is_kw(p, "transform")) {
                return lv_iqp_err_at(p, p->tok.pos,
                                     "outlier: action must be remove or "
                                     "transform");
            }
            if (lv_iqp_advance(p) < 0) {
                return -1;
            }
            break;
        case 1:
            param_pos = p->tok.pos;
            if (p->tok.t != LV_IQT_NUM || !(p->tok.num > 0)) {
                return lv_iqp_err_at(p, p->tok.pos,
                                     "outlier: param must be a positive "
                                     "number");
            }
            param = p->tok.num;
            if (lv_iqp_advance(p) < 0) {
                return -1;
            }
            break;
        case 2:
        case 3:
            if (parse_bool(p, opts[o], &v) < 0) {
                return -1;
            }
            if (v) {
                c->n |= o == 2 ? LV_IQ_OUTLIER_LOWER : LV_IQ_OUTLIER_MARK;
            }
            break;
        }
    }
    c->expr = lv_iqp_new_expr(LV_IQ_E_NUM, param_pos, param_pos);
    c->expr->num = param;
    if (c->n & LV_IQ_OUTLIER_MARK) {
        static const char *const mark[] = { "@isOutlier" };

        add_outputs(c, mark, 1);
    }
    while (!at_end(p)) {
        struct lv_iq_expr *e;

        if (c->n_items && p->tok.t == LV_IQT_COMMA && lv_iqp_advance(p) < 0) {
            return -1;
        }
        if (!(e = lv_iqp_parse_field(p))) {
            return -1;
        }
        lv_iqp_add_item(&c->items, &c->n_items, e, lv_xstrdup(e->str), 0);
    }
    if (c->n_items == 0) {
        return lv_iqp_err_at(p, p->tok.pos,
                             "outlier: expecting one or more numeric "
                             "fields");
    }
    return 0;
}

static int parse_relevant(struct lv_iqp *p, struct lv_iq_cmd *c)
{
    static const char *const outputs[] = {
        "@fieldName", "@relevanceScore", "@topRelevanceContributors",
        "@conditionalMedian", "@baselineMedian",
    };

    add_outputs(c, outputs, sizeof(outputs) / sizeof(outputs[0]));
    while (!lv_iqp_is_kw(p, "where")) {
        struct lv_iq_expr *e;

        if (at_end(p)) {
            return lv_iqp_err_at(p, p->tok.pos,
                                 "relevantfields: expecting 'where' and a "
                                 "condition");
        }
        if (c->n_items && lv_iqp_expect(p, LV_IQT_COMMA) < 0) {
            return -1;
        }
        if (!(e = lv_iqp_parse_field(p))) {
            return -1;
        }
        lv_iqp_add_item(&c->items, &c->n_items, e, lv_xstrdup(e->str), 0);
    }
    if (lv_iqp_advance(p) < 0) {
        return -1;
    }
    c->expr = lv_iqp_parse_or(p);
    return c->expr ? 0 : -1;
}

/* The nominal length of a duration unit, ms (0: not a duration). */
static int64_t unit_ms(const char *u)
{
    static const struct {
        const char *u;
        int64_t ms;
    } units[] = {
        { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
        { "d", 86400000 }, { "w", 7 * 86400000LL },
    };

    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(u, units[i].u) == 0) {
            return units[i].ms;
        }
    }
    return 0;
}

static int parse_logcompare(struct lv_iqp *p, struct lv_iq_cmd *c)
{
    int64_t per;

    if (lv_iqp_expect_kw(p, "timeshift") < 0) {
        return -1;
    }
    /* A duration of the units bin() takes that have a fixed length; a
     * calendar month, quarter or year has none, and the page shows
     * only `7d`. */
    if (p->tok.t != LV_IQT_PERIOD || !(per = unit_ms(p->tok.unit)) ||
        p->tok.num != (double)(int64_t)p->tok.num || p->tok.num < 1 ||
        p->tok.num > 1e6) {
        return lv_iqp_err_at(p, p->tok.pos,
                             "logcompare: timeshift expects a duration "
                             "such as 7d (a whole number of ms, s, m, h, "
                             "d or w)");
    }
    c->n = (int64_t)p->tok.num * per;
    return lv_iqp_advance(p);
}

int lv_iqp_parse_ml(struct lv_iqp *p, struct lv_iq_cmd *c)
{
    switch (c->k) {
    case LV_IQ_C_OUTLIER:
        return parse_outlier(p, c);
    case LV_IQ_C_RELEVANTFIELDS:
        return parse_relevant(p, c);
    case LV_IQ_C_LOGCOMPARE:
        return parse_logcompare(p, c);
    case LV_IQ_C_ANOMALY: {
        /* "The command does not require additional parameters". Its
         * columns, shown after a fields command's. */
        static const char *const cols[] = { "@anomalyType",
                                            "@anomalyDescription",
                                            "@anomalyPriority" };

        if (!at_end(p)) {
            return lv_iqp_unexpected(p);
        }
        add_outputs(c, cols, sizeof(cols) / sizeof(cols[0]));
        return 0;
    }
    default:
        return lv_iqp_unexpected(p);
    }
}
