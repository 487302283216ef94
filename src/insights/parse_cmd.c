/*
 * parse_cmd: the parse command at run time, in its four modes
 * (CWL_QuerySyntax-Parse), over the text of its source field (@message
 * when none is named; a number or a time is parsed as its text). "If a
 * log event doesn't match the specified pattern, you still see it in the
 * results, but without the extracted fields": a row that does not match
 * gets no field set, and goes on.
 *
 *  glob    "user=*, method:*" as a, b — each * takes the text up to the
 *          next literal part (the shortest), the last * takes the rest;
 *          the pattern may start anywhere in the text (the leftmost
 *          place where the whole pattern matches). parse.c compiles the
 *          glob into spec->re that way (group k + 1 is the k-th star).
 *  regex   /…(?<name>…)…/ [as a, b] — group k + 1 of the leftmost match
 *          sets aliases[k] (the `as` names, else the groups' own names:
 *          parse.c fills them); a group that took no part sets nothing.
 *  logfmt  key=value pairs separated by blanks, a value bare or "quoted"
 *          (with \" and \\ escapes); with `as lf` they are set as lf.key
 *          (the page: "a map that you access with dot notation (for
 *          example, lf.level, lf.msg)"), without an alias as key.
 *  csv     the text split on the delimiter (spec->opts: one character,
 *          ',' when none), RFC 4180 quoting ("a ""b"""), the i-th value
 *          set under the i-th name of the `as` list; values past the
 *          names are dropped, names past the values stay unset.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <string.h>

#include "insights/exec_int.h"
#include "insights/iq.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

static void set_str(struct lv_iq_row *r, const char *name, const char *s,
                    size_t n)
{
    struct lv_iq_val v = { LV_IQ_STR, 0, s, n };
    lv_iq_row_set(r, name, &v);
}

/* ---- regex (and a compiled glob) --------------------------------------- */

/* Backtracking steps the pattern may take on one row, as eval.c bounds
 * like and =~: past it the row does not match, so one pathological event
 * cannot stall a query. */
#define PARSE_MATCH_LIMIT 1000000

/* PCRE2's allocations for one match come from the row's arena (no malloc
 * per row; freed with the row). */
static void *arena_malloc(size_t n, void *arena)
{
    return lv_iq_arena_alloc(arena, n);
}

static void arena_free(void *p, void *arena)
{
    (void)p, (void)arena;
}

static void run_re(const struct lv_iq_parse_spec *p, struct lv_iq_row *r,
                   const char *s, size_t len)
{
    pcre2_code *re = p->re;
    pcre2_general_context *gc;
    pcre2_match_context *mc;
    pcre2_match_data *md;
    PCRE2_SIZE *ov;
    int rc;

    if (!re) {
        LV_BUG("insights: parse without a compiled pattern");
    }
    gc = pcre2_general_context_create(arena_malloc, arena_free,
                                      lv_iq_row_arena(r));
    mc = gc ? pcre2_match_context_create(gc) : NULL;
    md = gc ? pcre2_match_data_create_from_pattern(re, gc) : NULL;
    if (!mc || !md) {
        return;
    }
    pcre2_set_match_limit(mc, PARSE_MATCH_LIMIT);
    rc = pcre2_match(re, (PCRE2_SPTR)s, len, 0, 0, md, mc);
    ov = pcre2_get_ovector_pointer(md);
    /* Group k + 1 sets aliases[k]: a glob's k-th star, a regex's k-th
     * group (named by `as`, else by its (?<name>…); parse.c). No match
     * (rc < 0, the limit included): nothing. */
    for (size_t k = 0; rc > 0 && k < p->n_aliases && (int)k + 1 < rc; k++) {
        if (p->aliases[k] && ov[2 * k + 2] != PCRE2_UNSET) {
            set_str(r, p->aliases[k], s + ov[2 * k + 2],
                    ov[2 * k + 3] - ov[2 * k + 2]);
        }
    }
}

/* ---- logfmt ---------------------------------------------------------- */

