/*
 * cli/args: an operation's options → its request JSON, as the AWS CLI v2
 * builds it:
 *   - the argument table (awscli/clidriver.py, arguments.py): one
 *     `--kebab-name` per input member (names from the generated docs
 *     tables, botocore's xform_name), `--flag`/`--no-flag` for booleans,
 *     lists taking one or more words; `--cli-input-json`; for paginated
 *     operations `--starting-token`, `--page-size`, `--max-items`
 *     (awscli/customizations/paginate.py);
 *   - argparse's rules: `--name value` or `--name=value`, the last one
 *     wins, required options checked first ("the following arguments are
 *     required: …"), then "Unknown options: …";
 *   - values (awscli/argprocess.py, paramfile.py): file:// (text) and
 *     fileb:// (bytes), int()/float() for numbers, base64 for blobs
 *     (cli_binary_format base64), JSON or shorthand for structures, maps
 *     and lists of structures;
 *   - botocore's client-side validation (botocore/validate.py): missing
 *     required members, unknown members, types, minimum lengths and values,
 *     reported together under "Parameter validation failed:".
 * A command of our own (awscli's BasicCommand: `logs tail`) is parsed by
 * the same rules from its own table (lv_cli_parse_command): chosen input
 * members of its operation, options of its own, one positional argument
 * (of one word, or of one or more for a list member).
 */
#include "cli/cli_int.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/b64.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/mem.h"

#include "cli/shorthand.h"

enum arg_kind {
    ARG_MEMBER,
    ARG_NO_FLAG,        /* --no-x of a boolean member */
    ARG_INPUT_JSON,
    ARG_STARTING_TOKEN,
    ARG_PAGE_SIZE,
    ARG_MAX_ITEMS,
    ARG_OWN,            /* a command's own option, not a member */
};

struct arg {
    char *cli;                  /* "--log-group-name" */
    enum arg_kind kind;
    const struct lv_member *m;  /* ARG_MEMBER, ARG_NO_FLAG */
    int required;
    int nargs_many;             /* a list: one or more words */
    int positional;             /* filled by a bare word, not --name */
    struct lv_cli_opt *opt;     /* a command's option (its table's row) */
    /* what the user gave */
    int seen;
    int n_vals;
    char **vals;
};

struct table {
    struct arg *a;
    int n;
};

static struct arg *table_add(struct table *t, char *cli, enum arg_kind kind,
                             const struct lv_member *m, int required,
                             int many)
{
    struct arg *a;

    t->a = lv_xrealloc(t->a, sizeof(*t->a) * (t->n + 1));
    a = &t->a[t->n++];
    memset(a, 0, sizeof(*a));
    a->cli = cli;
    a->kind = kind;
    a->m = m;
    a->required = required;
    a->nargs_many = many;
    return a;
}

static void table_free(struct table *t)
{
    int i;

    for (i = 0; i < t->n; i++) {
        free(t->a[i].cli);
        free(t->a[i].vals);
    }
    free(t->a);
}

static struct arg *table_find(struct table *t, const char *name, size_t len)
{
    int i;

    for (i = 0; i < t->n; i++) {
        if (strlen(t->a[i].cli) == len &&
            memcmp(t->a[i].cli, name, len) == 0) {
            return &t->a[i];
        }
    }
    return NULL;
}

int lv_cli_find_op(const struct lv_service_docs *d, const char *name)
{
    int i;

    for (i = 0; i < d->svc->n_ops; i++) {
        if (strcmp(d->ops[i].cli_name, name) == 0) {
            return i;
        }
    }
    return -1;
}

