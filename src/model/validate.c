/*
 * Request validation against the model, the way AWS's Coral front end does
 * it: deserialization (types) first, then the constraints. See model.h for
 * the contract; the wording choices are explained where they are made.
 *
 * Sources for the wording: AWS answers quoted in public issues and in the
 * tests of emulators verified against AWS (moto's aws_verified KMS tests,
 * dynalite's tests of DynamoDB's Coral front end), e.g.
 *   1 validation error detected: Value '' at 'logEvents.1.member.message'
 *   failed to satisfy constraint: Member must have length greater than or
 *   equal to 1
 *   1 validation error detected: Value at 'plaintext' failed to satisfy
 *   constraint: Member must have length less than or equal to 4096
 *   class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be
 *   converted to an String
 */
#include "model/model.h"

#define PCRE2_CODE_UNIT_WIDTH 8

#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/b64.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

/* AWS lists at most ten violations ("10 validation errors detected: ..."
 * is the most a client ever sees); we stop collecting there too. */
#define MAX_ERRORS 10
/* The models' shapes nest a few levels deep and are not recursive; this
 * only guards against a future recursive shape. */
#define MAX_DEPTH 32
/* A value quoted in a message is quoted whole, as AWS quotes it (a
 * 513-character log group name shows all 513): the message is built on
 * the heap and handed to a WHOLE err (util/err.h). Its size is bounded by
 * the request body the front accepted, times the few levels of nesting
 * that can quote the same value (a list and its member). */
/* Backtracking budget of one pattern match; the models' patterns are
 * simple, so only a pathological value reaches it (it then fails). */
#define MATCH_LIMIT 1000000

/* ------------------------------------------------------------------ */
/* Patterns: Java regular expressions, compiled once with PCRE2.       */

enum { PAT_NEW = 0, PAT_OK, PAT_BAD };

struct pat_cache {
    const struct lv_service *svc;
    pcre2_code **codes;         /* per shape index */
    unsigned char *state;       /* PAT_* per shape index */
    struct pat_cache *next;
};

static pthread_mutex_t pat_mu = PTHREAD_MUTEX_INITIALIZER;
static struct pat_cache *pat_caches;    /* lives as long as the process */

static int is_hex(char c)
{
    return isxdigit((unsigned char)c) != 0;
}

/*
 * Rewrites the two Java constructs of the models that PCRE2 reads
 * differently: `\uXXXX` (PCRE2 wants `\x{XXXX}`), and a hyphen right after
 * a class escape inside a character class (`[\w-_]`: literal in Java, a
 * compile error in PCRE2), which becomes `\-`. Everything else the models
 * use (\p{L}, \w, \d, \S, {m,n}, anchors) means the same in both; PCRE2 is
 * used without UCP so that \w, \d and \s stay ASCII, as in Java.
 */
static char *java_to_pcre2(const char *p)
{
    struct lv_buf b = LV_BUF_INIT(SIZE_MAX);
    int in_class = 0;
    size_t i = 0;
    size_t n = strlen(p);

    while (i < n) {
        char c = p[i];

        if (c == '\\' && i + 1 < n) {
            char e = p[i + 1];
            size_t end = i + 2;

            if (e == 'u' && i + 5 < n && is_hex(p[i + 2]) &&
                is_hex(p[i + 3]) && is_hex(p[i + 4]) && is_hex(p[i + 5])) {
                lv_buf_addf(&b, "\\x{%.4s}", p + i + 2);
                i += 6;
                continue;
            }
            if ((e == 'p' || e == 'P') && end < n && p[end] == '{') {
                const char *close = strchr(p + end, '}');

                end = close ? (size_t)(close - p) + 1 : n;
            }
            lv_buf_add(&b, p + i, end - i);
            i = end;
            if (in_class && strchr("wdsWDSpP", e) && i + 1 < n &&
                p[i] == '-' && p[i + 1] != ']') {
                lv_buf_adds(&b, "\\-");
                i++;
            }
            continue;
        }
        if (c == '[' && !in_class) {
            in_class = 1;
            lv_buf_addc(&b, c);
            i++;
            /* A ']' right after '[' or '[^' is literal. */
            if (i < n && p[i] == '^') {
                lv_buf_addc(&b, '^');
                i++;
            }
            if (i < n && p[i] == ']') {
                lv_buf_addc(&b, ']');
                i++;
            }
            continue;
        }
        if (c == ']' && in_class) {
            in_class = 0;
        }
        lv_buf_addc(&b, c);
        i++;
    }
    return lv_buf_detach(&b, NULL);
}

