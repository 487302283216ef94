/*
 * audit_render: renders audit records read from a store underneath into
 * their CloudTrail JSON, with lv_audit_event_render() as LookupEvents does,
 * for the tests that read the store directly (6101-audit-record.py).
 *
 * usage: audit_render < records
 * Each input line is one record as a JSON object: account, region,
 * event_time_ms, event_id, request_id, event_source, event_name,
 * read_only (0/1 or a boolean), error_code, resources ([[type, name] …])
 * and event (the stored text). Each output line is that record's
 * CloudTrail JSON, or "ERROR <message>" when it cannot be rendered. Exits
 * 0, or 1 on an input line that is not such an object.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "audit/event.h"
#include "store/audit_store.h"
#include "util/err.h"

static void copy(char *dst, size_t cap, const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));

    snprintf(dst, cap, "%s", s ? s : "");
}

int main(void)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int ret = 0;

    while ((n = getline(&line, &cap, stdin)) > 0) {
        struct lv_audit_record r;
        struct lv_err err = LV_ERR_INIT;
        json_t *o = json_loadb(line, (size_t)n, 0, NULL);
        json_t *res, *ro;
        char *json = NULL;
        size_t i;

        if (!json_is_object(o) ||
            !json_is_string(json_object_get(o, "event"))) {
            fprintf(stderr, "audit_render: not a record: %s", line);
            json_decref(o);
            ret = 1;
            break;
        }
        memset(&r, 0, sizeof(r));
        copy(r.account, sizeof(r.account), o, "account");
        copy(r.region, sizeof(r.region), o, "region");
        r.event_time_ms = json_integer_value(json_object_get(o,
                                                             "event_time_ms"));
        copy(r.event_id, sizeof(r.event_id), o, "event_id");
        copy(r.request_id, sizeof(r.request_id), o, "request_id");
        copy(r.event_source, sizeof(r.event_source), o, "event_source");
        copy(r.event_name, sizeof(r.event_name), o, "event_name");
        ro = json_object_get(o, "read_only");
        r.read_only = json_is_true(ro) || json_integer_value(ro) != 0;
        copy(r.error_code, sizeof(r.error_code), o, "error_code");
        res = json_object_get(o, "resources");
        for (i = 0; i < json_array_size(res) && i < LV_AUDIT_MAX_RESOURCES;
             i++) {
            const char *type = json_string_value(
                json_array_get(json_array_get(res, i), 0));
            const char *name = json_string_value(
                json_array_get(json_array_get(res, i), 1));

            snprintf(r.resources[i].type, sizeof(r.resources[i].type), "%s",
                     type ? type : "");
            snprintf(r.resources[i].name, sizeof(r.resources[i].name), "%s",
                     name ? name : "");
            r.n_resources++;
        }
        r.event = (char *)json_string_value(json_object_get(o, "event"));
        if (lv_audit_event_render(&r, &json, &err) < 0) {
            printf("ERROR %s\n", err.msg);
            lv_err_release(&err);
        } else {
            printf("%s\n", json);
            free(json);
        }
        json_decref(o);
    }
    free(line);
    return ret;
}
