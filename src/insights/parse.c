/*
 * parse: Logs Insights QL text → struct lv_iq_query (iq.h), and the
 * planner's accessors of insights.h.
 *
 * The specification is the current CloudWatch Logs Insights syntax pages
 * (CWL_QuerySyntax.md and its command pages, CWL_QuerySyntax-operations-
 * functions.md, -Stats, -Parse, -Source, -FilterIndex, -Unnest, -Dedup,
 * -Diff, -Guidelines, -Where). A recursive descent over the tokens of
 * lex.c; every refusal is a MalformedQueryException whose message ends
 * "at line L and position P" (lines from 1, positions in bytes from 0, as
 * ANTLR — which AWS's parser is — counts them).
 *
 * Messages follow AWS's recorded ones where there are some:
 *  - "unexpected symbol found X" for a token that cannot come there (AWS
 *    answers `… | dedup a | sort b` with "unexpected symbol found sort");
 *  - "mismatched input 'X' expecting {…}" where a command must start (as
 *    boto3 issue #3450 quotes AWS for `count`);
 *  - "Diff compilation Failed : Diff operation has to be used after
 *    Pattern" (AWS's answer to a diff without a pattern before it).
 * The others are ours, each naming what is wrong.
 *
 * The expressions (their grammar, AWS's operator precedence and where we
 * chose it, calls, regex literals) are parse_expr.c's; this file has the
 * commands (the newer row commands' arguments in parse_rowcmd.c), the
 * rules between them, SOURCE and the accessors. Where the
 * pages are silent we chose the strict reading: the commands the pages
 * list that logvault does not run (anomaly, lookup, join, …), the forms
 * of SOURCE other than logGroups(…) and parse's multi-match mode are
 * refused by name.
 *
 * Column names of unaliased items: the item's text as AWS's parser gives
 * it (ANTLR's getText: the tokens as written, without blanks or
 * comments), e.g. "count(*)", "avg(latency)", "bin(5m)",
 * "sum(message_length)/1024/1024"; a bare field is named by its name
 * (backticks removed).
 */
#include "insights/insights.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "insights/iq.h"
#include "insights/parse_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

/* The most rows `limit` may ask for (CWL_QuerySyntax-Limit: "You can
 * specify a limit value of up to 100,000"; StartQuery's limit has the
 * same maximum). */
#define MAX_LIMIT 100000
/* SOURCE: "as many as five prefixes", "as many as 20 account
 * identifiers" (CWL_QuerySyntax-Source). */
#define MAX_PREFIXES 5
#define MAX_ACCOUNTS 20
/* "A query can have a maximum of two stats commands" (-Stats). */
#define MAX_STATS 2

/* ---- names and items ---------------------------------------------------- */

/* The column name of an unaliased item: a field's name, else the tokens
 * of [pos, end) as written, without what lies between them. */
static char *item_name(const struct lv_iqp *p, const struct lv_iq_expr *e)
{
    struct lv_buf b = LV_BUF_INIT(SIZE_MAX);
    size_t lo = 0, hi = p->n_spans, i;

    if (e->k == LV_IQ_E_FIELD) {
        return lv_xstrndup(e->str, e->len);
    }
    while (lo < hi) {           /* the first span at or after e->pos */
        size_t mid = lo + (hi - lo) / 2;

        if (p->spans[mid].pos < e->pos) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    for (i = lo; i < p->n_spans && p->spans[i].end <= e->end; i++) {
        lv_buf_add(&b, p->s + p->spans[i].pos,
                   (size_t)(p->spans[i].end - p->spans[i].pos));
    }
    return lv_buf_detach(&b, NULL);
}

static void items_free(struct lv_iq_item *it, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        lv_iqp_expr_free(it[i].e);
        free(it[i].name);
    }
    free(it);
}

static void add_item(struct lv_iq_item **items, size_t *n,
                     struct lv_iq_expr *e, char *name, int aliased)
{
    *items = lv_xrealloc(*items, (*n + 1) * sizeof(**items));
    memset(&(*items)[*n], 0, sizeof(**items));
    (*items)[*n].e = e;
    (*items)[*n].name = name;
    (*items)[*n].aliased = aliased;
    (*n)++;
}

