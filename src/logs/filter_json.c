/*
 * filter_json: JSON filter patterns — { SELECTOR OP VALUE && ... || ... }.
 *
 * AWS pages: FilterAndPatternSyntax.html and "Using filter patterns to
 * match terms in JSON log events": selectors start at $ with .name
 * (letters, digits, '-', '_'), .['any.name'] bracket names, [N] steps (an
 * index following a property) and one wildcard, .* or [*]; = and != take
 * quoted or unquoted strings with '*' wildcards, numbers or %regex%;
 * < > <= >= take numbers; IS NULL, IS TRUE, IS FALSE, NOT EXISTS; "&&"
 * binds tighter than "||" (the page's order of operations "() > && >
 * ||"). A selector must name a string or number: one that names an
 * object or array matches neither = nor != (both { $.users = 1 } and
 * { $.users != 1 } fail on "users": [1, 2, 3]); nor does a missing one.
 * A number compares with a JSON string by its text alone.
 *
 * Parsing the event is kept apart from evaluation: the values each
 * selector names are reported once per message, by simdjson
 * (logs/fastjson, no tree built) or, where it cannot be sure to agree
 * with jansson, by jansson; the expression is then evaluated on what the
 * values satisfied. A message must also hold the pattern's prefilter
 * literals (required(), each rule argued there) before either decoder
 * runs.
 */
#include "logs/filter.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logs/filter_int.h"
#include "util/err.h"
#include "util/mem.h"

#define MAX_INDEX_DIGITS 9
/* FilterAndPatternSyntax, "Quotas": "You can only use up to one wildcard
 * selector in a property selector, and up to three wildcard selectors in
 * a filter pattern with compound expressions" (each condition whose
 * selector has one counts). The messages are AWS's. */
#define MAX_WILD_PER_SELECTOR 1
#define MAX_WILD_PER_PATTERN 3

struct jparse {
    struct flex lx;
    struct lv_filter *f;
    int nregex;
    int nwild;          /* conditions on a wildcard selector so far */
    struct lv_err *err;
};

/* ---- selectors --------------------------------------------------------- */

static int sel_name_char(unsigned char c)
{
    return isalnum(c) || c == '_' || c == '-';
}

/* "Invalid character(s) in term '<text up to the bad character>'", as AWS
 * answers { $."sc-status" = 5* } with term '$."'. */
static int sel_error(const struct jparse *jp, size_t upto)
{
    const struct ftok *t = &jp->lx.tok;
    size_t n = upto + 1;

    if (n > t->len) {
        /* Ran out of word: show the character that stopped it, if any. */
        size_t next = t->pos + t->len;

        n = t->len;
        if (next < jp->lx.end && !isspace((unsigned char)jp->lx.pat[next])) {
            n++;
        }
    }
    return lv_ferr_term(jp->err, t->s, n);
}

static void sel_release(struct fsel *s)
{
    size_t k;

    for (k = 0; k < s->nsteps; k++) {
        free(s->steps[k].name);
    }
    free(s->steps);
    free(s->text);
}

/* A bracket name at t->s[i] == '[' followed by a quote: ['any text but a
 * quote'] (FilterAndPatternSyntax: "If the JSON property contains a
 * period, then the bracket notation may be used to select that
 * property", { $.['cluster.name'] = "c" }). Fills st and returns the
 * offset past the ']', or 0 when it is not well formed (no closing "']",
 * or an empty name). */
static size_t bracket_name(const struct ftok *t, size_t i, struct fstep *st)
{
    const char *q;

    if (i + 2 >= t->len) {
        return 0;
    }
    q = memchr(t->s + i + 2, '\'', t->len - i - 2);
    if (!q || q == t->s + i + 2 || (size_t)(q - t->s) + 1 >= t->len ||
        q[1] != ']') {
        return 0;
    }
    st->name_len = (size_t)(q - (t->s + i + 2));
    st->name = lv_xstrndup(t->s + i + 2, st->name_len);
    return (size_t)(q - t->s) + 2;
}

