/*
 * json_pick.c: lv_json_pick (json_pick.h).
 */
#include "util/json_pick.h"

#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

/* The end of the JSON string starting at p (its opening quote), past
 * its closing quote; NULL when it does not end before e. */
static const char *string_end(const char *p, const char *e)
{
    for (p++; p < e; p++) {
        if (*p == '\\') {
            p++;
        } else if (*p == '"') {
            return p + 1;
        }
    }
    return NULL;
}

static const char *skip_ws(const char *p, const char *e)
{
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) {
        p++;
    }
    return p;
}

/* The end of the JSON value starting at p (p < e): a string, an object
 * or array (its nesting followed, strings skipped), or a number or
 * literal; NULL when it does not end before e. */
static const char *value_end(const char *p, const char *e)
{
    size_t depth = 0;

    if (*p == '"') {
        return string_end(p, e);
    }
    if (*p != '{' && *p != '[') {
        while (p < e && !strchr(",}] \t\r\n", *p)) {
            p++;
        }
        return p;
    }
    while (p < e) {
        if (*p == '"') {
            p = string_end(p, e);
            if (!p) {
                return NULL;
            }
            continue;
        }
        if (*p == '{' || *p == '[') {
            depth++;
        } else if ((*p == '}' || *p == ']') && --depth == 0) {
            return p + 1;
        }
        p++;
    }
    return NULL;
}

json_t *lv_json_pick(const char *text, size_t len, lv_json_want_fn want,
                     void *arg)
{
    const char *e = text + len;
    const char *p = skip_ws(text, e);
    json_t *out = json_object();

    if (p >= e || *p != '{') {
        return out;
    }
    p++;
    for (;;) {
        const char *key;
        const char *kend;
        const char *vend;
        size_t klen;

        p = skip_ws(p, e);
        if (p >= e || *p != '"' || !(kend = string_end(p, e))) {
            break;              /* '}' (the end), or not followable */
        }
        key = p + 1;
        klen = (size_t)(kend - p) - 2;
        p = skip_ws(kend, e);
        if (p >= e || *p != ':') {
            break;
        }
        p = skip_ws(p + 1, e);
        if (p >= e || !(vend = value_end(p, e))) {
            break;
        }
        if (!memchr(key, '\\', klen) && want(arg, key, klen)) {
            json_t *v = json_loadb(p, (size_t)(vend - p), JSON_DECODE_ANY,
                                   NULL);
            char *k = lv_xstrndup(key, klen);

            if (v) {
                json_object_set_new(out, k, v);
            }
            free(k);
        }
        p = skip_ws(vend, e);
        if (p >= e || *p != ',') {
            break;
        }
        p++;
    }
    return out;
}
