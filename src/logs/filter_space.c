/*
 * filter_space: space-delimited filter patterns —
 * [ip, user, ..., status_code = 4* || status_code = 5*, bytes > 1000].
 *
 * AWS page: FilterAndPatternSyntax.html, "Matching terms in space-delimited
 * log events": the event splits at blanks, except that text between double
 * quotes or square brackets is one field (without the quotes or brackets);
 * the pattern names the fields in order, "..." (at most one) stands for
 * any number of fields, and without "..." the event must have at least as
 * many fields as the pattern, the last pattern field taking the rest of
 * the event (merge_rest); [] is [...]. A field's condition compares it
 * with = != (text, '*' wildcards, %regex%) or < > <= >= (numbers),
 * several joined with && and || — all about that same field (AWS rejects
 * [..., status_code = 4* && bytes > 1000]). Extracted values name every
 * field: "$name", or "$N" for a field matched by "..." or left unnamed.
 */
#include "logs/filter.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "logs/filter_int.h"
#include "util/err.h"
#include "util/mem.h"

/* Event fields kept on the stack before falling back to the heap. */
#define STACK_FIELDS 64

struct sparse {
    struct flex lx;
    struct lv_filter *f;
    int nregex;
    struct lv_err *err;
};

static int name_ok(const struct ftok *t)
{
    size_t i;

    if (t->type != TK_WORD || t->len == 0) {
        return 0;
    }
    for (i = 0; i < t->len; i++) {
        if (!isalnum((unsigned char)t->s[i]) && t->s[i] != '_') {
            return 0;
        }
    }
    return 1;
}

static int tok_op(enum ftok_type t, enum fop *op)
{
    switch (t) {
    case TK_EQ: *op = OP_EQ; return 1;
    case TK_NE: *op = OP_NE; return 1;
    case TK_LT: *op = OP_LT; return 1;
    case TK_LE: *op = OP_LE; return 1;
    case TK_GT: *op = OP_GT; return 1;
    case TK_GE: *op = OP_GE; return 1;
    default: return 0;
    }
}

/* [NAME] OP VALUE, NAME being the field's own (already read for the
 * first comparison of a field). */
static int parse_cmp(struct sparse *sp, struct ffield *fd, int have_name)
{
    struct fnode n;

    memset(&n, 0, sizeof(n));
    n.type = FN_COND;
    if (!have_name) {
        const struct ftok *t = &sp->lx.tok;

        if (!name_ok(t)) {
            return t->type == TK_WORD ? lv_ferr_term(sp->err, t->s, t->len)
                                      : lv_ferr_unexpected(sp->err, &sp->lx);
        }
        if (strlen(fd->name) != t->len ||
            memcmp(fd->name, t->s, t->len) != 0) {
            return lv_err_set(sp->err, LV_E_INVALID_PARAMETER,
                              "Invalid filter pattern: the condition at "
                              "position %zu names '%.*s' inside field '%s'",
                              t->pos + 1, (int)(t->len > 64 ? 64 : t->len),
                              t->s, fd->name);
        }
        if (lv_flex_next(&sp->lx, sp->err) < 0) {
            return -1;
        }
    }
    if (!tok_op(sp->lx.tok.type, &n.op)) {
        return lv_ferr_unexpected(sp->err, &sp->lx);
    }
    if (lv_flex_next(&sp->lx, sp->err) < 0 ||
        lv_fval_from_tok(&sp->lx, n.op, &n.val, &sp->nregex, sp->err) < 0) {
        return -1;
    }
    if (lv_flex_next(&sp->lx, sp->err) < 0) {
        lv_fval_release(&n.val);
        return -1;
    }
    return lv_fexpr_add(&fd->cond, &n);
}

