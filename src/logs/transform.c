/*
 * transform.c: log transformer configs and their processors (transform.h).
 *
 * Each processor is one small function over the event object (jansson);
 * every entry the AWS page lists for it is read from its arguments as
 * given (they stay in the config, borrowed for the transformer's life).
 * substituteString's patterns are compiled once, with PCRE2, and matched
 * under a match and depth limit, so a pattern cannot take unbounded time
 * on an event.
 */
#include "logs/transform.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "logs/transform_grok.h"
#include "logs/transform_time.h"
#include "logs/transform_vended.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

#define MAX_ENTRIES 10          /* the largest entry list of the model */
#define MATCH_LIMIT 100000      /* PCRE2 match() calls per substitution */
#define DEPTH_LIMIT 10000
#define MAX_PATH 128            /* Source, Target, Key: max 128 */
#define MAX_SUBST_BYTES (1024 * 1024)

enum kind {
    K_PARSE_JSON,
    K_PARSE_KV,
    K_CSV,
    K_ADD_KEYS,
    K_DELETE_KEYS,
    K_RENAME_KEYS,
    K_MOVE_KEYS,
    K_COPY_VALUE,
    K_LOWER,
    K_UPPER,
    K_TRIM,
    K_SPLIT,
    K_SUBST,
    K_TYPE,
    K_LIST_TO_MAP,
    K_GROK,
    K_DATETIME,
    K_VENDED,
    K_UNSUPPORTED,
};

#define PARSER 1
#define VENDED 2                /* a parser for an AWS vended log */

#define ONCE 4                  /* at most one in a transformer */

static const struct {
    const char *name;
    enum kind kind;
    int flags;
    enum lv_vended vended;      /* K_VENDED: which log */
} kinds[] = {
    { "parseJSON", K_PARSE_JSON, PARSER, 0 },
    { "parseKeyValue", K_PARSE_KV, PARSER, 0 },
    { "csv", K_CSV, PARSER, 0 },
    { "grok", K_GROK, PARSER | ONCE, 0 },
    { "parseCloudfront", K_VENDED, PARSER | VENDED, LV_VENDED_CLOUDFRONT },
    { "parseRoute53", K_VENDED, PARSER | VENDED, LV_VENDED_ROUTE53 },
    { "parsePostgres", K_VENDED, PARSER | VENDED, LV_VENDED_POSTGRES },
    { "parseVPC", K_VENDED, PARSER | VENDED, LV_VENDED_VPC },
    { "parseWAF", K_VENDED, PARSER | VENDED, LV_VENDED_WAF },
    /* Its OCSF mappings are not documented field by field
     * (transform_vended.h). */
    { "parseToOCSF", K_UNSUPPORTED, PARSER | VENDED, 0 },
    { "addKeys", K_ADD_KEYS, ONCE, 0 },
    { "deleteKeys", K_DELETE_KEYS, 0, 0 },
    { "renameKeys", K_RENAME_KEYS, 0, 0 },
    { "moveKeys", K_MOVE_KEYS, 0, 0 },
    { "copyValue", K_COPY_VALUE, ONCE, 0 },
    { "lowerCaseString", K_LOWER, 0, 0 },
    { "upperCaseString", K_UPPER, 0, 0 },
    { "trimString", K_TRIM, 0, 0 },
    { "splitString", K_SPLIT, 0, 0 },
    { "substituteString", K_SUBST, 0, 0 },
    { "typeConverter", K_TYPE, 0, 0 },
    { "listToMap", K_LIST_TO_MAP, 0, 0 },
    { "dateTimeConverter", K_DATETIME, 0, 0 },
};
#define N_KINDS (sizeof(kinds) / sizeof(kinds[0]))

struct proc {
    enum kind kind;
    enum lv_vended vended;          /* K_VENDED */
    const json_t *args;
    pcre2_code *re[MAX_ENTRIES];    /* substituteString: entry i's `from` */
    struct lv_grok grok;            /* grok */
    struct dtconv *dt;              /* dateTimeConverter */
};

/* dateTimeConverter's compiled patterns and zones. */
struct dtconv {
    struct lv_dtf match[5];
    size_t n_match;
    struct lv_dtf target;
    struct lv_dtf_tz src;
    struct lv_dtf_tz tgt;
};

struct lv_transformer {
    json_t *config;                 /* a reference, keeps args alive */
    struct proc p[LV_TRANSFORM_MAX_PROCESSORS];
    size_t n;
    pcre2_match_context *mctx;
};

/* ---- checking a config --------------------------------------------------- */

static int bad(struct lv_err *err, size_t i, const char *name,
               const char *what)
{
    return lv_err_set(err, LV_E_INVALID_PARAMETER,
                      "Invalid transformerConfig: processor %zu (%s): %s",
                      i + 1, name, what);
}

/* Member `key` of o: absent (0), a string of 1..max bytes (0, in *s), or
 * anything else (-1). */
static int opt_str(const json_t *o, const char *key, size_t max,
                   const char **s)
{
    const json_t *v = json_object_get(o, key);

    *s = NULL;
    if (!v) {
        return 0;
    }
    if (!json_is_string(v) || json_string_length(v) < 1 ||
        json_string_length(v) > max ||
        strlen(json_string_value(v)) != json_string_length(v)) {
        return -1;
    }
    *s = json_string_value(v);
    return 0;
}

static int req_str(const json_t *o, const char *key, size_t max,
                   const char **s)
{
    return opt_str(o, key, max, s) < 0 || !*s ? -1 : 0;
}

static int opt_bool(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);

    return v && !json_is_boolean(v) ? -1 : 0;
}

static int flag(const json_t *o, const char *key)
{
    return json_is_true(json_object_get(o, key));
}

/* A list member `key` of 1..max entries. */
static const json_t *req_list(const json_t *o, const char *key, size_t max)
{
    const json_t *v = json_object_get(o, key);

    if (!json_is_array(v) || json_array_size(v) < 1 ||
        json_array_size(v) > max) {
        return NULL;
    }
    return v;
}

