/*
 * schema_logs.c: the logs component's schema steps (see struct lv_migration
 * in store_int.h). Applied after core and kms, so a step may reference
 * their tables.
 *
 * Logs engineers: append your steps here, in order, before the terminator:
 *     { "logs", 1, "CREATE TABLE logs_groups (…); CREATE INDEX …;" },
 *     { "logs", 2, "ALTER TABLE …;" },
 * Versions start at 1 and have no gap. Each step runs in its own
 * transaction with its version bump. Never edit a step once released: a
 * change is a new step. Tables are prefixed logs_.
 */
#include "store/store_int.h"

const struct lv_migration lv_store_migrations_logs[] = {
    LV_MIGRATION_END,
};