static pcre2_code *compile_pattern(const char *java, char *why, size_t wsz)
{
    char *pat = java_to_pcre2(java);
    int errcode = 0;
    PCRE2_SIZE erroff = 0;
    pcre2_code *code;

    code = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, PCRE2_UTF,
                         &errcode, &erroff, NULL);
    if (!code) {
        PCRE2_UCHAR text[160];

        pcre2_get_error_message(errcode, text, sizeof(text));
        snprintf(why, wsz, "%s at offset %zu", (const char *)text,
                 (size_t)erroff);
    }
    free(pat);
    return code;
}

/* Caller holds pat_mu. */
static struct pat_cache *cache_for(const struct lv_service *svc)
{
    struct pat_cache *c;

    for (c = pat_caches; c; c = c->next) {
        if (c->svc == svc) {
            return c;
        }
    }
    c = lv_xcalloc(1, sizeof(*c));
    c->svc = svc;
    c->codes = lv_xcalloc((size_t)svc->n_shapes + 1, sizeof(*c->codes));
    c->state = lv_xcalloc((size_t)svc->n_shapes + 1, 1);
    c->next = pat_caches;
    pat_caches = c;
    return c;
}

/* Caller holds pat_mu. Fills why (when not NULL) on a compile failure. */
static pcre2_code *pattern_locked(const struct lv_service *svc, int shape,
                                  char *why, size_t wsz)
{
    struct pat_cache *c = cache_for(svc);
    char msg[200];

    if (c->state[shape] == PAT_NEW) {
        c->codes[shape] = compile_pattern(svc->shapes[shape].pattern, msg,
                                          sizeof(msg));
        c->state[shape] = c->codes[shape] ? PAT_OK : PAT_BAD;
        if (!c->codes[shape]) {
            /* Decision: a pattern PCRE2 cannot read is logged once and its
             * check skipped (the value passes), rather than failing every
             * request that uses the member. test_validate proves that no
             * model pattern takes this path today. */
            lv_log(LV_LOG_WARN, "model: pattern of %s.%s not compiled: %s",
                   svc->name, svc->shapes[shape].name, msg);
            if (why) {
                snprintf(why, wsz, "%s", msg);
            }
        }
    }
    return c->codes[shape];
}

/* The compiled pattern of `shape` (immutable once made, so shared by
 * threads without a lock), or NULL when it does not compile. */
static const pcre2_code *pattern_for(const struct lv_service *svc, int shape)
{
    pcre2_code *code;

    pthread_mutex_lock(&pat_mu);
    code = pattern_locked(svc, shape, NULL, 0);
    pthread_mutex_unlock(&pat_mu);
    return code;
}

int lv_model_compile_patterns(const struct lv_service *svc,
                              struct lv_err *err)
{
    int failed = 0;
    int i;

    pthread_mutex_lock(&pat_mu);
    for (i = 0; i < svc->n_shapes; i++) {
        char why[200];

        if (!svc->shapes[i].pattern) {
            continue;
        }
        if (!pattern_locked(svc, i, why, sizeof(why))) {
            /* why is only filled on the first attempt. */
            if (!failed) {
                lv_err_set(err, LV_E_INTERNAL_FAILURE,
                           "pattern of %s.%s: %s", svc->name,
                           svc->shapes[i].name, why);
            }
            failed++;
        }
    }
    pthread_mutex_unlock(&pat_mu);
    return failed;
}

/* ------------------------------------------------------------------ */
/* Pass 1: types (Coral's deserialization; first failure wins).        */