static void build_table(const struct lv_cli *c, struct table *t)
{
    const struct lv_service *svc = c->svc;
    const struct lv_shape *in;
    const struct lv_member_docs *md;
    int i;

    if (c->op->input >= 0) {
        in = &svc->shapes[c->op->input];
        md = c->docs->shapes[c->op->input].members;
        for (i = 0; i < in->n_members; i++) {
            const struct lv_member *m = &in->members[i];
            const struct lv_shape *ms = &svc->shapes[m->shape];
            table_add(t, lv_xasprintf("--%s", md[i].cli_name), ARG_MEMBER,
                      m, m->required, ms->type == LV_T_LIST);
            if (ms->type == LV_T_BOOLEAN) {
                table_add(t, lv_xasprintf("--no-%s", md[i].cli_name),
                          ARG_NO_FLAG, m, 0, 0);
            }
        }
    }
    if (c->op->output_token) {
        table_add(t, lv_xstrdup("--starting-token"), ARG_STARTING_TOKEN,
                  NULL, 0, 0);
        if (c->op->limit_key) {
            table_add(t, lv_xstrdup("--page-size"), ARG_PAGE_SIZE, NULL, 0,
                      0);
        }
        table_add(t, lv_xstrdup("--max-items"), ARG_MAX_ITEMS, NULL, 0, 0);
    }
    table_add(t, lv_xstrdup("--cli-input-json"), ARG_INPUT_JSON, NULL, 0, 0);
}

/* The index of input member `name` of c->op, or -1. */
static int member_index(const struct lv_cli *c, const char *name)
{
    const struct lv_shape *in;
    int i;

    if (c->op->input < 0) {
        return -1;
    }
    in = &c->svc->shapes[c->op->input];
    for (i = 0; i < in->n_members; i++) {
        if (strcmp(in->members[i].name, name) == 0) {
            return i;
        }
    }
    return -1;
}

/* A command's table, in its order: members take their type (and, with
 * no name given, their option name) from the model. */
static void build_command_table(const struct lv_cli *c,
                                struct lv_cli_opt *opts, size_t n_opts,
                                struct table *t)
{
    const struct lv_service *svc = c->svc;
    size_t k;

    for (k = 0; k < n_opts; k++) {
        struct lv_cli_opt *o = &opts[k];
        const struct lv_member *m = NULL;
        int many = 0, i;
        struct arg *a;
        char *cli;

        o->value = NULL;
        if (o->member) {
            i = member_index(c, o->member);
            if (i < 0) {
                LV_BUG("cli: %s has no member %s", c->op->name, o->member);
            }
            m = &svc->shapes[c->op->input].members[i];
            many = svc->shapes[m->shape].type == LV_T_LIST;
            cli = o->name ? lv_xstrdup(o->name) : lv_xasprintf(
                "--%s", c->docs->shapes[c->op->input].members[i].cli_name);
        } else {
            cli = lv_xstrdup(o->name);
        }
        a = table_add(t, cli, m ? ARG_MEMBER : ARG_OWN, m, o->required,
                      many);
        a->positional = cli[0] != '-';
        a->opt = o;
    }
}

/* argparse: does `s` look like an option rather than a value? */
static int looks_like_option(const char *s)
{
    const char *p;

    if (s[0] != '-' || s[1] == '\0') {
        return 0;
    }
    /* a negative number: ^-\d+$|^-\d*\.\d+$ */
    p = s + 1;
    while (*p >= '0' && *p <= '9') {
        p++;
    }
    if (*p == '\0' && p > s + 1) {
        return 0;
    }
    if (*p == '.' && p[1]) {
        const char *q = p + 1;
        while (*q >= '0' && *q <= '9') {
            q++;
        }
        if (*q == '\0') {
            return 0;
        }
    }
    if (strchr(s, ' ')) {
        return 0;
    }
    return 1;
}

static int is_flag(const struct lv_cli *c, const struct arg *a)
{
    if (a->kind == ARG_OWN) {
        return a->opt->flag;
    }
    return a->kind == ARG_NO_FLAG ||
        (a->kind == ARG_MEMBER &&
         c->svc->shapes[a->m->shape].type == LV_T_BOOLEAN);
}

/* ---- values ---------------------------------------------------------- */

struct perr {
    int rc;             /* exit code once an error is printed, else 0 */
};

/* file:// and fileb://: the file's contents in *out (bytes, *len), 1 when
 * `v` named a file, 0 when it did not, -1 on error (printed). */