/* A name after `as` (or `into`): heap copy in *out. */
static int parse_alias(struct lv_iqp *p, char **out)
{
    if (p->tok.t != LV_IQT_IDENT || lv_iqp_is_reserved(&p->tok)) {
        return lv_iqp_unexpected(p);
    }
    *out = p->tok.text;
    p->tok.text = NULL;
    if (lv_iqp_advance(p) < 0) {
        free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

/* Whether e reads only aliases of items[0..n) (1), reads no field at all
 * (0), or reads another field (-1). The examples page computes a stats
 * item from the items before it: `max(@memorySize / 1024 / 1024) as
 * provisonedMemoryMB, … max(@maxMemoryUsed / 1024 / 1024) as
 * maxMemoryUsedMB, provisonedMemoryMB - maxMemoryUsedMB as
 * overProvisionedMB`. */
static int refs_earlier(const struct lv_iq_expr *e,
                        const struct lv_iq_item *items, size_t n)
{
    size_t i;
    int any = 0;

    if (e->k == LV_IQ_E_FIELD) {
        for (i = 0; i < n; i++) {
            if (items[i].aliased && strcmp(items[i].name, e->str) == 0) {
                return 1;
            }
        }
        return -1;
    }
    for (i = 0; i < e->nargs; i++) {
        int r = refs_earlier(e->args[i], items, n);

        if (r < 0) {
            return -1;
        }
        any |= r;
    }
    return any;
}

/* What a list of items may have. */
enum item_kind { IK_FIELDS, IK_DISPLAY, IK_SORT, IK_STATS, IK_BY };

/* item (, item)*: an expression, then `as alias` (fields, stats, by) or
 * asc / desc (sort). */
static int parse_items(struct lv_iqp *p, enum item_kind kind,
                       struct lv_iq_item **items, size_t *n)
{
    for (;;) {
        struct lv_iq_expr *e;
        char *alias = NULL;
        int desc = 0;

        p->ctx = kind == IK_STATS ? LV_IQP_STATS_ITEM :
                 kind == IK_BY ? LV_IQP_STATS_BY : LV_IQP_PLAIN;
        p->n_aggs = 0;
        e = lv_iqp_parse_or(p);
        p->ctx = LV_IQP_PLAIN;
        if (!e) {
            return -1;
        }
        if (kind == IK_STATS && p->n_aggs == 0 &&
            refs_earlier(e, *items, *n) != 1) {
            lv_iqp_err_at(p, e->pos,
                          "each item of stats needs an aggregation "
                          "function, or to use the aliases of the items "
                          "before it");
            lv_iqp_expr_free(e);
            return -1;
        }
        if ((kind == IK_FIELDS || kind == IK_STATS || kind == IK_BY) &&
            lv_iqp_is_kw(p, "as")) {
            if (lv_iqp_advance(p) < 0 || parse_alias(p, &alias) < 0) {
                lv_iqp_expr_free(e);
                return -1;
            }
        } else if (kind == IK_SORT &&
                   (lv_iqp_is_kw(p, "asc") || lv_iqp_is_kw(p, "desc"))) {
            desc = lv_iqp_is_kw(p, "desc");
            if (lv_iqp_advance(p) < 0) {
                lv_iqp_expr_free(e);
                return -1;
            }
        }
        add_item(items, n, e, alias ? alias : item_name(p, e), alias != NULL);
        (*items)[*n - 1].desc = desc;
        if (p->tok.t != LV_IQT_COMMA) {
            return 0;
        }
        if (lv_iqp_advance(p) < 0) {
            return -1;
        }
    }
}

/* ---- commands ----------------------------------------------------------- */

static void cmd_release(struct lv_iq_cmd *c)
{
    size_t i;

    lv_iqp_expr_free(c->expr);
    items_free(c->items, c->n_items);
    items_free(c->by, c->n_by);
    free(c->parse.pattern);
    if (c->parse.re) {
        pcre2_code_free(c->parse.re);
    }
    for (i = 0; i < c->parse.n_aliases; i++) {
        free(c->parse.aliases[i]);
    }
    free(c->parse.aliases);
    free(c->parse.opts);
    free(c->diff_period);
    free(c->str);
    lv_iqp_subcmd_release(&c->sub);
}

/* A field reference only (parse's source, dedup, pattern, unnest …). */
static struct lv_iq_expr *parse_field(struct lv_iqp *p)
{
    struct lv_iq_expr *e;

    if (p->tok.t != LV_IQT_IDENT || lv_iqp_is_reserved(&p->tok)) {
        lv_iqp_unexpected(p);
        return NULL;
    }
    e = lv_iqp_new_expr(LV_IQ_E_FIELD, p->tok.pos, p->tok.end);
    lv_iqp_take_text(e, &p->tok);
    if (lv_iqp_advance(p) < 0) {
        lv_iqp_expr_free(e);
        return NULL;
    }
    if (p->tok.t == LV_IQT_LPAREN || p->tok.t == LV_IQT_LBRACK) {
        lv_iqp_unexpected(p);
        lv_iqp_expr_free(e);
        return NULL;
    }
    return e;
}

static struct lv_iq_expr *field_named(const char *name, int pos)
{
    struct lv_iq_expr *e = lv_iqp_new_expr(LV_IQ_E_FIELD, pos, pos);

    e->str = lv_xstrdup(name);
    e->len = strlen(name);
    return e;
}

/* The helpers parse_rowcmd.c shares (parse_int.h). */
struct lv_iq_expr *lv_iqp_parse_field(struct lv_iqp *p)
{
    return parse_field(p);
}

int lv_iqp_parse_alias(struct lv_iqp *p, char **out)
{
    return parse_alias(p, out);
}

void lv_iqp_add_item(struct lv_iq_item **items, size_t *n,
                     struct lv_iq_expr *e, char *name, int aliased)
{
    add_item(items, n, e, name, aliased);
}

struct lv_iq_expr *lv_iqp_field_named(const char *name, int pos)
{
    return field_named(name, pos);
}

static void spec_add_alias(struct lv_iq_parse_spec *sp, char *name)
{
    sp->aliases = lv_xrealloc(sp->aliases,
                              (sp->n_aliases + 1) * sizeof(*sp->aliases));
    sp->aliases[sp->n_aliases++] = name;
}

/* `as a, b, …` into the spec's aliases. */
static int parse_aliases(struct lv_iqp *p, struct lv_iq_parse_spec *sp)
{
    if (lv_iqp_expect_kw(p, "as") < 0) {
        return -1;
    }
    for (;;) {
        char *a;

        if (parse_alias(p, &a) < 0) {
            return -1;
        }
        spec_add_alias(sp, a);
        if (p->tok.t != LV_IQT_COMMA) {
            return 0;
        }
        if (lv_iqp_advance(p) < 0) {
            return -1;
        }
    }
}

/* The glob of parse as a PCRE2 pattern: the text literal, each `*` a
 * capture — lazy, but the last greedy so that it takes the rest of the
 * field (the parse page's "[*] * The error was: *" gives exception =
 * "DataIntegrityException", the whole tail). Unanchored: the glob may
 * match anywhere in the field. `.` crosses newlines (DOTALL at compile). */
static char *glob_regex(const char *g, size_t n, size_t *stars)
{
    struct lv_buf b = LV_BUF_INIT(SIZE_MAX);
    size_t i, seen = 0;

    *stars = 0;
    for (i = 0; i < n; i++) {
        *stars += g[i] == '*';
    }
    for (i = 0; i < n; i++) {
        if (g[i] == '*') {
            lv_buf_adds(&b, ++seen == *stars ? "(.*)" : "(.*?)");
        } else if (strchr("\\^$.|?+()[]{}", g[i]) && g[i] != '\0') {
            lv_buf_addc(&b, '\\');
            lv_buf_addc(&b, g[i]);
        } else if (g[i] == '\0') {
            lv_buf_adds(&b, "\\x{0}");
        } else {
            lv_buf_addc(&b, g[i]);
        }
    }
    return lv_buf_detach(&b, NULL);
}

/* parse [field] ("glob" as a, … | /regex/ [as a, …] | logfmt as m |
 * csv as a, …) — CWL_QuerySyntax-Parse. The field defaults to @message. */
static int parse_parse(struct lv_iqp *p, struct lv_iq_cmd *c)
{
    struct lv_iq_parse_spec *sp = &c->parse;
    struct lv_iqtoken next;
    int mode_word = 0;
    uint32_t ngroups = 0;

    if (p->tok.t == LV_IQT_IDENT &&
        (lv_iqp_is_kw(p, "logfmt") || lv_iqp_is_kw(p, "csv"))) {
        /* `parse logfmt as m`: the mode, unless a pattern follows (then
         * logfmt is the field). */
        if (lv_iqp_peek(p, &next) == 0 && next.t == LV_IQT_IDENT &&
            !next.quoted && strcasecmp(next.text, "as") == 0) {
            mode_word = 1;
        }
        lv_iqtok_release(&next);
    }
    if (p->tok.t == LV_IQT_STR || p->tok.t == LV_IQT_SLASH || mode_word) {
        c->expr = field_named("@message", p->tok.pos);
    } else if (!(c->expr = parse_field(p))) {
        return -1;
    }
    if (p->tok.t == LV_IQT_STR) {
        size_t stars;
        char *rx;
        int rc;

        sp->mode = LV_IQ_PARSE_GLOB;
        sp->pattern = p->tok.text;
        sp->pattern_len = p->tok.len;
        p->tok.text = NULL;
        rx = glob_regex(sp->pattern, sp->pattern_len, &stars);
        rc = lv_iqp_compile_re(p, rx, strlen(rx), PCRE2_DOTALL, p->tok.pos,
                               &sp->re);
        free(rx);
        if (rc < 0) {
            return -1;
        }
        if (stars == 0) {
            return lv_iqp_err_at(p, p->tok.pos,
                                 "the pattern of parse has no '*'");
        }
        if (lv_iqp_advance(p) < 0 || parse_aliases(p, sp) < 0) {
            return -1;
        }
        if (sp->n_aliases != stars) {
            return lv_iqp_err_at(p, c->pos,
                                 "parse: the pattern has %zu '*' but "
                                 "%zu alias%s are given",
                                 stars, sp->n_aliases,
                                 sp->n_aliases == 1 ? "" : "es");
        }
        return 0;
    }
    if (p->tok.t == LV_IQT_SLASH) {
        struct lv_iq_expr *re = lv_iqp_parse_regex(p);
        uint32_t namecount = 0, entry = 0, i;
        PCRE2_SPTR table = NULL;

        if (!re) {
            return -1;
        }
        sp->mode = LV_IQ_PARSE_REGEX;
        sp->pattern = re->str;
        sp->pattern_len = re->len;
        sp->re = re->re;
        re->str = NULL;
        re->re = NULL;
        lv_iqp_expr_free(re);
        pcre2_pattern_info(sp->re, PCRE2_INFO_CAPTURECOUNT, &ngroups);
        if (lv_iqp_is_kw(p, "as")) {
            if (parse_aliases(p, sp) < 0) {
                return -1;
            }
            if (sp->n_aliases != ngroups) {
                return lv_iqp_err_at(
                    p, c->pos,
                    "parse: the regular expression "
                    "has %u capture group%s but %zu alias%s are "
                    "given",
                    ngroups, ngroups == 1 ? "" : "s", sp->n_aliases,
                    sp->n_aliases == 1 ? "" : "es");
            }
        } else {
            /* Group i+1 → aliases[i]: its name, NULL when unnamed. */
            sp->aliases = lv_xcalloc(ngroups ? ngroups : 1,
                                     sizeof(*sp->aliases));
            sp->n_aliases = ngroups;
            pcre2_pattern_info(sp->re, PCRE2_INFO_NAMECOUNT, &namecount);
            pcre2_pattern_info(sp->re, PCRE2_INFO_NAMEENTRYSIZE, &entry);
            pcre2_pattern_info(sp->re, PCRE2_INFO_NAMETABLE, &table);
            for (i = 0; i < namecount; i++) {
                PCRE2_SPTR ent = table + (size_t)i * entry;
                unsigned g = ((unsigned)ent[0] << 8) | ent[1];

                if (g >= 1 && g <= ngroups && !sp->aliases[g - 1]) {
                    sp->aliases[g - 1] = lv_xstrdup((const char *)ent + 2);
                }
            }
            if (namecount == 0) {
                return lv_iqp_err_at(
                    p, c->pos,
                    "parse: the regular expression "
                    "has no named capture group (?<name>…) and "
                    "no aliases");
            }
        }
        if (lv_iqp_is_kw(p, "multi")) {
            return lv_iqp_err_at(p, p->tok.pos,
                                 "parse: multi-match mode is not "
                                 "supported by logvault");
        }
        return 0;
    }
    if (lv_iqp_is_kw(p, "logfmt") || lv_iqp_is_kw(p, "csv")) {
        sp->mode =
            lv_iqp_is_kw(p, "logfmt") ? LV_IQ_PARSE_LOGFMT : LV_IQ_PARSE_CSV;
        if (lv_iqp_advance(p) < 0 || parse_aliases(p, sp) < 0) {
            return -1;
        }
        if (sp->mode == LV_IQ_PARSE_LOGFMT && sp->n_aliases != 1) {
            return lv_iqp_err_at(p, c->pos,
                                 "parse logfmt takes one alias, the "
                                 "map of its keys");
        }
        return 0;
    }
    return lv_iqp_unexpected(p);
}

/* SOURCE logGroups(namePrefix: […], class: …, accountIdentifiers: […]). */
static int parse_str_list(struct lv_iqp *p, char ***out, size_t *n,
                          size_t max, const char *what)
{
    int pos = p->tok.pos;

    if (p->tok.t == LV_IQT_STR) {       /* a lone string: a list of one */
        *out = lv_xcalloc(1, sizeof(**out));
        (*out)[0] = p->tok.text;
        p->tok.text = NULL;
        *n = 1;
        return lv_iqp_advance(p);
    }
    if (lv_iqp_expect(p, LV_IQT_LBRACK) < 0) {
        return -1;
    }
    while (p->tok.t != LV_IQT_RBRACK) {
        if (p->tok.t != LV_IQT_STR) {
            return lv_iqp_unexpected(p);
        }
        *out = lv_xrealloc(*out, (*n + 1) * sizeof(**out));
        (*out)[(*n)++] = p->tok.text;
        p->tok.text = NULL;
        if (lv_iqp_advance(p) < 0) {
            return -1;
        }
        if (p->tok.t == LV_IQT_COMMA) {
            if (lv_iqp_advance(p) < 0) {
                return -1;
            }
            if (p->tok.t == LV_IQT_RBRACK) {
                return lv_iqp_unexpected(p);
            }
        } else if (p->tok.t != LV_IQT_RBRACK) {
            return lv_iqp_unexpected(p);
        }
    }
    if (*n > max) {
        return lv_iqp_err_at(p, pos, "SOURCE: at most %zu %s", max, what);
    }
    return lv_iqp_advance(p);
}

static void source_release(struct lv_iq_source *src)
{
    size_t i;

    for (i = 0; i < src->n_prefixes; i++) {
        free(src->name_prefixes[i]);
    }
    free(src->name_prefixes);
    for (i = 0; i < src->n_accounts; i++) {
        free(src->accounts[i]);
    }
    free(src->accounts);
    free(src->log_group_class);
    memset(src, 0, sizeof(*src));
}

static int parse_source(struct lv_iqp *p, struct lv_iq_query *q)
{
    struct lv_iq_source *src = &q->source;
    int seen_prefix = 0, seen_class = 0, seen_accounts = 0;

    q->has_source = 1;
    if (!lv_iqp_is_kw(p, "logGroups")) {
        if (p->tok.t == LV_IQT_IDENT) {
            return lv_iqp_err_at(p, p->tok.pos,
                                 "SOURCE %s(…) is not supported by "
                                 "logvault; use SOURCE logGroups(…)",
                                 p->tok.text);
        }
        return lv_iqp_unexpected(p);
    }
    if (lv_iqp_advance(p) < 0 || lv_iqp_expect(p, LV_IQT_LPAREN) < 0) {
        return -1;
    }
    while (p->tok.t != LV_IQT_RPAREN) {
        int pos = p->tok.pos;

        if (lv_iqp_is_kw(p, "namePrefix") && !seen_prefix) {
            seen_prefix = 1;
            if (lv_iqp_advance(p) < 0 || lv_iqp_expect(p, LV_IQT_COLON) < 0 ||
                parse_str_list(p, &src->name_prefixes, &src->n_prefixes,
                               MAX_PREFIXES, "name prefixes") < 0) {
                return -1;
            }
        } else if (lv_iqp_is_kw(p, "accountIdentifiers") && !seen_accounts) {
            seen_accounts = 1;
            if (lv_iqp_advance(p) < 0 || lv_iqp_expect(p, LV_IQT_COLON) < 0 ||
                parse_str_list(p, &src->accounts, &src->n_accounts,
                               MAX_ACCOUNTS, "account identifiers") < 0) {
                return -1;
            }
        } else if ((lv_iqp_is_kw(p, "class") ||
                    lv_iqp_is_kw(p, "logGroupClass")) &&
                   !seen_class) {
            /* The page names the keyword logGroupClass in its prose and
             * class in its examples; both are taken. */
            char **cls = NULL;
            size_t n_cls = 0, i;
            int bad = 0;

            seen_class = 1;
            if (lv_iqp_advance(p) < 0 || lv_iqp_expect(p, LV_IQT_COLON) < 0 ||
                parse_str_list(p, &cls, &n_cls, 1, "log group class") < 0) {
                for (i = 0; i < n_cls; i++) {
                    free(cls[i]);
                }
                free(cls);
                return -1;
            }
            for (i = 0; i < n_cls; i++) {
                bad |= strcmp(cls[i], "STANDARD") != 0 &&
                       strcmp(cls[i], "INFREQUENT_ACCESS") != 0 &&
                       strcmp(cls[i], "DELIVERY") != 0;
            }
            if (n_cls == 1 && !bad) {
                src->log_group_class = cls[0];
                cls[0] = NULL;
            }
            for (i = 0; i < n_cls; i++) {
                free(cls[i]);
            }
            free(cls);
            if (!src->log_group_class) {
                return lv_iqp_err_at(p, pos,
                                     "SOURCE: class must be one of "
                                     "STANDARD, INFREQUENT_ACCESS, DELIVERY");
            }
        } else {
            return lv_iqp_unexpected(p);
        }
        if (p->tok.t == LV_IQT_COMMA) {
            if (lv_iqp_advance(p) < 0) {
                return -1;
            }
        } else if (p->tok.t != LV_IQT_RPAREN) {
            return lv_iqp_unexpected(p);
        }
    }
    if (!src->log_group_class) {
        /* "If you omit this, the default of Standard log class is used." */
        src->log_group_class = lv_xstrdup("STANDARD");
    }
    return lv_iqp_advance(p);
}

/* The commands we run, by the names that start them (case-insensitive,
 * as AWS takes FIELDS and STATS). */
static const struct {
    const char *name;
    enum lv_iq_ck k;
} commands[] = {
    { "display", LV_IQ_C_DISPLAY }, { "fields", LV_IQ_C_FIELDS },
    { "filter", LV_IQ_C_FILTER }, { "where", LV_IQ_C_FILTER },
    { "filterIndex", LV_IQ_C_FILTER_INDEX }, { "pattern", LV_IQ_C_PATTERN },
    { "diff", LV_IQ_C_DIFF }, { "parse", LV_IQ_C_PARSE },
    { "sort", LV_IQ_C_SORT }, { "stats", LV_IQ_C_STATS },
    { "limit", LV_IQ_C_LIMIT }, { "dedup", LV_IQ_C_DEDUP },
    { "unmask", LV_IQ_C_UNMASK }, { "unnest", LV_IQ_C_UNNEST },
    { "accum", LV_IQ_C_ACCUM }, { "autoregress", LV_IQ_C_AUTOREGRESS },
    { "filldown", LV_IQ_C_FILLDOWN }, { "expand", LV_IQ_C_EXPAND },
    { "addtotals", LV_IQ_C_ADDTOTALS }, { "sessionize", LV_IQ_C_SESSIONIZE },
    { "fillmissing", LV_IQ_C_FILLMISSING },
    /* r8/iqml: parse_ml.c */
    { "outlier", LV_IQ_C_OUTLIER }, { "relevantfields", LV_IQ_C_RELEVANTFIELDS },
    { "logcompare", LV_IQ_C_LOGCOMPARE }, { "anomaly", LV_IQ_C_ANOMALY },
    /* r8/iqsub */
    { "join", LV_IQ_C_JOIN }, { "appendcols", LV_IQ_C_APPENDCOLS },
    { "lookup", LV_IQ_C_LOOKUP },       /* r8/lookup */
    { "cidrlookup", LV_IQ_C_CIDRLOOKUP },
    /* countFrequent f, … is read as stats count(*) as _approxcount by
     * f, … | sort _approxcount desc (parse_count_frequent) */
    { "countFrequent", LV_IQ_C_STATS }, { "count_frequent", LV_IQ_C_STATS },
};

/* Commands on the syntax pages that logvault does not run. */
static const char *const other_commands[] = {
    "subqueries", "json",
};

static const char *const diff_periods[] = {
    "previousDay", "previousWeek", "previousMonth",
};

/* What the query has seen so far, for the rules between commands. */
struct flow {
    int n_stats;
    int sort_or_limit;          /* a sort or limit before (stats rule) */
    int dedup;                  /* a dedup before: only limit may follow */
    int pattern;                /* a pattern before (diff needs one) */
    char **defined;             /* after the first stats: the names its
                                 * output and later commands define */
    size_t n_defined;
    int in_second;              /* after the first stats */
    int then_sort;              /* the command read was countFrequent: a
                                 * sort by _approxcount desc follows */
    const struct lv_iq_query *q;    /* the commands so far (fillmissing) */
};

static void define(struct flow *f, const char *name)
{
    if (!f->in_second) {
        return;
    }
    f->defined = lv_xrealloc(f->defined,
                             (f->n_defined + 1) * sizeof(*f->defined));
    f->defined[f->n_defined++] = lv_xstrdup(name);
}

static int is_defined(const struct flow *f, const char *name)
{
    size_t i;

    for (i = 0; i < f->n_defined; i++) {
        size_t l = strlen(f->defined[i]);

        /* A map alias (parse logfmt as m) defines m.key too. */
        if (strcmp(f->defined[i], name) == 0 ||
            (strncmp(f->defined[i], name, l) == 0 && name[l] == '.')) {
            return 1;
        }
    }
    return 0;
}

/* The second stats may refer only to what the first defined (-Stats,
 * "Notes and limitations"); bin() reads @timestamp implicitly. */
static int check_second_stats(struct lv_iqp *p, const struct flow *f,
                              const struct lv_iq_expr *e)
{
    size_t i;

    if (e->k == LV_IQ_E_FIELD && !is_defined(f, e->str)) {
        return lv_iqp_err_at(p, e->pos,
                             "the second stats command can use only "
                             "fields the first one defines, not '%s'",
                             e->str);
    }
    if (e->k == LV_IQ_E_CALL && e->fn && strcasecmp(e->str, "bin") == 0 &&
        !is_defined(f, "@timestamp")) {
        return lv_iqp_err_at(p, e->pos,
                             "bin() in the second stats command needs "
                             "@timestamp from the first one");
    }
    for (i = 0; i < e->nargs; i++) {
        if (check_second_stats(p, f, e->args[i]) < 0) {
            return -1;
        }
    }
    return 0;
}

static int parse_stats(struct lv_iqp *p, struct lv_iq_cmd *c,
                       struct flow *f)
{
    size_t i;

    if (++f->n_stats > MAX_STATS) {
        return lv_iqp_err_at(p, c->pos,
                             "a query can have at most two stats "
                             "commands");
    }
    if (f->n_stats == 2 && f->sort_or_limit) {
        return lv_iqp_err_at(p, c->pos,
                             "sort and limit must come after the "
                             "second stats command");
    }
    if (parse_items(p, IK_STATS, &c->items, &c->n_items) < 0) {
        return -1;
    }
    if (lv_iqp_is_kw(p, "by")) {
        if (lv_iqp_advance(p) < 0 ||
            parse_items(p, IK_BY, &c->by, &c->n_by) < 0) {
            return -1;
        }
    }
    if (lv_iqp_is_kw(p, "offset") &&                  /* r8/iqsub */
        lv_iqp_parse_offset(p, c, f->n_stats, f->q) < 0) {
        return -1;
    }
    if (f->n_stats == 2) {
        for (i = 0; i < c->n_items; i++) {
            if (check_second_stats(p, f, c->items[i].e) < 0) {
                return -1;
            }
        }
        for (i = 0; i < c->n_by; i++) {
            if (check_second_stats(p, f, c->by[i].e) < 0) {
                return -1;
            }
        }
        return 0;
    }
    f->in_second = 1;
    for (i = 0; i < c->n_by; i++) {
        define(f, c->by[i].name);
    }
    for (i = 0; i < c->n_items; i++) {
        define(f, c->items[i].name);
    }
    return 0;
}

/* countFrequent f[, f …] (CWL_QuerySyntax-CountFrequent, also
 * count_frequent): "an approximate count of each unique field-value
 * combination, sorted in descending order", in a field _approxcount. We
 * count exactly — an exact count is the best approximation — with the
 * stats command it amounts to: c becomes `stats count(*) as
 * _approxcount by f, …`, and f->then_sort has lv_iq_parse add `sort
 * _approxcount desc` after it. As a stats command it keeps stats' rules
 * (two at most; a second one reads only what the first defined). */
static int parse_count_frequent(struct lv_iqp *p, struct lv_iq_cmd *c,
                                struct flow *f)
{
    struct lv_iq_expr *cnt, *star;
    size_t i;

    if (++f->n_stats > MAX_STATS) {
        return lv_iqp_err_at(p, c->pos,
                             "a query can have at most two stats "
                             "commands (countFrequent is one)");
    }
    if (f->n_stats == 2 && f->sort_or_limit) {
        return lv_iqp_err_at(p, c->pos,
                             "sort and limit must come after the "
                             "second stats command (countFrequent is one)");
    }
    for (;;) {
        struct lv_iq_expr *e = parse_field(p);

        if (!e) {
            return -1;
        }
        add_item(&c->by, &c->n_by, e, lv_xstrdup(e->str), 0);
        if (f->n_stats == 2 && check_second_stats(p, f, e) < 0) {
            return -1;
        }
        if (p->tok.t != LV_IQT_COMMA) {
            break;
        }
        if (lv_iqp_advance(p) < 0) {
            return -1;
        }
    }
    cnt = lv_iqp_new_expr(LV_IQ_E_CALL, c->pos, c->pos);
    cnt->str = lv_xstrdup("count");
    cnt->len = 5;
    cnt->agg = lv_iq_agg_find("count", 5);
    star = lv_iqp_new_expr(LV_IQ_E_STAR, c->pos, c->pos);
    cnt->args = lv_xcalloc(1, sizeof(*cnt->args));
    cnt->args[0] = star;
    cnt->nargs = 1;
    add_item(&c->items, &c->n_items, cnt, lv_xstrdup("_approxcount"), 1);
    f->then_sort = 1;
    if (f->n_stats == 2) {
        return 0;
    }
    f->in_second = 1;
    for (i = 0; i < c->n_by; i++) {
        define(f, c->by[i].name);
    }
    define(f, "_approxcount");
    return 0;
}

/* The `sort _approxcount desc` after countFrequent's stats, at `pos`. */
static void count_frequent_sort(struct lv_iq_cmd *c, int pos)
{
    struct lv_iq_expr *e = field_named("_approxcount", pos);

    memset(c, 0, sizeof(*c));
    c->k = LV_IQ_C_SORT;
    c->pos = c->end = pos;
    add_item(&c->items, &c->n_items, e, lv_xstrdup("_approxcount"), 0);
    c->items[0].desc = 1;
}

/* One command; the current token starts it. */
static int parse_cmd(struct lv_iqp *p, struct lv_iq_cmd *c, struct flow *f)
{
    char t[64];
    size_t i;
    int k = -1;

    c->pos = p->tok.pos;
    if (p->tok.t == LV_IQT_IDENT && !p->tok.quoted) {
        for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
            if (strcasecmp(p->tok.text, commands[i].name) == 0) {
                k = (int)commands[i].k;
            }
        }
        for (i = 0; k < 0 && i < sizeof(other_commands) /
                                 sizeof(other_commands[0]); i++) {
            if (strcasecmp(p->tok.text, other_commands[i]) == 0) {
                return lv_iqp_err_at(p, p->tok.pos,
                                     "the %s command is not "
                                     "supported by logvault",
                                     other_commands[i]);
            }
        }
        if (k < 0 && strcasecmp(p->tok.text, "SOURCE") == 0) {
            return lv_iqp_err_at(p, p->tok.pos,
                                 "SOURCE must be the first command "
                                 "of the query");
        }
    }
    if (k < 0) {
        lv_iqp_tok_shown(p, t, sizeof(t));
        return lv_iqp_err_at(
            p, p->tok.pos,
            "mismatched input '%s' expecting "
            "{accum, addtotals, anomaly, appendcols, autoregress, "
            "cidrlookup, countFrequent, dedup, diff, display, expand, "
            "fields, filldown, fillmissing, filter, filterIndex, join, "
            "limit, logcompare, lookup, outlier, parse, pattern, "
            "relevantfields, "
            "sessionize, sort, stats, unmask, unnest, where}",
            t);
    }
    if (f->dedup && k != LV_IQ_C_LIMIT) {
        /* "The only query command that you can use after dedup is
         * limit" (-Dedup); AWS's answer to `dedup a | sort b`. */
        return lv_iqp_unexpected(p);
    }
    c->k = (enum lv_iq_ck)k;
    if (c->k == LV_IQ_C_STATS && strncasecmp(p->tok.text, "count", 5) == 0) {
        return lv_iqp_advance(p) < 0 ? -1 : parse_count_frequent(p, c, f);
    }
    if (lv_iqp_advance(p) < 0) {
        return -1;
    }
    switch (c->k) {
    case LV_IQ_C_FIELDS:
    case LV_IQ_C_DISPLAY:
        if (parse_items(p, c->k == LV_IQ_C_FIELDS ? IK_FIELDS : IK_DISPLAY,
                        &c->items, &c->n_items) < 0) {
            return -1;
        }
        for (i = 0; c->k == LV_IQ_C_FIELDS && i < c->n_items; i++) {
            define(f, c->items[i].name);
        }
        return 0;
    case LV_IQ_C_FILTER:
        p->in_filter = 1;       /* r8/iqsub: where `in ( … )` may be */
        c->expr = lv_iqp_parse_or(p);
        p->in_filter = 0;
        return c->expr ? 0 : -1;
    case LV_IQ_C_JOIN:          /* r8/iqsub */
        return lv_iqp_parse_join(p, c);
    case LV_IQ_C_APPENDCOLS:
        return lv_iqp_parse_appendcols(p, c);
    case LV_IQ_C_STATS:
        return parse_stats(p, c, f);
    case LV_IQ_C_SORT:
        f->sort_or_limit = 1;
        return parse_items(p, IK_SORT, &c->items, &c->n_items);
    case LV_IQ_C_LIMIT:
        f->sort_or_limit = 1;
        if (lv_iqp_is_kw(p, "any") && lv_iqp_advance(p) < 0) {
            /* `limit any N` (CWL_QuerySyntax.md): any N results, which
             * the plain limit's N are. */
            return -1;
        }
        if (p->tok.t != LV_IQT_NUM) {
            return lv_iqp_unexpected(p);
        }
        if (p->tok.num != (double)(int64_t)p->tok.num || p->tok.num < 1 ||
            p->tok.num > MAX_LIMIT) {
            return lv_iqp_err_at(p, p->tok.pos,
                                 "limit must be an integer from 1 "
                                 "to %d",
                                 MAX_LIMIT);
        }
        c->n = (int64_t)p->tok.num;
        return lv_iqp_advance(p);
    case LV_IQ_C_PARSE:
        if (parse_parse(p, c) < 0) {
            return -1;
        }
        for (i = 0; i < c->parse.n_aliases; i++) {
            if (c->parse.aliases[i]) {
                define(f, c->parse.aliases[i]);
            }
        }
        return 0;
    case LV_IQ_C_DEDUP:
        f->dedup = 1;
        for (;;) {
            struct lv_iq_expr *e = parse_field(p);

            if (!e) {
                return -1;
            }
            add_item(&c->items, &c->n_items, e, lv_xstrdup(e->str), 0);
            if (p->tok.t != LV_IQT_COMMA) {
                return 0;
            }
            if (lv_iqp_advance(p) < 0) {
                return -1;
            }
        }
    case LV_IQ_C_PATTERN:
        f->pattern = 1;
        c->expr = parse_field(p);
        return c->expr ? 0 : -1;
    case LV_IQ_C_DIFF:
        if (!f->pattern) {
            return lv_iqp_err_at(p, c->pos,
                                 "Diff compilation Failed : Diff "
                                 "operation has to be used after Pattern");
        }
        for (i = 0; i < f->q->n_cmds; i++) {        /* r8/iqsub */
            if (f->q->cmds[i].offset_ms) {
                return lv_iqp_err_at(p, c->pos, "offset cannot be used "
                                                "with diff");
            }
        }
        /* diff, diff previousDay | previousWeek | previousMonth (-Diff);
         * kept as the page spells them. */
        for (i = 0; i < sizeof(diff_periods) / sizeof(diff_periods[0]);
             i++) {
            if (lv_iqp_is_kw(p, diff_periods[i])) {
                c->diff_period = lv_xstrdup(diff_periods[i]);
                return lv_iqp_advance(p);
            }
        }
        c->diff_period = lv_xstrdup("previousPeriod");
        return 0;
    case LV_IQ_C_UNMASK:
        /* unmask, unmask @message, unmask(@message): @message as
         * ingested (exec.c). */
        if (p->tok.t == LV_IQT_LPAREN) {
            if (lv_iqp_advance(p) < 0 || !(c->expr = parse_field(p))) {
                return -1;
            }
            return lv_iqp_expect(p, LV_IQT_RPAREN);
        }
        if (p->tok.t == LV_IQT_IDENT) {
            c->expr = parse_field(p);
            return c->expr ? 0 : -1;
        }
        c->expr = field_named("@message", c->pos);
        return 0;
    case LV_IQ_C_FILTER_INDEX: {
        /* filterIndex field = value | field in [values] (-FilterIndex). */
        struct lv_iq_expr *l = parse_field(p), *r = NULL;
        enum lv_iq_op op;

        if (!l) {
            return -1;
        }
        if (p->tok.t == LV_IQT_EQ) {
            op = LV_IQ_OP_EQ;
            if (lv_iqp_advance(p) == 0) {
                r = lv_iqp_parse_list_item(p);
            }
        } else if (lv_iqp_is_kw(p, "in")) {
            op = LV_IQ_OP_IN;
            if (lv_iqp_advance(p) == 0) {
                r = lv_iqp_parse_list(p);
            }
        } else {
            lv_iqp_unexpected(p);
            lv_iqp_expr_free(l);
            return -1;
        }
        if (!r) {
            lv_iqp_expr_free(l);
            return -1;
        }
        c->expr = lv_iqp_binary(op, l, r);
        return 0;
    }
    case LV_IQ_C_UNNEST: {
        /* unnest field into name (-Unnest). */
        struct lv_iq_expr *e = parse_field(p);
        char *alias = NULL;

        if (!e) {
            return -1;
        }
        add_item(&c->items, &c->n_items, e, NULL, 1);
        if (lv_iqp_expect_kw(p, "into") < 0 || parse_alias(p, &alias) < 0) {
            return -1;
        }
        c->items[0].name = alias;
        define(f, alias);
        return 0;
    }
    case LV_IQ_C_ACCUM:
    case LV_IQ_C_AUTOREGRESS:
    case LV_IQ_C_FILLDOWN:
        if (lv_iqp_parse_running(p, c) < 0) {
            return -1;
        }
        for (i = 0; c->k != LV_IQ_C_FILLDOWN && i < c->n_items; i++) {
            define(f, c->items[i].name);
        }
        return 0;
    case LV_IQ_C_EXPAND: {
        /* expand fieldName (CWL_QuerySyntax-Expand): each element of the
         * list replaces it, under its own name. */
        struct lv_iq_expr *e = parse_field(p);

        if (!e) {
            return -1;
        }
        add_item(&c->items, &c->n_items, e, lv_xstrdup(e->str), 0);
        define(f, e->str);
        return 0;
    }
    case LV_IQ_C_LOOKUP:        /* r8/lookup */
    case LV_IQ_C_CIDRLOOKUP:
        if (lv_iqp_parse_lookup(p, c) < 0) {
            return -1;
        }
        for (i = 0; i < c->n_by; i++) {
            define(f, c->by[i].name);
        }
        return 0;
    case LV_IQ_C_FILLMISSING:
        if (lv_iqp_parse_fillmissing(p, c, f->q) < 0) {
            return -1;
        }
        for (i = 0; i < c->n_items; i++) {
            define(f, c->items[i].name);
        }
        return 0;
    case LV_IQ_C_SESSIONIZE:
        if (lv_iqp_parse_sessionize(p, c) < 0) {
            return -1;
        }
        define(f, c->str);
        return 0;
    case LV_IQ_C_ADDTOTALS:
        if (lv_iqp_parse_addtotals(p, c) < 0) {
            return -1;
        }
        for (i = 0; i < c->n_by; i++) {
            define(f, c->by[i].name);
        }
        return 0;
    case LV_IQ_C_ANOMALY:
        if (!f->pattern) {
            /* as diff's rule: anomaly analyses the patterns of pattern */
            return lv_iqp_err_at(p, c->pos,
                                 "Anomaly compilation Failed : Anomaly "
                                 "operation has to be used after Pattern");
        }
        /* fall through */
    case LV_IQ_C_OUTLIER:
    case LV_IQ_C_RELEVANTFIELDS:
    case LV_IQ_C_LOGCOMPARE:
        if (lv_iqp_parse_ml(p, c) < 0) {
            return -1;
        }
        /* its output fields (by), which a second stats may read */
        for (i = 0; i < c->n_by; i++) {
            define(f, c->by[i].name);
        }
        return 0;
    case LV_IQ_C_OTHER:
        break;
    }
    return lv_iqp_unexpected(p);
}

/* ---- required literals --------------------------------------------------- */

/* The literal a regex must match, when it is nothing else: its text with
 * escapes of punctuation removed; NULL when it has any operator or class
 * (or starts with an option such as (?i)). */
static char *regex_literal(const char *re, size_t n, size_t *len)
{
    struct lv_buf b = LV_BUF_INIT(SIZE_MAX);
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)re[i];

        if (c == '\\') {
            unsigned char d = i + 1 < n ? (unsigned char)re[i + 1] : 0;

            if (!d || (d >= '0' && d <= '9') || (d >= 'a' && d <= 'z') ||
                (d >= 'A' && d <= 'Z') || d >= 0x80) {
                goto none;
            }
            lv_buf_addc(&b, (char)d);
            i++;
        } else if (strchr(".^$|?*+()[]{}", c) && c) {
            goto none;
        } else {
            lv_buf_addc(&b, (char)c);
        }
    }
    if (b.len == 0) {
        goto none;
    }
    return lv_buf_detach(&b, len);