/*
 * Parses the current TK_WORD as a selector; returns its index in f->sels
 * (an existing one when the same text was seen before) or -1. The steps:
 *   .name      letters, digits, '-' and '_'
 *   .['name']  any name without a quote (bracket notation); also ['name']
 *              after another step
 *   [N]        an array element, after another step
 *   .* [*]     the wildcard: every child of an array or object ("You can
 *              use the JSON wildcard to select any array element or any
 *              JSON object field"; AWS answers { $.arr[*] = "hit" } on
 *              {"arr":{"0":"hit"}} too, so both forms take both kinds);
 *              "up to one wildcard selector in a property selector".
 */
static int parse_selector(struct jparse *jp)
{
    const struct ftok *t = &jp->lx.tok;
    struct fsel sel;
    size_t i = 1;
    size_t k;

    memset(&sel, 0, sizeof(sel));
    if (t->type != TK_WORD || t->len == 0 || t->s[0] != '$') {
        if (t->type == TK_WORD) {
            return lv_ferr_term(jp->err, t->s, t->len);
        }
        return lv_ferr_unexpected(jp->err, &jp->lx);
    }
    if (t->len == 1) {
        return sel_error(jp, 1);
    }
    while (i < t->len) {
        struct fstep st;
        size_t start, next;

        memset(&st, 0, sizeof(st));
        if (t->s[i] == '.' && i + 1 < t->len && t->s[i + 1] == '*') {
            st.is_wild = 1;
            i += 2;
        } else if (t->s[i] == '.' && i + 1 < t->len && t->s[i + 1] == '[') {
            next = 0;
            if (i + 2 < t->len && t->s[i + 2] == '\'') {
                next = bracket_name(t, i + 1, &st);
            }
            if (next == 0) {
                sel_release(&sel);
                return sel_error(jp, i + 1);
            }
            i = next;
        } else if (t->s[i] == '.') {
            start = ++i;
            while (i < t->len && sel_name_char((unsigned char)t->s[i])) {
                i++;
            }
            if (i == start) {
                sel_release(&sel);
                return sel_error(jp, i);
            }
            st.name = lv_xstrndup(t->s + start, i - start);
            st.name_len = i - start;
        } else if (t->s[i] == '[' && sel.nsteps > 0 && i + 1 < t->len &&
                   t->s[i + 1] == '\'') {
            next = bracket_name(t, i, &st);
            if (next == 0) {
                sel_release(&sel);
                return sel_error(jp, i + 1);
            }
            i = next;
        } else if (t->s[i] == '[' && sel.nsteps > 0 && i + 2 < t->len &&
                   t->s[i + 1] == '*' && t->s[i + 2] == ']') {
            st.is_wild = 1;
            i += 3;
        } else if (t->s[i] == '[' && sel.nsteps > 0) {
            start = ++i;
            while (i < t->len && isdigit((unsigned char)t->s[i]) &&
                   i - start < MAX_INDEX_DIGITS) {
                st.index = st.index * 10 + (size_t)(t->s[i] - '0');
                i++;
            }
            if (i == start || i >= t->len || t->s[i] != ']') {
                sel_release(&sel);
                return sel_error(jp, i);
            }
            i++;
            st.is_index = 1;
        } else {
            sel_release(&sel);
            return sel_error(jp, i);
        }
        if (st.is_wild && sel.wild) {
            sel_release(&sel);
            return lv_err_set(jp->err, LV_E_INVALID_PARAMETER,
                              "Your filter pattern has a JSON path "
                              "selector that exceeds the maximum of %d "
                              "wildcard allowed per json selector.",
                              MAX_WILD_PER_SELECTOR);
        }
        sel.wild |= st.is_wild;
        sel.steps = lv_xrealloc(sel.steps,
                                (sel.nsteps + 1) * sizeof(*sel.steps));
        sel.steps[sel.nsteps++] = st;
    }
    if (sel.wild && ++jp->nwild > MAX_WILD_PER_PATTERN) {
        sel_release(&sel);
        return lv_err_set(jp->err, LV_E_INVALID_PARAMETER,
                          "Your input has exceeded the maximum of %d JSON "
                          "wildcard selectors allowed per filter pattern.",
                          MAX_WILD_PER_PATTERN);
    }
    sel.text = lv_xstrndup(t->s, t->len);
    for (k = 0; k < jp->f->nsels; k++) {
        if (strcmp(jp->f->sels[k].text, sel.text) == 0) {
            sel_release(&sel);
            return (int)k;
        }
    }
    jp->f->sels = lv_xrealloc(jp->f->sels,
                              (jp->f->nsels + 1) * sizeof(*jp->f->sels));
    jp->f->sels[jp->f->nsels] = sel;
    return (int)jp->f->nsels++;
}