static int paramfile(const char *cli, const char *v, char **out, size_t *len,
                     int *binary, struct perr *pe)
{
    const char *path;
    FILE *f;
    struct lv_buf b = LV_BUF_INIT((size_t)-1);
    char chunk[8192];
    size_t n;
    char *exp = NULL;

    if (strncmp(v, "file://", 7) == 0) {
        path = v + 7;
        *binary = 0;
    } else if (strncmp(v, "fileb://", 8) == 0) {
        path = v + 8;
        *binary = 1;
    } else {
        return 0;
    }
    if (path[0] == '~' && path[1] == '/' && getenv("HOME")) {
        exp = lv_xasprintf("%s%s", getenv("HOME"), path + 1);
        path = exp;
    }
    f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        pe->rc = lv_cli_fail(LV_CLI_RC_USAGE,
                             "Error parsing parameter '%s': Unable to load "
                             "paramfile %s: [Errno %d] %s: '%s'", cli, v, e,
                             strerror(e), path);
        free(exp);
        return -1;
    }
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        lv_buf_add(&b, chunk, n);
    }
    fclose(f);
    free(exp);
    *out = lv_buf_detach(&b, len);
    return 1;
}

/* Python's int(): optional sign, digits, surrounding whitespace, '_'
 * between digits. */
static int py_int(const char *s, json_int_t *out)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (end == s || errno) {
        return -1;
    }
    while (*end == ' ' || *end == '\t' || *end == '\n') {
        end++;
    }
    if (*end) {
        return -1;
    }
    *out = (json_int_t)v;
    return 0;
}

/*
 * A timestamp option as botocore serializes one for the JSON protocol:
 * epoch seconds, from epoch seconds ("1700000000", "1700000000.5") or ISO
 * 8601 ("2026-12-05", "2026-12-05T10:00:00", with ".fff", "Z" or
 * "+HH:MM"); without a zone the time is UTC (botocore's
 * parse_to_aware_datetime). 0, or -1 when v is neither.
 */
static int parse_timestamp(const char *v, double *out)
{
    struct tm tm;
    char *end;
    double frac = 0;
    int n = 0, sign, hh, mm;
    const char *p;

    *out = strtod(v, &end);
    if (end != v && *end == '\0') {
        return 0;
    }
    memset(&tm, 0, sizeof(tm));
    if (sscanf(v, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
               &n) != 3 || n != 10) {
        return -1;
    }
    p = v + n;
    if (*p == 'T' || *p == ' ') {
        n = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &tm.tm_hour, &tm.tm_min, &n) != 2 ||
            n != 5) {
            return -1;
        }
        p += 1 + n;
        if (*p == ':') {
            n = 0;
            if (sscanf(p + 1, "%2d%n", &tm.tm_sec, &n) != 1 || n != 2) {
                return -1;
            }
            p += 1 + n;
            if (*p == '.') {
                frac = strtod(p, &end);
                p = end;
            }
        }
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *out = (double)timegm(&tm) + frac;
    if (*p == 'Z' && p[1] == '\0') {
        return 0;
    }
    if ((*p == '+' || *p == '-') &&
        sscanf(p + 1, "%2d:%2d%n", &hh, &mm, &n) == 2 && p[1 + n] == '\0') {
        sign = *p == '-' ? -1 : 1;
        *out -= sign * (hh * 3600.0 + mm * 60.0);
        return 0;
    }
    return *p == '\0' ? 0 : -1;
}

static json_t *scalar(const struct lv_cli *c, const struct lv_shape *sh,
                      const char *cli, const char *v, size_t len,
                      int binary, struct perr *pe)
{
    json_int_t i;
    char *end;
    double d;

    (void)cli;
    switch (sh->type) {
    case LV_T_INTEGER:
    case LV_T_LONG:
        if (py_int(v, &i) < 0) {
            pe->rc = lv_cli_fail(LV_CLI_RC_GENERAL,
                                 "invalid literal for int() with base 10: "
                                 "'%s'", v);
            return NULL;
        }
        return json_integer(i);
    case LV_T_DOUBLE:
        d = strtod(v, &end);
        if (end == v || *end) {
            pe->rc = lv_cli_fail(LV_CLI_RC_GENERAL,
                                 "could not convert string to float: '%s'",
                                 v);
            return NULL;
        }
        return json_real(d);
    case LV_T_TIMESTAMP:
        /* A value that is no time stays a string, for validate() to
         * refuse as botocore does. */
        if (parse_timestamp(v, &d) < 0) {
            return json_stringn(v, len);
        }
        return json_real(d);
    case LV_T_BOOLEAN:
        return json_boolean(strcasecmp(v, "false") != 0 && *v);
    case LV_T_BLOB:
        if (binary) {
            char *enc = lv_b64_encode_alloc(v, len, NULL);
            json_t *j = json_string(enc);
            free(enc);
            return j;
        } else {
            size_t n;
            if (lv_b64_check(v, strlen(v), &n, NULL) != LV_B64_OK) {
                pe->rc = lv_cli_fail(LV_CLI_RC_GENERAL,
                                     "Invalid base64: \"%s\"", v);
                return NULL;
            }
            return json_string(v);
        }
    default:
        (void)c;
        return json_stringn(v, len);
    }
}

