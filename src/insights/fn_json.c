/*
 * fn_json: the functions page's "JSON functions" — jsonParse,
 * jsonStringify, jsonArraySize, jsonArrayContains — and the access to a
 * map or list's members ("Structure types": map.attribute, list[index],
 * map.`special.char`) that eval.c uses for a dotted field name.
 *
 * A map or list is an LV_IQ_JSON value holding its compact JSON text
 * (iq.h); members are read by parsing that text (jansson).
 */
#include "insights/fn_int.h"

#include <jansson.h>
#include <string.h>

/* The value of a JSON node: a scalar as a value (strings as STR, numbers
 * as NUM, true/false as BOOL, null as NULL), an object or array as JSON. */
static void from_json(const json_t *j, struct lv_iq_arena *a,
                      struct lv_iq_val *out)
{
    char *text;

    switch (json_typeof(j)) {
    case JSON_STRING:
        lv_iq_set_str_copy(out, a, json_string_value(j),
                           json_string_length(j));
        return;
    case JSON_INTEGER:
    case JSON_REAL:
        lv_iq_set_num(out, json_number_value(j));
        return;
    case JSON_TRUE:
    case JSON_FALSE:
        lv_iq_set_bool(out, json_is_true(j));
        return;
    case JSON_OBJECT:
    case JSON_ARRAY:
        text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER |
                                 JSON_ENCODE_ANY);
        if (!text) {
            break;
        }
        lv_iq_set_str_copy(out, a, text, strlen(text));
        out->t = LV_IQ_JSON;
        free(text);
        return;
    case JSON_NULL:
        break;
    }
    lv_iq_set_null(out);
}

