/*
 * insights eval: values (number and time text, AWS's sort order), every
 * function of the functions page with its documented examples and edge
 * cases, and the operators through lv_iq_eval over hand-built trees.
 *
 * Rows: until row.c (the exec part) is in the library, this file carries
 * a small row of its own — lv_iq_row_get and lv_iq_row_arena over a
 * fixed list of fields, the two row calls eval.c makes — so that the
 * library's row.o is never pulled into this binary.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "insights/iq.h"
#include "insights/insights.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

#include "unit/helpers.h"

/* ---- a row of fixed fields -------------------------------------------- */

struct lv_iq_row {
    struct lv_iq_arena arena;
    const char *const *names;
    const struct lv_iq_val *vals;
    size_t n;
};

struct lv_iq_arena *lv_iq_row_arena(struct lv_iq_row *r)
{
    return &r->arena;
}

void lv_iq_row_get(struct lv_iq_row *r, const char *name, size_t len,
                   struct lv_iq_val *out)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < r->n; i++) {
        if (strlen(r->names[i]) == len && !memcmp(r->names[i], name, len)) {
            *out = r->vals[i];
            return;
        }
    }
}

/* The parser asks stats.c for aggregations; these tests use none, and
 * the stats part need not be in the library. */
const struct lv_iq_agg *lv_iq_agg_find(const char *name, size_t len)
{
    (void)name, (void)len;
    return NULL;
}

/* ---- values from text ---------------------------------------------------
 * "s:text" a string, "n:1.5" a number, "t:ms" a time, "b:1" a boolean,
 * "j:{…}" a map or list, "N" NULL. */

static struct lv_iq_val V(const char *spec)
{
    struct lv_iq_val v;

    memset(&v, 0, sizeof(v));
    if (!spec || !strcmp(spec, "N")) {
        return v;
    }
    switch (spec[0]) {
    case 's':
    case 'j':
        v.t = spec[0] == 's' ? LV_IQ_STR : LV_IQ_JSON;
        v.s = spec + 2;
        v.len = strlen(spec + 2);
        break;
    case 'n':
        v.t = LV_IQ_NUM;
        v.num = strtod(spec + 2, NULL);
        break;
    case 't':
        v.t = LV_IQ_TIME;
        v.num = strtod(spec + 2, NULL);
        break;
    case 'b':
        v.t = LV_IQ_BOOL;
        v.num = strtod(spec + 2, NULL);
        break;
    default:
        fail_msg("bad value spec %s", spec);
    }
    return v;
}

/* "N" for NULL, else a type letter, ":" and the text GetQueryResults
 * would show: "n:42", "s:foo", "t:2024-01-02 03:00:00.000", "b:1",
 * "j:[1,2]". */
static char *show(const struct lv_iq_val *v)
{
    struct lv_buf b = LV_BUF_INIT((size_t)-1);
    static const char letters[] = { 'N', 's', 'n', 'b', 't', 'j' };

    if (v->t == LV_IQ_NULL) {
        return lv_xstrdup("N");
    }
    lv_buf_addc(&b, letters[v->t]);
    lv_buf_addc(&b, ':');
    lv_iq_val_text(v, &b);
    return lv_buf_detach(&b, NULL);
}

/* ---- number and time text ------------------------------------------------ */

struct text_case {
    const char *name;
    const char *val;
    const char *want;
};

static int run_text(const struct text_case *c)
{
    struct lv_iq_val v = V(c->val);
    char *got = show(&v);
    int ok = !strcmp(got, c->want);

    if (!ok) {
        print_error("%s: got %s want %s\n", c->name, got, c->want);
    }
    free(got);
    return ok;
}

static void test_text(void **state)
{
    static const struct text_case cases[] = {
        { "integer without .0", "n:42", "n:42" },
        { "count of zero", "n:0", "n:0" },
        { "negative", "n:-17", "n:-17" },
        { "half", "n:0.5", "n:0.5" },
        { "third, shortest round trip", "n:0.3333333333333333",
          "n:0.3333333333333333" },
        { "0.1+0.2", "n:0.30000000000000004", "n:0.30000000000000004" },
        { "large integer plain", "n:123456789012", "n:123456789012" },
        { "1e20 plain", "n:1e20", "n:100000000000000000000" },
        { "1e21 exponent", "n:1e21", "n:1e+21" },
        { "1e-6 plain", "n:0.000001", "n:0.000001" },
        { "1e-7 exponent", "n:1e-7", "n:1e-7" },
        { "mixed exponent", "n:1.5e-9", "n:1.5e-9" },
        { "boolean true as 1", "b:1", "b:1" },
        { "boolean false as 0", "b:0", "b:0" },
        { "epoch", "t:0", "t:1970-01-01 00:00:00.000" },
        { "before epoch", "t:-1", "t:1969-12-31 23:59:59.999" },
        { "toMillis example", "t:1642195111000",
          "t:2022-01-14 21:18:31.000" },
        { "leap day", "t:1709210096789", "t:2024-02-29 12:34:56.789" },
        { "string as is", "s:a b", "s:a b" },
        { "null", "N", "N" },
    };

    (void)state;
    RUN_TABLE("text", cases, run_text);
}

static void test_num(void **state)
{
    static const struct {
        const char *in;
        int ok;
        double want;
    } cases[] = {
        { "s:42", 1, 42 }, { "s: 42 ", 1, 42 }, { "s:-1.5e3", 1, -1500 },
        { "s:.5", 1, 0.5 }, { "s:5.", 1, 5 }, { "s:+7", 1, 7 },
        { "s:0x10", 0, 0 }, { "s:inf", 0, 0 }, { "s:NaN", 0, 0 },
        { "s:1e", 0, 0 }, { "s:12abc", 0, 0 }, { "s:", 0, 0 },
        { "s:-", 0, 0 }, { "s:.", 0, 0 }, { "s:1 2", 0, 0 },
        { "s:1e999", 0, 0 }, { "N", 0, 0 }, { "j:[1]", 0, 0 },
        { "n:3", 1, 3 }, { "t:5", 1, 5 }, { "b:1", 1, 1 },
    };

    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        struct lv_iq_val v = V(cases[i].in);
        int ok = -1;
        double d = lv_iq_val_num(&v, &ok);

        CHECK(cases[i].in, ok == cases[i].ok);
        CHECK(cases[i].in, d == cases[i].want);
    }
}

/* ---- sort order ---------------------------------------------------------- */

static int cmp_spec(const void *a, const void *b)
{
    struct lv_iq_val x = V(*(const char *const *)a);
    struct lv_iq_val y = V(*(const char *const *)b);

    return lv_iq_val_cmp(&x, &y);
}

static void test_sort_order(void **state)
{
    /* The ascending order the sort page (CWL_QuerySyntax-Sort) lists. */
    static const char *const doc[] = {
        "s:!:", "s:#", "s:*%04", "s:0#", "s:5A", "s:111A", "s:2345_",
        "s:@", "s:@_", "s:A", "s:A9876fghj", "s:a12345hfh", "s:0",
        "s:01", "s:1", "s:2", "s:3",
    };
    const char *shuffled[N(doc)];
    /* NULL first; numbers of every type after every text. */
    static const char *const mixed[] = {
        "N", "s:", "j:[1]", "s:abc", "b:0", "n:0.5", "s:1", "t:2",
        "n:10", "s:1e3",
    };

    (void)state;
    for (size_t i = 0; i + 1 < N(doc); i++) {
        struct lv_iq_val x = V(doc[i]), y = V(doc[i + 1]);

        CHECK(doc[i], lv_iq_val_cmp(&x, &y) < 0);
        CHECK(doc[i], lv_iq_val_cmp(&y, &x) > 0);
        CHECK(doc[i], lv_iq_val_cmp(&x, &x) == 0);
    }
    for (size_t i = 0; i < N(doc); i++) {
        shuffled[i] = doc[(i * 7 + 3) % N(doc)];
    }
    qsort(shuffled, N(doc), sizeof(shuffled[0]), cmp_spec);
    for (size_t i = 0; i < N(doc); i++) {
        CHECK(doc[i], !strcmp(shuffled[i], doc[i]));
    }
    for (size_t i = 0; i + 1 < N(mixed); i++) {
        struct lv_iq_val x = V(mixed[i]), y = V(mixed[i + 1]);

        CHECK(mixed[i], lv_iq_val_cmp(&x, &y) < 0);
        CHECK(mixed[i], lv_iq_val_cmp(&y, &x) > 0);
    }
    {
        struct lv_iq_val a = V("n:5"), b = V("s:5");

        /* Equal numbers of different types are one stats group. */
        CHECK("5 = '5'", lv_iq_val_cmp(&a, &b) == 0);
    }
}