/*
 * The SerializationException texts are Coral's (Java class names
 * included, grammar as AWS writes it: "an String", "a Blob"). Choices
 * where AWS is more lenient or unknown:
 *  - integer/long members take any JSON number; a fraction is truncated
 *    toward zero, as Coral's TruncatingBigNumber does (so 5.0 and 5.9 read
 *    as 5). A number outside the Java type's range is refused with the
 *    TruncatingBigNumber message (Java would wrap silently).
 *  - boolean members take only true/false; Coral also reads the strings
 *    "true"/"false", we refuse every string ("'X' can not be converted to
 *    an Boolean", the value upper-cased as Coral shows it).
 *  - timestamp members take a JSON number (epoch seconds, what every SDK
 *    sends in JSON 1.1); anything else is refused as "... to an Date" (our
 *    wording, in Coral's form).
 */
static const char *const NUM_CLASS =
    "class com.amazon.coral.value.json.numbers.TruncatingBigNumber";

static const char *java_name(enum lv_shape_type t)
{
    switch (t) {
    case LV_T_STRING: return "an String";
    case LV_T_INTEGER: return "an Integer";
    case LV_T_LONG: return "an Long";
    case LV_T_DOUBLE: return "an Double";
    case LV_T_BOOLEAN: return "an Boolean";
    case LV_T_BLOB: return "a Blob";
    case LV_T_TIMESTAMP: return "an Date";
    default: return "an Object";
    }
}

/* An integer or real read the way Coral reads an integer member. */
static int number_as_int64(const json_t *v, int64_t *out)
{
    double d;

    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
        return 0;
    }
    d = trunc(json_real_value(v));
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) {
        return -1;
    }
    *out = (int64_t)d;
    return 0;
}

#define serr(err, ...) lv_err_set((err), LV_E_SERIALIZATION, __VA_ARGS__)

static int blob_type_error(const struct lv_shape *sh, const json_t *v,
                           struct lv_err *err)
{
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    char bad = 0;
    /* A sensitive value (Plaintext) is not echoed back. */
    const char *shown = sh->sensitive ? "***" : s;
    enum lv_b64_status st = lv_b64_check(s, n, NULL, &bad);

    switch (st) {
    case LV_B64_OK:
        return 0;
    case LV_B64_BAD_LENGTH:
        return lv_err_set(err, LV_E_SERIALIZATION,
                          "'%s' can not be converted to a Blob: Base64 "
                          "encoded length is expected a multiple of 4 bytes "
                          "but found: %zu", shown, n);
    case LV_B64_BAD_CHAR:
        return lv_err_set(err, LV_E_SERIALIZATION,
                          "'%s' can not be converted to a Blob: Invalid "
                          "Base64 character: '%c'", shown,
                          bad >= 0x20 && bad < 0x7f ? bad : '?');
    case LV_B64_BAD_TAIL:
        /* "dectected" is AWS's spelling. */
        return lv_err_set(err, LV_E_SERIALIZATION,
                          "'%s' can not be converted to a Blob: Invalid "
                          "last non-pad Base64 character dectected", shown);
    }
    return 0;
}

static int check_scalar_type(const struct lv_shape *sh, const json_t *v,
                             struct lv_err *err)
{
    enum lv_shape_type t = sh->type;
    int64_t iv;

    if (json_is_array(v)) {
        return serr(err, "Start of list found where not expected");
    }
    if (json_is_object(v)) {
        return serr(err, "Start of structure or map found where not "
                    "expected.");
    }
    switch (t) {
    case LV_T_STRING:
    case LV_T_BLOB:
        if (json_is_string(v)) {
            return t == LV_T_BLOB ? blob_type_error(sh, v, err) : 0;
        }
        break;
    case LV_T_INTEGER:
    case LV_T_LONG:
        if (json_is_number(v)) {
            if (number_as_int64(v, &iv) < 0 ||
                (t == LV_T_INTEGER &&
                 (iv < INT32_MIN || iv > INT32_MAX))) {
                return serr(err, "%s can not be converted to %s", NUM_CLASS,
                            java_name(t));
            }
            return 0;
        }
        break;
    case LV_T_DOUBLE:
    case LV_T_TIMESTAMP:
        if (json_is_number(v)) {
            return 0;
        }
        break;
    case LV_T_BOOLEAN:
        if (json_is_boolean(v)) {
            return 0;
        }
        if (json_is_string(v)) {
            /* Quoted whole, upper-cased as Coral shows it. */
            char *up = lv_xstrdup(json_string_value(v));
            size_t i;

            for (i = 0; up[i]; i++) {
                up[i] = (char)toupper((unsigned char)up[i]);
            }
            lv_err_set(err, LV_E_SERIALIZATION,
                       "'%s' can not be converted to an Boolean", up);
            free(up);
            return -1;
        }
        break;
    default:
        break;
    }
    if (json_is_boolean(v)) {
        return serr(err, "class java.lang.Boolean can not be converted to %s",
                    java_name(t));
    }
    if (json_is_string(v)) {
        return serr(err, "class java.lang.String can not be converted to %s",
                    java_name(t));
    }
    return serr(err, "%s can not be converted to %s", NUM_CLASS,
                java_name(t));
}

