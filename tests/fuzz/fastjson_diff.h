/*
 * fastjson_diff: the differential oracle of logs/fastjson, shared by
 * tests/unit/test_fastjson.c and tests/fuzz/fuzz_fastjson.c (static
 * functions; include once per test program).
 *
 * The slow path is what PutLogEvents runs when the fast decoder falls back:
 * lv_model_parse_input (jansson + lv_model_validate, the front's own step),
 * then the events read from the tree as src/logs/ingest.c read_events()
 * reads them (message as a string of >= 1 byte, timestamp through
 * lv_json_int64). The rule: whenever the fast decoder accepts a body, the
 * slow path accepts it too, with the same group, stream and events, byte
 * for byte. The fast decoder is run twice — parsing in place (padded) and
 * from an unpadded buffer (its copy) — and both runs must agree.
 */
#ifndef LV_TESTS_FASTJSON_DIFF_H
#define LV_TESTS_FASTJSON_DIFF_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "logs/fastjson.h"
#include "model/model.h"
#include "util/err.h"
#include "util/json.h"
#include "util/mem.h"

enum diff_result {
    DIFF_MISMATCH = -1,     /* fast accepted what slow answers otherwise */
    DIFF_FALLBACK = 0,      /* fast fell back */
    DIFF_SAME = 1,          /* fast accepted; slow agrees exactly */
};

/* The slow path's verdict: 0 with *in (json_decref it), or -1 with *err. */
static int diff_slow(const char *body, size_t len, json_t **in,
                     struct lv_err *err)
{
    const struct lv_op *op = lv_model_find_op(&lv_model_logs, "PutLogEvents",
                                              strlen("PutLogEvents"));

    return lv_model_parse_input(&lv_model_logs, op, body, len, in, err);
}

static int diff_same_put(const struct lv_fastjson_put *a,
                         const struct lv_fastjson_put *b)
{
    if (strcmp(a->group, b->group) != 0 ||
        strcmp(a->stream, b->stream) != 0 || a->n != b->n) {
        return 0;
    }
    for (size_t i = 0; i < a->n; i++) {
        if (a->ev[i].ts != b->ev[i].ts || a->ev[i].len != b->ev[i].len ||
            memcmp(a->ev[i].msg, b->ev[i].msg, a->ev[i].len) != 0) {
            return 0;
        }
    }
    return 1;
}

/* Fast result p against the slow tree in; why explains a mismatch. */
static int diff_against_tree(const struct lv_fastjson_put *p,
                             const json_t *in, char *why, size_t wsz)
{
    const json_t *arr = lv_json_arr(in, "logEvents");
    const char *group = lv_json_str(in, "logGroupName");
    const char *stream = lv_json_str(in, "logStreamName");

    if (!group || strcmp(group, p->group) != 0) {
        snprintf(why, wsz, "logGroupName differs");
        return 0;
    }
    if (!stream || strcmp(stream, p->stream) != 0) {
        snprintf(why, wsz, "logStreamName differs");
        return 0;
    }
    /* ingest.c's lv_logs_find_group also reads this (unknown) member. */
    if (lv_json_str(in, "logGroupIdentifier")) {
        snprintf(why, wsz, "logGroupIdentifier present");
        return 0;
    }
    if (!arr || json_array_size(arr) != p->n) {
        snprintf(why, wsz, "event count differs");
        return 0;
    }
    for (size_t i = 0; i < p->n; i++) {
        const json_t *e = json_array_get(arr, i);
        size_t len = 0;
        const char *msg = lv_json_strn(e, "message", &len);
        int64_t ts = 0;

        if (!msg || len == 0 || !lv_json_int64(e, "timestamp", &ts)) {
            snprintf(why, wsz, "event %zu unreadable on the slow path", i);
            return 0;
        }
        if (ts != p->ev[i].ts || len != p->ev[i].len ||
            memcmp(msg, p->ev[i].msg, len) != 0) {
            snprintf(why, wsz, "event %zu differs", i);
            return 0;
        }
    }
    return 1;
}

/* Runs both paths on body; fills why (when not NULL) on a mismatch. */
static enum diff_result fastjson_diff(const char *body, size_t len,
                                      char *why, size_t wsz)
{
    struct lv_fastjson_put pad = LV_FASTJSON_PUT_INIT;
    struct lv_fastjson_put tight = LV_FASTJSON_PUT_INIT;
    char *padded = lv_xcalloc(1, len + LV_FASTJSON_PADDING + 1);
    char *exact = lv_xmalloc(len ? len : 1);
    struct lv_err err = LV_ERR_INIT;
    json_t *in = NULL;
    char dummy[160];
    enum lv_fastjson_status s1;
    enum lv_fastjson_status s2;
    enum diff_result ret = DIFF_MISMATCH;

    if (!why) {
        why = dummy;
        wsz = sizeof(dummy);
    }
    snprintf(why, wsz, "-");
    memcpy(padded, body, len);
    memcpy(exact, body, len);
    s1 = lv_fastjson_put_decode(padded, len, len + LV_FASTJSON_PADDING,
                                &pad);
    s2 = lv_fastjson_put_decode(exact, len, len, &tight);
    if (s1 != s2) {
        snprintf(why, wsz, "padded and unpadded decodes disagree");
        goto out;
    }
    if (s1 == LV_FASTJSON_FALLBACK) {
        ret = DIFF_FALLBACK;
        goto out;
    }
    if (!diff_same_put(&pad, &tight)) {
        snprintf(why, wsz, "padded and unpadded results differ");
        goto out;
    }
    if (diff_slow(body, len, &in, &err) < 0) {
        snprintf(why, wsz, "fast accepted, slow says %s: %s",
                 lv_err_type(err.code), err.msg);
        goto out;
    }
    if (!diff_against_tree(&pad, in, why, wsz)) {
        goto out;
    }
    ret = DIFF_SAME;
out:
    json_decref(in);
    lv_fastjson_put_release(&pad);
    lv_fastjson_put_release(&tight);
    free(padded);
    free(exact);
    return ret;
}

#endif
