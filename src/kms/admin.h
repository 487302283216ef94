/*
 * admin: the KMS operations that administer a key rather than use it —
 * rotation (admin.c) and grants (grants.c) — shared between those two
 * files only. admin.c holds lv_kms_admin_handlers[], the one table both
 * register through. Not for other modules: they see kms.h; the rotation
 * the sweeper needs is lv_kms_rotate_key in kms_int.h.
 */
#ifndef LV_KMS_ADMIN_H
#define LV_KMS_ADMIN_H

#include "svc/req.h"

struct json_t;
struct lv_buf;
struct lv_err;

/* The grant handlers (grants.c); each is an lv_handler_fn for the AWS
 * operation of the same name
 * (https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateGrant.html
 * and its neighbours). */
int lv_kms_create_grant(struct lv_req *rq, const struct json_t *in,
                        struct lv_buf *out, struct lv_err *err);
int lv_kms_list_grants(struct lv_req *rq, const struct json_t *in,
                       struct lv_buf *out, struct lv_err *err);
int lv_kms_list_retirable_grants(struct lv_req *rq, const struct json_t *in,
                                 struct lv_buf *out, struct lv_err *err);
int lv_kms_retire_grant(struct lv_req *rq, const struct json_t *in,
                        struct lv_buf *out, struct lv_err *err);
int lv_kms_revoke_grant(struct lv_req *rq, const struct json_t *in,
                        struct lv_buf *out, struct lv_err *err);

/* The DryRun answer AWS gives once every check has passed:
 * DryRunOperationException "The request would have succeeded, but the
 * DryRun option is set." Returns 1 (and sets *err) when `in` asks for a
 * dry run, else 0. */
int lv_kms_admin_dry_run(const struct json_t *in, struct lv_err *err);

#endif