none:
    lv_buf_release(&b);
    return NULL;
}

static void add_required(struct lv_iq_query *q, char *lit, size_t len)
{
    q->req = lv_xrealloc(q->req, (q->n_req + 1) * sizeof(*q->req));
    q->req_len = lv_xrealloc(q->req_len,
                             (q->n_req + 1) * sizeof(*q->req_len));
    q->req[q->n_req] = lit;
    q->req_len[q->n_req] = len;
    q->n_req++;
}

/* The literals @message must contain for e to hold: through `and`, from
 * `@message like "text"`, `@message like /literal/` and `@message =~
 * /literal/`. */
static void collect_required(struct lv_iq_query *q, const struct lv_iq_expr *e)
{
    const struct lv_iq_expr *l, *r;
    size_t len;
    char *lit;

    if (e->k != LV_IQ_E_BINARY) {
        return;
    }
    if (e->op == LV_IQ_OP_AND) {
        collect_required(q, e->args[0]);
        collect_required(q, e->args[1]);
        return;
    }
    if (e->op != LV_IQ_OP_LIKE && e->op != LV_IQ_OP_MATCH) {
        return;
    }
    l = e->args[0];
    r = e->args[1];
    if (l->k != LV_IQ_E_FIELD || strcmp(l->str, "@message") != 0) {
        return;
    }
    if (r->k == LV_IQ_E_STR && r->len > 0) {
        add_required(q, lv_xstrndup(r->str, r->len), r->len);
    } else if (r->k == LV_IQ_E_REGEX &&
               (lit = regex_literal(r->str, r->len, &len))) {
        add_required(q, lit, len);
    }
}

