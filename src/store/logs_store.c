/*
 * logs_store.c: the functions of logs_store.h, each a front that
 * dispatches through the backend table (store_int.h): one per entry of
 * logs_ops.def; and the release of a delivery destination record.
 */
#include "store/logs_store.h"

#include <stdlib.h>

#include "store/store_int.h"

void lv_log_respol_release(struct lv_log_respol *p)
{
    free(p->document);
    p->document = NULL;
}

void lv_delivery_dest_release(struct lv_delivery_dest *d)
{
    free(d->tags);
    free(d->policy);
    d->tags = NULL;
    d->policy = NULL;
}

#define LV_STORE_OP(name, params, args)                                      \
    int lv_store_logs_##name(struct lv_store *s, LV_STORE_UNPAREN params)    \
    {                                                                        \
        return s->be->logs->name(s->impl, LV_STORE_UNPAREN args);            \
    }
#include "store/logs_ops.def"
#undef LV_STORE_OP