/* ---- the expression ---------------------------------------------------- */

static int is_word(const struct flex *lx, const char *w)
{
    size_t n = strlen(w);

    return lx->tok.type == TK_WORD && lx->tok.len == n &&
           memcmp(lx->tok.s, w, n) == 0;
}

static int parse_or(struct jparse *jp);

/* SELECTOR OP VALUE | SELECTOR IS NULL|TRUE|FALSE | SELECTOR NOT EXISTS */
static int parse_cond(struct jparse *jp)
{
    struct fnode n;
    int sel;

    memset(&n, 0, sizeof(n));
    n.type = FN_COND;
    sel = parse_selector(jp);
    if (sel < 0) {
        return -1;
    }
    n.target = sel;
    if (lv_flex_next(&jp->lx, jp->err) < 0) {
        return -1;
    }
    switch (jp->lx.tok.type) {
    case TK_EQ: n.op = OP_EQ; break;
    case TK_NE: n.op = OP_NE; break;
    case TK_LT: n.op = OP_LT; break;
    case TK_LE: n.op = OP_LE; break;
    case TK_GT: n.op = OP_GT; break;
    case TK_GE: n.op = OP_GE; break;
    default:
        if (is_word(&jp->lx, "IS")) {
            if (lv_flex_next(&jp->lx, jp->err) < 0) {
                return -1;
            }
            if (is_word(&jp->lx, "NULL")) {
                n.op = OP_IS_NULL;
            } else if (is_word(&jp->lx, "TRUE")) {
                n.op = OP_IS_TRUE;
            } else if (is_word(&jp->lx, "FALSE")) {
                n.op = OP_IS_FALSE;
            } else if (jp->lx.tok.type == TK_WORD) {
                /* "The variables IS NOT and EXISTS currently aren't
                 * supported"; AWS answers { $.v IS NOT NULL } with
                 * term 'NOT'. */
                return lv_ferr_term(jp->err, jp->lx.tok.s, jp->lx.tok.len);
            } else {
                return lv_ferr_unexpected(jp->err, &jp->lx);
            }
        } else if (is_word(&jp->lx, "NOT")) {
            if (lv_flex_next(&jp->lx, jp->err) < 0) {
                return -1;
            }
            if (!is_word(&jp->lx, "EXISTS")) {
                return lv_ferr_unexpected(jp->err, &jp->lx);
            }
            n.op = OP_NOT_EXISTS;
        } else {
            return lv_ferr_unexpected(jp->err, &jp->lx);
        }
        if (lv_flex_next(&jp->lx, jp->err) < 0) {
            return -1;
        }
        return lv_fexpr_add(&jp->f->expr, &n);
    }
    if (lv_flex_next(&jp->lx, jp->err) < 0 ||
        lv_fval_from_tok(&jp->lx, n.op, &n.val, &jp->nregex,
                         jp->err) < 0) {
        return -1;
    }
    if (lv_flex_next(&jp->lx, jp->err) < 0) {
        lv_fval_release(&n.val);
        return -1;
    }
    return lv_fexpr_add(&jp->f->expr, &n);
}

static int parse_unary(struct jparse *jp)
{
    int e;

    if (jp->lx.tok.type != TK_LPAREN) {
        return parse_cond(jp);
    }
    if (lv_flex_next(&jp->lx, jp->err) < 0) {
        return -1;
    }
    e = parse_or(jp);
    if (e < 0) {
        return -1;
    }
    if (jp->lx.tok.type != TK_RPAREN) {
        return lv_ferr_unexpected(jp->err, &jp->lx);
    }
    if (lv_flex_next(&jp->lx, jp->err) < 0) {
        return -1;
    }
    return e;
}