static int check_types(const struct lv_service *svc, int shape,
                       const json_t *v, int depth, struct lv_err *err)
{
    const struct lv_shape *sh;
    const char *key;
    json_t *child;
    size_t i;
    int m;

    if (!v || json_is_null(v)) {
        return 0;   /* null is absent */
    }
    if (shape < 0 || shape >= svc->n_shapes) {
        LV_BUG("model %s: shape index %d out of range", svc->name, shape);
    }
    if (depth > MAX_DEPTH) {
        return lv_err_set(err, LV_E_SERIALIZATION,
                          "Request structure nested too deeply");
    }
    sh = &svc->shapes[shape];
    switch (sh->type) {
    case LV_T_STRUCT:
        if (json_is_array(v)) {
            return serr(err, "Start of list found where not expected");
        }
        if (!json_is_object(v)) {
            return serr(err, "Expected null");
        }
        for (m = 0; m < sh->n_members; m++) {
            child = json_object_get(v, sh->members[m].name);
            if (check_types(svc, sh->members[m].shape, child, depth + 1,
                            err) < 0) {
                return -1;
            }
        }
        return 0;
    case LV_T_LIST:
        if (json_is_object(v)) {
            return serr(err, "Start of structure or map found where not "
                        "expected.");
        }
        if (!json_is_array(v)) {
            return serr(err, "Expected list or null");
        }
        json_array_foreach(v, i, child) {
            if (check_types(svc, sh->member, child, depth + 1, err) < 0) {
                return -1;
            }
        }
        return 0;
    case LV_T_MAP:
        if (json_is_array(v)) {
            return serr(err, "Start of list found where not expected");
        }
        if (!json_is_object(v)) {
            return serr(err, "Expected map or null");
        }
        json_object_foreach((json_t *)v, key, child) {
            if (check_types(svc, sh->value, child, depth + 1, err) < 0) {
                return -1;
            }
        }
        return 0;
    default:
        return check_scalar_type(sh, v, err);
    }
}

/* ------------------------------------------------------------------ */
/* Pass 2: constraints, all of them, in model member order.            */

struct vstate {
    const struct lv_service *svc;
    int code;                       /* enum lv_errcode of the report */
    struct lv_buf path;             /* 'logEvents.1.member.message' */
    char *errs[MAX_ERRORS];
    int n_errs;
    pcre2_match_data *md;
    pcre2_match_context *mctx;
};

/* Violations of one scalar value, as bits, in the order AWS reports them
 * for one member: pattern, then length, then range, then enum. */
enum {
    V_PATTERN = 1 << 0,
    V_MIN_LEN = 1 << 1,
    V_MAX_LEN = 1 << 2,
    V_MIN_VAL = 1 << 3,
    V_MAX_VAL = 1 << 4,
    V_ENUM = 1 << 5,
};

static void fmt_double(char *text, size_t sz, double v)
{
    int prec;

    for (prec = 15; prec <= 17; prec++) {
        snprintf(text, sz, "%.*g", prec, v);
        if (strtod(text, NULL) == v) {
            return;
        }
    }
}

/*
 * The value as Java's toString would show it: strings as they are,
 * numbers in decimal, lists as [a, b], maps and structures as {k=v, k2=v2}
 * (AWS prints a structure as its class name and hash; we show content).
 * `as_int`: the member is an integer, so a real shows truncated.
 */