static void test_truthy_dup(void **state)
{
    struct lv_iq_val v = V("s:abc"), d;

    (void)state;
    CHECK("null", !lv_iq_val_truthy(&(struct lv_iq_val){ 0 }));
    CHECK("zero", !lv_iq_val_truthy(&(struct lv_iq_val){ LV_IQ_NUM, 0,
                                                          NULL, 0 }));
    CHECK("'0'", !lv_iq_val_truthy(&(struct lv_iq_val){ LV_IQ_STR, 0, "0",
                                                         1 }));
    CHECK("'x'", lv_iq_val_truthy(&v));
    CHECK("''", !lv_iq_val_truthy(&(struct lv_iq_val){ LV_IQ_STR, 0, "",
                                                        0 }));
    lv_iq_val_dup(&d, &v);
    CHECK("dup copies", d.s != v.s && d.len == 3 && !memcmp(d.s, "abc", 3));
    lv_iq_val_free(&d);
    CHECK("free nulls", d.t == LV_IQ_NULL && !d.s);
}

static void test_arena(void **state)
{
    struct lv_iq_arena a = { 0 };
    char *p;
    size_t held;

    (void)state;
    p = lv_iq_arena_strndup(&a, "hello", 5);
    CHECK("strndup", !strcmp(p, "hello"));
    CHECK("counted", a.used_total >= 5);
    for (int i = 0; i < 1000; i++) {
        memset(lv_iq_arena_alloc(&a, 100), 0xab, 100);
    }
    CHECK("grew", a.used_total >= 100000);
    p = lv_iq_arena_alloc(&a, 1 << 20);
    memset(p, 1, 1 << 20);
    CHECK("aligned", ((uintptr_t)p % sizeof(max_align_t)) == 0 ||
                         ((uintptr_t)p % 16) == 0);
    lv_iq_arena_reset(&a);
    held = a.used_total;
    CHECK("reset keeps one block", held > 0 && held < (2 << 20));
    p = lv_iq_arena_alloc(&a, 10);
    CHECK("reuse", a.used_total == held && p);
    lv_iq_arena_release(&a);
    CHECK("released", a.used_total == 0 && !a.head);
}

/* ---- functions ----------------------------------------------------------- */

struct fn_case {
    const char *name;
    const char *fn;
    const char *args[6];
    size_t nargs;
    const char *want;       /* as show() prints it; NULL: skip (approx) */
};

static const struct lv_iq_ctx test_cx = {
    1700000000000, 1700003600000, 1700000000123
};

static int run_fn(const struct fn_case *c)
{
    const struct lv_iq_fn *f = lv_iq_fn_find(c->fn, strlen(c->fn));
    struct lv_iq_val args[6], out;
    struct lv_iq_arena a = { 0 };
    char *got;
    int ok;

    if (!f) {
        print_error("%s: no function %s\n", c->name, c->fn);
        return 0;
    }
    if (c->nargs < (size_t)f->nargs_min ||
        (f->nargs_max >= 0 && c->nargs > (size_t)f->nargs_max)) {
        /* bin gets @timestamp from eval.c as one more argument. */
        if (strcmp(c->fn, "bin") || c->nargs != 2) {
            print_error("%s: %zu args outside %d..%d\n", c->name, c->nargs,
                        f->nargs_min, f->nargs_max);
            return 0;
        }
    }
    for (size_t i = 0; i < c->nargs; i++) {
        args[i] = V(c->args[i]);
    }
    memset(&out, 0x5a, sizeof(out));
    f->call(args, c->nargs, &test_cx, &a, &out);
    got = show(&out);
    ok = !strcmp(got, c->want);
    if (!ok) {
        print_error("%s: %s got %s want %s\n", c->name, c->fn, got, c->want);
    }
    free(got);
    lv_iq_arena_release(&a);
    return ok;
}

#define A0 { NULL }, 0
#define A(...) { __VA_ARGS__ }, (sizeof((const char *[]){ __VA_ARGS__ }) / \
                                 sizeof(const char *))