static int parse_and(struct jparse *jp)
{
    int left = parse_unary(jp);

    while (left >= 0 && jp->lx.tok.type == TK_AND) {
        struct fnode n;
        int right;

        if (lv_flex_next(&jp->lx, jp->err) < 0) {
            return -1;
        }
        right = parse_unary(jp);
        if (right < 0) {
            return -1;
        }
        memset(&n, 0, sizeof(n));
        n.type = FN_AND;
        n.left = left;
        n.right = right;
        left = lv_fexpr_add(&jp->f->expr, &n);
    }
    return left;
}

static int parse_or(struct jparse *jp)
{
    int left = parse_and(jp);

    while (left >= 0 && jp->lx.tok.type == TK_OR) {
        struct fnode n;
        int right;

        if (lv_flex_next(&jp->lx, jp->err) < 0) {
            return -1;
        }
        right = parse_and(jp);
        if (right < 0) {
            return -1;
        }
        memset(&n, 0, sizeof(n));
        n.type = FN_OR;
        n.left = left;
        n.right = right;
        left = lv_fexpr_add(&jp->f->expr, &n);
    }
    return left;
}

/* ---- compiled forms: fast-path selectors and the prefilter ------------- */

/* The selectors as lv_fastjson_visit takes them, and the conditions on
 * each (on_value's index). */
static void build_paths(struct lv_filter *f)
{
    size_t total = 0;
    size_t k, j, at = 0;
    size_t n;

    f->cond_off = lv_xcalloc(f->nsels + 1, sizeof(*f->cond_off));
    f->cond_nodes = lv_xcalloc(f->expr.n ? f->expr.n : 1,
                               sizeof(*f->cond_nodes));
    for (k = 0; k < f->nsels; k++) {
        f->cond_off[k] = at;
        for (n = 0; n < f->expr.n; n++) {
            if (f->expr.nodes[n].type == FN_COND &&
                f->expr.nodes[n].target == (int)k) {
                f->cond_nodes[at++] = (int)n;
            }
        }
    }
    f->cond_off[f->nsels] = at;
    at = 0;

    for (k = 0; k < f->nsels; k++) {
        total += f->sels[k].nsteps;
    }
    f->fj_paths = lv_xcalloc(f->nsels ? f->nsels : 1, sizeof(*f->fj_paths));
    f->fj_steps = lv_xcalloc(total ? total : 1, sizeof(*f->fj_steps));
    for (k = 0; k < f->nsels; k++) {
        f->fj_paths[k].steps = f->fj_steps + at;
        f->fj_paths[k].nsteps = f->sels[k].nsteps;
        for (j = 0; j < f->sels[k].nsteps; j++) {
            const struct fstep *st = &f->sels[k].steps[j];
            struct lv_fastjson_step *o = &f->fj_steps[at++];

            o->is_index = st->is_index;
            o->is_wild = st->is_wild;
            o->name = st->name;
            o->name_len = st->name_len;
            o->index = st->index;
        }
    }
}

/* Could a JSON number's text (number_text: "%lld", or "%.17g" with ".0"
 * added; never inf or nan, which JSON cannot produce, but counted anyway)
 * be made of these bytes? Only then may an = "text" condition be met by a
 * number, whose raw form ("5.03e2" for "503.0") need not show the text. */
static int numberish(const char *s, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        if (!strchr("0123456789+-.eEinfaINFA", s[i]) || s[i] == '\0') {
            return 0;
        }
    }
    return 1;
}

/* Adds '"' + s + '"' (quote_l / quote_r saying which quotes). */
static void add_quoted(struct lv_filter *f, const char *s, size_t len,
                       int quote_l, int quote_r)
{
    char *buf = lv_xmalloc(len + 2);
    size_t n = 0;

    if (quote_l) {
        buf[n++] = '"';
    }
    memcpy(buf + n, s, len);
    n += len;
    if (quote_r) {
        buf[n++] = '"';
    }
    lv_filter_add_required(f, buf, n, 1, 1);
    free(buf);
}