static json_t *parse_json(const char *cli, const char *v, struct perr *pe)
{
    json_error_t je;
    json_t *j = json_loads(v, JSON_DECODE_ANY, &je);

    if (!j) {
        pe->rc = lv_cli_fail(LV_CLI_RC_USAGE,
                             "Error parsing parameter '%s': Invalid JSON: "
                             "%s\nJSON received: %s", cli, je.text, v);
    }
    return j;
}

static int first_nonspace(const char *v)
{
    while (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r') {
        v++;
    }
    return *v;
}

/* A type error (int("abc")) prints bare and exits 255, a syntax error
 * names the option and exits 252, as in the AWS CLI. */
static int shorthand_error(const char *cli, const struct lv_err *err)
{
    if (err->code == LV_E_SERIALIZATION) {
        return lv_cli_fail(LV_CLI_RC_GENERAL, "%s", err->msg);
    }
    return lv_cli_fail(LV_CLI_RC_USAGE, "Error parsing parameter '%s': %s",
                       cli, err->msg);
}

/* A structure or map: JSON, or shorthand. */
static json_t *structured(const struct lv_cli *c, int shape, const char *cli,
                          const char *v, struct perr *pe)
{
    if (first_nonspace(v) == '{' || first_nonspace(v) == '[') {
        return parse_json(cli, v, pe);
    }
    {
        struct lv_err err = LV_ERR_INIT;
        json_t *j = lv_shorthand_parse(c->svc, shape, v, &err);
        if (!j) {
            pe->rc = shorthand_error(cli, &err);
        }
        return j;
    }
}

static json_t *unpack(const struct lv_cli *c, const struct arg *a,
                      struct perr *pe)
{
    const struct lv_shape *sh = &c->svc->shapes[a->m->shape];
    char *file = NULL;
    size_t flen = 0;
    int binary = 0, r, i;
    json_t *out = NULL;
    const char *v;

    if (a->kind == ARG_NO_FLAG) {
        return json_false();
    }
    if (sh->type == LV_T_BOOLEAN && a->n_vals == 0) {
        return json_true();
    }
    v = a->vals[0];
    if (a->n_vals == 1) {
        r = paramfile(a->cli, v, &file, &flen, &binary, pe);
        if (r < 0) {
            return NULL;
        }
        if (r > 0) {
            v = file;
        }
    }
    if (sh->type == LV_T_LIST) {
        const struct lv_shape *el = &c->svc->shapes[sh->member];
        if (a->n_vals == 1 && first_nonspace(v) == '[') {
            out = parse_json(a->cli, v, pe);
            goto out;
        }
        if (el->type == LV_T_STRUCT || el->type == LV_T_MAP ||
            el->type == LV_T_LIST) {
            if (!lv_shorthand_is_json(v)) {
                struct lv_err err = LV_ERR_INIT;
                out = lv_shorthand_parse_list(c->svc, a->m->shape,
                                              (const char *const *)a->vals,
                                              (size_t)a->n_vals, &err);
                if (!out) {
                    pe->rc = shorthand_error(a->cli, &err);
                }
                goto out;
            }
        }
        out = json_array();
        for (i = 0; i < a->n_vals; i++) {
            const char *e = (i == 0) ? v : a->vals[i];
            json_t *j;
            if (el->type == LV_T_STRUCT || el->type == LV_T_MAP) {
                j = structured(c, sh->member, a->cli, e, pe);
            } else {
                j = scalar(c, el, a->cli, e, strlen(e), 0, pe);
            }
            if (!j) {
                json_decref(out);
                out = NULL;
                goto out;
            }
            json_array_append_new(out, j);
        }
        goto out;
    }
    if (sh->type == LV_T_STRUCT || sh->type == LV_T_MAP) {
        out = structured(c, a->m->shape, a->cli, v, pe);
        goto out;
    }
    out = scalar(c, sh, a->cli, v, file ? flen : strlen(v), binary, pe);
out:
    free(file);
    return out;
}