static void render(struct lv_buf *b, const json_t *v, int as_int, int depth)
{
    char text[40];
    const char *key;
    json_t *child;
    size_t i;
    int64_t iv;

    if (depth > MAX_DEPTH) {
        lv_buf_adds(b, "...");
        return;
    }
    switch (json_typeof(v)) {
    case JSON_STRING:
        lv_buf_add(b, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        snprintf(text, sizeof(text), "%lld",
                 (long long)json_integer_value(v));
        lv_buf_adds(b, text);
        break;
    case JSON_REAL:
        if (as_int && number_as_int64(v, &iv) == 0) {
            snprintf(text, sizeof(text), "%lld", (long long)iv);
        } else {
            fmt_double(text, sizeof(text), json_real_value(v));
        }
        lv_buf_adds(b, text);
        break;
    case JSON_TRUE:
        lv_buf_adds(b, "true");
        break;
    case JSON_FALSE:
        lv_buf_adds(b, "false");
        break;
    case JSON_NULL:
        lv_buf_adds(b, "null");
        break;
    case JSON_ARRAY:
        lv_buf_addc(b, '[');
        json_array_foreach(v, i, child) {
            if (i) {
                lv_buf_adds(b, ", ");
            }
            render(b, child, 0, depth + 1);
        }
        lv_buf_addc(b, ']');
        break;
    case JSON_OBJECT:
        lv_buf_addc(b, '{');
        i = 0;
        json_object_foreach((json_t *)v, key, child) {
            if (i++) {
                lv_buf_adds(b, ", ");
            }
            lv_buf_adds(b, key);
            lv_buf_addc(b, '=');
            render(b, child, 0, depth + 1);
        }
        lv_buf_addc(b, '}');
        break;
    }
}

/*
 * Records "Value 'x' at 'path' failed to satisfy constraint: <what>".
 * v NULL → "Value null"; hide → "Value at" (AWS does not echo sensitive
 * members, e.g. KMS Plaintext, nor blobs).
 */
static void add_error(struct vstate *st, const json_t *v, int hide,
                      int as_int, const char *what)
{
    struct lv_buf e = LV_BUF_INIT(SIZE_MAX);

    if (st->n_errs >= MAX_ERRORS) {
        return;
    }
    if (!v) {
        lv_buf_adds(&e, "Value null");
    } else if (hide) {
        lv_buf_adds(&e, "Value");
    } else {
        lv_buf_adds(&e, "Value '");
        render(&e, v, as_int, 0);
        lv_buf_adds(&e, "'");
    }
    lv_buf_addf(&e, " at '%s' failed to satisfy constraint: %s",
                st->path.data, what);
    st->errs[st->n_errs++] = lv_buf_detach(&e, NULL);
}

static void fmt_bound(char *text, size_t sz, double v)
{
    if (v == trunc(v) && fabs(v) < 9e15) {
        snprintf(text, sz, "%lld", (long long)v);
    } else {
        fmt_double(text, sz, v);
    }
}

/* "Member must ..." for one violation bit of shape sh, into b. */
static void describe(const struct lv_shape *sh, int bit, struct lv_buf *b)
{
    char num[40];
    int i;

    switch (bit) {
    case V_PATTERN:
        lv_buf_addf(b, "Member must satisfy regular expression pattern: %s",
                    sh->pattern);
        break;
    case V_MIN_LEN:
    case V_MIN_VAL:
        fmt_bound(num, sizeof(num), sh->min);
        lv_buf_addf(b, "Member must have %s greater than or equal to %s",
                    bit == V_MIN_LEN ? "length" : "value", num);
        break;
    case V_MAX_LEN:
    case V_MAX_VAL:
        fmt_bound(num, sizeof(num), sh->max);
        lv_buf_addf(b, "Member must have %s less than or equal to %s",
                    bit == V_MAX_LEN ? "length" : "value", num);
        break;
    case V_ENUM:
        lv_buf_adds(b, "Member must satisfy enum value set: [");
        for (i = 0; i < sh->n_enums; i++) {
            lv_buf_addf(b, "%s%s", i ? ", " : "", sh->enums[i]);
        }
        lv_buf_adds(b, "]");
        break;
    }
}

static int pattern_fails(struct vstate *st, int shape, const char *s,
                         size_t n)
{
    const pcre2_code *code = pattern_for(st->svc, shape);
    int rc;

    if (!code) {
        return 0;   /* not compiled: check skipped (logged once) */
    }
    if (!st->md) {
        st->md = pcre2_match_data_create(1, NULL);
        st->mctx = pcre2_match_context_create(NULL);
        if (!st->md || !st->mctx) {
            LV_BUG("pcre2: out of memory");
        }
        pcre2_set_match_limit(st->mctx, MATCH_LIMIT);
    }
    /* ANCHORED + ENDANCHORED: the whole value, as Java's matches(). */
    rc = pcre2_match(code, (PCRE2_SPTR)s, n, 0,
                     PCRE2_ANCHORED | PCRE2_ENDANCHORED, st->md, st->mctx);
    return rc < 0;  /* no match, or the match limit: both fail */
}

/* Which constraints of `shape` the non-null scalar v breaks. */
static int scalar_violations(struct vstate *st, int shape, const json_t *v)
{
    const struct lv_shape *sh = &st->svc->shapes[shape];
    int bits = 0;
    int i;

    switch (sh->type) {
    case LV_T_STRING: {
        const char *s = json_string_value(v);
        size_t n = json_string_length(v);
        /* Length in code points: what Java's codePointCount gives and
         * what AWS enforces (not UTF-8 bytes, not UTF-16 units). */
        double len = (double)lv_json_utf8_len(s, n);

        if (sh->pattern && pattern_fails(st, shape, s, n)) {
            bits |= V_PATTERN;
        }
        if (sh->has_min && len < sh->min) {
            bits |= V_MIN_LEN;
        }
        if (sh->has_max && len > sh->max) {
            bits |= V_MAX_LEN;
        }
        if (sh->enums) {
            for (i = 0; i < sh->n_enums; i++) {
                if (strlen(sh->enums[i]) == n &&
                    memcmp(sh->enums[i], s, n) == 0) {
                    break;
                }
            }
            if (i == sh->n_enums) {
                bits |= V_ENUM;
            }
        }
        break;
    }
    case LV_T_BLOB: {
        size_t dec = 0;
        double len;

        /* Pass 1 proved it is base64; the length is in decoded bytes. */
        lv_b64_check(json_string_value(v), json_string_length(v), &dec,
                     NULL);
        len = (double)dec;
        if (sh->has_min && len < sh->min) {
            bits |= V_MIN_LEN;
        }
        if (sh->has_max && len > sh->max) {
            bits |= V_MAX_LEN;
        }
        break;
    }
    case LV_T_INTEGER:
    case LV_T_LONG: {
        int64_t iv = 0;

        number_as_int64(v, &iv);
        if (sh->has_min && (double)iv < sh->min) {
            bits |= V_MIN_VAL;
        }
        if (sh->has_max && (double)iv > sh->max) {
            bits |= V_MAX_VAL;
        }
        break;
    }
    case LV_T_DOUBLE: {
        double d = json_number_value(v);

        if (sh->has_min && d < sh->min) {
            bits |= V_MIN_VAL;
        }
        if (sh->has_max && d > sh->max) {
            bits |= V_MAX_VAL;
        }
        break;
    }
    default:
        break;
    }
    return bits;
}

/* Every constraint `shape` has, for "Map keys must satisfy constraint:
 * [...]", in the order AWS lists them: max, min, pattern, enum. */
static void describe_all(const struct lv_shape *sh, struct lv_buf *b)
{
    static const int order[] = { V_MAX_LEN, V_MIN_LEN, V_PATTERN, V_ENUM };
    int len_shape = sh->type == LV_T_STRING || sh->type == LV_T_BLOB;
    int first = 1;
    size_t i;

    lv_buf_adds(b, "[");
    for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        int bit = order[i];

        if (!len_shape && bit == V_MAX_LEN) {
            bit = V_MAX_VAL;
        } else if (!len_shape && bit == V_MIN_LEN) {
            bit = V_MIN_VAL;
        }
        if (((bit == V_MAX_LEN || bit == V_MAX_VAL) && !sh->has_max) ||
            ((bit == V_MIN_LEN || bit == V_MIN_VAL) && !sh->has_min) ||
            (bit == V_PATTERN && !sh->pattern) ||
            (bit == V_ENUM && !sh->enums)) {
            continue;
        }
        if (!first) {
            lv_buf_adds(b, ", ");
        }
        first = 0;
        describe(sh, bit, b);
    }
    lv_buf_adds(b, "]");
}