/*
 * The prefilter: literals every message that matches must contain (struct
 * lv_filter_lit). Why each is sound — "M matches" means jansson parsed M
 * into an object tree T and eval() said 1:
 *
 *  - Only conditions on the && spine from the root are used: eval() of an
 *    FN_AND is 1 only when both sides are 1, so each condition reached
 *    through && alone is 1 on M. Under || nothing is taken.
 *  - A condition other than NOT EXISTS is 1 only when one value its
 *    selector names satisfies it (visit_tree() reached it). Then each
 *    .name or ['name'] step on the way went through json_object_getn on
 *    an object of T, so an object of M has a member whose unescaped name
 *    is `name` (a wildcard step promises no name and gives nothing). A
 *    member name is written "raw" with its bytes copied as they are,
 *    except for escapes, each of which starts with '\\'. So M holds
 *    "name" with its quotes, or M holds a backslash: literal `"name"`,
 *    or_backslash.
 *  - IS TRUE / IS FALSE / IS NULL are 1 only on the tokens true / false /
 *    null, which JSON writes one way only: literals `true`, `false`,
 *    `null`, no alternative.
 *  - = "text" (FV_TEXT) is 1 when the scalar's text equals `text`. If the
 *    value is a number its text is number_text()'s, made only of
 *    [0-9+-.e] (inf/nan cannot come from JSON); numberish() rules those
 *    texts out, so for any other text the value is a string whose
 *    unescaped bytes are `text`: as for names, M holds "text" with its
 *    quotes, or a backslash. (An unquoted word that is a number is
 *    FV_NUMBER and gives nothing: 503 may be written 5.03e2.)
 *  - = glob (FV_GLOB, "a*b"): the value's text holds every literal piece,
 *    the first at its start unless the glob starts with '*', the last at
 *    its end unless it ends with '*'. For a string value those pieces are
 *    in M as they are — with the string's opening quote before a first
 *    anchored piece and its closing quote after a last anchored one —
 *    unless M has a backslash. A piece that is numberish() might come
 *    from a number's text instead and is skipped; the quote is added only
 *    on a piece we keep, and only because that piece is not numberish, so
 *    the value is a string.
 *  - !=, <, >, <=, >=, %regex% and FV_NUMBER give no value literal.
 */
static void required(struct lv_filter *f, int node)
{
    const struct fnode *n = &f->expr.nodes[node];
    const struct fsel *sel;
    size_t k;

    if (n->type == FN_AND) {
        required(f, n->left);
        required(f, n->right);
        return;
    }
    if (n->type != FN_COND || n->op == OP_NOT_EXISTS) {
        return;
    }
    sel = &f->sels[n->target];
    for (k = 0; k < sel->nsteps; k++) {
        if (!sel->steps[k].is_index && !sel->steps[k].is_wild) {
            add_quoted(f, sel->steps[k].name, sel->steps[k].name_len, 1, 1);
        }
    }
    switch (n->op) {
    case OP_IS_TRUE:
        lv_filter_add_required(f, "true", 4, 0, 0);
        return;
    case OP_IS_FALSE:
        lv_filter_add_required(f, "false", 5, 0, 0);
        return;
    case OP_IS_NULL:
        lv_filter_add_required(f, "null", 4, 0, 0);
        return;
    case OP_EQ:
        break;
    default:
        return;
    }
    if (n->val.kind == FV_TEXT && !numberish(n->val.text, n->val.len)) {
        add_quoted(f, n->val.text, n->val.len, 1, 1);
    } else if (n->val.kind == FV_GLOB) {
        for (k = 0; k < n->val.nseg; k++) {
            const char *seg = n->val.text + n->val.seg_off[k];
            size_t len = n->val.seg_len[k];

            if (len == 0 || numberish(seg, len)) {
                continue;
            }
            add_quoted(f, seg, len, k == 0 && !n->val.lead_star,
                       k + 1 == n->val.nseg && !n->val.trail_star);
        }
    }
}