static int parse_fand(struct sparse *sp, struct ffield *fd, int have_name)
{
    int left = parse_cmp(sp, fd, have_name);

    while (left >= 0 && sp->lx.tok.type == TK_AND) {
        struct fnode n;
        int right;

        if (lv_flex_next(&sp->lx, sp->err) < 0) {
            return -1;
        }
        right = parse_cmp(sp, fd, 0);
        if (right < 0) {
            return -1;
        }
        memset(&n, 0, sizeof(n));
        n.type = FN_AND;
        n.left = left;
        n.right = right;
        left = lv_fexpr_add(&fd->cond, &n);
    }
    return left;
}

static int parse_for(struct sparse *sp, struct ffield *fd)
{
    int left = parse_fand(sp, fd, 1);

    while (left >= 0 && sp->lx.tok.type == TK_OR) {
        struct fnode n;
        int right;

        if (lv_flex_next(&sp->lx, sp->err) < 0) {
            return -1;
        }
        right = parse_fand(sp, fd, 0);
        if (right < 0) {
            return -1;
        }
        memset(&n, 0, sizeof(n));
        n.type = FN_OR;
        n.left = left;
        n.right = right;
        left = lv_fexpr_add(&fd->cond, &n);
    }
    return left;
}

/* AWS refuses a field named twice, and a second "...", with
 * "Duplicate field '<name>'" ([word, word], [..., status, ...]): the
 * extracted values could not tell them apart. */
static int duplicate_field(struct lv_err *err, const char *s, size_t len)
{
    return lv_err_set(err, LV_E_INVALID_PARAMETER,
                      "Duplicate field '%.*s'", (int)(len > 200 ? 200 : len),
                      s);
}

static int field_named(const struct lv_filter *f, const char *s, size_t len)
{
    size_t k;

    for (k = 0; k < f->nfields; k++) {
        const char *name = f->fields[k].name;

        if (name && strlen(name) == len && memcmp(name, s, len) == 0) {
            return 1;
        }
    }
    return 0;
}

static struct ffield *add_field(struct lv_filter *f)
{
    struct ffield *fd;

    f->fields = lv_xrealloc(f->fields, (f->nfields + 1) * sizeof(*f->fields));
    fd = &f->fields[f->nfields++];
    memset(fd, 0, sizeof(*fd));
    fd->cond.root = -1;
    return fd;
}

/*
 * The prefilter (struct lv_filter_lit). Why it is sound: a message matches
 * only when align() gives every pattern field that is not "..." an event
 * field for which field_ok() is 1, and every event field is a span of the
 * message's own bytes (split() drops only the blanks between fields and
 * the quotes or brackets around one, merge_rest() takes a stretch of the
 * message as it is; nothing is unescaped). field_ok()
 * evaluates the field's conditions, so each condition on its && spine (not
 * under ||) is 1 on that span:
 *  - = text (FV_TEXT) is 1 only when the span's bytes equal the text (a
 *    byte comparison, even when the text looks like a number): the
 *    message holds the text;
 *  - = glob (FV_GLOB) is 1 only when the span holds each literal piece:
 *    the message holds each piece;
 *  - = number (FV_NUMBER) compares numerically (503 matches "+503",
 *    "503.0", "5.03e2"), and != < > <= >= and %regex% promise no bytes:
 *    nothing.
 * No backslash alternative: space-delimited fields are never unescaped.
 */
static void required(struct lv_filter *f, const struct fexpr *e, int node)
{
    const struct fnode *n = &e->nodes[node];
    size_t k;

    if (n->type == FN_AND) {
        required(f, e, n->left);
        required(f, e, n->right);
        return;
    }
    if (n->type != FN_COND || n->op != OP_EQ) {
        return;
    }
    if (n->val.kind == FV_TEXT && n->val.len > 0) {
        lv_filter_add_required(f, n->val.text, n->val.len, 0, 0);
    } else if (n->val.kind == FV_GLOB) {
        for (k = 0; k < n->val.nseg; k++) {
            if (n->val.seg_len[k] > 0) {
                lv_filter_add_required(f, n->val.text + n->val.seg_off[k],
                                       n->val.seg_len[k], 0, 1);
            }
        }
    }
}