static json_t *load(const char *s, size_t len)
{
    return json_loadb(s, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
}

#define FN(name)                                                              \
    static void name(const struct lv_iq_val *args, size_t n,                  \
                     const struct lv_iq_ctx *cx, struct lv_iq_arena *a,       \
                     struct lv_iq_val *out)

/* jsonParse(f): a map or list when f is the text of a JSON object or
 * array, else "an empty value". A map or list is returned as it is. */
FN(fn_jsonparse)
{
    json_t *j;

    (void)n, (void)cx;
    if (args[0].t == LV_IQ_JSON) {
        *out = args[0];
        return;
    }
    lv_iq_set_null(out);
    if (args[0].t != LV_IQ_STR) {
        return;
    }
    j = load(args[0].s, args[0].len);
    if (j && (json_is_object(j) || json_is_array(j))) {
        from_json(j, a, out);
    }
    json_decref(j);
}

/* jsonStringify(m): "a JSON string from a map or list"; anything else is
 * not a map or list: NULL. */
FN(fn_jsonstringify)
{
    (void)n, (void)cx, (void)a;
    if (args[0].t != LV_IQ_JSON) {
        lv_iq_set_null(out);
        return;
    }
    lv_iq_set_str(out, args[0].s, args[0].len);
}

/* The array held by v (a list, or a string of JSON array text), or NULL;
 * the caller json_decref's it. */
static json_t *array_of(const struct lv_iq_val *v)
{
    json_t *j;

    if (v->t != LV_IQ_STR && v->t != LV_IQ_JSON) {
        return NULL;
    }
    j = load(v->s, v->len);
    if (j && !json_is_array(j)) {
        json_decref(j);
        j = NULL;
    }
    return j;
}

/* jsonArraySize(f): "the element count of a JSON array string field";
 * not an array: NULL. */
FN(fn_jsonarraysize)
{
    json_t *j = array_of(&args[0]);

    (void)n, (void)cx, (void)a;
    if (!j) {
        lv_iq_set_null(out);
        return;
    }
    lv_iq_set_num(out, (double)json_array_size(j));
    json_decref(j);
}

/* jsonArrayContains(f, value): 1 when an element equals value,
 * case-sensitively: a string element by its text, any other element by
 * its JSON text (so [1, 2] contains "2", [true] contains "true"). "false
 * (0) for invalid JSON, non-array, or empty array". */
FN(fn_jsonarraycontains)
{
    json_t *j = array_of(&args[0]), *e;
    const char *want;
    size_t wlen, i;
    int found = 0;

    (void)n, (void)cx;
    if (!j || !lv_iq_arg_str(&args[1], a, &want, &wlen)) {
        json_decref(j);
        lv_iq_set_bool(out, 0);
        return;
    }
    json_array_foreach(j, i, e) {
        if (json_is_string(e)) {
            found = json_string_length(e) == wlen &&
                    !memcmp(json_string_value(e), want, wlen);
        } else {
            char *t = json_dumps(e, JSON_COMPACT | JSON_ENCODE_ANY);

            found = t && strlen(t) == wlen && !memcmp(t, want, wlen);
            free(t);
        }
        if (found) {
            break;
        }
    }
    json_decref(j);
    lv_iq_set_bool(out, found);
}

static const struct lv_iq_fn json_fns[] = {
    { "jsonParse", 1, 1, fn_jsonparse },
    { "jsonStringify", 1, 1, fn_jsonstringify },
    { "jsonArraySize", 1, 1, fn_jsonarraysize },
    { "jsonArrayContains", 2, 2, fn_jsonarraycontains },
};
const struct lv_iq_fn_table lv_iq_fns_json = {
    json_fns, sizeof(json_fns) / sizeof(json_fns[0])
};

/* The elements of list v as values (in a), or -1 when v is not a list. */
long lv_iq_json_list_items(const struct lv_iq_val *v, struct lv_iq_arena *a,
                           struct lv_iq_val **items)
{
    json_t *j = v->t == LV_IQ_JSON ? array_of(v) : NULL;
    size_t n, i;

    if (!j) {
        return -1;
    }
    n = json_array_size(j);
    *items = lv_iq_arena_alloc(a, (n ? n : 1) * sizeof(**items));
    for (i = 0; i < n; i++) {
        from_json(json_array_get(j, i), a, &(*items)[i]);
    }
    json_decref(j);
    return (long)n;
}

/* ---- member access ------------------------------------------------------- */

/* The end of the step of path starting at i (at '.', '[' or len). */
static size_t step_end(const char *path, size_t len, size_t i)
{
    int tick = 0;

    for (; i < len; i++) {
        if (path[i] == '`') {
            tick = !tick;
        } else if (!tick && (path[i] == '.' || path[i] == '[')) {
            break;
        }
    }
    return i;
}

/* Whether key[0..klen), backticks removed, is k[0..kl). */
static int key_is(const char *key, size_t klen, const char *k, size_t kl)
{
    size_t i = 0, j = 0;

    for (; i < klen; i++) {
        if (key[i] == '`') {
            continue;
        }
        if (j >= kl || key[i] != k[j]) {
            return 0;
        }
        j++;
    }
    return j == kl;
}

static const json_t *object_get(const json_t *obj, const char *key,
                                size_t klen)
{
    const char *k;
    const json_t *v;

    if (!memchr(key, '`', klen)) {
        return json_object_getn(obj, key, klen);
    }
    json_object_foreach((json_t *)obj, k, v) {
        if (key_is(key, klen, k, strlen(k))) {
            return v;
        }
    }
    return NULL;
}

/*
 * The node at path[i..len) under cur, or NULL. A step is a key of a map
 * or an index of a list, after "." or inside "[…]". The parser hands a
 * backticked key without its backticks ("json_message.user.id" for
 * json_message.`user.id`), so a map's key may span several dotted steps:
 * each span is tried, shortest first, until the rest of the path resolves
 * under it.
 */
static const json_t *walk(const json_t *cur, const char *path, size_t len,
                          size_t i, int depth)
{
    size_t start, e;

    if (i >= len) {
        return cur;
    }
    if (depth > 64) {
        return NULL;
    }
    if (path[i] == '[') {
        size_t idx = 0, k = i + 1;

        while (k < len && path[k] >= '0' && path[k] <= '9' && k - i < 10) {
            idx = idx * 10 + (size_t)(path[k] - '0');
            k++;
        }
        if (k == i + 1 || k >= len || path[k] != ']' || !json_is_array(cur)) {
            return NULL;
        }
        return walk(json_array_get(cur, idx), path, len, k + 1, depth + 1);
    }
    if (path[i] != '.') {
        return NULL;
    }
    start = i + 1;
    if (json_is_array(cur)) {
        size_t idx = 0, k = start;

        e = step_end(path, len, start);
        for (; k < e && path[k] >= '0' && path[k] <= '9' && k - start < 9;
             k++) {
            idx = idx * 10 + (size_t)(path[k] - '0');
        }
        if (k == start || k != e) {
            return NULL;
        }
        return walk(json_array_get(cur, idx), path, len, e, depth + 1);
    }
    if (!json_is_object(cur)) {
        return NULL;
    }
    for (e = step_end(path, len, start);; e = step_end(path, len, e + 1)) {
        const json_t *child = object_get(cur, path + start, e - start);
        const json_t *found;

        if (child) {
            found = walk(child, path, len, e, depth + 1);
            if (found) {
                return found;
            }
        }
        if (e >= len || path[e] != '.') {
            return NULL;
        }
    }
}

/*
 * The member of map/list v at path: ".key", "[n]" or ".n" steps
 * ("users[1].action" and "users.1.action" are the same); a key with
 * special characters in backticks, or with them already taken off (see
 * walk). NULL when a step is missing or v is not a map or list.
 */
void lv_iq_json_member(const struct lv_iq_val *v, const char *path,
                       size_t len, struct lv_iq_arena *a,
                       struct lv_iq_val *out)
{
    json_t *root;
    const json_t *found;

    lv_iq_set_null(out);
    if (v->t != LV_IQ_JSON) {
        return;
    }
    root = load(v->s, v->len);
    if (!root) {
        return;
    }
    found = walk(root, path, len, 0, 0);
    if (found) {
        from_json(found, a, out);
    }
    json_decref(root);
}