static void test_string_fns(void **state)
{
    static const struct fn_case cases[] = {
        /* The page's examples. */
        { "ltrim doc", "ltrim", A("s:xyZxyfooxyZ", "s:xyZ"), "s:fooxyZ" },
        { "rtrim doc", "rtrim", A("s:xyZfooxyxyZ", "s:xyZ"), "s:xyZfoo" },
        { "trim doc", "trim", A("s:xyZxyfooxyxyZ", "s:xyZ"), "s:foo" },
        { "ltrim old doc", "ltrim", A("s:xyZfooxyZ", "s:xyZ"), "s:fooxyZ" },
        { "substr doc", "substr", A("s:xyZfooxyZ", "n:3", "n:3"), "s:foo" },
        { "replace doc", "replace", A("s:foo", "s:o", "s:0"), "s:f00" },
        { "replace smoke_test", "replace",
          A("s:a_smoke_test_b", "s:smoke_test", "s:Smoke"), "s:a_Smoke_b" },
        { "hexToAscii doc", "hexToAscii", A("s:48656c6c6f"), "s:Hello" },
        { "hexToDec doc", "hexToDec", A("s:0xff"), "n:255" },
        { "decToHex doc", "decToHex", A("n:255"), "s:0xff" },
        /* Edge cases. */
        { "trim blanks", "trim", A("s: \t a b \n"), "s:a b" },
        { "ltrim blanks", "ltrim", A("s:  a  "), "s:a  " },
        { "rtrim blanks", "rtrim", A("s:  a  "), "s:  a" },
        { "trim with set keeps blanks", "trim", A("s: xx ", "s:x"),
          "s: xx " },
        { "trim unicode set", "trim", A("s:ééaéé", "s:é"), "s:a" },
        { "trim all", "trim", A("s:xyx", "s:xy"), "s:" },
        { "trim null", "trim", A("N"), "N" },
        { "trim map", "trim", A("j:{}"), "N" },
        { "substr to end", "substr", A("s:xyZfooxyZ", "n:3"), "s:fooxyZ" },
        { "substr code points", "substr", A("s:héllo", "n:1", "n:3"),
          "s:éll" },
        { "substr cjk", "substr", A("s:日本語", "n:1"), "s:本語" },
        { "substr past end", "substr", A("s:abc", "n:5"), "s:" },
        { "substr long length", "substr", A("s:abc", "n:1", "n:99"),
          "s:bc" },
        { "substr negative", "substr", A("s:abc", "n:-1"), "N" },
        { "substr string index", "substr", A("s:abc", "s:1"), "s:bc" },
        { "substr bad index", "substr", A("s:abc", "s:x"), "N" },
        { "strlen code points", "strlen", A("s:héllo"), "n:5" },
        { "strlen cjk", "strlen", A("s:日本"), "n:2" },
        { "strlen number", "strlen", A("n:200"), "n:3" },
        { "strlen null", "strlen", A("N"), "N" },
        { "toupper", "toupper", A("s:abc é ж"), "s:ABC É Ж" },
        { "tolower", "tolower", A("s:ÀB Σ"), "s:àb σ" },
        { "concat", "concat", A("s:a", "s:b", "s:c"), "s:abc" },
        { "concat number", "concat", A("s:a", "n:1.5"), "s:a1.5" },
        { "concat null part", "concat", A("N", "s:x"), "s:x" },
        { "concat all null", "concat", A("N", "N"), "N" },
        { "isempty null", "isempty", A("N"), "n:1" },
        { "isempty empty", "isempty", A("s:"), "n:1" },
        { "isempty blank", "isempty", A("s: "), "n:0" },
        { "isempty number", "isempty", A("n:0"), "n:0" },
        { "isblank blanks", "isblank", A("s: \t"), "n:1" },
        { "isblank null", "isblank", A("N"), "n:1" },
        { "isblank text", "isblank", A("s: a"), "n:0" },
        { "replace all", "replace", A("s:aaa", "s:a", "s:bb"), "s:bbbbbb" },
        { "replace empty search", "replace", A("s:abc", "s:", "s:x"),
          "s:abc" },
        { "replace null", "replace", A("N", "s:a", "s:b"), "N" },
        { "regexReplace", "regexReplace", A("s:a1b22c", "s:[0-9]+", "s:#"),
          "s:a#b#c" },
        { "regexReplace groups", "regexReplace",
          A("s:john smith", "s:(\\w+) (\\w+)", "s:$2 $1"), "s:smith john" },
        { "regexReplace no match", "regexReplace", A("s:abc", "s:x", "s:y"),
          "s:abc" },
        { "regexReplace bad pattern", "regexReplace", A("s:abc", "s:(",
                                                        "s:y"), "N" },
        { "strcontains", "strcontains", A("s:Hello", "s:ell"), "n:1" },
        { "strcontains case", "strcontains", A("s:Hello", "s:ELL"), "n:0" },
        { "strcontains insensitive", "strcontains",
          A("s:Hello", "s:ELL", "b:1"), "n:1" },
        { "strcontains null", "strcontains", A("N", "s:a"), "N" },
        { "startsWith", "startsWith", A("s:foobar", "s:foo"), "n:1" },
        { "startsWith no", "startsWith", A("s:foobar", "s:bar"), "n:0" },
        { "endsWith", "endsWith", A("s:foobar", "s:bar"), "n:1" },
        { "endsWith longer", "endsWith", A("s:a", "s:abc"), "n:0" },
        { "urlencode", "urlencode", A("s:a b&c/é~"),
          "s:a%20b%26c%2F%C3%A9~" },
        { "urldecode", "urldecode", A("s:a%20b%26c%2f%C3%A9+d"),
          "s:a b&c/é d" },
        { "urldecode bad", "urldecode", A("s:%zz"), "N" },
        { "urldecode short", "urldecode", A("s:a%4"), "N" },
        { "base64encode", "base64encode", A("s:Hello"), "s:SGVsbG8=" },
        { "base64decode", "base64decode", A("s:SGVsbG8="), "s:Hello" },
        { "base64decode bad", "base64decode", A("s:@@"), "N" },
        { "split", "split", A("s:a,b,,c", "s:,"),
          "j:[\"a\",\"b\",\"\",\"c\"]" },
        { "split none", "split", A("s:abc", "s:;"), "j:[\"abc\"]" },
        { "split quotes escaped", "split", A("s:a\"b", "s:,"),
          "j:[\"a\\\"b\"]" },
        { "split chars", "split", A("s:aé", "s:"), "j:[\"a\",\"é\"]" },
        { "hexToAscii odd", "hexToAscii", A("s:486"), "N" },
        { "hexToAscii bad", "hexToAscii", A("s:zz"), "N" },
        { "hexToDec no prefix", "hexToDec", A("s:FF"), "n:255" },
        { "hexToDec bad", "hexToDec", A("s:xyz"), "N" },
        { "hexToDec too long", "hexToDec", A("s:0x11111111111111111"), "N" },
        { "decToHex negative", "decToHex", A("n:-255"), "s:-0xff" },
        { "decToHex truncates", "decToHex", A("n:255.9"), "s:0xff" },
        { "decToHex zero", "decToHex", A("n:0"), "s:0x0" },
        { "decToHex string", "decToHex", A("s:16"), "s:0x10" },
    };

    (void)state;
    RUN_TABLE("string functions", cases, run_fn);
}

static void test_num_fns(void **state)
{
    static const struct fn_case cases[] = {
        { "abs", "abs", A("n:-2.5"), "n:2.5" },
        { "abs string", "abs", A("s:-3"), "n:3" },
        { "abs text", "abs", A("s:x"), "N" },
        { "abs null", "abs", A("N"), "N" },
        { "ceil", "ceil", A("n:1.2"), "n:2" },
        { "ceil negative", "ceil", A("n:-1.2"), "n:-1" },
        { "floor", "floor", A("n:-1.2"), "n:-2" },
        { "greatest", "greatest", A("n:1", "n:5", "n:3"), "n:5" },
        { "greatest skips null", "greatest", A("n:1", "N", "s:7"), "n:7" },
        { "greatest all null", "greatest", A("N", "N"), "N" },
        { "least", "least", A("n:1", "n:5", "n:-3"), "n:-3" },
        { "log e", "log", A("n:1"), "n:0" },
        { "log zero", "log", A("n:0"), "N" },
        { "log negative", "log", A("n:-1"), "N" },
        { "sqrt", "sqrt", A("n:16"), "n:4" },
        { "sqrt negative", "sqrt", A("n:-1"), "N" },
        { "round", "round", A("n:2.4"), "n:2" },
        { "round half up", "round", A("n:2.5"), "n:3" },
        { "round half negative", "round", A("n:-2.5"), "n:-3" },
        { "round places", "round", A("n:3.14159", "n:2"), "n:3.14" },
        { "round decimal half", "round", A("n:1.005", "n:2"), "n:1.01" },
        { "round tens", "round", A("n:1250", "n:-2"), "n:1300" },
        { "toNumber", "toNumber", A("s:42"), "n:42" },
        { "toNumber text", "toNumber", A("s:abc"), "N" },
        { "toNumber float", "toNumber", A("s:-1.5e2"), "n:-150" },
        { "toInt", "toInt", A("s:3.9"), "n:3" },
        { "toInt negative", "toInt", A("n:-3.9"), "n:-3" },
        { "toInt overflow", "toInt", A("s:3000000000"), "N" },
        { "toLong", "toLong", A("s:3000000000"), "n:3000000000" },
        { "toLong overflow", "toLong", A("n:1e19"), "N" },
        { "toDouble", "toDouble", A("s:1.5"), "n:1.5" },
        { "haversine same point", "haversine",
          A("n:10", "n:20", "n:10", "n:20"), "n:0" },
        { "haversine bad latitude", "haversine",
          A("n:91", "n:0", "n:0", "n:0"), "N" },
    };
    const struct lv_iq_fn *h = lv_iq_fn_find("haversine", 9);
    struct lv_iq_val args[4] = { V("n:0"), V("n:0"), V("n:0"), V("n:1") };
    struct lv_iq_val out;

    (void)state;
    RUN_TABLE("numeric functions", cases, run_fn);
    /* One degree of longitude on the equator: 2πR / 360. */
    h->call(args, 4, &test_cx, NULL, &out);
    CHECK("haversine 1 degree", out.t == LV_IQ_NUM &&
                                    fabs(out.num - 111.19508) < 0.001);
    /* Paris – London, about 344 km. */
    args[0] = V("n:48.8566");
    args[1] = V("n:2.3522");
    args[2] = V("n:51.5074");
    args[3] = V("n:-0.1278");
    h->call(args, 4, &test_cx, NULL, &out);
    CHECK("haversine Paris London", fabs(out.num - 343.5) < 1.5);
}

