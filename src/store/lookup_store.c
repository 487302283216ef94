/*
 * lookup_store.c: the functions of lookup_store.h. The release function
 * is here; every store operation is a front that dispatches through the
 * backend table (store_int.h): one per entry of lookup_ops.def.
 */
#include "store/lookup_store.h"

#include <stdlib.h>

#include "store/store_int.h"

void lv_lookup_rec_release(struct lv_lookup_rec *t)
{
    free(t->description);
    free(t->fields);
    free(t->tags);
    free(t->data_key);
    free(t->body);
    t->description = NULL;
    t->fields = NULL;
    t->tags = NULL;
    t->data_key = NULL;
    t->data_key_len = 0;
    t->body = NULL;
    t->body_len = 0;
}

#define LV_STORE_OP(name, params, args)                                      \
    int lv_store_lookup_##name(struct lv_store *s, LV_STORE_UNPAREN params)  \
    {                                                                        \
        return s->be->lookup->name(s->impl, LV_STORE_UNPAREN args);          \
    }
#include "store/lookup_ops.def"
#undef LV_STORE_OP
