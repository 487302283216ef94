/*
 * schema_events.c: the events component's schema steps — the Logs
 * service's event chunks and wrapped data keys (see struct lv_migration in
 * store_int.h). Applied after logs, so a step may reference its tables.
 * Versions start at 1 and have no gap; a released step is never edited.
 * Tables are prefixed logs_.
 */
#include "store/store_int.h"

const struct lv_migration lv_store_migrations_events[] = {
    LV_MIGRATION_END,
};