static void test_time_fns(void **state)
{
    /* 2024-01-03 (a Wednesday) 03:04:05.678 UTC, and 2024-05-17. */
    static const struct fn_case cases[] = {
        { "bin 5m", "bin", A("s:5m", "t:1704251045678"),
          "t:2024-01-03 03:00:00.000" },
        { "bin 1h", "bin", A("s:1h", "t:1704251045678"),
          "t:2024-01-03 03:00:00.000" },
        { "bin 300s capped to 60s", "bin", A("s:300s", "t:1704251045678"),
          "t:2024-01-03 03:04:00.000" },
        { "bin 5000ms capped to 1s", "bin",
          A("s:5000ms", "t:1704251045678"), "t:2024-01-03 03:04:05.000" },
        { "bin 100ms", "bin", A("s:100ms", "t:1704251045678"),
          "t:2024-01-03 03:04:05.600" },
        { "bin 2hrs", "bin", A("s:2hrs", "t:1704251045678"),
          "t:2024-01-03 02:00:00.000" },
        { "bin 10minutes", "bin", A("s:10minutes", "t:1704251045678"),
          "t:2024-01-03 03:00:00.000" },
        { "bin 1d", "bin", A("s:1d", "t:1704251045678"),
          "t:2024-01-03 00:00:00.000" },
        { "bin 1w from Monday", "bin", A("s:1w", "t:1704251045678"),
          "t:2024-01-01 00:00:00.000" },
        { "bin 1mo", "bin", A("s:1mo", "t:1715950000000"),
          "t:2024-05-01 00:00:00.000" },
        { "bin 1q", "bin", A("s:1q", "t:1715950000000"),
          "t:2024-04-01 00:00:00.000" },
        { "bin 1y", "bin", A("s:1y", "t:1715950000000"),
          "t:2024-01-01 00:00:00.000" },
        { "bin 2months", "bin", A("s:2months", "t:1715950000000"),
          "t:2024-05-01 00:00:00.000" },
        { "bin before epoch", "bin", A("s:1h", "t:-1"),
          "t:1969-12-31 23:00:00.000" },
        { "bin bad unit", "bin", A("s:5x", "t:0"), "N" },
        { "bin zero", "bin", A("s:0m", "t:0"), "N" },
        { "bin huge months", "bin", A("s:999999999mo", "t:0"), "N" },
        { "bin huge days", "bin", A("s:999999999d", "t:86400000"),
          "t:1970-01-01 00:00:00.000" },
        { "bin no timestamp", "bin", A("s:5m", "N"), "N" },
        { "datefloor 1h", "datefloor", A("t:1704251045678", "s:1h"),
          "t:2024-01-03 03:00:00.000" },
        { "dateceil 1h", "dateceil", A("t:1704251045678", "s:1h"),
          "t:2024-01-03 04:00:00.000" },
        { "dateceil boundary", "dateceil", A("t:1704250800000", "s:1h"),
          "t:2024-01-03 03:00:00.000" },
        { "dateceil 1mo", "dateceil", A("t:1715950000000", "s:1mo"),
          "t:2024-06-01 00:00:00.000" },
        { "dateceil 1y", "dateceil", A("t:1715950000000", "s:1y"),
          "t:2025-01-01 00:00:00.000" },
        { "datefloor number ms", "datefloor", A("n:1704251045678", "s:1d"),
          "t:2024-01-03 00:00:00.000" },
        { "datefloor string", "datefloor", A("s:abc", "s:1d"), "N" },
        { "fromMillis", "fromMillis", A("n:1642195111000"),
          "t:2022-01-14 21:18:31.000" },
        { "fromMillis zero", "fromMillis", A("n:0"),
          "t:1970-01-01 00:00:00.000" },
        { "fromMillis text", "fromMillis", A("s:x"), "N" },
        { "toMillis doc", "toMillis", A("t:1642195111000"),
          "n:1642195111000" },
        { "toMillis null", "toMillis", A("N"), "N" },
        { "now in seconds", "now", A0, "n:1700000000" },
        { "parseDate doc", "parseDate",
          A("s:2024-03-05", "s:yyyy-MM-dd", "s:UTC"), "n:1709596800000" },
        { "parseDate toMillis example", "parseDate",
          A("s:2022-01-14T13:18:31.000-08:00",
            "s:yyyy-MM-dd'T'HH:mm:ss.SSSXXX"), "n:1642195111000" },
        { "parseDate zone argument", "parseDate",
          A("s:2024-03-05 01:30", "s:yyyy-MM-dd HH:mm", "s:+01:00"),
          "n:1709598600000" },
        { "parseDate month name", "parseDate",
          A("s:05/Mar/2024:10:00:00 +0000", "s:dd/MMM/yyyy:HH:mm:ss Z"),
          "n:1709632800000" },
        { "parseDate compact", "parseDate", A("s:20240305", "s:yyyyMMdd"),
          "n:1709596800000" },
        { "parseDate am pm", "parseDate",
          A("s:2024-03-05 12:15 AM", "s:yyyy-MM-dd hh:mm a"),
          "n:1709597700000" },
        { "parseDate bad day", "parseDate",
          A("s:2023-02-29", "s:yyyy-MM-dd"), "N" },
        { "parseDate mismatch", "parseDate",
          A("s:2024/03/05", "s:yyyy-MM-dd"), "N" },
        { "parseDate trailing", "parseDate",
          A("s:2024-03-05x", "s:yyyy-MM-dd"), "N" },
        { "parseDate named zone", "parseDate",
          A("s:2024-03-05", "s:yyyy-MM-dd", "s:Europe/Paris"), "N" },
        { "formatDate doc", "formatDate",
          A("t:1704251045678", "s:%Y-%m-%d", "s:UTC"), "s:2024-01-03" },
        { "formatDate zone", "formatDate",
          A("t:1704251045678", "s:%H:%M %Z", "s:+05:30"),
          "s:08:34 +05:30" },
        { "formatDate weekday", "formatDate",
          A("t:1704251045678", "s:%a %j"), "s:Wed 003" },
        { "strftime alias", "strftime",
          A("t:1704251045678", "s:%Y/%m/%d %H:%M:%S"),
          "s:2024/01/03 03:04:05" },
        { "formatDate %s and %%", "formatDate",
          A("t:1704251045678", "s:%s %%s", "s:+01:00"),
          "s:1704251045 %s" },
        { "formatDate null", "formatDate", A("N", "s:%Y"), "N" },
    };

    (void)state;
    RUN_TABLE("datetime functions", cases, run_fn);
}

static void test_general_fns(void **state)
{
    static const struct fn_case cases[] = {
        { "ispresent null", "ispresent", A("N"), "b:0" },
        { "ispresent empty", "ispresent", A("s:"), "b:1" },
        { "coalesce", "coalesce", A("N", "s:", "s:b"), "s:" },
        { "coalesce first", "coalesce", A("N", "N", "n:3"), "n:3" },
        { "coalesce none", "coalesce", A("N", "N"), "N" },
        { "case second", "case", A("b:0", "s:a", "b:1", "s:b"), "s:b" },
        { "case default", "case", A("b:0", "s:a", "s:dflt"), "s:dflt" },
        { "case none", "case", A("b:0", "s:a"), "N" },
        { "if true", "if", A("b:1", "s:y", "s:n"), "s:y" },
        { "if null", "if", A("N", "s:y", "s:n"), "s:n" },
        { "isNumeric", "isNumeric", A("s:12.5"), "b:1" },
        { "isNumeric no", "isNumeric", A("s:12abc"), "b:0" },
        { "isNumeric number", "isNumeric", A("n:3"), "b:1" },
        { "isNumeric null", "isNumeric", A("N"), "b:0" },
        { "messageSize bytes", "messageSize", A("s:héllo"), "n:6" },
        { "messageSize null", "messageSize", A("N"), "N" },
        { "queryStartTime", "queryStartTime", A0, "n:1700000000000" },
        { "queryEndTime", "queryEndTime", A0, "n:1700003600000" },
        { "queryTimeRange", "queryTimeRange", A0, "n:3600000" },
    };

    (void)state;
    RUN_TABLE("general functions", cases, run_fn);
}