int lv_filter_parse_space(struct lv_filter *f, const char *pat, size_t start,
                          size_t end, struct lv_err *err)
{
    struct sparse sp;

    memset(&sp, 0, sizeof(sp));
    sp.lx.pat = pat;
    sp.lx.pos = start;
    sp.lx.end = end;
    sp.f = f;
    sp.err = err;
    if (lv_flex_next(&sp.lx, err) < 0) {
        return -1;
    }
    if (sp.lx.tok.type == TK_END) {
        /* [] matches every event, as [...] does (AWS answers it so, and
         * extracts $1 .. $N the same way). */
        add_field(f)->ellipsis = 1;
        f->nellipsis = 1;
        return 0;
    }
    for (;;) {
        struct ffield *fd = add_field(f);
        const struct ftok *t = &sp.lx.tok;

        if (t->type == TK_WORD && t->len == 3 && memcmp(t->s, "...", 3) == 0) {
            if (f->nellipsis > 0) {
                return duplicate_field(err, "...", 3);
            }
            fd->ellipsis = 1;
            f->nellipsis++;
            if (lv_flex_next(&sp.lx, err) < 0) {
                return -1;
            }
        } else if (t->type == TK_WORD) {
            if (!name_ok(t)) {
                return lv_ferr_term(err, t->s, t->len);
            }
            if (field_named(f, t->s, t->len)) {
                return duplicate_field(err, t->s, t->len);
            }
            fd->name = lv_xstrndup(t->s, t->len);
            if (lv_flex_next(&sp.lx, err) < 0) {
                return -1;
            }
            if (sp.lx.tok.type != TK_COMMA && sp.lx.tok.type != TK_END) {
                fd->cond.root = parse_for(&sp, fd);
                if (fd->cond.root < 0) {
                    return -1;
                }
            }
        } else if (t->type != TK_COMMA && t->type != TK_END) {
            return lv_ferr_unexpected(err, &sp.lx);
        }
        /* else: an empty, unnamed field, as in [..., status_code=4*,] */
        if (fd->cond.root >= 0) {
            required(f, &fd->cond, fd->cond.root);
        }
        if (sp.lx.tok.type == TK_END) {
            return 0;
        }
        if (sp.lx.tok.type != TK_COMMA) {
            return lv_ferr_unexpected(err, &sp.lx);
        }
        if (lv_flex_next(&sp.lx, err) < 0) {
            return -1;
        }
    }
}

void lv_filter_release_space(struct lv_filter *f)
{
    size_t k;

    for (k = 0; k < f->nfields; k++) {
        free(f->fields[k].name);
        lv_fexpr_release(&f->fields[k].cond);
    }
    free(f->fields);
    f->fields = NULL;
    f->nfields = 0;
}

/* ---- matching ---------------------------------------------------------- */

struct span {
    const char *s;          /* the field's value */
    size_t len;
    size_t raw_start;       /* its place in the message, with any quotes */
    size_t raw_end;         /* or brackets: message[raw_start, raw_end) */
};

static int blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
           c == '\f';
}

/* The offset of the first blank in s[from..len), or len: 16 bytes at a
 * time with SSE2 where there is SSE2 (every x86-64), then byte by byte.
 * A blank is ' ' or '\t' '\n' '\v' '\f' '\r' (0x09..0x0d), as blank(). */
static size_t find_blank(const char *s, size_t from, size_t len)
{
    size_t i = from;

#ifdef __SSE2__
    const __m128i sp = _mm_set1_epi8(' ');
    const __m128i tab = _mm_set1_epi8('\t');
    const __m128i four = _mm_set1_epi8(4);

    while (i + 16 <= len) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        __m128i t = _mm_sub_epi8(v, tab);
        __m128i ctl = _mm_cmpeq_epi8(_mm_min_epu8(t, four), t);
        unsigned m = (unsigned)_mm_movemask_epi8(
            _mm_or_si128(ctl, _mm_cmpeq_epi8(v, sp)));

        if (m) {
            return i + (size_t)__builtin_ctz(m);
        }
        i += 16;
    }
