/*
 * anomaly_store.c: the functions of anomaly_store.h — the release
 * functions, and one front per entry of anomaly_ops.def dispatching
 * through the backend table (store_int.h).
 */
#include "store/anomaly_store.h"

#include <stdlib.h>

#include "store/store_int.h"

void lv_anomaly_det_release(struct lv_anomaly_det *d)
{
    free(d->doc);
    d->doc = NULL;
}

void lv_anomaly_row_release(struct lv_anomaly_row *a)
{
    free(a->doc);
    a->doc = NULL;
}

#define LV_STORE_OP(name, params, args)                                      \
    int lv_store_anomaly_##name(struct lv_store *s, LV_STORE_UNPAREN params) \
    {                                                                        \
        return s->be->anomaly->name(s->impl, LV_STORE_UNPAREN args);         \
    }
#include "store/anomaly_ops.def"
#undef LV_STORE_OP
