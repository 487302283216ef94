/*
 * admin: the KMS operations that administer a key rather than use it —
 * rotation (admin.c) and grants (grants.c) — shared between those two
 * files only (their handlers are declared in kms.h). Not for other
 * modules: they see kms.h; the rotation the sweeper needs is
 * lv_kms_rotate_key in kms_int.h.
 */
#ifndef LV_KMS_ADMIN_H
#define LV_KMS_ADMIN_H

#include "svc/req.h"

struct json_t;
struct lv_err;

/* The DryRun answer AWS gives once every check has passed:
 * DryRunOperationException "The request would have succeeded, but the
 * DryRun option is set." Returns 1 (and sets *err) when `in` asks for a
 * dry run, else 0. */
int lv_kms_admin_dry_run(const struct json_t *in, struct lv_err *err);

#endif