/* withKeys: 1..max strings. */
static int check_with_keys(const json_t *args, size_t max)
{
    const json_t *l = req_list(args, "withKeys", max);
    size_t i;
    const json_t *k;

    if (!l) {
        return -1;
    }
    json_array_foreach(l, i, k) {
        if (!json_is_string(k) || json_string_length(k) < 1 ||
            json_string_length(k) > MAX_PATH) {
            return -1;
        }
    }
    return 0;
}

/* entries: 1..max objects, each with the required strings req[] (NULL
 * ended, each of at most `lens` bytes), optional overwriteIfExists. */
static int check_entries(const json_t *args, size_t max,
                         const char *const *req, const size_t *lens)
{
    const json_t *l = req_list(args, "entries", max);
    size_t i;
    const json_t *e;
    const char *s;

    if (!l) {
        return -1;
    }
    json_array_foreach(l, i, e) {
        if (!json_is_object(e) || opt_bool(e, "overwriteIfExists") < 0) {
            return -1;
        }
        for (size_t k = 0; req[k]; k++) {
            if (req_str(e, req[k], lens[k], &s) < 0) {
                return -1;
            }
        }
    }
    return 0;
}

static int compile_subst(struct lv_transformer *t, struct proc *p,
                         size_t i, struct lv_err *err)
{
    const json_t *l = json_object_get(p->args, "entries");
    size_t k;
    const json_t *e;

    json_array_foreach(l, k, e) {
        const char *from = json_string_value(json_object_get(e, "from"));
        int code = 0;
        PCRE2_SIZE off = 0;

        p->re[k] = pcre2_compile((PCRE2_SPTR)from, PCRE2_ZERO_TERMINATED,
                                 PCRE2_UTF, &code, &off, NULL);
        if (!p->re[k]) {
            return bad(err, i, "substituteString",
                       "an entry's from is not a valid regular expression");
        }
    }
    (void)t;
    return 0;
}

static int compile_datetime(struct proc *p, size_t i, struct lv_err *err)
{
    const json_t *a = p->args;
    const char *fmt = json_string_value(json_object_get(a, "targetFormat"));
    struct dtconv *dt = lv_xcalloc(1, sizeof(*dt));
    size_t k;
    const json_t *m;

    p->dt = dt;
    json_array_foreach(json_object_get(a, "matchPatterns"), k, m) {
        if (lv_dtf_compile(json_string_value(m), &dt->match[k]) < 0) {
            return bad(err, i, "dateTimeConverter", "a match pattern uses "
                       "pattern letters logvault does not implement.");
        }
        dt->n_match = k + 1;
    }
    if (lv_dtf_compile(fmt ? fmt : "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'",
                       &dt->target) < 0) {
        return bad(err, i, "dateTimeConverter", "targetFormat uses pattern "
                   "letters logvault does not implement.");
    }
    /* AWS's wording for an unknown zone is not documented; ours. */
    if (lv_dtf_tz(json_string_value(json_object_get(a, "sourceTimezone")),
                  &dt->src) < 0 ||
        lv_dtf_tz(json_string_value(json_object_get(a, "targetTimezone")),
                  &dt->tgt) < 0) {
        return bad(err, i, "dateTimeConverter", "sourceTimezone and "
                   "targetTimezone must be UTC, a fixed offset (+hh:mm) or "
                   "a known time zone ID (such as Europe/Berlin).");
    }
    return 0;
}