/* ---- the query ----------------------------------------------------------- */

void lv_iq_query_free(struct lv_iq_query *q)
{
    size_t i;

    if (!q) {
        return;
    }
    for (i = 0; i < q->n_cmds; i++) {
        cmd_release(&q->cmds[i]);
    }
    free(q->cmds);
    source_release(&q->source);
    for (i = 0; i < q->n_req; i++) {
        free(q->req[i]);
    }
    free(q->req);
    free(q->req_len);
    for (i = 0; i < q->n_subs; i++) {          /* r8/iqsub */
        lv_iq_query_free(q->subs[i].q);
        free(q->subs[i].group);
        free(q->subs[i].key);
    }
    free(q->subs);
    free(q->text);
    free(q);
}

void lv_iqp_subcmd_release(struct lv_iq_subcmd *sc)
{
    free(sc->lalias);
    free(sc->ralias);
    free(sc->lkey);
    free(sc->rkey);
}

/* r8/iqsub: the commands of q, up to the end of the text or, in a
 * sub-query, up to its closing parenthesis (not consumed). */
int lv_iqp_parse_pipeline(struct lv_iqp *p, struct lv_iq_query *q)
{
    struct flow f;
    size_t i;
    int ret = -1;

    memset(&f, 0, sizeof(f));
    f.q = q;
    for (;;) {
        struct lv_iq_cmd *c;

        q->cmds = lv_xrealloc(q->cmds, (q->n_cmds + 1) * sizeof(*q->cmds));
        c = &q->cmds[q->n_cmds++];
        memset(c, 0, sizeof(*c));
        if (parse_cmd(p, c, &f) < 0) {
            goto out;
        }
        c->end = p->prev_end > c->pos ? p->prev_end : c->pos;
        if (f.then_sort) {
            int end = c->end;

            f.then_sort = 0;
            q->cmds = lv_xrealloc(q->cmds,
                                  (q->n_cmds + 1) * sizeof(*q->cmds));
            count_frequent_sort(&q->cmds[q->n_cmds++], end);
        }
        if (p->tok.t == LV_IQT_EOF ||
            (p->in_sub && p->tok.t == LV_IQT_RPAREN)) {
            break;
        }
        if (p->tok.t != LV_IQT_PIPE) {
            lv_iqp_unexpected(p);
            goto out;
        }
        if (lv_iqp_advance(p) < 0) {
            goto out;
        }
    }
    for (i = 0; i < q->n_cmds && q->cmds[i].k == LV_IQ_C_FILTER; i++) {
        collect_required(q, q->cmds[i].expr);
    }
    ret = 0;
out:
    for (i = 0; i < f.n_defined; i++) {
        free(f.defined[i]);
    }
    free(f.defined);
    return ret;
}