static int is_scalar(enum lv_shape_type t)
{
    return t != LV_T_STRUCT && t != LV_T_LIST && t != LV_T_MAP;
}

static void check_value(struct vstate *st, int shape, const json_t *v,
                        int depth);

/* Appends ".seg" (or "seg" at the top) to the path; returns the old
 * length to restore. Member names show with a lowercase first letter, as
 * AWS writes them (KMS: 'keyId' for KeyId). */
static size_t path_push(struct vstate *st, const char *seg, int member)
{
    size_t old = st->path.len;

    if (old) {
        lv_buf_addc(&st->path, '.');
    }
    if (member && seg[0]) {
        lv_buf_addc(&st->path, (char)tolower((unsigned char)seg[0]));
        lv_buf_adds(&st->path, seg + 1);
    } else {
        lv_buf_adds(&st->path, seg);
    }
    return old;
}

static void path_pop(struct vstate *st, size_t old)
{
    st->path.len = old;
    st->path.data[old] = '\0';
}

static void check_struct(struct vstate *st, const struct lv_shape *sh,
                         const json_t *v, int depth)
{
    int m;

    for (m = 0; m < sh->n_members && st->n_errs < MAX_ERRORS; m++) {
        const struct lv_member *mb = &sh->members[m];
        const json_t *child = json_object_get(v, mb->name);
        size_t old = path_push(st, mb->name, 1);

        if (!child || json_is_null(child)) {
            if (mb->required) {
                add_error(st, NULL, 0, 0, "Member must not be null");
            }
        } else {
            check_value(st, mb->shape, child, depth + 1);
        }
        path_pop(st, old);
    }
}