/* Checks processor args of kind k (the model's shapes, again). */
static int check_args(enum kind k, const json_t *a)
{
    static const char *const src_tgt[] = { "source", "target", NULL };
    static const size_t src_tgt_len[] = { MAX_PATH, MAX_PATH };
    static const char *const add[] = { "key", "value", NULL };
    static const size_t add_len[] = { MAX_PATH, 256 };
    static const char *const ren[] = { "key", "renameTo", NULL };
    static const size_t ren_len[] = { MAX_PATH, MAX_PATH };
    static const char *const split[] = { "source", "delimiter", NULL };
    static const size_t split_len[] = { MAX_PATH, 128 };
    static const char *const sub[] = { "source", "from", "to", NULL };
    static const size_t sub_len[] = { MAX_PATH, 128, 128 };
    static const char *const type[] = { "key", "type", NULL };
    static const size_t type_len[] = { MAX_PATH, 16 };
    const char *s;

    switch (k) {
    case K_PARSE_JSON:
        return opt_str(a, "source", MAX_PATH, &s) < 0 ||
               opt_str(a, "destination", MAX_PATH, &s) < 0 ? -1 : 0;
    case K_PARSE_KV:
        return opt_str(a, "source", MAX_PATH, &s) < 0 ||
               opt_str(a, "destination", MAX_PATH, &s) < 0 ||
               opt_str(a, "fieldDelimiter", 128, &s) < 0 ||
               opt_str(a, "keyValueDelimiter", 128, &s) < 0 ||
               opt_str(a, "keyPrefix", 128, &s) < 0 ||
               opt_str(a, "nonMatchValue", 128, &s) < 0 ||
               opt_bool(a, "overwriteIfExists") < 0 ? -1 : 0;
    case K_CSV: {
        const json_t *cols = json_object_get(a, "columns");
        size_t i;
        const json_t *c;

        if (opt_str(a, "source", MAX_PATH, &s) < 0 ||
            opt_str(a, "destination", MAX_PATH, &s) < 0 ||
            opt_str(a, "quoteCharacter", 1, &s) < 0 ||
            opt_str(a, "delimiter", 2, &s) < 0) {
            return -1;
        }
        /* "Maximum length: 1 unless the value is \t or \s" */
        if (s && strlen(s) == 2 && strcmp(s, "\\t") && strcmp(s, "\\s")) {
            return -1;
        }
        if (cols && (!json_is_array(cols) || json_array_size(cols) > 100)) {
            return -1;
        }
        json_array_foreach(cols, i, c) {
            if (!json_is_string(c) || json_string_length(c) < 1 ||
                json_string_length(c) > MAX_PATH) {
                return -1;
            }
        }
        return 0;
    }
    case K_ADD_KEYS:
        return check_entries(a, 5, add, add_len);
    case K_DELETE_KEYS:
        return check_with_keys(a, 5);
    case K_RENAME_KEYS:
        return check_entries(a, 5, ren, ren_len);
    case K_MOVE_KEYS:
    case K_COPY_VALUE:
        return check_entries(a, 5, src_tgt, src_tgt_len);
    case K_LOWER:
    case K_UPPER:
    case K_TRIM:
        return check_with_keys(a, 10);
    case K_SPLIT:
        return check_entries(a, 10, split, split_len);
    case K_SUBST:
        return check_entries(a, 10, sub, sub_len);
    case K_TYPE: {
        size_t i;
        const json_t *e;

        if (check_entries(a, 5, type, type_len) < 0) {
            return -1;
        }
        json_array_foreach(json_object_get(a, "entries"), i, e) {
            s = json_string_value(json_object_get(e, "type"));
            if (strcmp(s, "boolean") && strcmp(s, "integer") &&
                strcmp(s, "double") && strcmp(s, "string")) {
                return -1;
            }
        }
        return 0;
    }
    case K_LIST_TO_MAP:
        if (req_str(a, "source", MAX_PATH, &s) < 0 ||
            req_str(a, "key", MAX_PATH, &s) < 0 ||
            opt_str(a, "valueKey", MAX_PATH, &s) < 0 ||
            opt_str(a, "target", MAX_PATH, &s) < 0 ||
            opt_bool(a, "flatten") < 0 ||
            opt_str(a, "flattenedElement", 8, &s) < 0) {
            return -1;
        }
        if (s && strcmp(s, "first") && strcmp(s, "last")) {
            return -1;
        }
        /* "You must specify this parameter if flatten is true" */
        return flag(a, "flatten") && !s ? -1 : 0;
    case K_GROK:
        return opt_str(a, "source", MAX_PATH, &s) < 0 ||
               req_str(a, "match", 512, &s) < 0 ? -1 : 0;
    case K_DATETIME: {
        const json_t *l = req_list(a, "matchPatterns", 5);
        size_t i;
        const json_t *m;

        if (!l || req_str(a, "source", MAX_PATH, &s) < 0 ||
            req_str(a, "target", MAX_PATH, &s) < 0 ||
            opt_str(a, "targetFormat", 64, &s) < 0 ||
            opt_str(a, "sourceTimezone", 64, &s) < 0 ||
            opt_str(a, "targetTimezone", 64, &s) < 0 ||
            opt_str(a, "locale", 64, &s) < 0) {
            return -1;
        }
        json_array_foreach(l, i, m) {
            if (!json_is_string(m) || json_string_length(m) < 1 ||
                json_string_length(m) > 128) {
                return -1;
            }
        }
        return 0;
    }
    case K_VENDED:
        /* "No other value than @message is allowed for source." */
        return opt_str(a, "source", MAX_PATH, &s) < 0 ||
               (s && strcmp(s, "@message")) ? -1 : 0;
    case K_UNSUPPORTED:
        return 0;
    }
    return -1;
}

/* The paths the page limits to "Maximum nested key depth: 3": a member
 * of the args (list NULL), or of each element of the list `list` (field
 * NULL: the list's strings themselves). */
static const struct {
    enum kind kind;
    const char *list;
    const char *field;
} deep_paths[] = {
    { K_PARSE_JSON, NULL, "source" }, { K_PARSE_JSON, NULL, "destination" },
    { K_GROK, NULL, "source" }, { K_CSV, NULL, "source" },
    { K_CSV, "columns", NULL }, { K_PARSE_KV, NULL, "source" },
    { K_SUBST, "entries", "source" }, { K_ADD_KEYS, "entries", "key" },
    { K_MOVE_KEYS, "entries", "source" }, { K_MOVE_KEYS, "entries", "target" },
    { K_RENAME_KEYS, "entries", "renameTo" },
    { K_COPY_VALUE, "entries", "source" },
    { K_COPY_VALUE, "entries", "target" },
    { K_LIST_TO_MAP, NULL, "source" }, { K_LIST_TO_MAP, NULL, "target" },
    { K_TYPE, "entries", "key" }, { K_DATETIME, NULL, "target" },
};
#define MAX_DEPTH 3

static int too_deep(const json_t *v)
{
    const char *s = json_string_value(v);
    int segs = 1;

    for (; s && *s; s++) {
        segs += *s == '.';
    }
    return segs > MAX_DEPTH;
}

/* 0, or -1 when a path of k's args nests deeper than MAX_DEPTH keys. */
static int check_depth(enum kind k, const json_t *a)
{
    for (size_t d = 0; d < sizeof(deep_paths) / sizeof(deep_paths[0]); d++) {
        size_t i;
        const json_t *e;

        if (deep_paths[d].kind != k) {
            continue;
        }
        if (!deep_paths[d].list) {
            if (too_deep(json_object_get(a, deep_paths[d].field))) {
                return -1;
            }
            continue;
        }
        json_array_foreach(json_object_get(a, deep_paths[d].list), i, e) {
            if (too_deep(deep_paths[d].field
                         ? json_object_get(e, deep_paths[d].field) : e)) {
                return -1;
            }
        }
    }
    return 0;
}

void lv_transformer_free(struct lv_transformer *t)
{
    if (!t) {
        return;
    }
    for (size_t i = 0; i < t->n; i++) {
        for (size_t k = 0; k < MAX_ENTRIES; k++) {
            pcre2_code_free(t->p[i].re[k]);
        }
        lv_grok_release(&t->p[i].grok);
        free(t->p[i].dt);
    }
    pcre2_match_context_free(t->mctx);
    json_decref(t->config);
    free(t);
}

struct lv_transformer *lv_transformer_new(const json_t *config,
                                          struct lv_err *err)
{
    struct lv_transformer *t = NULL;
    size_t n = json_array_size(config);
    size_t parsers = 0;
    unsigned char seen[N_KINDS] = { 0 };

