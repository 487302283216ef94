#include "kms/kms.h"

#include <stddef.h>

const struct lv_handler lv_kms_admin_handlers[] = {
    { NULL, NULL },
};