static void test_json_fns(void **state)
{
    static const struct fn_case cases[] = {
        { "jsonParse object", "jsonParse", A("s:{\"a\": {\"b\": [1, 2]}}"),
          "j:{\"a\":{\"b\":[1,2]}}" },
        { "jsonParse array", "jsonParse", A("s:[1, \"x\"]"),
          "j:[1,\"x\"]" },
        { "jsonParse scalar", "jsonParse", A("s:42"), "N" },
        { "jsonParse invalid", "jsonParse", A("s:{nope"), "N" },
        { "jsonParse null", "jsonParse", A("N"), "N" },
        { "jsonStringify", "jsonStringify", A("j:{\"a\":1}"),
          "s:{\"a\":1}" },
        { "jsonStringify string", "jsonStringify", A("s:{\"a\":1}"), "N" },
        { "jsonArraySize", "jsonArraySize", A("s:[1,2,3]"), "n:3" },
        { "jsonArraySize list", "jsonArraySize", A("j:[]"), "n:0" },
        { "jsonArraySize object", "jsonArraySize", A("s:{}"), "N" },
        { "jsonArrayContains doc", "jsonArrayContains",
          A("s:[\"admin\",\"dev\"]", "s:admin"), "b:1" },
        { "jsonArrayContains case", "jsonArrayContains",
          A("s:[\"admin\"]", "s:Admin"), "b:0" },
        { "jsonArrayContains number", "jsonArrayContains",
          A("s:[1,2]", "s:2"), "b:1" },
        { "jsonArrayContains invalid", "jsonArrayContains",
          A("s:[\"admin\"", "s:admin"), "b:0" },
        { "jsonArrayContains empty", "jsonArrayContains",
          A("s:[]", "s:admin"), "b:0" },
        { "toupper of a map is null", "toupper", A("j:{\"a\":1}"), "N" },
        { "abs of a list is null", "abs", A("j:[1]"), "N" },
    };

    (void)state;
    RUN_TABLE("JSON functions", cases, run_fn);
}

static void test_ip_fns(void **state)
{
    static const struct fn_case cases[] = {
        { "valid v4", "isValidIp", A("s:192.0.2.1"), "b:1" },
        { "valid v6", "isValidIp", A("s:2001:db8::1"), "b:1" },
        { "invalid octet", "isValidIp", A("s:256.1.1.1"), "b:0" },
        { "short form", "isValidIp", A("s:10.1"), "b:0" },
        { "text", "isValidIp", A("s:localhost"), "b:0" },
        { "null", "isValidIp", A("N"), "b:0" },
        { "v4 only", "isValidIpV4", A("s:::1"), "b:0" },
        { "v4 yes", "isValidIpV4", A("s:10.0.0.1"), "b:1" },
        { "v6 only", "isValidIpV6", A("s:::1"), "b:1" },
        { "v6 no", "isValidIpV6", A("s:10.0.0.1"), "b:0" },
        { "subnet doc v4", "isIpInSubnet", A("s:192.0.2.5",
                                             "s:192.0.2.0/24"), "b:1" },
        { "subnet outside", "isIpInSubnet", A("s:192.0.3.5",
                                              "s:192.0.2.0/24"), "b:0" },
        { "subnet doc v6", "isIpInSubnet", A("s:2001:db8::1",
                                             "s:2001:db8::/32"), "b:1" },
        { "subnet mixed families", "isIpInSubnet",
          A("s:192.0.2.5", "s:2001:db8::/32"), "b:0" },
        { "subnet bad cidr", "isIpInSubnet", A("s:192.0.2.5", "s:192.0.2.0"),
          "b:0" },
        { "subnet bad prefix", "isIpInSubnet",
          A("s:192.0.2.5", "s:192.0.2.0/33"), "b:0" },
        { "subnet /0", "isIpInSubnet", A("s:8.8.8.8", "s:0.0.0.0/0"),
          "b:1" },
        { "subnet odd prefix", "isIpv4InSubnet",
          A("s:172.31.255.255", "s:172.16.0.0/12"), "b:1" },
        { "subnet odd prefix out", "isIpv4InSubnet",
          A("s:172.32.0.0", "s:172.16.0.0/12"), "b:0" },
        { "v4 in subnet rejects v6", "isIpv4InSubnet",
          A("s:2001:db8::1", "s:2001:db8::/32"), "b:0" },
        { "v6 in subnet", "isIpv6InSubnet",
          A("s:2001:db8::1", "s:2001:db8::/32"), "b:1" },
        { "v6 in subnet rejects v4", "isIpv6InSubnet",
          A("s:192.0.2.5", "s:192.0.2.0/24"), "b:0" },
        { "ipv4ToNumber", "ipv4ToNumber", A("s:192.0.2.1"),
          "n:3221225985" },
        { "ipv4ToNumber v6", "ipv4ToNumber", A("s:::1"), "N" },
        { "private 10", "isPrivateIP", A("s:10.1.2.3"), "b:1" },
        { "private 172.16", "isPrivateIP", A("s:172.20.0.1"), "b:1" },
        { "private 192.168", "isPrivateIP", A("s:192.168.1.1"), "b:1" },
        { "not private", "isPrivateIP", A("s:8.8.8.8"), "b:0" },
        { "loopback not private", "isPrivateIP", A("s:127.0.0.1"), "b:0" },
        { "ula private", "isPrivateIP", A("s:fd00::1"), "b:1" },
        { "public", "isPublicIP", A("s:8.8.8.8"), "b:1" },
        { "public v6", "isPublicIP", A("s:2606:4700::1111"), "b:1" },
        { "loopback not public", "isPublicIP", A("s:127.0.0.1"), "b:0" },
        { "private not public", "isPublicIP", A("s:10.0.0.1"), "b:0" },
        { "invalid not public", "isPublicIP", A("s:x"), "b:0" },
        { "reserved loopback", "isReservedIP", A("s:127.0.0.1"), "b:1" },
        { "reserved doc net", "isReservedIP", A("s:192.0.2.1"), "b:1" },
        { "reserved v6 doc", "isReservedIP", A("s:2001:db8::1"), "b:1" },
        { "not reserved", "isReservedIP", A("s:8.8.8.8"), "b:0" },
    };

    (void)state;
    RUN_TABLE("IP functions", cases, run_fn);
}

static const char *const fn_names[] = {
    "abs", "ceil", "floor", "greatest", "least", "log", "round", "sqrt",
    "haversine", "toNumber", "toInt", "toLong", "toDouble", "bin",
    "datefloor", "dateceil", "fromMillis", "toMillis", "now",
    "parseDate", "formatDate", "strftime", "ispresent", "coalesce",
    "case", "if", "isNumeric", "messageSize", "queryStartTime",
    "queryEndTime", "queryTimeRange", "jsonParse", "jsonStringify",
    "jsonArraySize", "jsonArrayContains", "isValidIp", "isValidIpV4",
    "isValidIpV6", "isIpInSubnet", "isIpv4InSubnet", "isIpv6InSubnet",
    "ipv4ToNumber", "isPrivateIP", "isPublicIP", "isReservedIP",
    "isempty", "isblank", "concat", "ltrim", "rtrim", "trim", "strlen",
    "toupper", "tolower", "substr", "replace", "regexReplace",
    "strcontains", "startsWith", "endsWith", "urlencode", "urldecode",
    "base64encode", "base64decode", "split", "hexToAscii", "hexToDec",
    "decToHex",
};

static void test_fn_find(void **state)
{
    const char *const *names = fn_names;

    (void)state;
    for (size_t i = 0; i < N(fn_names); i++) {
        const struct lv_iq_fn *f = lv_iq_fn_find(names[i], strlen(names[i]));

        CHECK(names[i], f && !strcmp(f->name, names[i]) && f->call);
    }
    /* Any case (the stats page writes BIN(5m)); aggregations are
     * stats.c's. */
    CHECK("upper case", lv_iq_fn_find("ISVALIDIP", 9) ==
                            lv_iq_fn_find("isValidIp", 9));
    CHECK("camel case", lv_iq_fn_find("toUpper", 7) ==
                            lv_iq_fn_find("toupper", 7));
    CHECK("BIN", lv_iq_fn_find("BIN", 3) &&
                     lv_iq_fn_find("BIN", 3) == lv_iq_fn_find("bin", 3));
    CHECK("prefix", !lv_iq_fn_find("abs", 2));
    CHECK("aggregation", !lv_iq_fn_find("count", 5));
    CHECK("unknown", !lv_iq_fn_find("nosuch", 6));
    CHECK("arity case", lv_iq_fn_find("case", 4)->nargs_max == 21);
}