static int blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void run_logfmt(const struct lv_iq_parse_spec *p, struct lv_iq_row *r,
                       const char *s, size_t len)
{
    const char *alias = p->n_aliases > 0 ? p->aliases[0] : NULL;
    struct lv_buf name = LV_BUF_INIT(SIZE_MAX);
    struct lv_buf val = LV_BUF_INIT(SIZE_MAX);
    size_t i = 0;

    while (i < len) {
        size_t k0, k1;
        while (i < len && blank(s[i])) {
            i++;
        }
        k0 = i;
        while (i < len && !blank(s[i]) && s[i] != '=') {
            i++;
        }
        k1 = i;
        if (k1 == k0) {
            i++;        /* a stray '=': skip it */
            continue;
        }
        lv_buf_reset(&val);
        if (i < len && s[i] == '=') {
            i++;
            if (i < len && s[i] == '"') {
                i++;
                while (i < len && s[i] != '"') {
                    if (s[i] == '\\' && i + 1 < len) {
                        i++;
                    }
                    lv_buf_addc(&val, s[i++]);
                }
                i++;    /* the closing quote (or the end) */
            } else {
                size_t v0 = i;
                while (i < len && !blank(s[i])) {
                    i++;
                }
                lv_buf_add(&val, s + v0, i - v0);
            }
        }
        /* A bare key (no '=') is a key with an empty value, as logfmt
         * has it. */
        lv_buf_reset(&name);
        if (alias) {
            lv_buf_adds(&name, alias);
            lv_buf_addc(&name, '.');
        }
        lv_buf_add(&name, s + k0, k1 - k0);
        set_str(r, name.data, val.data, val.len);
    }
    lv_buf_release(&name);
    lv_buf_release(&val);
}

/* ---- csv ------------------------------------------------------------- */

static void run_csv(const struct lv_iq_parse_spec *p, struct lv_iq_row *r,
                    const char *s, size_t len)
{
    char delim = p->opts && p->opts[0] && !p->opts[1] ? p->opts[0] : ',';
    struct lv_buf val = LV_BUF_INIT(SIZE_MAX);
    size_t i = 0, col = 0;

    if (p->n_aliases == 0) {
        return;
    }
    for (;;) {
        lv_buf_reset(&val);
        if (i < len && s[i] == '"') {
            i++;
            while (i < len) {
                if (s[i] == '"') {
                    if (i + 1 < len && s[i + 1] == '"') {
                        lv_buf_addc(&val, '"');
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                lv_buf_addc(&val, s[i++]);
            }
            /* Text between the closing quote and the delimiter is kept. */
            while (i < len && s[i] != delim) {
                lv_buf_addc(&val, s[i++]);
            }
        } else {
            size_t v0 = i;
            while (i < len && s[i] != delim) {
                i++;
            }
            lv_buf_add(&val, s + v0, i - v0);
        }
        if (col < p->n_aliases) {
            set_str(r, p->aliases[col], val.data, val.len);
        }
        col++;
        if (i >= len || col >= p->n_aliases) {
            break;
        }
        i++;            /* the delimiter */
    }
    lv_buf_release(&val);
}

void lv_iq_parse_run(const struct lv_iq_cmd *c, struct lv_iq_row *r,
                     const struct lv_iq_ctx *cx)
{
    const struct lv_iq_parse_spec *p = &c->parse;
    struct lv_iq_val src;
    struct lv_buf text = LV_BUF_INIT(SIZE_MAX);
    const char *s;
    size_t len;

    if (c->expr) {
        lv_iq_eval(c->expr, r, cx, &src);
    } else {
        lv_iq_row_get(r, "@message", 8, &src);
    }
    if (src.t == LV_IQ_NULL) {
        return;
    }
    if (src.t == LV_IQ_STR) {
        s = src.s ? src.s : "";
        len = src.len;
    } else {
        lv_iq_val_text(&src, &text);
        s = text.data;
        len = text.len;
    }
    switch (p->mode) {
    case LV_IQ_PARSE_GLOB:     /* compiled by parse.c */
    case LV_IQ_PARSE_REGEX:
        run_re(p, r, s, len);
        break;
    case LV_IQ_PARSE_LOGFMT:
        run_logfmt(p, r, s, len);
        break;
    case LV_IQ_PARSE_CSV:
        run_csv(p, r, s, len);
        break;
    }
    lv_buf_release(&text);
}