int lv_iq_parse(const char *text, size_t len, struct lv_iq_query **out,
                struct lv_err *err)
{
    struct lv_iqp p;
    struct lv_iq_query *q = lv_xcalloc(1, sizeof(*q));
    int ret = -1;

    memset(&p, 0, sizeof(p));
    q->text = lv_xmalloc(len + 1);      /* NUL bytes in text are kept */
    if (len) {
        memcpy(q->text, text, len);
    }
    q->text[len] = '\0';
    q->len = len;
    p.s = q->text;
    p.n = len;
    p.err = err;
    p.root = q;
    lv_iqlex_init(&p.lx, p.s, p.n);
    if (lv_iqp_advance(&p) < 0) {
        goto out;
    }
    if (lv_iqp_is_kw(&p, "SOURCE")) {
        if (lv_iqp_advance(&p) < 0 || parse_source(&p, q) < 0) {
            goto out;
        }
        if (p.tok.t == LV_IQT_EOF) {
            ret = 0;
            goto out;
        }
        if (lv_iqp_expect(&p, LV_IQT_PIPE) < 0) {
            goto out;
        }
    }
    ret = lv_iqp_parse_pipeline(&p, q);
out:
    lv_iqtok_release(&p.tok);
    free(p.spans);
    if (ret < 0) {
        lv_iq_query_free(q);
    } else {
        *out = q;
    }
    return ret;
}

