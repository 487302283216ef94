/*
 * cli/paginate: every page of a paginated operation merged into one
 * result, as botocore's PageIterator.build_full_result does for the AWS
 * CLI (botocore/paginate.py, awscli/customizations/paginate.py): the
 * result keys are concatenated in the order the paginator lists them, the
 * output token and every other key are dropped (logs and kms declare no
 * non-aggregate keys), --page-size sets the limit key of each call,
 * --max-items stops early and adds "NextToken" — botocore's resume token,
 * base64 of json.dumps({"<input token>": …, "boto_truncate_amount": n}) —
 * that --starting-token accepts back. Giving the operation's own token or
 * limit turns paging off, as does --no-paginate.
 */
#include "cli/cli_int.h"

#include <stdlib.h>
#include <string.h>

#include "cli/output.h"
#include "util/b64.h"
#include "util/buf.h"
#include "util/mem.h"

static int single(struct lv_cli *c, json_t *params, json_t **result)
{
    json_t *resp = NULL;
    int rc = lv_cli_call(c, c->op->name, params, &resp);

    if (rc == 0) {
        *result = lv_cli_shape_output(c->svc, c->op->output, resp);
        json_decref(resp);
    }
    return rc;
}

/* botocore's TokenEncoder: base64(json.dumps(token)). */
static char *encode_token(const char *key, const json_t *tok, long trunc)
{
    struct lv_buf b = LV_BUF_INIT((size_t)-1);
    json_t *k = json_string(key);
    char *out;

    lv_buf_addc(&b, '{');
    lv_output_py_json(&b, k, -1, 1);
    lv_buf_adds(&b, ": ");
    lv_output_py_json(&b, tok ? tok : json_null(), -1, 1);
    if (trunc) {
        lv_buf_addf(&b, ", \"boto_truncate_amount\": %ld", trunc);
    }
    lv_buf_addc(&b, '}');
    out = lv_b64_encode_alloc(b.data, b.len, NULL);
    json_decref(k);
    lv_buf_release(&b);
    return out;
}

static int decode_token(const char *s, const char *key, json_t **tok,
                        long *trunc)
{
    size_t n;
    unsigned char *raw = lv_b64_decode_alloc(s, strlen(s), &n);
    json_t *j = raw ? json_loadb((const char *)raw, n, 0, NULL) : NULL;
    json_t *t;

    free(raw);
    if (!json_is_object(j)) {
        json_decref(j);
        return lv_cli_fail(LV_CLI_RC_GENERAL, "Unable to parse pagination "
                           "token: %s", s);
    }
    t = json_object_get(j, "boto_truncate_amount");
    *trunc = json_is_integer(t) ? (long)json_integer_value(t) : 0;
    *tok = json_incref(json_object_get(j, key));
    json_decref(j);
    return 0;
}

static void slice_front(json_t *arr, size_t n)
{
    while (n-- > 0 && json_array_size(arr) > 0) {
        json_array_remove(arr, 0);
    }
}

int lv_cli_paginate(struct lv_cli *c, json_t *params, json_t **result)
{
    const char *const *rk = c->opd->result_keys;
    const char *in_tok = c->op->input_token, *out_tok = c->op->output_token;
    json_t *full = NULL, *resp = NULL, *page = NULL, *next = NULL;
    json_t *prev = NULL;
    char *resume = NULL;
    long total = 0, start_trunc = 0;
    int first = 1, rc = 0, i;

    if (!out_tok || !rk || !in_tok || c->no_paginate || c->manual_paging) {
        return single(c, params, result);
    }
    if (c->starting_token) {
        if ((rc = decode_token(c->starting_token, in_tok, &next,
                               &start_trunc))) {
            return rc;
        }
        if (next && !json_is_null(next)) {
            json_object_set(params, in_tok, next);
        }
    }
    if (c->page_size && c->op->limit_key) {
        json_object_set_new(params, c->op->limit_key,
                            json_integer(c->page_size));
    }
    full = json_object();
    for (;;) {
        json_t *primary;
        long count, trunc_amount = 0;

        json_decref(resp);
        json_decref(page);
        resp = page = NULL;
        if ((rc = lv_cli_call(c, c->op->name, params, &resp))) {
            goto out;
        }
        page = lv_cli_shape_output(c->svc, c->op->output, resp);
        primary = json_object_get(page, rk[0]);
        if (first && start_trunc && json_is_array(primary)) {
            slice_front(primary, (size_t)start_trunc);
        }
        count = json_is_array(primary) ? (long)json_array_size(primary) : 0;
        if (c->max_items) {
            trunc_amount = total + count - c->max_items;
        }
        if (trunc_amount > 0) {
            /* botocore's _truncate_response: keep what fits, empty the
             * other result keys, resume inside this page */
            long keep = count - trunc_amount;
            while ((long)json_array_size(primary) > keep) {
                json_array_remove(primary, json_array_size(primary) - 1);
            }
            for (i = 1; rk[i]; i++) {
                json_t *o = json_object_get(page, rk[i]);
                if (json_is_array(o)) {
                    json_array_clear(o);
                }
            }
            resume = encode_token(in_tok, next,
                                  keep + (first ? start_trunc : 0));
        }
        for (i = 0; rk[i]; i++) {
            json_t *v = json_object_get(page, rk[i]);
            json_t *have = json_object_get(full, rk[i]);
            if (!v) {
                continue;
            }
            if (!have) {
                json_object_set(full, rk[i], v);
            } else if (json_is_array(have) && json_is_array(v)) {
                json_array_extend(have, v);
            }
        }
        if (trunc_amount > 0) {
            break;
        }
        total += count;
        first = 0;
        json_decref(prev);
        prev = next;
        next = json_incref(json_object_get(resp, out_tok));
        if (!next || json_is_null(next)) {
            break;
        }
        if (c->max_items && total == c->max_items) {
            resume = encode_token(in_tok, next, 0);
            break;
        }
        if (prev && json_equal(prev, next)) {
            struct lv_buf b = LV_BUF_INIT((size_t)-1);
            lv_output_py_str(&b, next, 1);
            rc = lv_cli_fail(LV_CLI_RC_GENERAL, "The same next token was "
                             "received twice: {'%s': %s}", in_tok, b.data);
            lv_buf_release(&b);
            goto out;
        }
        json_object_set(params, in_tok, next);
    }
    if (resume) {
        json_object_set_new(full, "NextToken", json_string(resume));
    }
    *result = full;
    full = NULL;
out:
    free(resume);
    json_decref(full);
    json_decref(resp);
    json_decref(page);
    json_decref(next);
    json_decref(prev);
    return rc;
}
