/*
 * service.c: the KMS service object (kms.h) — made and torn down by serve.
 */
#include "kms/kms.h"

#include <stdlib.h>

#include "kms/kms_int.h"
#include "kms/sweeper.h"
#include "util/err.h"
#include "util/mem.h"

struct lv_kms *lv_kms_new(struct lv_store *s, const struct lv_keyring *kr)
{
    struct lv_kms *kms = lv_xcalloc(1, sizeof(*kms));

    kms->store = s;
    kms->keyring = kr;
    kms->cache = lv_kms_cache_new();
    kms->policies = lv_kms_policies_new();
    return kms;
}

int lv_kms_start(struct lv_kms *kms, struct lv_app *app, int interval_ms,
                 struct lv_err *err)
{
    kms->sweeper = lv_kms_sweeper_start(app, interval_ms);
    if (!kms->sweeper) {
        return lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                          "cannot start the KMS background task");
    }
    return 0;
}

void lv_kms_free(struct lv_kms *kms)
{
    if (!kms) {
        return;
    }
    lv_kms_sweeper_stop(kms->sweeper);
    lv_kms_cks_rt_free(kms->cks);
    lv_kms_policies_free(kms->policies);
    lv_kms_cache_free(kms->cache);
    free(kms);
}