const struct lv_iq_source *lv_iq_query_source(const struct lv_iq_query *q)
{
    return q->has_source ? &q->source : NULL;
}

int lv_iq_query_wants_previous(const struct lv_iq_query *q)
{
    size_t i;

    for (i = 0; i < q->n_cmds; i++) {
        if (q->cmds[i].k == LV_IQ_C_DIFF ||
            q->cmds[i].k == LV_IQ_C_LOGCOMPARE) {
            return 1;
        }
    }
    return 0;
}

int lv_iq_query_unmasks(const struct lv_iq_query *q)
{
    for (size_t i = 0; i < q->n_cmds; i++) {
        if (q->cmds[i].k == LV_IQ_C_UNMASK) {
            return 1;
        }
    }
    return 0;
}

/* A string literal that is not a number (lv_iq_query_equalities). */
static int text_literal(const struct lv_iq_expr *e)
{
    struct lv_iq_val v;
    int ok = 0;

    if (e->k != LV_IQ_E_STR) {
        return 0;
    }
    memset(&v, 0, sizeof(v));
    v.t = LV_IQ_STR;
    v.s = e->str;
    v.len = e->len;
    lv_iq_val_num(&v, &ok);
    return !ok;
}

static void collect_eq(const struct lv_iq_expr *e, struct lv_iq_eq *out,
                       size_t max, size_t *n)
{
    const struct lv_iq_expr *f = NULL;
    const struct lv_iq_expr *lit = NULL;
    struct lv_iq_eq *q;

    if (!e || e->k != LV_IQ_E_BINARY || *n >= max) {
        return;
    }
    if (e->op == LV_IQ_OP_AND) {
        collect_eq(e->args[0], out, max, n);
        collect_eq(e->args[1], out, max, n);
        return;
    }
    if (e->op == LV_IQ_OP_EQ) {
        if (e->args[0]->k == LV_IQ_E_FIELD && text_literal(e->args[1])) {
            f = e->args[0];
            lit = e->args[1];
        } else if (e->args[1]->k == LV_IQ_E_FIELD &&
                   text_literal(e->args[0])) {
            f = e->args[1];
            lit = e->args[0];
        } else {
            return;
        }
        q = &out[(*n)++];
        q->field = f->str;
        q->vals[0] = lit->str;
        q->lens[0] = lit->len;
        q->n = 1;
        return;
    }
    if (e->op == LV_IQ_OP_IN && e->args[0]->k == LV_IQ_E_FIELD &&
        e->args[1]->k == LV_IQ_E_LIST && e->args[1]->nargs >= 1 &&
        e->args[1]->nargs <= LV_IQ_EQ_MAX_VALUES) {
        const struct lv_iq_expr *list = e->args[1];

        for (size_t i = 0; i < list->nargs; i++) {
            if (!text_literal(list->args[i])) {
                return;
            }
        }
        q = &out[(*n)++];
        q->field = e->args[0]->str;
        for (size_t i = 0; i < list->nargs; i++) {
            q->vals[i] = list->args[i]->str;
            q->lens[i] = list->args[i]->len;
        }
        q->n = list->nargs;
    }
}