/* ---- botocore's validation ------------------------------------------ */

static void py_value(struct lv_buf *b, const json_t *v)
{
    /* the value as Python's str() shows it in validation messages */
    if (json_is_string(v)) {
        lv_buf_adds(b, json_string_value(v));
    } else if (json_is_true(v)) {
        lv_buf_adds(b, "True");
    } else if (json_is_false(v)) {
        lv_buf_adds(b, "False");
    } else if (json_is_integer(v)) {
        lv_buf_addf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    } else {
        char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
        lv_buf_adds(b, s ? s : "None");
        free(s);
    }
}

static const char *py_type(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "<class 'dict'>";
    case JSON_ARRAY: return "<class 'list'>";
    case JSON_STRING: return "<class 'str'>";
    case JSON_INTEGER: return "<class 'int'>";
    case JSON_REAL: return "<class 'float'>";
    case JSON_TRUE:
    case JSON_FALSE: return "<class 'bool'>";
    default: return "<class 'NoneType'>";
    }
}

static void report(struct lv_buf *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void report(struct lv_buf *r, const char *fmt, ...)
{
    va_list ap;

    lv_buf_addc(r, '\n');
    va_start(ap, fmt);
    lv_buf_vaddf(r, fmt, ap);
    va_end(ap);
}

static const char *vname(const char *name)
{
    return *name ? name : "input";
}

static void validate(const struct lv_service *svc, int shape,
                     const json_t *v, const char *name,
                     const struct lv_cli_opt *opts, size_t n_opts,
                     struct lv_buf *r);

static void bad_type(struct lv_buf *r, const char *name, const json_t *v,
                     const char *valid)
{
    struct lv_buf b = LV_BUF_INIT((size_t)-1);

    py_value(&b, v);
    report(r, "Invalid type for parameter %s, value: %s, type: %s, "
           "valid types: %s", vname(name), b.data, py_type(v), valid);
    lv_buf_release(&b);
}

static void min_len(struct lv_buf *r, const struct lv_shape *sh,
                    const char *name, size_t len)
{
    if (sh->has_min && (double)len < sh->min) {
        report(r, "Invalid length for parameter %s, value: %zu, valid min "
               "length: %.0f", vname(name), len, sh->min);
    }
}

/* Is input member `member` a row of a command's table? */
static int named_by(const struct lv_cli_opt *opts, size_t n_opts,
                    const char *member)
{
    size_t k;

    for (k = 0; k < n_opts; k++) {
        if (opts[k].member && strcmp(opts[k].member, member) == 0) {
            return 1;
        }
    }
    return 0;
}

/*
 * botocore's validation of `v` under `shape`, reports appended to r.
 * With a command's table (opts, top level only), a required member the
 * table does not name is not missing: the command fills it itself
 * (`logs query`: startTime and endTime from --since).
 */
static void validate(const struct lv_service *svc, int shape,
                     const json_t *v, const char *name,
                     const struct lv_cli_opt *opts, size_t n_opts,
                     struct lv_buf *r)
{
    const struct lv_shape *sh = &svc->shapes[shape];
    const char *k;
    json_t *x;
    size_t i;
    double d;
    int j;

    switch (sh->type) {
    case LV_T_STRUCT:
        if (!json_is_object(v)) {
            bad_type(r, name, v, "<class 'dict'>");
            return;
        }
        for (j = 0; j < sh->n_members; j++) {
            if (sh->members[j].required &&
                !json_object_get(v, sh->members[j].name) &&
                (!opts || named_by(opts, n_opts, sh->members[j].name))) {
                report(r, "Missing required parameter in %s: \"%s\"",
                       vname(name), sh->members[j].name);
            }
        }
        json_object_foreach((json_t *)v, k, x) {
            const struct lv_member *m = lv_model_find_member(sh, k);
            if (!m) {
                struct lv_buf names = LV_BUF_INIT((size_t)-1);
                for (j = 0; j < sh->n_members; j++) {
                    lv_buf_addf(&names, "%s%s", j ? ", " : "",
                                sh->members[j].name);
                }
                report(r, "Unknown parameter in %s: \"%s\", must be one "
                       "of: %s", vname(name), k, names.data);
                lv_buf_release(&names);
            }
        }
        json_object_foreach((json_t *)v, k, x) {
            const struct lv_member *m = lv_model_find_member(sh, k);
            if (m) {
                char *sub = lv_xasprintf("%s.%s", name, k);
                validate(svc, m->shape, x, *name ? sub : k, NULL, 0, r);
                free(sub);
            }
        }
        return;
    case LV_T_STRING:
        if (!json_is_string(v)) {
            bad_type(r, name, v, "<class 'str'>");
            return;
        }
        min_len(r, sh, name, lv_json_utf8_len(json_string_value(v),
                                               json_string_length(v)));
        return;
    case LV_T_LIST:
        if (!json_is_array(v)) {
            bad_type(r, name, v, "<class 'list'>, <class 'tuple'>");
            return;
        }
        min_len(r, sh, name, json_array_size(v));
        json_array_foreach(v, i, x) {
            char *sub = lv_xasprintf("%s[%zu]", name, i);
            validate(svc, sh->member, x, sub, NULL, 0, r);
            free(sub);
        }
        return;
    case LV_T_MAP:
        if (!json_is_object(v)) {
            bad_type(r, name, v, "<class 'dict'>");
            return;
        }
        json_object_foreach((json_t *)v, k, x) {
            char *sub = lv_xasprintf("%s.%s", name, k);
            validate(svc, sh->value, x, sub, NULL, 0, r);
            free(sub);
        }
        return;
    case LV_T_INTEGER:
    case LV_T_LONG:
        if (!json_is_integer(v)) {
            bad_type(r, name, v, "<class 'int'>");
            return;
        }
        if (sh->has_min && (double)json_integer_value(v) < sh->min) {
            report(r, "Invalid value for parameter %s, value: %"
                   JSON_INTEGER_FORMAT ", valid min value: %.0f",
                   vname(name), json_integer_value(v), sh->min);
        }
        return;
    case LV_T_DOUBLE:
        if (!json_is_number(v)) {
            bad_type(r, name, v, "<class 'float'>, <class 'decimal.Decimal'>"
                     ", <class 'int'>");
        }
        return;
    case LV_T_BOOLEAN:
        if (!json_is_boolean(v)) {
            bad_type(r, name, v, "<class 'bool'>");
        }
        return;
    case LV_T_BLOB:
        if (!json_is_string(v)) {
            bad_type(r, name, v, "<class 'bytes'>, <class 'bytearray'>, "
                     "file-like object");
        }
        return;
    case LV_T_TIMESTAMP:
        if (json_is_string(v) &&
            parse_timestamp(json_string_value(v), &d) < 0) {
            /* botocore's validator: a string it cannot parse as a time. */
            bad_type(r, name, v, "<class 'datetime.datetime'>, "
                     "timestamp-string");
        } else if (!json_is_string(v) && !json_is_number(v)) {
            bad_type(r, name, v, "<class 'datetime.datetime'>, <class "
                     "'str'>");
        }
        return;
    }
}

/* ---- the parse ------------------------------------------------------- */

static int required_error(const struct table *t)
{
    struct lv_buf b = LV_BUF_INIT((size_t)-1);
    int i, rc;

    for (i = 0; i < t->n; i++) {
        if (t->a[i].required && !t->a[i].seen) {
            lv_buf_addf(&b, "%s%s", b.len ? ", " : "", t->a[i].cli);
        }
    }
    rc = lv_cli_usage_error("the following arguments are required: %s",
                            b.data);
    lv_buf_release(&b);
    return rc;
}

static int positive_long(const char *cli, const char *v, long *out)
{
    json_int_t i;

    if (py_int(v, &i) < 0) {
        return lv_cli_usage_error("argument %s: invalid int value: '%s'",
                                  cli, v);
    }
    *out = (long)i;
    return 0;
}

/* argparse's "Invalid choice" for `cli`, the choices in two columns. */
static int choice_error(const char *cli, const char *const *choices)
{
    struct lv_buf b = LV_BUF_INIT((size_t)-1);
    int i, rc;

    for (i = 0; choices[i]; i++) {
        lv_buf_addf(&b, i % 2 ? " | %-40s" : "\n%-40s", choices[i]);
    }
    rc = lv_cli_usage_error("argument %s: Invalid choice, valid choices "
                            "are:\n%s", cli, b.data);
    lv_buf_release(&b);
    return rc;
}

static int is_choice(const char *v, const char *const *choices)
{
    for (; *choices; choices++) {
        if (strcmp(v, *choices) == 0) {
            return 1;
        }
    }
    return 0;
}

/* The positional argument a bare word fills: the first one not given
 * yet, or one of a list member, which takes every bare word after its
 * first (argparse's nargs '+'). */
static struct arg *free_positional(struct table *t)
{
    int i;

    for (i = 0; i < t->n; i++) {
        if (t->a[i].positional && (!t->a[i].seen || t->a[i].nargs_many)) {
            return &t->a[i];
        }
    }
    return NULL;
}

int lv_cli_parse_args(struct lv_cli *c, int argc, char **argv,
                      json_t **params)
{
    return lv_cli_parse_command(c, NULL, 0, argc, argv, params);
}

int lv_cli_parse_command(struct lv_cli *c, struct lv_cli_opt *opts,
                         size_t n_opts, int argc, char **argv,
                         json_t **params)
{
    struct table t = { 0 };
    struct lv_buf unknown = LV_BUF_INIT((size_t)-1);
    struct lv_buf rep = LV_BUF_INIT((size_t)-1);
    struct perr pe = { 0 };
    json_t *p = NULL;
    int input_json = 0, missing = 0, help = 0;
    int i, rc = LV_CLI_RC_GENERAL;
    /* awscli joins a command's unknown options with ",", argparse's
     * usage error (an operation's) with ", " */
    const char *sep = opts ? "," : ", ";

    if (opts) {
        build_command_table(c, opts, n_opts, &t);
    } else {
        build_table(c, &t);
    }
    for (i = 0; i < argc; i++) {
        const char *s = argv[i];
        const char *eq;
        struct arg *a;

        if (!opts && strcmp(s, "--cli-input-json") == 0) {
            input_json = 1;
        }
        if (!looks_like_option(s) || s[1] != '-') {
            if (strcmp(s, "help") == 0 && !help) {
                help = 1;
                continue;
            }
            a = looks_like_option(s) ? NULL : free_positional(&t);
            if (a) {
                a->seen = 1;
                a->vals = lv_xrealloc(a->vals,
                                      sizeof(char *) * (a->n_vals + 1));
                a->vals[a->n_vals++] = (char *)s;
                continue;
            }
            lv_buf_addf(&unknown, "%s%s", unknown.len ? sep : "", s);
            continue;
        }
        if (strcmp(s, "--help") == 0) {
            help = 1;
            continue;
        }
        eq = strchr(s, '=');
        a = table_find(&t, s, eq ? (size_t)(eq - s) : strlen(s));
        if (!a) {
            lv_buf_addf(&unknown, "%s%s", unknown.len ? sep : "", s);
            continue;
        }
        a->seen = 1;
        a->n_vals = 0;
        free(a->vals);
        a->vals = NULL;
        if (is_flag(c, a)) {
            if (eq) {
                rc = lv_cli_usage_error("argument %s: ignored explicit "
                                        "argument '%s'", a->cli, eq + 1);
                goto out;
            }
            continue;
        }
        if (eq) {
            a->vals = lv_xmalloc(sizeof(char *));
            a->vals[a->n_vals++] = (char *)eq + 1;
            if (a->nargs_many) {
                while (i + 1 < argc && !looks_like_option(argv[i + 1])) {
                    a->vals = lv_xrealloc(a->vals,
                                          sizeof(char *) * (a->n_vals + 1));
                    a->vals[a->n_vals++] = argv[++i];
                }
            }
        }
        while (!eq && i + 1 < argc && !looks_like_option(argv[i + 1])) {
            a->vals = lv_xrealloc(a->vals, sizeof(char *) * (a->n_vals + 1));
            a->vals[a->n_vals++] = argv[++i];
            if (!a->nargs_many) {
                break;
            }
        }
        if (a->n_vals == 0) {
            rc = lv_cli_usage_error("argument %s: expected %s argument%s",
                                    a->cli, a->nargs_many ? "at least one"
                                                          : "one",
                                    "");
            goto out;
        }
        if (a->kind == ARG_OWN && a->opt->choices &&
            !is_choice(a->vals[0], a->opt->choices)) {
            rc = choice_error(a->cli, a->opt->choices);
            goto out;
        }
    }
    if (help) {
        rc = 1;
        goto out;
    }
    /* with --cli-input-json every option becomes optional
     * (awscli/customizations/cliinput.py); botocore checks later */
    for (i = 0; i < t.n && !input_json; i++) {
        if (t.a[i].required && !t.a[i].seen) {
            missing = 1;
        }
    }
    if (missing) {
        rc = required_error(&t);
        goto out;
    }
    if (unknown.len && !opts) {
        fprintf(stderr, "\nusage: logvault [options] <command> <subcommand> "
                "[<subcommand> ...] [parameters]\nTo see help text, you can "
                "run:\n\n  logvault help\n  logvault <command> help\n  "
                "logvault <command> <subcommand> help\n\nUnknown options: "
                "%s\n\n", unknown.data);
        rc = LV_CLI_RC_USAGE;
        goto out;
    }

    p = json_object();
    /* --cli-input-json first; explicit options override its keys */
    for (i = 0; i < t.n; i++) {
        struct arg *a = &t.a[i];
        char *file = NULL;
        size_t flen;
        int binary, r;
        json_t *j;

        if (a->kind != ARG_INPUT_JSON || !a->seen) {
            continue;
        }
        r = paramfile(a->cli, a->vals[0], &file, &flen, &binary, &pe);
        if (r < 0) {
            rc = pe.rc;
            goto out;
        }
        j = parse_json(a->cli, r ? file : a->vals[0], &pe);
        free(file);
        if (!j) {
            rc = pe.rc;
            goto out;
        }
        if (!json_is_object(j)) {
            json_decref(j);
            rc = lv_cli_fail(LV_CLI_RC_USAGE, "Invalid type for parameter "
                             "input, value: ..., type: <class 'list'>, "
                             "valid types: <class 'dict'>");
            goto out;
        }
        json_object_update(p, j);
        json_decref(j);
    }
    for (i = 0; i < t.n; i++) {
        struct arg *a = &t.a[i];
        json_t *j;

        if (!a->seen) {
            continue;
        }
        switch (a->kind) {
        case ARG_MEMBER:
        case ARG_NO_FLAG:
            j = unpack(c, a, &pe);
            if (!j) {
                rc = pe.rc;
                goto out;
            }
            json_object_set_new(p, a->m->name, j);
            if ((c->op->input_token &&
                 strcmp(a->m->name, c->op->input_token) == 0) ||
                (c->op->limit_key &&
                 strcmp(a->m->name, c->op->limit_key) == 0)) {
                c->manual_paging = 1;
            }
            break;
        case ARG_STARTING_TOKEN:
            c->starting_token = a->vals[0];
            break;
        case ARG_PAGE_SIZE:
            if ((rc = positive_long(a->cli, a->vals[0], &c->page_size))) {
                goto out;
            }
            break;
        case ARG_MAX_ITEMS:
            if ((rc = positive_long(a->cli, a->vals[0], &c->max_items))) {
                goto out;
            }
            break;
        case ARG_OWN:
            a->opt->value = a->n_vals ? a->vals[0] : a->cli;
            break;
        case ARG_INPUT_JSON:
            break;
        }
    }
    /* a command (awscli's BasicCommand) reports what it did not know
     * after unpacking its arguments, as a ParamValidationError */
    if (opts && unknown.len) {
        rc = lv_cli_fail(LV_CLI_RC_USAGE, "Unknown options: %s",
                         unknown.data);
        goto out;
    }
    if (c->op->output_token &&
        ((c->op->input_token && json_object_get(p, c->op->input_token)) ||
         (c->op->limit_key && json_object_get(p, c->op->limit_key)))) {
        c->manual_paging = 1;
    }
    if (c->op->input >= 0) {
        validate(c->svc, c->op->input, p, "", opts, n_opts, &rep);
    }
    if (rep.len) {
        rc = lv_cli_fail(LV_CLI_RC_USAGE, "Parameter validation failed:%s",
                         rep.data);
        goto out;
    }
    *params = p;
    p = NULL;
    rc = 0;
out:
    json_decref(p);
    table_free(&t);
    lv_buf_release(&unknown);
    lv_buf_release(&rep);
    return rc;
}
