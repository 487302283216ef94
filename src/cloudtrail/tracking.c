/* tracking.c: when the store began recording (cloudtrail.h). */
#include "cloudtrail/cloudtrail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "util/buf.h"
#include "util/err.h"

#define TRACKING_START_KEY "audit.tracking_start_ms"

int lv_cloudtrail_tracking_start(struct lv_store *s, int64_t now_ms,
                                 int64_t *start_ms, struct lv_err *err)
{
    struct lv_buf v = LV_BUF_INIT(32);
    char text[32];
    char *end;
    int n = snprintf(text, sizeof(text), "%lld", (long long)now_ms);
    int ret = -1;

    /* Stored as decimal text; add keeps the first value ever stored. */
    if (lv_store_meta_add(s, TRACKING_START_KEY, text, (size_t)n, err) < 0 ||
        lv_store_meta_get(s, TRACKING_START_KEY, &v, err) < 0) {
        goto out;
    }
    if (lv_buf_add(&v, "", 1) < 0) {
        lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                   "audit: the tracking start does not fit");
        goto out;
    }
    *start_ms = strtoll(v.data, &end, 10);
    if (end == v.data || *end != '\0') {
        lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                   "audit: the stored tracking start is not a number");
        goto out;
    }
    ret = 0;
out:
    lv_buf_release(&v);
    return ret;
}