int lv_filter_parse_json(struct lv_filter *f, const char *pat, size_t start,
                         size_t end, struct lv_err *err)
{
    struct jparse jp;
    int root;

    memset(&jp, 0, sizeof(jp));
    jp.lx.pat = pat;
    jp.lx.pos = start;
    jp.lx.end = end;
    jp.f = f;
    jp.err = err;
    if (lv_flex_next(&jp.lx, err) < 0) {
        return -1;
    }
    root = parse_or(&jp);
    if (root < 0) {
        return -1;
    }
    if (jp.lx.tok.type != TK_END) {
        return lv_ferr_unexpected(err, &jp.lx);
    }
    f->expr.root = root;
    build_paths(f);
    required(f, root);
    return 0;
}

void lv_filter_release_json(struct lv_filter *f)
{
    size_t k;

    lv_fexpr_release(&f->expr);
    for (k = 0; k < f->nsels; k++) {
        sel_release(&f->sels[k]);
    }
    free(f->sels);
    f->sels = NULL;
    f->nsels = 0;
    free(f->fj_paths);
    free(f->fj_steps);
    free(f->cond_nodes);
    free(f->cond_off);
    f->fj_paths = NULL;
    f->fj_steps = NULL;
    f->cond_nodes = NULL;
    f->cond_off = NULL;
}

/* ---- evaluation -------------------------------------------------------- */

/*
 * A selector names a list of values: none (missing), one, or — through a
 * wildcard — one per child. Each is reported by one of two decoders:
 * lv_fastjson_visit (simdjson, no tree built) or, when it cannot decide,
 * jansson through visit_tree() — the only code here that knows jansson.
 * A condition holds when one value of its selector satisfies it (AWS:
 * { $.items[*].a = 1 && $.items[*].b = 2 } matches
 * {"items":[{"a":1},{"b":2}]}: each condition on its own); NOT EXISTS
 * when the selector names no value. Without a wildcard that is exactly
 * the one-value rule. on_value() marks the conditions each value
 * satisfies; eval() then combines the marks.
 */

/* Nodes and selectors kept on the stack before the heap. */
#define STACK_NODES 64
#define STACK_SELS 32

struct jstate {
    const struct lv_filter *f;
    unsigned char *hit;             /* per node: satisfied by a value */
    size_t *count;                  /* per selector: values named */
    struct lv_fastjson_val *first;  /* per selector: first scalar, bool or
                                     * null named (extraction) */
};

/* A number's text as it would be written: integers plainly, reals in the
 * shortest form that reads back the same, always with a '.' or exponent
 * (12.0 stays "12.0", so { $.f = "12" } does not match it). */
static void number_text(const struct lv_fastjson_val *v, char *buf,
                        size_t size)
{
    double d;
    int prec;

    if (v->kind == LV_FASTJSON_INT) {
        snprintf(buf, size, "%lld", (long long)v->i);
        return;
    }
    d = v->d;
    for (prec = 15; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, d);
        if (strtod(buf, NULL) == d) {
            break;
        }
    }
    if (!strpbrk(buf, ".eEn")) {
        size_t n = strlen(buf);

        if (n + 2 < size) {
            memcpy(buf + n, ".0", 3);
        }
    }
}

/* The scalar view of a string or number; 0 for anything else. */
static int scalar_of(const struct lv_fastjson_val *v, struct fscalar *s,
                     char *buf, size_t size)
{
    if (v->kind == LV_FASTJSON_STRING) {
        s->is_number = 0;
        s->text = v->str ? v->str : "";
        s->len = v->len;
        return 1;
    }
    if (v->kind == LV_FASTJSON_INT || v->kind == LV_FASTJSON_REAL) {
        number_text(v, buf, size);
        s->is_number = 1;
        s->text = buf;
        s->len = strlen(buf);
        return 1;
    }
    return 0;
}