/* Every function on garbage: random types, random bytes (invalid UTF-8,
 * stray %, digits, dots, slashes), odd numbers. Each call must give a
 * well-formed value (ASan and UBSan watch the rest). A fixed xorshift
 * sequence, so a failure repeats. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static struct lv_iq_val garbage(struct lv_iq_arena *a)
{
    static const char alphabet[] = "0123456789abcxyzXZ.:/%+-_ \t{}[]\",'"
                                   "mshdwqy\x80\xc3\xa9\xff\xe6\x97";
    static const char *const jsons[] = {
        "{}", "[]", "{\"a\":[1,{\"b\":null}]}", "[\"x\",2,true]",
    };
    static const double nums[] = {
        0, -0.0, 1, -1, 0.5, 1e300, -1e300, 4294967296.0, 1e16, -1e16,
        9.2e18, 2.5, 255.999, 1704251045678,
    };
    struct lv_iq_val v;
    size_t len, i;
    char *t;

    memset(&v, 0, sizeof(v));
    switch (rng() % 6) {
    case 0:
        break;
    case 1:
        v.t = rng() % 2 ? LV_IQ_NUM : LV_IQ_TIME;
        v.num = nums[rng() % N(nums)];
        break;
    case 2:
        v.t = LV_IQ_BOOL;
        v.num = (double)(rng() % 2);
        break;
    case 3:
        v.t = LV_IQ_JSON;
        v.s = jsons[rng() % N(jsons)];
        v.len = strlen(v.s);
        break;
    default:
        len = rng() % 24;
        t = lv_iq_arena_alloc(a, len + 1);
        for (i = 0; i < len; i++) {
            t[i] = alphabet[rng() % (sizeof(alphabet) - 1)];
        }
        t[len] = '\0';
        v.t = LV_IQ_STR;
        v.s = t;
        v.len = len;
        break;
    }
    return v;
}

static void test_fn_garbage(void **state)
{
    struct lv_iq_arena a = { 0 };

    (void)state;
    for (size_t k = 0; k < N(fn_names); k++) {
        const struct lv_iq_fn *f = lv_iq_fn_find(fn_names[k],
                                                 strlen(fn_names[k]));

        for (int round = 0; round < 400; round++) {
            struct lv_iq_val args[8], out;
            size_t lo = (size_t)f->nargs_min;
            size_t hi = f->nargs_max < 0 || f->nargs_max > 7
                            ? 7 : (size_t)f->nargs_max;
            size_t n = lo + (size_t)(rng() % (hi - lo + 1));

            if (f == lv_iq_fn_find("bin", 3)) {
                n = 2;
            }
            for (size_t i = 0; i < n; i++) {
                args[i] = garbage(&a);
            }
            f->call(args, n, &test_cx, &a, &out);
            CHECK(fn_names[k], out.t >= LV_IQ_NULL && out.t <= LV_IQ_JSON);
            CHECK(fn_names[k], (out.t != LV_IQ_STR && out.t != LV_IQ_JSON) ||
                                   out.s || !out.len);
            CHECK(fn_names[k], (out.t != LV_IQ_NUM && out.t != LV_IQ_TIME) ||
                                   isfinite(out.num));
            if (round % 50 == 49) {
                lv_iq_arena_reset(&a);
            }
        }
    }
    lv_iq_arena_release(&a);
}

/* ---- operators through lv_iq_eval ---------------------------------------- */

static struct lv_iq_expr *node(enum lv_iq_ek k)
{
    struct lv_iq_expr *e = lv_xcalloc(1, sizeof(*e));

    e->k = k;
    return e;
}

static struct lv_iq_expr *num(double d)
{
    struct lv_iq_expr *e = node(LV_IQ_E_NUM);

    e->num = d;
    return e;
}

static struct lv_iq_expr *text(enum lv_iq_ek k, const char *s)
{
    struct lv_iq_expr *e = node(k);

    e->str = lv_xstrdup(s);
    e->len = strlen(s);
    if (k == LV_IQ_E_REGEX) {
        int err;
        PCRE2_SIZE off;

        e->re = pcre2_compile((PCRE2_SPTR)s, PCRE2_ZERO_TERMINATED,
                              PCRE2_UTF, &err, &off, NULL);
        assert_non_null(e->re);
    }
    return e;
}

static struct lv_iq_expr *str(const char *s)
{
    return text(LV_IQ_E_STR, s);
}

static struct lv_iq_expr *fld(const char *s)
{
    return text(LV_IQ_E_FIELD, s);
}

static struct lv_iq_expr *re(const char *s)
{
    return text(LV_IQ_E_REGEX, s);
}

static struct lv_iq_expr *with_args(struct lv_iq_expr *e, size_t n,
                                    struct lv_iq_expr *x,
                                    struct lv_iq_expr *y)
{
    e->nargs = n;
    e->args = lv_xcalloc(n ? n : 1, sizeof(*e->args));
    if (n > 0) {
        e->args[0] = x;
    }
    if (n > 1) {
        e->args[1] = y;
    }
    return e;
}

static struct lv_iq_expr *bin(enum lv_iq_op op, struct lv_iq_expr *x,
                              struct lv_iq_expr *y)
{
    struct lv_iq_expr *e = node(LV_IQ_E_BINARY);

    e->op = op;
    return with_args(e, 2, x, y);
}

static struct lv_iq_expr *un(enum lv_iq_op op, struct lv_iq_expr *x)
{
    struct lv_iq_expr *e = node(LV_IQ_E_UNARY);

    e->op = op;
    return with_args(e, 1, x, NULL);
}

static struct lv_iq_expr *call(const char *name, struct lv_iq_expr *x,
                               struct lv_iq_expr *y)
{
    struct lv_iq_expr *e = text(LV_IQ_E_CALL, name);

    e->fn = lv_iq_fn_find(name, strlen(name));
    assert_non_null(e->fn);
    return with_args(e, y ? 2 : x ? 1 : 0, x, y);
}

static struct lv_iq_expr *list3(const char *a, const char *b,
                                struct lv_iq_expr *c)
{
    struct lv_iq_expr *e = node(LV_IQ_E_LIST);

    e->nargs = 3;
    e->args = lv_xcalloc(3, sizeof(*e->args));
    e->args[0] = str(a);
    e->args[1] = str(b);
    e->args[2] = c;
    return e;
}

static struct lv_iq_expr *period(const char *s)
{
    return text(LV_IQ_E_TIME, s);
}

static void expr_free(struct lv_iq_expr *e)
{
    if (!e) {
        return;
    }
    for (size_t i = 0; i < e->nargs; i++) {
        expr_free(e->args[i]);
    }
    free(e->args);
    free(e->str);
    pcre2_code_free(e->re);
    free(e);
}

struct op_case {
    const char *name;
    struct lv_iq_expr *e;
    const char *want;
};

static const char *const row_names[] = {
    "@timestamp", "@message", "f1", "statusCode", "latency", "n", "empty",
    "json_message", "s",
};
static const struct lv_iq_val *row_vals;
static struct lv_iq_row *the_row;

static int run_op(const struct op_case *c)
{
    struct lv_iq_val out;
    char *got;
    int ok;

    lv_iq_eval(c->e, the_row, &test_cx, &out);
    got = show(&out);
    ok = !strcmp(got, c->want);
    if (!ok) {
        print_error("%s: got %s want %s\n", c->name, got, c->want);
    }
    free(got);
    return ok;
}

