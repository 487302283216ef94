/*
 * fuzz_audit_compact: libFuzzer target for the compact record's reader
 * (src/audit/compact.c) and the renderer over it (lv_audit_event_render,
 * src/audit/event.c). A record's stored text comes back from the store,
 * where it may have been changed underneath: whatever the bytes, rendering
 * must not crash, leak or read out of bounds, and what renders must be
 * one well-formed JSON object.
 *
 * Input: byte 0 picks the columns (n_resources 0 or 1, an error code or
 * none, the event name); the rest is the stored text, which the fuzzer
 * mostly gets past "~1" by itself (corpus: tests/fuzz/corpus/).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "audit/event.h"
#include "store/audit_store.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = {
    "Encrypt", "CreateKey", "ScheduleKeyDeletion", "RotateKey",
    "PutLogEvents", "RetireGrant", "ReEncrypt", "NoSuchOperation",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lv_audit_record r;
    struct lv_err err = LV_ERR_INIT;
    char *text;
    char *json = NULL;
    json_t *ev;

    if (size < 1) {
        return 0;
    }
    memset(&r, 0, sizeof(r));
    snprintf(r.account, sizeof(r.account), "111122223333");
    snprintf(r.region, sizeof(r.region), "us-west-2");
    r.event_time_ms = 1660171107123LL;
    snprintf(r.event_id, sizeof(r.event_id),
             "d09fc7a8-8a1a-4e63-9e3d-1b1c2d3e4f50");
    snprintf(r.request_id, sizeof(r.request_id), "req");
    snprintf(r.event_source, sizeof(r.event_source),
             (data[0] & 7) == 4 ? "logs.amazonaws.com" : "kms.amazonaws.com");
    snprintf(r.event_name, sizeof(r.event_name), "%s", names[data[0] & 7]);
    r.read_only = (data[0] >> 3) & 1;
    if ((data[0] >> 4) & 1) {
        snprintf(r.error_code, sizeof(r.error_code), "AccessDeniedException");
    }
    if ((data[0] >> 5) & 1) {
        snprintf(r.resources[0].type, sizeof(r.resources[0].type),
                 "AWS::KMS::Key");
        snprintf(r.resources[0].name, sizeof(r.resources[0].name),
                 "arn:aws:kms:us-west-2:111122223333:key/k");
        r.n_resources = 1;
    }
    /* The store gives a NUL-terminated string. */
    text = malloc(size);
    if (text == NULL) {
        return 0;
    }
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    r.event = text;
    if (lv_audit_event_render(&r, &json, &err) == 0) {
        if (text[0] != '{') {
            ev = json_loads(json, 0, NULL);
            if (!json_is_object(ev)) {
                abort();    /* a compact record rendered as something else */
            }
            json_decref(ev);
        }
        free(json);
    } else {
        lv_err_release(&err);
    }
    free(text);
    return 0;
}