    if (!json_is_array(config) || n < 1 ||
        n > LV_TRANSFORM_MAX_PROCESSORS) {
        lv_err_set(err, LV_E_INVALID_PARAMETER,
                   "Invalid transformerConfig: a transformer has 1 to %d "
                   "processors.", LV_TRANSFORM_MAX_PROCESSORS);
        return NULL;
    }
    t = lv_xcalloc(1, sizeof(*t));
    t->config = json_incref((json_t *)config);
    for (size_t i = 0; i < n; i++) {
        const json_t *p = json_array_get(config, i);
        const char *name = NULL;
        const json_t *args = NULL;
        size_t j;

        if (!json_is_object(p) || json_object_size(p) != 1) {
            bad(err, i, "?", "a processor names exactly one processor "
                "type.");
            goto fail;
        }
        name = json_object_iter_key(json_object_iter((json_t *)p));
        args = json_object_iter_value(json_object_iter((json_t *)p));
        for (j = 0; j < N_KINDS && strcmp(kinds[j].name, name); j++) {
        }
        if (j == N_KINDS) {
            bad(err, i, name, "unknown processor type.");
            goto fail;
        }
        if (!json_is_object(args) || check_args(kinds[j].kind, args) < 0) {
            bad(err, i, name, "its parameters do not match the processor's "
                "shape.");
            goto fail;
        }
        if (check_depth(kinds[j].kind, args) < 0) {
            bad(err, i, name, "a key path nests deeper than 3 keys.");
            goto fail;
        }
        if (i == 0 && !(kinds[j].flags & PARSER)) {
            bad(err, i, name, "the first processor of a transformer must "
                "be a parser.");
            goto fail;
        }
        /* "When using parseJSON as the first processor, you must parse
         * the entire log event using @message as the source field": the
         * first parser has nothing else to read, whichever it is. */
        if (i == 0 && json_is_string(json_object_get(args, "source")) &&
            strcmp(json_string_value(json_object_get(args, "source")),
                   "@message")) {
            bad(err, i, name, "the first processor must parse the whole "
                "log event (source @message).");
            goto fail;
        }
        if ((kinds[j].flags & VENDED) && i > 0) {
            bad(err, i, name, "a parser for AWS vended logs must be the "
                "first processor, and a transformer has at most one.");
            goto fail;
        }
        /* CloudWatch-Logs-Transformation-Create.html: one grok, one
         * addKeys, one copyValue. */
        if ((kinds[j].flags & ONCE) && seen[j]++) {
            char why[96];

            snprintf(why, sizeof(why), "a transformer has at most one %s "
                     "processor.", name);
            bad(err, i, name, why);
            goto fail;
        }
        if ((kinds[j].flags & PARSER) &&
            ++parsers > LV_TRANSFORM_MAX_PARSERS) {
            bad(err, i, name, "a transformer has at most 5 parser-type "
                "processors.");
            goto fail;
        }
        if (kinds[j].kind == K_UNSUPPORTED) {
            bad(err, i, name, "logvault does not implement this processor "
                "type: its OCSF mappings are not documented field by "
                "field.");
            goto fail;
        }
        t->p[i].kind = kinds[j].kind;
        t->p[i].vended = kinds[j].vended;
        t->p[i].args = args;
        t->n = i + 1;
        if (kinds[j].kind == K_SUBST && compile_subst(t, &t->p[i], i,
                                                      err) < 0) {
            goto fail;
        }
        if (kinds[j].kind == K_DATETIME &&
            compile_datetime(&t->p[i], i, err) < 0) {
            goto fail;
        }
        if (kinds[j].kind == K_GROK) {
            char why[200];

            if (lv_grok_compile(json_string_value(json_object_get(args,
                                                                  "match")),
                                &t->p[i].grok, why, sizeof(why)) < 0) {
                bad(err, i, name, why);
                goto fail;
            }
        }
    }
    t->mctx = pcre2_match_context_create(NULL);
    pcre2_set_match_limit(t->mctx, MATCH_LIMIT);
    pcre2_set_depth_limit(t->mctx, DEPTH_LIMIT);
    if (!t->mctx) {
        LV_BUG("pcre2 match context");
    }
    return t;
fail:
    lv_transformer_free(t);
    return NULL;
}

/* ---- paths --------------------------------------------------------------- */

/*
 * The object that holds the last segment of `path` in root, with that
 * segment in last[] (NUL-terminated). create: intermediate objects are
 * made where absent. NULL when a segment on the way is not an object (or
 * absent, without create) or the path is too long.
 */
static json_t *parent_of(json_t *root, const char *path, int create,
                         char last[MAX_PATH + 1])
{
    json_t *o = root;
    const char *seg = path;
    const char *dot;

    if (!json_is_object(root) || strlen(path) > MAX_PATH) {
        return NULL;
    }
    while ((dot = strchr(seg, '.')) != NULL) {
        char name[MAX_PATH + 1];
        json_t *next;

        memcpy(name, seg, (size_t)(dot - seg));
        name[dot - seg] = '\0';
        next = json_object_get(o, name);
        if (!next && create) {
            next = json_object();
            json_object_set_new(o, name, next);
        }
        if (!json_is_object(next)) {
            return NULL;
        }
        o = next;
        seg = dot + 1;
    }
    snprintf(last, MAX_PATH + 1, "%s", seg);
    return o;
}

static json_t *get_path(json_t *root, const char *path)
{
    char last[MAX_PATH + 1];
    json_t *o = parent_of(root, path, 0, last);

    return o ? json_object_get(o, last) : NULL;
}

/* Sets path to v (a reference taken, in every case): 0 set, 1 left as it
 * was (the key exists and !overwrite, or the way is not objects). */
static int set_path(json_t *root, const char *path, json_t *v, int overwrite)
{
    char last[MAX_PATH + 1];
    json_t *o = parent_of(root, path, 1, last);

    if (!o || (!overwrite && json_object_get(o, last))) {
        json_decref(v);
        return 1;
    }
    json_object_set_new(o, last, v);
    return 0;
}

/* Removes path, handing its value to *taken (a reference) when not NULL:
 * 1 removed, 0 absent. */