/* Does value v satisfy condition n (not NOT EXISTS)? */
static int cond_test(const struct fnode *n, const struct lv_fastjson_val *v)
{
    struct fscalar s;
    char buf[64];

    switch (n->op) {
    case OP_IS_NULL:
        return v->kind == LV_FASTJSON_NULL;
    case OP_IS_TRUE:
        return v->kind == LV_FASTJSON_TRUE;
    case OP_IS_FALSE:
        return v->kind == LV_FASTJSON_FALSE;
    case OP_NOT_EXISTS:
        return 0;
    default:
        if (!scalar_of(v, &s, buf, sizeof(buf))) {
            return 0;
        }
        return lv_fval_test(n->op, &n->val, &s);
    }
}

/* lv_fastjson_visit_fn: value v of selector k. */
static void on_value(void *arg, size_t k, const struct lv_fastjson_val *v)
{
    struct jstate *st = arg;
    const struct lv_filter *f = st->f;
    size_t j;

    st->count[k]++;
    if (st->first[k].kind == LV_FASTJSON_MISSING &&
        v->kind != LV_FASTJSON_CONTAINER) {
        st->first[k] = *v;
    }
    for (j = f->cond_off[k]; j < f->cond_off[k + 1]; j++) {
        int n = f->cond_nodes[j];

        if (!st->hit[n]) {
            st->hit[n] = (unsigned char)cond_test(&f->expr.nodes[n], v);
        }
    }
}

/* Reports what steps[i..] name below v (jansson's tree) to on_value. */
static void visit_tree(json_t *v, const struct fsel *sel, size_t i,
                       size_t k, struct jstate *st)
{
    struct lv_fastjson_val out;

    for (; i < sel->nsteps; i++) {
        const struct fstep *step = &sel->steps[i];

        if (step->is_wild) {
            const char *key;
            json_t *child;
            size_t j;

            if (json_is_array(v)) {
                json_array_foreach(v, j, child) {
                    visit_tree(child, sel, i + 1, k, st);
                }
            } else if (json_is_object(v)) {
                json_object_foreach(v, key, child) {
                    visit_tree(child, sel, i + 1, k, st);
                }
            }
            return;
        }
        if (step->is_index) {
            v = json_is_array(v) ? json_array_get(v, step->index) : NULL;
        } else {
            v = json_is_object(v) ? json_object_getn(v, step->name,
                                                     step->name_len) : NULL;
        }
        if (!v) {
            return;
        }
    }
    memset(&out, 0, sizeof(out));
    if (json_is_string(v)) {
        out.kind = LV_FASTJSON_STRING;
        out.str = json_string_value(v);
        out.len = json_string_length(v);
    } else if (json_is_integer(v)) {
        out.kind = LV_FASTJSON_INT;
        out.i = (int64_t)json_integer_value(v);
    } else if (json_is_real(v)) {
        out.kind = LV_FASTJSON_REAL;
        out.d = json_real_value(v);
    } else if (json_is_true(v)) {
        out.kind = LV_FASTJSON_TRUE;
    } else if (json_is_false(v)) {
        out.kind = LV_FASTJSON_FALSE;
    } else if (json_is_null(v)) {
        out.kind = LV_FASTJSON_NULL;
    } else {
        out.kind = LV_FASTJSON_CONTAINER;
    }
    on_value(st, k, &out);
}

static int eval(const struct jstate *st, int node)
{
    const struct fnode *n = &st->f->expr.nodes[node];

    switch (n->type) {
    case FN_AND:
        return eval(st, n->left) && eval(st, n->right);
    case FN_OR:
        return eval(st, n->left) || eval(st, n->right);
    case FN_COND:
        break;
    }
    if (n->op == OP_NOT_EXISTS) {
        return st->count[n->target] == 0;
    }
    return st->hit[node];
}

/* extractedValues: each selector's first string, number, boolean or null
 * (with a wildcard, the first in the message's order). */