static void test_eval(void **state)
{
    struct lv_iq_val vals[] = {
        V("t:1704251045678"),
        V("s:java.lang.OutOfMemoryError: An Exception here"),
        V("s:ServiceLog: started"),
        V("s:204"),
        V("n:1500"),
        V("s:42"),
        V("s:"),
        V("j:{\"users\":[{\"action\":\"Get\"},{\"action\":\"PutData\"}],"
          "\"user.id\":\"123\",\"status_code\":200,\"a\":{\"b\":true}}"),
        V("s:exception"),
    };
    struct lv_iq_row row = { { 0 }, row_names, vals, N(vals) };
    struct op_case cases[] = {
        /* Documented examples. */
        { "2 ^ 3 returns 8", bin(LV_IQ_OP_POW, num(2), num(3)), "n:8" },
        { "10 % 3 returns 1", bin(LV_IQ_OP_MOD, num(10), num(3)), "n:1" },
        { "statusCode like /2\\d\\d/", bin(LV_IQ_OP_LIKE, fld("statusCode"),
                                           re("2\\d\\d")), "b:1" },
        { "f1 like /ServiceLog./", bin(LV_IQ_OP_LIKE, fld("f1"),
                                       re("ServiceLog.")), "b:1" },
        { "like \"Exception\"", bin(LV_IQ_OP_LIKE, fld("@message"),
                                    str("Exception")), "b:1" },
        { "like is case-sensitive", bin(LV_IQ_OP_LIKE, fld("@message"),
                                        str("exception")), "b:0" },
        { "like /(?i)exception/", bin(LV_IQ_OP_LIKE, fld("@message"),
                                      re("(?i)exception")), "b:1" },
        { "=~ /Exception/", bin(LV_IQ_OP_MATCH, fld("@message"),
                                re("Exception")), "b:1" },
        { "=~ /^(?i)Exception$/ whole", bin(LV_IQ_OP_MATCH, fld("s"),
                                            re("^(?i)Exception$")), "b:1" },
        { "=~ /^(?i)Exception$/ part", bin(LV_IQ_OP_MATCH, fld("@message"),
                                           re("^(?i)Exception$")), "b:0" },
        { "not like", bin(LV_IQ_OP_NOT_LIKE, fld("@message"),
                          str("Exception")), "b:0" },
        { "not like absent text", bin(LV_IQ_OP_NOT_LIKE, fld("f1"),
                                      str("Exception")), "b:1" },
        { "in [\"a\", \"204\"]", bin(LV_IQ_OP_IN, fld("statusCode"),
                                     list3("a", "b", num(204))), "b:1" },
        { "not in", bin(LV_IQ_OP_NOT_IN, fld("statusCode"),
                        list3("a", "b", num(500))), "b:1" },
        { "in an array field", bin(LV_IQ_OP_IN, str("PutData"),
                                   call("split", str("Get,PutData"),
                                        str(","))), "b:1" },
        { "not in an array field", bin(LV_IQ_OP_NOT_IN, num(3),
                                       call("jsonParse", str("[1, 2]"),
                                            NULL)), "b:1" },
        { "in an array field numeric", bin(LV_IQ_OP_IN, str("2"),
                                           call("jsonParse", str("[1, 2]"),
                                                NULL)), "b:1" },
        { "in of missing field", bin(LV_IQ_OP_IN, fld("nosuch"),
                                     list3("a", "b", num(1))), "b:0" },
        { "not in of missing field", bin(LV_IQ_OP_NOT_IN, fld("nosuch"),
                                         list3("a", "b", num(1))), "b:0" },
        { "latency > 1000 and n = 42",
          bin(LV_IQ_OP_AND, bin(LV_IQ_OP_GT, fld("latency"), num(1000)),
              bin(LV_IQ_OP_EQ, fld("n"), num(42))), "b:1" },
        /* Arithmetic. */
        { "2 + 3 * 4", bin(LV_IQ_OP_ADD, num(2),
                           bin(LV_IQ_OP_MUL, num(3), num(4))), "n:14" },
        { "(2 + 3) * 4", bin(LV_IQ_OP_MUL, bin(LV_IQ_OP_ADD, num(2), num(3)),
                             num(4)), "n:20" },
        { "numeric string + 1", bin(LV_IQ_OP_ADD, fld("n"), num(1)),
          "n:43" },
        { "text + 1", bin(LV_IQ_OP_ADD, fld("f1"), num(1)), "N" },
        { "missing + 1", bin(LV_IQ_OP_ADD, fld("nosuch"), num(1)), "N" },
        { "1 / 0", bin(LV_IQ_OP_DIV, num(1), num(0)), "N" },
        { "7 / 2", bin(LV_IQ_OP_DIV, num(7), num(2)), "n:3.5" },
        { "-7 % 3", bin(LV_IQ_OP_MOD, num(-7), num(3)), "n:-1" },
        { "x % 0", bin(LV_IQ_OP_MOD, num(7), num(0)), "N" },
        { "10 - 4 - 3", bin(LV_IQ_OP_SUB, bin(LV_IQ_OP_SUB, num(10),
                                              num(4)), num(3)), "n:3" },
        { "-latency", un(LV_IQ_OP_NEG, fld("latency")), "n:-1500" },
        { "-text", un(LV_IQ_OP_NEG, fld("f1")), "N" },
        { "latency / 1000", bin(LV_IQ_OP_DIV, fld("latency"), num(1000)),
          "n:1.5" },
        /* Comparisons. */
        { "'204' = 204", bin(LV_IQ_OP_EQ, fld("statusCode"), num(204)),
          "b:1" },
        { "'204' = '204.0' numeric", bin(LV_IQ_OP_EQ, fld("statusCode"),
                                         str("204.0")), "b:1" },
        { "'42' > 9 numeric", bin(LV_IQ_OP_GT, fld("n"), num(9)), "b:1" },
        { "'42' > '9' numeric", bin(LV_IQ_OP_GT, fld("n"), str("9")),
          "b:1" },
        { "text compare", bin(LV_IQ_OP_LT, str("abc"), str("abd")), "b:1" },
        { "text vs number as text", bin(LV_IQ_OP_LT, fld("f1"), num(5)),
          "b:0" },
        { "!=", bin(LV_IQ_OP_NE, fld("n"), num(41)), "b:1" },
        { "<=", bin(LV_IQ_OP_LE, fld("n"), num(42)), "b:1" },
        { ">=", bin(LV_IQ_OP_GE, fld("n"), num(43)), "b:0" },
        { "missing = missing", bin(LV_IQ_OP_EQ, fld("a"), fld("b")), "b:0" },
        { "missing != 1", bin(LV_IQ_OP_NE, fld("nosuch"), num(1)), "b:0" },
        { "empty = ''", bin(LV_IQ_OP_EQ, fld("empty"), str("")), "b:1" },
        { "map = anything", bin(LV_IQ_OP_EQ, fld("json_message"),
                                str("x")), "b:0" },
        { "map != anything", bin(LV_IQ_OP_NE, fld("json_message"),
                                 str("x")), "b:0" },
        /* Boolean logic and NULL. */
        { "not missing", un(LV_IQ_OP_NOT, fld("nosuch")), "b:1" },
        { "missing or true", bin(LV_IQ_OP_OR, fld("nosuch"), num(1)),
          "b:1" },
        { "missing and true", bin(LV_IQ_OP_AND, fld("nosuch"), num(1)),
          "b:0" },
        { "not (n = 42)", un(LV_IQ_OP_NOT, bin(LV_IQ_OP_EQ, fld("n"),
                                               num(42))), "b:0" },
        /* Calls. */
        { "bin(5m) uses @timestamp", call("bin", period("5m"), NULL),
          "t:2024-01-03 03:00:00.000" },
        { "datefloor(@timestamp, 1h)", call("datefloor", fld("@timestamp"),
                                            period("1h")),
          "t:2024-01-03 03:00:00.000" },
        { "toMillis(@timestamp) >= now() * 1000 - 7200000",
          bin(LV_IQ_OP_GE, call("toMillis", fld("@timestamp"), NULL),
              bin(LV_IQ_OP_SUB, bin(LV_IQ_OP_MUL, call("now", NULL, NULL),
                                    num(1000)), num(7200000))), "b:1" },
        { "ispresent(latency)", call("ispresent", fld("latency"), NULL),
          "b:1" },
        { "ispresent(nosuch)", call("ispresent", fld("nosuch"), NULL),
          "b:0" },
        { "abs(f3-f4)", call("abs", bin(LV_IQ_OP_SUB, num(3), num(10)),
                             NULL), "n:7" },
        { "strlen(@message) > 10", bin(LV_IQ_OP_GT,
                                       call("strlen", fld("@message"), NULL),
                                       num(10)), "b:1" },
        { "an aggregation has no per-row value", node(LV_IQ_E_CALL), "N" },
        /* Structure types. */
        { "map.attribute", fld("json_message.status_code"), "n:200" },
        { "list[index]", fld("json_message.users[1].action"), "s:PutData" },
        { "list.index", fld("json_message.users.0.action"), "s:Get" },
        { "`special.char`", fld("json_message.`user.id`"), "s:123" },
        { "backticks taken off", fld("json_message.user.id"), "s:123" },
        { "nested map", fld("json_message.a"), "j:{\"b\":true}" },
        { "nested bool", fld("json_message.a.b"), "b:1" },
        { "missing member", fld("json_message.nope"), "N" },
        { "index out of range", fld("json_message.users[9].action"), "N" },
        { "filter on a member",
          bin(LV_IQ_OP_EQ, fld("json_message.users[1].action"),
              str("PutData")), "b:1" },
        { "toupper(map) is null", call("toupper", fld("json_message"), NULL),
          "N" },
        { "jsonStringify(map)", call("jsonStringify",
                                     call("jsonParse", str("{\"k\": [1]}"),
                                          NULL), NULL), "s:{\"k\":[1]}" },
    };

    (void)state;
    row_vals = vals;
    the_row = &row;
    RUN_TABLE("eval", cases, run_op);
    for (size_t i = 0; i < N(cases); i++) {
        expr_free(cases[i].e);
    }
    lv_iq_arena_release(&row.arena);
}

