/*
 * audit_store.c: the functions of audit_store.h. lv_audit_record_release
 * is here; every store operation is a front that dispatches through the
 * backend table (store_int.h): one per entry of audit_ops.def.
 */
#include "store/audit_store.h"

#include <stdlib.h>

#include "store/store_int.h"

void lv_audit_record_release(struct lv_audit_record *r)
{
    free(r->event);
    free(r->trace);
    r->event = NULL;
    r->trace = NULL;
}

#define LV_STORE_OP(name, params, args)                                      \
    int lv_store_audit_##name(struct lv_store *s, LV_STORE_UNPAREN params)   \
    {                                                                        \
        return s->be->audit->name(s->impl, LV_STORE_UNPAREN args);           \
    }
#include "store/audit_ops.def"
#undef LV_STORE_OP
