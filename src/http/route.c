#include "http/route.h"

#include <stdlib.h>
#include <string.h>

#include "kms/kms.h"
#include "logs/logs.h"
#include "model/model.h"
#include "util/err.h"
#include "util/mem.h"

/* Per service: the handler of each model operation, by operation index. */
struct svc_routes {
    const struct lv_service *svc;
    const struct lv_handler **fns;  /* NULL where no handler */
};

struct lv_route {
    struct svc_routes svcs[2];
};

static void fill(struct svc_routes *sr, const struct lv_service *svc,
                 const struct lv_handler *const *tables)
{
    sr->svc = svc;
    sr->fns = lv_xcalloc((size_t)svc->n_ops, sizeof(*sr->fns));
    for (; *tables; tables++) {
        for (const struct lv_handler *h = *tables; h->op; h++) {
            const struct lv_op *op = lv_model_find_op(svc, h->op,
                                                      strlen(h->op));

            if (!op) {
                LV_BUG("handler for %s.%s, which the model does not have",
                       svc->target_prefix, h->op);
            }
            if (sr->fns[op - svc->ops]) {
                LV_BUG("two handlers for %s.%s", svc->target_prefix, h->op);
            }
            sr->fns[op - svc->ops] = h;
        }
    }
}

struct lv_route *lv_route_new(void)
{
    struct lv_route *r = lv_xcalloc(1, sizeof(*r));

    fill(&r->svcs[0], &lv_model_logs, lv_logs_handler_tables);
    fill(&r->svcs[1], &lv_model_kms, lv_kms_handler_tables);
    return r;
}

void lv_route_free(struct lv_route *r)
{
    if (!r) {
        return;
    }
    for (size_t i = 0; i < 2; i++) {
        free(r->svcs[i].fns);
    }
    free(r);
}

int lv_route_find(const struct lv_route *r, const char *target,
                  const struct lv_service **svc, const struct lv_op **op,
                  const struct lv_handler **h, struct lv_err *err)
{
    const char *dot = target ? strchr(target, '.') : NULL;

    if (dot) {
        for (size_t i = 0; i < 2; i++) {
            const struct svc_routes *sr = &r->svcs[i];
            const struct lv_op *o;

            if (strlen(sr->svc->target_prefix) != (size_t)(dot - target) ||
                strncmp(sr->svc->target_prefix, target,
                        (size_t)(dot - target)) != 0) {
                continue;
            }
            o = lv_model_find_op(sr->svc, dot + 1, strlen(dot + 1));
            if (!o) {
                break;
            }
            *svc = sr->svc;
            *op = o;
            *h = sr->fns[o - sr->svc->ops];
            return 0;
        }
    }
    /* AWS answers an unknown target with this type and no message. */
    return lv_err_set(err, LV_E_UNKNOWN_OPERATION, NULL);
}
