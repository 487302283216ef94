#include "kms/kms.h"

#include <stddef.h>

const struct lv_handler *const lv_kms_handler_tables[] = {
    lv_kms_key_handlers,
    lv_kms_crypto_handlers,
    lv_kms_admin_handlers,
    NULL,
};