static int take_path(json_t *root, const char *path, json_t **taken)
{
    char last[MAX_PATH + 1];
    json_t *o = parent_of(root, path, 0, last);
    json_t *v = o ? json_object_get(o, last) : NULL;

    if (!v) {
        return 0;
    }
    if (taken) {
        *taken = json_incref(v);
    }
    json_object_del(o, last);
    return 1;
}

/* ---- one event ----------------------------------------------------------- */

struct ev {
    json_t *root;               /* NULL until a parser made it */
    const char *msg;            /* the raw message */
    size_t len;
    const struct lv_transform_meta *meta;
};

/* The text a parser reads: the raw message (no source, or "@message"),
 * or the string at its source path. -1 when that is not a string. */
static int parser_text(struct ev *e, const json_t *args, const char **s,
                       size_t *n)
{
    const char *src = json_string_value(json_object_get(args, "source"));
    const json_t *v;

    if (!src || strcmp(src, "@message") == 0) {
        *s = e->msg;
        *n = e->len;
        return 0;
    }
    v = get_path(e->root, src);
    if (!json_is_string(v)) {
        return -1;
    }
    *s = json_string_value(v);
    *n = json_string_length(v);
    return 0;
}

/* Places a parser's result (stolen) at its destination, or merges its
 * keys into the root (made when absent). */
static void place(struct ev *e, const json_t *args, json_t *res,
                  int overwrite)
{
    const char *dst = json_string_value(json_object_get(args,
                                                        "destination"));
    const char *k;
    json_t *v;

    if (!e->root) {
        if (!dst) {
            e->root = res;
            return;
        }
        e->root = json_object();
    }
    if (dst) {
        set_path(e->root, dst, res, 1);
        return;
    }
    json_object_foreach(res, k, v) {
        if (overwrite || !json_object_get(e->root, k)) {
            json_object_set(e->root, k, v);
        }
    }
    json_decref(res);
}

static int do_parse_json(struct ev *e, const json_t *a)
{
    const char *s;
    size_t n;
    json_t *res;

    if (parser_text(e, a, &s, &n) < 0) {
        return -1;
    }
    res = json_loadb(s, n, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(res)) {
        json_decref(res);
        return -1;
    }
    place(e, a, res, 1);
    return 0;
}

/* The next piece of s[0..n) up to delimiter d (length dl): its length;
 * *next is where the rest starts (n when no delimiter follows). */
static size_t piece(const char *s, size_t n, const char *d, size_t dl,
                    size_t *next)
{
    for (size_t i = 0; i + dl <= n; i++) {
        if (memcmp(s + i, d, dl) == 0) {
            *next = i + dl;
            return i;
        }
    }
    *next = n;
    return n;
}

static int do_parse_kv(struct ev *e, const json_t *a)
{
    const char *fd = json_string_value(json_object_get(a, "fieldDelimiter"));
    const char *kd = json_string_value(json_object_get(a,
                                                       "keyValueDelimiter"));
    const char *pfx = json_string_value(json_object_get(a, "keyPrefix"));
    const char *nomatch = json_string_value(json_object_get(a,
                                                            "nonMatchValue"));
    const char *s;
    size_t n;
    size_t at = 0;
    json_t *res;

    if (parser_text(e, a, &s, &n) < 0) {
        return -1;
    }
    fd = fd ? fd : "&";
    kd = kd ? kd : "=";
    pfx = pfx ? pfx : "";
    res = json_object();
    while (at < n) {
        size_t next;
        size_t plen = piece(s + at, n - at, fd, strlen(fd), &next);
        size_t vat;
        size_t klen = piece(s + at, plen, kd, strlen(kd), &vat);
        char *key;
        json_t *val = NULL;

        if (plen == 0) {
            at += next;
            continue;
        }
        if (klen < plen) {
            val = json_stringn(s + at + vat, plen - vat);
        } else if (nomatch) {
            val = json_string(nomatch);
        }
        if (val && klen > 0) {
            size_t kl = strlen(pfx) + klen;

            key = lv_xmalloc(kl + 1);
            memcpy(key, pfx, strlen(pfx));
            memcpy(key + strlen(pfx), s + at, klen);
            key[kl] = '\0';
            if (json_object_setn_new(res, key, kl, val) < 0) {
                free(key);
                json_decref(res);
                return -1;
            }
            free(key);
        } else {
            json_decref(val);
        }
        at += next;
    }
    place(e, a, res, flag(a, "overwriteIfExists"));
    return 0;
}

static int do_csv(struct ev *e, const json_t *a)
{
    const char *q = json_string_value(json_object_get(a, "quoteCharacter"));
    const char *d = json_string_value(json_object_get(a, "delimiter"));
    const json_t *cols = json_object_get(a, "columns");
    struct lv_buf f = LV_BUF_INIT(SIZE_MAX);
    const char *s;
    size_t n;
    size_t i = 0;
    size_t col = 0;
    char qc;
    char dc[3] = { 0 };
    size_t dl;
    json_t *res;

    if (parser_text(e, a, &s, &n) < 0) {
        return -1;
    }
    qc = q ? q[0] : '"';
    /* "Setting delimiter to \t will separate each column on a tab
     * character, and \s [...] on a single space character": the two
     * characters, as the page writes them. */
    if (d && strcmp(d, "\\t") == 0) {
        d = "\t";
    } else if (d && strcmp(d, "\\s") == 0) {
        d = " ";
    }
    snprintf(dc, sizeof(dc), "%s", d ? d : ",");
    dl = strlen(dc);
    res = json_object();
    for (;;) {
        char name[32];
        const char *key;
        int quoted = 0;

        lv_buf_reset(&f);
        if (i < n && s[i] == qc) {
            quoted = 1;
            i++;
        }
        while (i < n) {
            if (quoted && s[i] == qc) {
                if (i + 1 < n && s[i + 1] == qc) {
                    lv_buf_add(&f, &qc, 1);
                    i += 2;
                    continue;
                }
                quoted = 0;
                i++;
                continue;
            }
            if (!quoted && i + dl <= n && memcmp(s + i, dc, dl) == 0) {
                break;
            }
            lv_buf_add(&f, s + i, 1);
            i++;
        }
        key = col < json_array_size(cols)
            ? json_string_value(json_array_get(cols, col)) : NULL;
        if (!key) {
            snprintf(name, sizeof(name), "column_%zu", col + 1);
            key = name;
        }
        json_object_set_new(res, key, json_stringn(f.data, f.len));
        col++;
        if (i >= n) {
            break;
        }
        i += dl;
    }
    lv_buf_release(&f);
    place(e, a, res, 1);
    return 0;
}