static void check_map(struct vstate *st, const struct lv_shape *sh,
                      const json_t *v, int depth)
{
    const struct lv_service *svc = st->svc;
    const char *key;
    json_t *child;
    json_t *kv = NULL;
    int keys_bad = 0;
    int values_bad = 0;
    int simple = sh->value >= 0 && is_scalar(svc->shapes[sh->value].type);
    struct lv_buf what = LV_BUF_INIT(SIZE_MAX);

    json_object_foreach((json_t *)v, key, child) {
        if (!keys_bad && sh->key >= 0) {
            kv = json_string(key);
            keys_bad = kv && scalar_violations(st, sh->key, kv) != 0;
            json_decref(kv);
        }
        if (simple && !values_bad && !json_is_null(child)) {
            values_bad = scalar_violations(st, sh->value, child) != 0;
        }
    }
    /* Keys first, then values, each reported once for the whole map. */
    if (keys_bad) {
        lv_buf_adds(&what, "Map keys must satisfy constraint: ");
        describe_all(&svc->shapes[sh->key], &what);
        add_error(st, v, 0, 0, what.data);
        lv_buf_reset(&what);
    }
    if (values_bad) {
        lv_buf_adds(&what, "Map value must satisfy constraint: ");
        describe_all(&svc->shapes[sh->value], &what);
        add_error(st, v, svc->shapes[sh->value].sensitive, 0, what.data);
    }
    lv_buf_release(&what);
    if (simple || sh->value < 0) {
        return;
    }
    /* Structured values: each checked at 'map.<key>.member'. */
    json_object_foreach((json_t *)v, key, child) {
        size_t old;

        if (st->n_errs >= MAX_ERRORS) {
            break;
        }
        if (json_is_null(child)) {
            continue;
        }
        old = path_push(st, key, 0);
        path_push(st, "member", 0);
        check_value(st, sh->value, child, depth + 1);
        path_pop(st, old);
    }
}