size_t lv_iq_query_equalities(const struct lv_iq_query *q,
                              struct lv_iq_eq *out, size_t max)
{
    size_t n = 0;

    for (size_t i = 0; i < q->n_cmds && (q->cmds[i].k == LV_IQ_C_FILTER ||
                                         q->cmds[i].k ==
                                             LV_IQ_C_FILTER_INDEX);
         i++) {
        collect_eq(q->cmds[i].expr, out, max, &n);
    }
    return n;
}

size_t lv_iq_query_required(const struct lv_iq_query *q,
                            const char *const **lits, const size_t **lens)
{
    *lits = (const char *const *)q->req;
    *lens = q->req_len;
    return q->n_req;
}

size_t lv_iq_query_n_subs(const struct lv_iq_query *q)
{
    return q->n_subs;
}

const char *lv_iq_query_sub_group(const struct lv_iq_query *q, size_t i)
{
    return i < q->n_subs ? q->subs[i].group : NULL;
}

int64_t lv_iq_query_offset_ms(const struct lv_iq_query *q)
{
    for (size_t i = 0; i < q->n_cmds; i++) {
        if (q->cmds[i].k == LV_IQ_C_STATS) {
            return q->cmds[i].offset_ms;    /* only the first has one */
        }
    }
    return 0;
}