static int do_add_keys(struct ev *e, const json_t *a)
{
    size_t i;
    const json_t *x;

    json_array_foreach(json_object_get(a, "entries"), i, x) {
        set_path(e->root, json_string_value(json_object_get(x, "key")),
                 json_string(json_string_value(json_object_get(x, "value"))),
                 flag(x, "overwriteIfExists"));
    }
    return 0;
}

static int do_delete_keys(struct ev *e, const json_t *a)
{
    size_t i;
    const json_t *k;

    json_array_foreach(json_object_get(a, "withKeys"), i, k) {
        take_path(e->root, json_string_value(k), NULL);
    }
    return 0;
}

/* moveKeys (keep 0) and copyValue (keep 1): source → target. */
static int do_move(struct ev *e, const json_t *a, int keep)
{
    size_t i;
    const json_t *x;

    json_array_foreach(json_object_get(a, "entries"), i, x) {
        const char *src = json_string_value(json_object_get(x, "source"));
        const char *dst = json_string_value(json_object_get(x, "target"));
        int over = flag(x, "overwriteIfExists");
        char moved[2 * MAX_PATH + 2];
        json_t *v = NULL;
        const char *m = NULL;
        size_t sl = strlen(src);

        if (keep && e->meta && src[0] == '@') {
            m = strcmp(src, "@logGroupName") == 0 ? e->meta->group
              : strcmp(src, "@logGroupStream") == 0 ? e->meta->stream
              : strcmp(src, "@accountId") == 0 ? e->meta->account
              : strcmp(src, "@regionName") == 0 ? e->meta->region : NULL;
        }
        if (m) {
            set_path(e->root, dst, json_string(m), over);
            continue;
        }
        if (keep) {
            v = get_path(e->root, src);
            if (v) {
                set_path(e->root, dst, json_deep_copy(v), over);
            }
            continue;
        }
        /* The page's example moves "outer_key1.inner_key1" to
         * "outer_key2", an object, and the key lands in it under its own
         * name: a target that is an object receives the key. */
        if (json_is_object(get_path(e->root, dst))) {
            const char *leaf = strrchr(src, '.');

            if ((size_t)snprintf(moved, sizeof(moved), "%s.%s", dst,
                                 leaf ? leaf + 1 : src) < sizeof(moved)) {
                dst = moved;
            }
        }
        /* Nothing moves into itself; a key that cannot be placed stays
         * where it was. */
        if (!get_path(e->root, src) || (!over && get_path(e->root, dst)) ||
            (strncmp(dst, src, sl) == 0 &&
             (dst[sl] == '.' || dst[sl] == '\0'))) {
            continue;
        }
        v = json_incref(get_path(e->root, src));
        if (set_path(e->root, dst, v, over) == 0) {
            take_path(e->root, src, NULL);
        }
    }
    return 0;
}

static int do_rename(struct ev *e, const json_t *a)
{
    size_t i;
    const json_t *x;

    json_array_foreach(json_object_get(a, "entries"), i, x) {
        const char *key = json_string_value(json_object_get(x, "key"));
        const char *to = json_string_value(json_object_get(x, "renameTo"));
        char last[MAX_PATH + 1];
        json_t *o = parent_of(e->root, key, 0, last);
        json_t *v;

        if (!o || !(v = json_object_get(o, last)) || strcmp(last, to) == 0 ||
            (!flag(x, "overwriteIfExists") && json_object_get(o, to))) {
            continue;
        }
        json_incref(v);
        json_object_del(o, last);
        json_object_set_new(o, to, v);
    }
    return 0;
}

/* lowerCaseString (-1), upperCaseString (1), trimString (0). */
static int do_string(struct ev *e, const json_t *a, int how)
{
    size_t i;
    const json_t *k;

    json_array_foreach(json_object_get(a, "withKeys"), i, k) {
        char last[MAX_PATH + 1];
        json_t *o = parent_of(e->root, json_string_value(k), 0, last);
        json_t *v = o ? json_object_get(o, last) : NULL;
        const char *s;
        size_t n;
        size_t b = 0;
        char *c;

        if (!json_is_string(v)) {
            continue;
        }
        s = json_string_value(v);
        n = json_string_length(v);
        if (how == 0) {
            while (b < n && isspace((unsigned char)s[b])) {
                b++;
            }
            while (n > b && isspace((unsigned char)s[n - 1])) {
                n--;
            }
            json_object_set_new(o, last, json_stringn(s + b, n - b));
            continue;
        }
        c = lv_xmalloc(n + 1);
        for (size_t j = 0; j < n; j++) {
            c[j] = (char)(how < 0 ? tolower((unsigned char)s[j])
                                  : toupper((unsigned char)s[j]));
        }
        json_object_set_new(o, last, json_stringn(c, n));
        free(c);
    }
    return 0;
}

static int do_split(struct ev *e, const json_t *a)
{
    size_t i;
    const json_t *x;

    json_array_foreach(json_object_get(a, "entries"), i, x) {
        const char *src = json_string_value(json_object_get(x, "source"));
        const char *d = json_string_value(json_object_get(x, "delimiter"));
        char last[MAX_PATH + 1];
        json_t *o = parent_of(e->root, src, 0, last);
        json_t *v = o ? json_object_get(o, last) : NULL;
        json_t *arr;
        const char *s;
        size_t n;
        size_t at = 0;

        if (!json_is_string(v)) {
            continue;
        }
        s = json_string_value(v);
        n = json_string_length(v);
        arr = json_array();
        for (;;) {
            size_t next;
            size_t len = piece(s + at, n - at, d, strlen(d), &next);

            json_array_append_new(arr, json_stringn(s + at, len));
            if (at + len >= n) {
                break;
            }
            at += next;
        }
        json_object_set_new(o, last, arr);
    }
    return 0;
}

