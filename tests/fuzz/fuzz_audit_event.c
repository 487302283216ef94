/*
 * fuzz_audit_event: libFuzzer target for the audit record builder and
 * its renderer (src/audit/event.c). The request members it copies were
 * validated by the model, but a handler's response and the shapes inside
 * members (Tags, Constraints, KeyMetadata) are walked by type: whatever
 * JSON arrives, the builder must not crash, leak or read out of bounds,
 * its compact record must render, and the rendering must be one
 * well-formed JSON object; and the recorder's path (lv_audit_event_enc,
 * which reuses a thread's last tail for the same inputs) must give the
 * tail built from scratch, the first time and the second.
 *
 * Input: byte 0 picks the operation (every implemented one, from
 * model/gen/ops.def), byte 1 the identity (user, root, the Logs service)
 * and whether the request failed; the rest is the request JSON, then a NUL,
 * then the response JSON (either may be garbage: then it is left out).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "audit/event.h"
#include "model/model.h"
#include "store/audit_store.h"
#include "svc/req.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_op {
    const struct lv_service *svc;
    const char *name;
};

static const struct fuzz_op fuzz_ops[] = {
#define OP(svc, name, handler, flags) { &lv_model_##svc, #name },
#define OP_NOT_IMPLEMENTED(svc, name)
#include "model/gen/ops.def"
#undef OP
#undef OP_NOT_IMPLEMENTED
};

#define N_OPS (sizeof(fuzz_ops) / sizeof(fuzz_ops[0]))

/* in's record through lv_audit_event_enc twice, the second time with a
 * deep copy of its request (other objects, the same JSON: a reuse of the
 * thread's remembered tail where the operation allows one): both tails
 * are the one built from scratch (lv_audit_event_views, then enc2). */
static void enc_twice(const struct lv_audit_input *in)
{
    struct lv_audit_input again = *in;
    struct lv_req rq = *in->rq;
    struct lv_audit_views v;
    struct lv_audit_enc e;
    struct lv_err err = LV_ERR_INIT;
    json_t *copy = rq.in ? json_deep_copy(rq.in) : NULL;
    uint8_t *b;
    size_t head;
    size_t n;

    if (lv_audit_event_views(in, &v, &err) < 0) {
        abort();            /* built once, it builds again */
    }
    head = lv_audit_enc2_head_size(v.f.event_time_ms, &v.f.event_id,
                                   &v.f.request_id);
    n = lv_audit_enc2_size(&v.f);
    b = malloc(n);
    if (b == NULL) {
        abort();
    }
    lv_audit_enc2_put(b, &v.f, NULL);
    rq.in = copy;
    again.rq = &rq;
    for (int i = 0; i < 2; i++) {
        if (lv_audit_event_enc(i ? &again : in, NULL, &e, &err) < 0 ||
            e.tail_len != n - head || memcmp(e.tail, b + head, n - head)) {
            abort();        /* a tail that is not the one built */
        }
    }
    free(b);
    free(v.event);
    json_decref(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct fuzz_op *fo;
    struct lv_req rq;
    struct lv_audit_input in;
    struct lv_audit_record r;
    struct lv_err err = LV_ERR_INIT;
    json_t *req = NULL, *resp = NULL, *ev;
    const uint8_t *nul;
    size_t req_len;
    int failed;

    if (size < 2) {
        return 0;
    }
    failed = (data[1] >> 4) & 1;
    fo = &fuzz_ops[data[0] % N_OPS];
    memset(&rq, 0, sizeof(rq));
    snprintf(rq.id, sizeof(rq.id), "f3423043-63bc-11e4-bc2b-4198b6150d5c");
    rq.now_ms = 1660171107123LL;
    snprintf(rq.region, sizeof(rq.region), "us-west-2");
    snprintf(rq.who.account, sizeof(rq.who.account), "111122223333");
    switch (data[1] % 3) {
    case 0:
        snprintf(rq.who.user, sizeof(rq.who.user), "Alice");
        snprintf(rq.who.arn, sizeof(rq.who.arn),
                 "arn:aws:iam::111122223333:user/Alice");
        snprintf(rq.who.access_key, sizeof(rq.who.access_key), "AKIAEX");
        break;
    case 1:
        snprintf(rq.who.arn, sizeof(rq.who.arn),
                 "arn:aws:iam::111122223333:root");
        break;
    default:
        snprintf(rq.who.service, sizeof(rq.who.service),
                 "logs.us-west-2.amazonaws.com");
        break;
    }
    rq.svc = fo->svc;
    rq.op = lv_model_find_op(fo->svc, fo->name, strlen(fo->name));
    if (rq.op == NULL) {
        abort();
    }
    snprintf(rq.source_ip, sizeof(rq.source_ip), "192.0.2.0");
    data += 2;
    size -= 2;
    nul = memchr(data, '\0', size);
    req_len = nul != NULL ? (size_t)(nul - data) : size;
    req = json_loadb((const char *)data, req_len, JSON_DECODE_ANY, NULL);
    if (nul != NULL) {
        resp = json_loadb((const char *)nul + 1, size - req_len - 1,
                          JSON_DECODE_ANY, NULL);
    }
    rq.in = json_is_object(req) ? req : NULL;

    memset(&in, 0, sizeof(in));
    in.rq = &rq;
    in.response = json_is_object(resp) ? resp : NULL;
    if (failed) {
        in.error_code = "AccessDeniedException";
        in.error_message = "denied";
    }
    in.key_arn = "arn:aws:kms:us-west-2:111122223333:key/"
                 "1234abcd-12ab-34cd-56ef-1234567890ab";
    in.group_arn = "arn:aws:logs:us-west-2:111122223333:log-group:g";
    if (lv_audit_event_build(&in, &r, &err) == 0) {
        char *json = NULL;

        if (lv_audit_event_render(&r, &json, &err) < 0) {
            abort();        /* a record built that does not render */
        }
        ev = json_loads(json, 0, NULL);
        if (!json_is_object(ev)) {
            abort();        /* a record that is not one JSON object */
        }
        json_decref(ev);
        free(json);
        free(r.event);
        enc_twice(&in);
    }
    json_decref(req);
    json_decref(resp);
    return 0;
}