static json_t *extract(const struct jstate *st)
{
    const struct lv_filter *f = st->f;
    json_t *out = json_object();
    size_t k;

    for (k = 0; k < f->nsels; k++) {
        const struct lv_fastjson_val *v = &st->first[k];
        struct fscalar s;
        char buf[64];
        json_t *str = NULL;

        if (scalar_of(v, &s, buf, sizeof(buf))) {
            str = json_stringn_nocheck(s.text, s.len);
        } else if (v->kind == LV_FASTJSON_TRUE ||
                   v->kind == LV_FASTJSON_FALSE ||
                   v->kind == LV_FASTJSON_NULL) {
            str = json_string(v->kind == LV_FASTJSON_NULL ? "null" :
                              v->kind == LV_FASTJSON_TRUE ? "true" : "false");
        }
        if (str) {
            json_object_set_new(out, f->sels[k].text, str);
        }
    }
    return out;
}

/* A JSON object starts with '{' (after blanks): the cheap rejection. */
static int starts_object(const char *msg, size_t len)
{
    size_t i = 0;

    while (i < len && isspace((unsigned char)msg[i])) {
        i++;
    }
    return i < len && msg[i] == '{';
}

/* Clears the marks for one run. */
static void jstate_reset(struct jstate *st)
{
    memset(st->hit, 0, st->f->expr.n ? st->f->expr.n : 1);
    memset(st->count, 0, (st->f->nsels ? st->f->nsels : 1) *
                         sizeof(*st->count));
    memset(st->first, 0, (st->f->nsels ? st->f->nsels : 1) *
                         sizeof(*st->first));
}

/* Evaluates f on msg by one decoder: fast (lv_fastjson_visit) or jansson.
 * 1 / 0, or -1 when the fast one cannot decide. *extracted is filled on a
 * match when extracted is not NULL. */
static int evaluate(const struct lv_filter *f, const char *msg, size_t len,
                    int fast, json_t **extracted)
{
    unsigned char hit_stack[STACK_NODES];
    size_t count_stack[STACK_SELS];
    struct lv_fastjson_val first_stack[STACK_SELS];
    struct jstate st;
    json_error_t jerr;
    json_t *root = NULL;
    size_t k;
    int m = 0;

    if (!starts_object(msg, len)) {
        return 0;
    }
    st.f = f;
    st.hit = f->expr.n > STACK_NODES ? lv_xmalloc(f->expr.n) : hit_stack;
    st.count = f->nsels > STACK_SELS ?
               lv_xmalloc(f->nsels * sizeof(*st.count)) : count_stack;
    st.first = f->nsels > STACK_SELS ?
               lv_xmalloc(f->nsels * sizeof(*st.first)) : first_stack;
    jstate_reset(&st);
    if (fast) {
        if (lv_fastjson_visit(msg, len, f->fj_paths, f->nsels, on_value,
                              &st) != LV_FASTJSON_OK) {
            m = -1;
            goto out;
        }
    } else {
        root = json_loadb(msg, len, JSON_ALLOW_NUL, &jerr);
        if (!root || !json_is_object(root)) {
            goto out;
        }
        for (k = 0; k < f->nsels; k++) {
            visit_tree(root, &f->sels[k], 0, k, &st);
        }
    }
    m = eval(&st, f->expr.root);
    if (m && extracted) {
        *extracted = extract(&st);
    }
out:
    json_decref(root);
    if (st.hit != hit_stack) {
        free(st.hit);
    }
    if (st.count != count_stack) {
        free(st.count);
    }
    if (st.first != first_stack) {
        free(st.first);
    }
    return m;
}

int lv_filter_json_fast(const struct lv_filter *f, const char *msg,
                        size_t len)
{
    return evaluate(f, msg, len, 1, NULL);
}

int lv_filter_json_jansson(const struct lv_filter *f, const char *msg,
                           size_t len)
{
    return evaluate(f, msg, len, 0, NULL);
}

int lv_filter_match_json(const struct lv_filter *f, const char *msg,
                         size_t len, json_t **extracted)
{
    int m;

    if (!starts_object(msg, len) ||
        !lv_filter_lits_present(f->required, f->nrequired, msg, len)) {
        return 0;
    }
    m = evaluate(f, msg, len, 1, extracted);
    if (m < 0) {
        m = evaluate(f, msg, len, 0, extracted);
    }
    return m;
}
