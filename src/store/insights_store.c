/*
 * insights_store.c: the functions of insights_store.h. The two release
 * functions are here; every store operation is a front that dispatches
 * through the backend table (store_int.h): one per entry of
 * insights_ops.def.
 */
#include "store/insights_store.h"

#include <stdlib.h>

#include "store/store_int.h"

void lv_query_rec_release(struct lv_query_rec *q)
{
    free(q->query_string);
    free(q->groups);
    free(q->statistics);
    free(q->results);
    free(q->error);
    q->query_string = NULL;
    q->groups = NULL;
    q->statistics = NULL;
    q->results = NULL;
    q->results_len = 0;
    q->error = NULL;
}

void lv_query_def_release(struct lv_query_def *d)
{
    free(d->query_string);
    free(d->log_group_names);
    d->query_string = NULL;
    d->log_group_names = NULL;
}

#define LV_STORE_OP(name, params, args)                                      \
    int lv_store_insights_##name(struct lv_store *s,                         \
                                 LV_STORE_UNPAREN params)                    \
    {                                                                        \
        return s->be->insights->name(s->impl, LV_STORE_UNPAREN args);        \
    }
#include "store/insights_ops.def"
#undef LV_STORE_OP
