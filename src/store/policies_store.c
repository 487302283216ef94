/*
 * policies_store.c: the functions of policies_store.h. The release
 * function is here; every store operation is a front that dispatches
 * through the backend table (store_int.h): one per entry of
 * policies_ops.def.
 */
#include "store/policies_store.h"

#include <stdlib.h>

#include "store/store_int.h"

void lv_log_policy_rec_release(struct lv_log_policy_rec *p)
{
    free(p->document);
    free(p->selection);
    p->document = NULL;
    p->selection = NULL;
}

#define LV_STORE_OP(name, params, args)                                      \
    int lv_store_policies_##name(struct lv_store *s,                         \
                                 LV_STORE_UNPAREN params)                    \
    {                                                                        \
        return s->be->policies->name(s->impl, LV_STORE_UNPAREN args);        \
    }
#include "store/policies_ops.def"
#undef LV_STORE_OP