/* ---- parsed expressions: precedence as the parser builds it ------------ */

struct parsed_case {
    const char *name;
    const char *query;      /* fields X as x, or filter X */
    const char *want;
};

static int run_parsed(const struct parsed_case *c)
{
    struct lv_iq_query *q = NULL;
    struct lv_err err = LV_ERR_INIT;
    const struct lv_iq_expr *e;
    struct lv_iq_val out;
    char *got;
    int ok;

    if (lv_iq_parse(c->query, strlen(c->query), &q, &err) < 0) {
        print_error("%s: parse failed: %s\n", c->name, err.msg);
        return 0;
    }
    e = q->cmds[0].k == LV_IQ_C_FILTER ? q->cmds[0].expr
                                       : q->cmds[0].items[0].e;
    lv_iq_eval(e, the_row, &test_cx, &out);
    got = show(&out);
    ok = !strcmp(got, c->want);
    if (!ok) {
        print_error("%s: got %s want %s\n", c->name, got, c->want);
    }
    free(got);
    lv_iq_query_free(q);
    return ok;
}

static void test_parsed(void **state)
{
    struct lv_iq_val vals[] = {
        V("t:1704251045678"),
        V("s:java.lang.OutOfMemoryError: An Exception here"),
        V("s:ServiceLog: started"),
        V("s:204"),
        V("n:1500"),
        V("s:42"),
        V("s:"),
        V("j:{\"users\":[{\"action\":\"Get\"},"
          "{\"action\":\"PutData\"}],\"user.id\":\"123\"}"),
        V("s:exception"),
    };
    struct lv_iq_row row = { { 0 }, row_names, vals, N(vals) };
    static const struct parsed_case cases[] = {
        /* The functions and filter pages' examples. */
        { "2 ^ 3", "fields 2 ^ 3 as x", "n:8" },
        { "10 % 3", "fields 10 % 3 as x", "n:1" },
        { "statusCode like /2\\d\\d/",
          "filter statusCode like /2\\d\\d/", "b:1" },
        { "like substring", "filter @message like \"Exception\"", "b:1" },
        { "not like", "filter @message not like \"Exception\"", "b:0" },
        { "like (?i)", "filter s like /(?i)EXCEPTION/", "b:1" },
        { "=~ whole word", "filter s =~ /^(?i)Exception$/", "b:1" },
        { "runaway regex gives up: no match",
          "filter \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\" like /^(a|a)+$/",
          "b:0" },
        { "(error|failure)", "filter @message like /(?i)(error|failure)/",
          "b:1" },
        { "duration>2000", "filter (latency>2000)", "b:0" },
        { "f1=10 or f3>25", "filter (n=10 or latency>25)", "b:1" },
        { "in list", "filter statusCode in [200, 204]", "b:1" },
        { "not in list", "filter statusCode not in [200, 204]", "b:0" },
        { "past two hours",
          "filter toMillis(@timestamp) >= (now() * 1000 - 7200000)", "b:1" },
        { "older than two hours",
          "filter toMillis(@timestamp) < (now() * 1000 - 7200000)", "b:0" },
        { "ispresent as field", "fields ispresent(latency) as isRes",
          "b:1" },
        { "abs(f3-f4)", "fields abs(n-latency) as d", "n:1458" },
        { "map member", "filter json_message.`user.id` = \"123\"", "b:1" },
        { "toupper(map) empty", "fields toupper(json_message) as u", "N" },
        /* Precedence. */
        { "* before +", "fields 2 + 3 * 4 as x", "n:14" },
        { "parentheses", "fields (2 + 3) * 4 as x", "n:20" },
        { "- is left-associative", "fields 10 - 4 - 3 as x", "n:3" },
        { "/ is left-associative", "fields 64 / 4 / 2 as x", "n:8" },
        { "^ before *", "fields 2 * 3 ^ 2 as x", "n:18" },
        { "and before or", "filter n = 42 or n = 1 and n = 2", "b:1" },
        { "and before or 2", "filter n = 1 and n = 2 or n = 42", "b:1" },
        { "not before and", "filter not n = 1 and n = 42", "b:1" },
        { "comparison after arithmetic", "filter latency / 100 > n - 30",
          "b:1" },
        { "unary minus", "fields -latency + 1 as x", "n:-1499" },
        { "function in arithmetic", "fields strlen(f1) * 2 as x", "n:38" },
        { "bin", "fields bin(1h) as b", "t:2024-01-03 03:00:00.000" },
        { "BIN upper case", "fields BIN(1h) as b",
          "t:2024-01-03 03:00:00.000" },
        { "datefloor", "fields datefloor(@timestamp, 1d) as b",
          "t:2024-01-03 00:00:00.000" },
        { "more arguments than the stack holds",
          "fields coalesce(a, b, c, d, e, f, g, h, i, n) as x", "s:42" },
        { "case with a default",
          "fields case(n = 1, \"one\", n = 42, \"answer\", \"other\") as x",
          "s:answer" },
        { "if", "fields if(latency > 1000, \"slow\", \"fast\") as x",
          "s:slow" },
        { "nested calls", "fields toupper(substr(f1, 0, 7)) as x",
          "s:SERVICE" },
    };

    (void)state;
    the_row = &row;
    RUN_TABLE("parsed", cases, run_parsed);
    lv_iq_arena_release(&row.arena);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_num),
        cmocka_unit_test(test_sort_order),
        cmocka_unit_test(test_truthy_dup),
        cmocka_unit_test(test_arena),
        cmocka_unit_test(test_string_fns),
        cmocka_unit_test(test_num_fns),
        cmocka_unit_test(test_time_fns),
        cmocka_unit_test(test_general_fns),
        cmocka_unit_test(test_json_fns),
        cmocka_unit_test(test_ip_fns),
        cmocka_unit_test(test_fn_find),
        cmocka_unit_test(test_fn_garbage),
        cmocka_unit_test(test_eval),
        cmocka_unit_test(test_parsed),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