#endif
    while (i < len && !blank((unsigned char)s[i])) {
        i++;
    }
    return i;
}

/* The next field of msg from *i on: 1 and *sp set, or 0 when only blanks
 * are left. Text between double quotes or square brackets is one field,
 * without them; an opening quote or bracket that is never closed is an
 * ordinary character (AWS splits 'ERROR "unterminated words' into ERROR,
 * "unterminated and words). */
static int next_field(const char *msg, size_t len, size_t *i,
                      struct span *sp)
{
    size_t j = *i;
    size_t k;

    while (j < len && blank((unsigned char)msg[j])) {
        j++;
    }
    if (j >= len) {
        *i = j;
        return 0;
    }
    sp->raw_start = j;
    if (msg[j] == '"' || msg[j] == '[') {
        char close = msg[j] == '"' ? '"' : ']';
        const char *e = memchr(msg + j + 1, close, len - j - 1);

        if (e) {
            size_t stop = (size_t)(e - msg);

            sp->s = msg + j + 1;
            sp->len = stop - j - 1;
            *i = stop + 1;
            sp->raw_end = *i;
            return 1;
        }
    }
    k = find_blank(msg, j, len);
    sp->s = msg + j;
    sp->len = k - j;
    *i = k;
    sp->raw_end = k;
    return 1;
}

/* FilterAndPatternSyntax, "Match terms in order": [w1=ERROR, w2] returns
 * the events whose first word is ERROR, whatever follows — the last of
 * the pattern's fields takes the rest of the event (AWS extracts
 * "$w2": "request failed" from "ERROR request failed"). So, without
 * "...", an event with more fields than the pattern has them from the
 * last pattern field on merged into one: the message's text from that
 * field's start (its opening quote included) to the end of the last
 * field, as it is. */
static void merge_rest(const char *msg, struct span *last,
                       const struct span *end)
{
    last->s = msg + last->raw_start;
    last->len = end->raw_end - last->raw_start;
    last->raw_end = end->raw_end;
}

/* Splits msg into fields; returns how many, growing *v past `stack`
 * (heap, the caller frees it when it is not `stack`) when needed. */
static size_t split(const char *msg, size_t len, struct span **v,
                    size_t *cap, struct span *stack)
{
    size_t n = 0;
    size_t i = 0;
    struct span sp;

    while (next_field(msg, len, &i, &sp)) {
        if (n == *cap) {
            size_t ncap = *cap * 2;
            struct span *nv = lv_xmalloc(ncap * sizeof(*nv));

            memcpy(nv, *v, n * sizeof(*nv));
            if (*v != stack) {
                free(*v);
            }
            *v = nv;
            *cap = ncap;
        }
        (*v)[n++] = sp;
    }
    return n;
}

static int eval(const struct fexpr *e, int node, const struct fscalar *s)
{
    const struct fnode *n = &e->nodes[node];

    switch (n->type) {
    case FN_AND:
        return eval(e, n->left, s) && eval(e, n->right, s);
    case FN_OR:
        return eval(e, n->left, s) || eval(e, n->right, s);
    case FN_COND:
        break;
    }
    return lv_fval_test(n->op, &n->val, s);
}

static int field_ok(const struct ffield *fd, const struct span *sp)
{
    struct fscalar s;

    if (fd->cond.root < 0) {
        return 1;
    }
    s.is_number = 1;        /* a field's text may be a number */
    s.text = sp->s;
    s.len = sp->len;
    return eval(&fd->cond, fd->cond.root, &s);
}

/* Pattern fields against event fields, "..." as a star: the classic
 * wildcard match that backtracks only to the last star, which is exact
 * when every other item matches exactly one field. pos[p] records the
 * event field that pattern field p took. */