static int do_subst(const struct lv_transformer *t, struct ev *e,
                    const struct proc *p)
{
    size_t i;
    const json_t *x;

    json_array_foreach(json_object_get(p->args, "entries"), i, x) {
        const char *src = json_string_value(json_object_get(x, "source"));
        const char *to = json_string_value(json_object_get(x, "to"));
        char last[MAX_PATH + 1];
        json_t *o = parent_of(e->root, src, 0, last);
        json_t *v = o ? json_object_get(o, last) : NULL;
        PCRE2_UCHAR *buf = NULL;
        PCRE2_SIZE cap;
        int rc;

        if (!json_is_string(v)) {
            continue;
        }
        cap = json_string_length(v) * 2 + 256;
        for (int tries = 0; tries < 2; tries++) {
            buf = lv_xrealloc(buf, cap + 1);
            rc = pcre2_substitute(p->re[i],
                                  (PCRE2_SPTR)json_string_value(v),
                                  json_string_length(v), 0,
                                  PCRE2_SUBSTITUTE_GLOBAL |
                                  PCRE2_SUBSTITUTE_OVERFLOW_LENGTH,
                                  NULL, t->mctx, (PCRE2_SPTR)to,
                                  PCRE2_ZERO_TERMINATED, buf, &cap);
            /* A result past MAX_SUBST_BYTES fails the event rather than
             * taking that much memory. */
            if (rc != PCRE2_ERROR_NOMEMORY || cap > MAX_SUBST_BYTES) {
                break;
            }
        }
        if (rc < 0) {
            free(buf);
            return -1;
        }
        json_object_set_new(o, last, json_stringn((char *)buf, cap));
        free(buf);
    }
    return 0;
}

/* v converted to `type`, a new reference, or NULL when it cannot be. */
static json_t *convert(const json_t *v, const char *type)
{
    const char *s = json_string_value(v);
    char *end = NULL;

    if (strcmp(type, "string") == 0) {
        char num[64];

        if (json_is_string(v)) {
            return json_incref((json_t *)v);
        }
        if (json_is_integer(v)) {
            snprintf(num, sizeof(num), "%lld",
                     (long long)json_integer_value(v));
            return json_string(num);
        }
        if (json_is_real(v)) {
            snprintf(num, sizeof(num), "%.17g", json_real_value(v));
            return json_string(num);
        }
        if (json_is_boolean(v)) {
            return json_string(json_is_true(v) ? "true" : "false");
        }
        return NULL;
    }
    if (strcmp(type, "boolean") == 0) {
        if (json_is_boolean(v)) {
            return json_incref((json_t *)v);
        }
        if (s && strcasecmp(s, "true") == 0) {
            return json_true();
        }
        if (s && strcasecmp(s, "false") == 0) {
            return json_false();
        }
        return NULL;
    }
    if (strcmp(type, "integer") == 0) {
        long long n;

        if (json_is_integer(v)) {
            return json_incref((json_t *)v);
        }
        if (json_is_real(v) && isfinite(json_real_value(v)) &&
            fabs(json_real_value(v)) < 9.2e18) {
            return json_integer((json_int_t)json_real_value(v));
        }
        if (!s || !*s) {
            return NULL;
        }
        errno = 0;
        n = strtoll(s, &end, 10);
        return errno || *end ? NULL : json_integer(n);
    }
    /* double */
    if (json_is_number(v)) {
        return json_real(json_number_value(v));
    }
    if (!s || !*s) {
        return NULL;
    }
    {
        double d;

        errno = 0;
        d = strtod(s, &end);
        return errno || *end || !isfinite(d) ? NULL : json_real(d);
    }
}

static int do_type(struct ev *e, const json_t *a)
{
    size_t i;
    const json_t *x;

    json_array_foreach(json_object_get(a, "entries"), i, x) {
        char last[MAX_PATH + 1];
        json_t *o = parent_of(e->root,
                              json_string_value(json_object_get(x, "key")),
                              0, last);
        json_t *v = o ? json_object_get(o, last) : NULL;
        json_t *c;

        if (!v) {
            continue;
        }
        c = convert(v, json_string_value(json_object_get(x, "type")));
        if (!c) {
            return -1;
        }
        json_object_set_new(o, last, c);
    }
    return 0;
}

static int do_list_to_map(struct ev *e, const json_t *a)
{
    const json_t *src = get_path(e->root,
                                 json_string_value(json_object_get(a,
                                                                   "source")));
    const char *key = json_string_value(json_object_get(a, "key"));
    const char *vk = json_string_value(json_object_get(a, "valueKey"));
    const char *tgt = json_string_value(json_object_get(a, "target"));
    const char *fe = json_string_value(json_object_get(a,
                                                       "flattenedElement"));
    int flat = flag(a, "flatten");
    json_t *map;
    size_t i;
    const json_t *item;
    const char *k;
    json_t *v;

    if (!json_is_array(src)) {
        return -1;
    }
    map = json_object();
    json_array_foreach(src, i, item) {
        const char *name = json_string_value(json_object_get(item, key));
        json_t *val = vk ? json_object_get(item, vk) : (json_t *)item;
        json_t *have;

        if (!name || !val) {
            continue;
        }
        have = json_object_get(map, name);
        if (flat) {
            if (!have || strcmp(fe, "last") == 0) {
                json_object_set(map, name, val);
            }
        } else {
            if (!have) {
                have = json_array();
                json_object_set_new(map, name, have);
            }
            json_array_append(have, val);
        }
    }
    if (tgt) {
        set_path(e->root, tgt, map, 1);
        return 0;
    }
    json_object_foreach(map, k, v) {
        json_object_set(e->root, k, v);
    }
    json_decref(map);
    return 0;
}

