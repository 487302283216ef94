#include "http/route.h"

#include <stdlib.h>
#include <string.h>

#include "cloudtrail/cloudtrail.h"
#include "kms/kms.h"
#include "kms/explain.h"
#include "logs/logs.h"
#include "model/model.h"
#include "util/err.h"
#include "util/mem.h"

/*
 * The operation table of each service, from the generated
 * model/gen/ops.def: one row per operation of its model, in the model's
 * order, so that row i serves svc->ops[i]; fn is NULL where logvault does
 * not implement the operation. Each handler named here is declared by its
 * service's header from the same file, so a missing one fails to link.
 */
#define OP(svc, name, fn, flags) ROW_##svc(#name, fn, flags)
#define OP_NOT_IMPLEMENTED(svc, name) ROW_##svc(#name, NULL, 0)

#define ROW_cloudtrail(...)
#define ROW_logs(...) { __VA_ARGS__ },
#define ROW_kms(...)
static const struct lv_handler logs_ops[] = {
#include "model/gen/ops.def"
};
#undef ROW_logs
#undef ROW_kms

#define ROW_logs(...)
#define ROW_kms(...) { __VA_ARGS__ },
static const struct lv_handler kms_ops[] = {
#include "model/gen/ops.def"
};
#undef ROW_logs
#undef ROW_kms

#undef ROW_cloudtrail
#define ROW_cloudtrail(...) { __VA_ARGS__ },
#define ROW_logs(...)
#define ROW_kms(...)
static const struct lv_handler cloudtrail_ops[] = {
#include "model/gen/ops.def"
};
#undef ROW_logs
#undef ROW_kms
#undef ROW_cloudtrail

#undef OP
#undef OP_NOT_IMPLEMENTED

struct svc_routes {
    const struct lv_service *svc;
    const struct lv_handler *ops;   /* parallel to svc->ops */
};

struct lv_route {
    struct svc_routes svcs[3];
};

/* ops.def and the model tables come from one run of the generator; a
 * table that does not line up with its model is a build from stale
 * files. */
static void check(const struct lv_service *svc, const struct lv_handler *ops,
                  size_t n)
{
    if (n != (size_t)svc->n_ops) {
        LV_BUG("ops.def has %zu %s operations, the model %d", n, svc->name,
               svc->n_ops);
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(ops[i].op, svc->ops[i].name) != 0) {
            LV_BUG("ops.def row %zu is %s.%s, the model's %s", i, svc->name,
                   ops[i].op, svc->ops[i].name);
        }
    }
}

struct lv_route *lv_route_new(void)
{
    struct lv_route *r = lv_xcalloc(1, sizeof(*r));

    check(&lv_model_logs, logs_ops, sizeof(logs_ops) / sizeof(*logs_ops));
    check(&lv_model_kms, kms_ops, sizeof(kms_ops) / sizeof(*kms_ops));
    r->svcs[0].svc = &lv_model_logs;
    r->svcs[0].ops = logs_ops;
    r->svcs[1].svc = &lv_model_kms;
    r->svcs[1].ops = kms_ops;
    check(&lv_model_cloudtrail, cloudtrail_ops,
          sizeof(cloudtrail_ops) / sizeof(*cloudtrail_ops));
    r->svcs[2].svc = &lv_model_cloudtrail;
    r->svcs[2].ops = cloudtrail_ops;
    return r;
}

void lv_route_free(struct lv_route *r)
{
    free(r);
}

int lv_route_find(const struct lv_route *r, const char *target,
                  const struct lv_service **svc, const struct lv_op **op,
                  const struct lv_handler **h, struct lv_err *err)
{
    /* The last dot: CloudTrail's prefix holds dots of its own, no
     * operation name does. */
    const char *dot = target ? strrchr(target, '.') : NULL;

    if (dot) {
        for (size_t i = 0; i < sizeof(r->svcs) / sizeof(*r->svcs); i++) {
            const struct svc_routes *sr = &r->svcs[i];
            const struct lv_handler *row;
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
            row = &sr->ops[o - sr->svc->ops];
            *svc = sr->svc;
            *op = o;
            *h = row->fn ? row : NULL;
            return 0;
        }
    }
    /* logvault's own extension: the KMS explainer (kms/explain.h), no
     * AWS model; its one operation takes any JSON object. */
    if (dot && strlen(LV_KMS_EXPLAIN_TARGET) == (size_t)(dot - target) &&
        strncmp(target, LV_KMS_EXPLAIN_TARGET, (size_t)(dot - target)) == 0 &&
        strcmp(dot + 1, "Explain") == 0) {
        static const struct lv_handler explain = {
            "Explain", lv_kms_op_explain, 0
        };

        *svc = &lv_kms_explain_service;
        *op = &lv_kms_explain_service.ops[0];
        *h = &explain;
        return 0;
    }
    /* AWS answers an unknown target with this type and no message. */
    return lv_err_set(err, LV_E_UNKNOWN_OPERATION, NULL);
}
