/* Lookups in the generated tables (src/model/gen/); see model.h. */
#include "model/model.h"

#include <string.h>

static const struct lv_service *const services[] = {
    &lv_model_logs,
    &lv_model_kms,
    &lv_model_cloudtrail,
};

const struct lv_service *lv_model_service_by_prefix(const char *prefix,
                                                    size_t len)
{
    size_t i;

    if (!prefix) {
        return NULL;
    }
    for (i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
        const char *p = services[i]->target_prefix;

        if (strlen(p) == len && memcmp(p, prefix, len) == 0) {
            return services[i];
        }
    }
    return NULL;
}

/* strcmp between a NUL-terminated name and (s, len). */
static int cmp_name(const char *name, const char *s, size_t len)
{
    size_t n = strlen(name);
    int c = memcmp(name, s, n < len ? n : len);

    if (c) {
        return c;
    }
    return n < len ? -1 : n > len ? 1 : 0;
}

const struct lv_op *lv_model_find_op(const struct lv_service *svc,
                                     const char *name, size_t len)
{
    int lo = 0;
    int hi;

    if (!svc || !name) {
        return NULL;
    }
    hi = svc->n_ops - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        int c = cmp_name(svc->ops[mid].name, name, len);

        if (c == 0) {
            return &svc->ops[mid];
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    return NULL;
}

const struct lv_member *lv_model_find_member(const struct lv_shape *sh,
                                             const char *name)
{
    int i;

    if (!sh || !name || sh->type != LV_T_STRUCT) {
        return NULL;
    }
    for (i = 0; i < sh->n_members; i++) {
        if (strcmp(sh->members[i].name, name) == 0) {
            return &sh->members[i];
        }
    }
    return NULL;
}