static void check_value(struct vstate *st, int shape, const json_t *v,
                        int depth)
{
    const struct lv_shape *sh = &st->svc->shapes[shape];
    struct lv_buf what = LV_BUF_INIT(SIZE_MAX);
    json_t *child;
    size_t i;
    int bits;
    int bit;

    if (depth > MAX_DEPTH || st->n_errs >= MAX_ERRORS) {
        return;
    }
    switch (sh->type) {
    case LV_T_STRUCT:
        check_struct(st, sh, v, depth);
        return;
    case LV_T_LIST:
    case LV_T_MAP: {
        size_t n = json_is_array(v) ? json_array_size(v) : json_object_size(v);

        if (sh->has_min && (double)n < sh->min) {
            describe(sh, V_MIN_LEN, &what);
            add_error(st, v, 0, 0, what.data);
        }
        if (sh->has_max && (double)n > sh->max) {
            lv_buf_reset(&what);
            describe(sh, V_MAX_LEN, &what);
            add_error(st, v, 0, 0, what.data);
        }
        lv_buf_release(&what);
        if (sh->type == LV_T_MAP) {
            check_map(st, sh, v, depth);
            return;
        }
        json_array_foreach(v, i, child) {
            char idx[32];
            size_t old;

            if (st->n_errs >= MAX_ERRORS) {
                break;
            }
            if (json_is_null(child)) {
                continue;
            }
            /* 1-based, as AWS numbers list members. */
            snprintf(idx, sizeof(idx), "%zu", i + 1);
            old = path_push(st, idx, 0);
            path_push(st, "member", 0);
            check_value(st, sh->member, child, depth + 1);
            path_pop(st, old);
        }
        return;
    }
    default:
        break;
    }
    bits = scalar_violations(st, shape, v);
    for (bit = 1; bit <= V_ENUM; bit <<= 1) {
        if (!(bits & bit)) {
            continue;
        }
        lv_buf_reset(&what);
        describe(sh, bit, &what);
        add_error(st, v, sh->sensitive || sh->type == LV_T_BLOB,
                  sh->type == LV_T_INTEGER || sh->type == LV_T_LONG,
                  what.data);
    }
    lv_buf_release(&what);
}

/*
 * "N validation error(s) detected: e1; e2", every entry whole (N counts
 * the violations found, at most ten), into a WHOLE err as it is; an
 * LV_ERR_INIT err keeps what fits (util/err.h).
 */
static int report(struct vstate *st, struct lv_err *err)
{
    struct lv_buf msg = LV_BUF_INIT(SIZE_MAX);
    int i;

    lv_buf_addf(&msg, "%d validation error%s detected: ", st->n_errs,
                st->n_errs == 1 ? "" : "s");
    for (i = 0; i < st->n_errs; i++) {
        if (i) {
            lv_buf_adds(&msg, "; ");
        }
        lv_buf_adds(&msg, st->errs[i]);
    }
    lv_err_set(err, (enum lv_errcode)st->code, "%s",
               msg.data);
    lv_buf_release(&msg);
    return -1;
}

int lv_model_validate(const struct lv_service *svc, const struct lv_op *op,
                      const struct json_t *in, struct lv_err *err)
{
    struct vstate st;
    int ret = -1;
    int i;

    memset(&st, 0, sizeof(st));
    st.svc = svc;
    st.code = op->validation_code ? op->validation_code
                                  : svc->validation_code;
    lv_buf_init(&st.path, SIZE_MAX);
    if (!in || !json_is_object(in)) {
        /* The body must be the input structure; Coral's words for a list
         * or a scalar where a structure belongs. */
        serr(err, "%s", json_is_array(in)
                            ? "Start of list found where not expected"
                            : "Expected null");
        goto out;
    }
    if (op->input < 0) {
        ret = 0;    /* no input shape: every member is unknown */
        goto out;
    }
    if (check_types(svc, op->input, in, 0, err) < 0) {
        goto out;
    }
    check_value(&st, op->input, in, 0);
    if (st.n_errs) {
        report(&st, err);
        goto out;
    }
    ret = 0;
out:
    for (i = 0; i < st.n_errs; i++) {
        free(st.errs[i]);
    }
    pcre2_match_data_free(st.md);
    pcre2_match_context_free(st.mctx);
    lv_buf_release(&st.path);
    return ret;
}