static int do_grok(const struct lv_transformer *t, struct ev *e,
                   const struct proc *p)
{
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(p->grok.re,
                                                                NULL);
    PCRE2_SIZE *ov;
    const char *s;
    size_t n;
    int rc;
    int ret = -1;

    if (!md) {
        LV_BUG("pcre2 match data");
    }
    if (parser_text(e, p->args, &s, &n) < 0) {
        goto out;
    }
    rc = pcre2_match(p->grok.re, (PCRE2_SPTR)s, n, 0, 0, md, t->mctx);
    if (rc < 0) {
        goto out;
    }
    if (!e->root) {
        e->root = json_object();
    }
    ov = pcre2_get_ovector_pointer(md);
    /* A common log pattern's fields first, reshaped; then the others. */
    for (int pass = p->grok.common_kind ? 0 : 1; pass < 2; pass++) {
        json_t *got = pass == 0 ? json_object() : NULL;

        for (size_t i = 0; i < p->grok.n && (int)i + 1 < rc; i++) {
            PCRE2_SIZE a = ov[2 * (i + 1)];
            PCRE2_SIZE b = ov[2 * (i + 1) + 1];
            json_t *v;

            if (a == PCRE2_UNSET || b < a ||
                (pass == 0) != (p->grok.common[i] != 0)) {
                continue;
            }
            if (p->grok.unquote[i] && b - a >= 2) {
                a++;
                b--;
            }
            v = json_stringn(s + a, b - a);
            if (pass == 0) {
                json_object_set_new(got, p->grok.field[i], v);
            } else {
                set_path(e->root, p->grok.field[i], v, 1);
            }
        }
        if (got) {
            lv_grok_common(&p->grok, got, e->root);
            json_decref(got);
        }
    }
    ret = 0;
out:
    pcre2_match_data_free(md);
    return ret;
}

static int do_datetime(struct ev *e, const struct proc *p)
{
    const struct dtconv *dt = p->dt;
    const json_t *v = get_path(e->root,
                               json_string_value(json_object_get(p->args,
                                                                 "source")));
    char out[256];
    int64_t ms = 0;
    size_t k;

    if (!json_is_string(v)) {
        return 0;
    }
    for (k = 0; k < dt->n_match; k++) {
        if (lv_dtf_parse_tz(&dt->match[k], json_string_value(v),
                         json_string_length(v), &dt->src, &ms) == 0) {
            break;
        }
    }
    if (k == dt->n_match ||
        lv_dtf_format_tz(&dt->target, ms, &dt->tgt, out, sizeof(out)) < 0) {
        return -1;
    }
    set_path(e->root, json_string_value(json_object_get(p->args, "target")),
             json_string(out), 1);
    return 0;
}

static int run(const struct lv_transformer *t, const struct proc *p,
               struct ev *e)
{
    switch (p->kind) {
    case K_PARSE_JSON:
        return do_parse_json(e, p->args);
    case K_PARSE_KV:
        return do_parse_kv(e, p->args);
    case K_CSV:
        return do_csv(e, p->args);
    case K_GROK:
        return do_grok(t, e, p);
    case K_VENDED:
        /* Always first (lv_transformer_new), over the whole message. */
        e->root = lv_vended_parse(p->vended, e->msg, e->len);
        return e->root ? 0 : -1;
    default:
        break;
    }
    if (!e->root) {
        return -1;
    }
    switch (p->kind) {
    case K_ADD_KEYS:
        return do_add_keys(e, p->args);
    case K_DELETE_KEYS:
        return do_delete_keys(e, p->args);
    case K_RENAME_KEYS:
        return do_rename(e, p->args);
    case K_MOVE_KEYS:
        return do_move(e, p->args, 0);
    case K_COPY_VALUE:
        return do_move(e, p->args, 1);
    case K_LOWER:
        return do_string(e, p->args, -1);
    case K_UPPER:
        return do_string(e, p->args, 1);
    case K_TRIM:
        return do_string(e, p->args, 0);
    case K_SPLIT:
        return do_split(e, p->args);
    case K_SUBST:
        return do_subst(t, e, p);
    case K_TYPE:
        return do_type(e, p->args);
    case K_LIST_TO_MAP:
        return do_list_to_map(e, p->args);
    case K_DATETIME:
        return do_datetime(e, p);
    default:
        return -1;
    }
}

/*
 * The fewest significant digits, 15 to 17, that write every real in v so
 * that it reads back the same: the page writes 0.001 and 1.0, and a
 * parsed 0.005 should not come out as 0.0050000000000000001.
 */
static int real_precision(const json_t *v)
{
    int p = 15;
    size_t i;
    const char *k;
    const json_t *x;

    if (json_is_real(v)) {
        double d = json_real_value(v);
        char b[40];

        for (; p < 17; p++) {
            snprintf(b, sizeof(b), "%.*g", p, d);
            if (strtod(b, NULL) == d) {
                break;
            }
        }
    } else if (json_is_object(v)) {
        json_object_foreach((json_t *)v, k, x) {
            int q = real_precision(x);

            p = q > p ? q : p;
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x) {
            int q = real_precision(x);

            p = q > p ? q : p;
        }
    }
    return p;
}

int lv_transformer_apply(const struct lv_transformer *t,
                         const struct lv_transform_meta *meta,
                         const char *msg, size_t len, size_t max_out,
                         char **out, size_t *out_len)
{
    struct ev e;
    char *text = NULL;
    int ret = -1;

    memset(&e, 0, sizeof(e));
    e.msg = msg;
    e.len = len;
    e.meta = meta;
    for (size_t i = 0; i < t->n; i++) {
        if (run(t, &t->p[i], &e) < 0) {
            goto out;
        }
    }
    if (!e.root) {
        goto out;
    }
    text = json_dumps(e.root, JSON_COMPACT |
                      JSON_REAL_PRECISION(real_precision(e.root)));
    if (!text || strlen(text) > max_out) {
        goto out;
    }
    *out_len = strlen(text);
    *out = text;
    text = NULL;
    ret = 0;
out:
    free(text);
    json_decref(e.root);
    return ret;
}
