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
 *          glob into spec->re that way (group k + 1 is the k-th star);
 *          run_glob_plain does the same without a regex, for a spec
 *          that has none.
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
#include "util/mem.h"

static void set_str(struct lv_iq_row *r, const char *name, const char *s,
                    size_t n)
{
    struct lv_iq_val v = { LV_IQ_STR, 0, s, n };
    lv_iq_row_set(r, name, &v);
}

/* ---- glob ------------------------------------------------------------ */

/* The literal parts of the glob: parts[0] * parts[1] * … parts[n]. */
static int glob_at(const char *pat, size_t plen, const char *s, size_t len,
                   size_t start, size_t *caps, size_t ncaps)
{
    const char *star = memchr(pat, '*', plen);
    size_t l0 = star ? (size_t)(star - pat) : plen;
    size_t at = start + l0;
    size_t k = 0;

    if (start + l0 > len || memcmp(s + start, pat, l0) != 0) {
        return 0;
    }
    while (star) {
        const char *seg = star + 1;
        const char *next = memchr(seg, '*', plen - (size_t)(seg - pat));
        size_t sl = next ? (size_t)(next - seg)
                         : plen - (size_t)(seg - pat);
        if (k >= ncaps) {
            return 0;
        }
        caps[2 * k] = at;
        if (!next && sl == 0) {
            caps[2 * k + 1] = len;      /* a final * takes the rest */
            return 1;
        }
        if (sl == 0) {
            caps[2 * k + 1] = at;       /* ** : the first takes nothing */
        } else {
            const char *f = memmem(s + at, len - at, seg, sl);
            if (!f) {
                return 0;
            }
            caps[2 * k + 1] = (size_t)(f - s);
            at = (size_t)(f - s) + sl;
        }
        k++;
        star = next;
    }
    return 1;
}

static void run_glob_plain(const struct lv_iq_parse_spec *p,
                           struct lv_iq_row *r, const char *s, size_t len)
{
    size_t l0, ncaps = p->n_aliases;
    size_t *caps;
    const char *star = memchr(p->pattern, '*', p->pattern_len);

    l0 = star ? (size_t)(star - p->pattern) : p->pattern_len;
    caps = lv_xcalloc(2 * ncaps + 2, sizeof(*caps));
    for (size_t start = 0; start + l0 <= len; start++) {
        if (l0 > 0) {
            const char *f = memmem(s + start, len - start, p->pattern, l0);
            if (!f) {
                break;
            }
            start = (size_t)(f - s);
        }
        if (glob_at(p->pattern, p->pattern_len, s, len, start, caps,
                    ncaps)) {
            for (size_t k = 0; k < ncaps; k++) {
                set_str(r, p->aliases[k], s + caps[2 * k],
                        caps[2 * k + 1] - caps[2 * k]);
            }
            break;
        }
        if (l0 == 0) {
            break;      /* a leading * matches from 0 or not at all */
        }
    }
    free(caps);
}

/* ---- regex (and a compiled glob) --------------------------------------- */

static void run_re(const struct lv_iq_parse_spec *p, struct lv_iq_row *r,
                   const char *s, size_t len)
{
    pcre2_code *re = p->re;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    PCRE2_SIZE *ov;
    int rc;

    rc = pcre2_match(re, (PCRE2_SPTR)s, len, 0, 0, md, NULL);
    if (rc < 0) {
        goto out;
    }
    ov = pcre2_get_ovector_pointer(md);
    /* Group k + 1 sets aliases[k]: a glob's k-th star, a regex's k-th
     * group (named by `as`, else by its (?<name>…); parse.c). */
    for (size_t k = 0; k < p->n_aliases && (int)k + 1 < rc; k++) {
        if (p->aliases[k] && ov[2 * k + 2] != PCRE2_UNSET) {
            set_str(r, p->aliases[k], s + ov[2 * k + 2],
                    ov[2 * k + 3] - ov[2 * k + 2]);
        }
    }
out:
    pcre2_match_data_free(md);
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
    case LV_IQ_PARSE_GLOB:
        if (p->re) {
            run_re(p, r, s, len);
        } else {
            run_glob_plain(p, r, s, len);
        }
        break;
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
