/*
 * livetail_store.c: the functions of livetail_store.h — one front per
 * entry of livetail_ops.def dispatching through the backend table
 * (store_int.h).
 */
#include "store/livetail_store.h"

#include "store/store_int.h"

#define LV_STORE_OP(name, params, args)                                       \
    int lv_store_livetail_##name(struct lv_store *s, LV_STORE_UNPAREN params) \
    {                                                                         \
        return s->be->livetail->name(s->impl, LV_STORE_UNPAREN args);         \
    }
#include "store/livetail_ops.def"
#undef LV_STORE_OP