static int align(const struct lv_filter *f, const struct span *ev, size_t ne,
                 size_t *pos)
{
    size_t np = f->nfields;
    size_t p = 0, e = 0;
    size_t star_p = 0, star_e = 0;
    int star = 0;

    while (e < ne) {
        if (p < np && f->fields[p].ellipsis) {
            star = 1;
            star_p = p++;
            star_e = e;
        } else if (p < np && field_ok(&f->fields[p], &ev[e])) {
            pos[p++] = e++;
        } else if (star) {
            p = star_p + 1;
            e = ++star_e;
        } else {
            return 0;
        }
    }
    while (p < np && f->fields[p].ellipsis) {
        p++;
    }
    return p == np;
}

static json_t *extract(const struct lv_filter *f, const struct span *ev,
                       size_t ne, const size_t *pos)
{
    json_t *out = json_object();
    size_t *owner = lv_xmalloc((ne ? ne : 1) * sizeof(*owner));
    size_t k;

    for (k = 0; k < ne; k++) {
        owner[k] = (size_t)-1;
    }
    for (k = 0; k < f->nfields; k++) {
        if (!f->fields[k].ellipsis && f->fields[k].name) {
            owner[pos[k]] = k;
        }
    }
    for (k = 0; k < ne; k++) {
        char key[96];
        json_t *val;

        if (owner[k] != (size_t)-1) {
            snprintf(key, sizeof(key), "$%s", f->fields[owner[k]].name);
        } else {
            snprintf(key, sizeof(key), "$%zu", k + 1);
        }
        /* Event bytes need not be UTF-8; jansson refuses those. */
        val = json_stringn(ev[k].s, ev[k].len);
        json_object_set_new(out, key, val ? val : json_string(""));
    }
    free(owner);
    return out;
}

/* Without "...": the event matches when it has at least as many fields as
 * the pattern and each satisfies its pattern field, the last taking the
 * rest of the event (merge_rest) — the same answer as split() +
 * merge_rest() + align(), whose lockstep walk is this one, but fields
 * are split only until one fails. */
static int match_exact(const struct lv_filter *f, const char *msg,
                       size_t len)
{
    size_t i = 0;
    size_t p = 0;
    struct span sp, last, more;

    while (p + 1 < f->nfields && next_field(msg, len, &i, &sp)) {
        if (!field_ok(&f->fields[p], &sp)) {
            return 0;
        }
        p++;
    }
    if (p + 1 != f->nfields || !next_field(msg, len, &i, &last)) {
        return 0;
    }
    if (next_field(msg, len, &i, &more)) {
        /* The rest of the message: up to its last field's end. */
        while (next_field(msg, len, &i, &sp)) {
            more = sp;
        }
        merge_rest(msg, &last, &more);
    }
    return field_ok(&f->fields[p], &last);
}

int lv_filter_match_space(const struct lv_filter *f, const char *msg,
                          size_t len, json_t **extracted)
{
    struct span stack[STACK_FIELDS];
    struct span *ev = stack;
    size_t cap = STACK_FIELDS;
    size_t pos_stack[STACK_FIELDS];
    size_t *pos = pos_stack;
    size_t ne;
    int m = 0;

    if (!lv_filter_lits_present(f->required, f->nrequired, msg, len)) {
        return 0;
    }
    if (f->nellipsis == 0 && !extracted) {
        return match_exact(f, msg, len);
    }
    ne = split(msg, len, &ev, &cap, stack);
    if (f->nellipsis == 0 && ne > f->nfields && f->nfields > 0) {
        merge_rest(msg, &ev[f->nfields - 1], &ev[ne - 1]);
        ne = f->nfields;
    }
    if (f->nellipsis == 0 && ne != f->nfields) {
        goto out;
    }
    if (ne + f->nellipsis < f->nfields) {
        goto out;
    }
    if (f->nfields > STACK_FIELDS) {
        pos = lv_xmalloc(f->nfields * sizeof(*pos));
    }
    m = align(f, ev, ne, pos);
    if (m && extracted) {
        *extracted = extract(f, ev, ne, pos);
    }
out:
    if (pos != pos_stack) {
        free(pos);
    }
    if (ev != stack) {
        free(ev);
    }
    return m;
}
