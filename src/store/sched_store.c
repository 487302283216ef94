/*
 * sched_store.c: the functions of sched_store.h — the release functions,
 * and one front per entry of sched_ops.def dispatching through the
 * backend table (store_int.h).
 */
#include "store/sched_store.h"

#include <stdlib.h>

#include "store/store_int.h"

void lv_sched_rec_release(struct lv_sched_rec *r)
{
    free(r->doc);
    r->doc = NULL;
}

void lv_sched_run_release(struct lv_sched_run *r)
{
    free(r->doc);
    r->doc = NULL;
}

#define LV_STORE_OP(name, params, args)                                      \
    int lv_store_sched_##name(struct lv_store *s, LV_STORE_UNPAREN params)   \
    {                                                                        \
        return s->be->sched->name(s->impl, LV_STORE_UNPAREN args);           \
    }
#include "store/sched_ops.def"
#undef LV_STORE_OP
