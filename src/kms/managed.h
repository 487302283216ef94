/*
 * managed: AWS managed keys (alias/aws/…) — the predefined aliases AWS
 * creates in every account and Region, and the key AWS makes for one of
 * them the first time DescribeKey names it. Private to src/kms/.
 * https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#aws-managed-key
 */
#ifndef LV_KMS_MANAGED_H
#define LV_KMS_MANAGED_H

#include <stddef.h>

#include "svc/req.h"

/* The predefined aliases ("alias/aws/s3" …), sorted byte-wise (strcmp):
 * their count, and the i-th name (i < count). */
size_t lv_kms_managed_count(void);
const char *lv_kms_managed_name(size_t i);

/*
 * DescribeKey's step before it finds its key: when `ref` (a KeyId member)
 * names one of the predefined aliases of rq's own account and Region — by
 * alias name or alias ARN — and that alias has no key yet, makes the AWS
 * managed key and points the alias at it, in one store transaction in
 * which the alias row is the point of uniqueness: of concurrent calls (on
 * any node) exactly one key is kept, the others roll theirs back. 0 when
 * the alias now has its key (or ref names no predefined alias: nothing to
 * do), -1 with *err on a store or crypto fault.
 */
int lv_kms_managed_ensure(struct lv_req *rq, const char *ref,
                          struct lv_err *err);

#endif
