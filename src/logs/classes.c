/*
 * classes.c: the log class table (classes.h).
 */
#include "logs/classes.h"

#include <string.h>

#include "util/err.h"

/* Bit f set: the class allows feature f. */
#define B(f) (1u << (f))
#define ALL ((1u << LV_FEAT_COUNT) - 1)

static const struct {
    const char *name;           /* logGroupClass */
    const char *title;          /* as AWS's pages name it */
    unsigned allows;
} classes[] = {
    { "STANDARD", "Standard", ALL },
    { "INFREQUENT_ACCESS", "Infrequent Access",
      ALL & ~(B(LV_FEAT_METRIC_FILTERS) | B(LV_FEAT_SUBSCRIPTION_FILTERS) |
              B(LV_FEAT_LIVE_TAIL) | B(LV_FEAT_DATA_PROTECTION) |
              B(LV_FEAT_FIELD_INDEXES) | B(LV_FEAT_TRANSFORMERS) |
              B(LV_FEAT_ANOMALY_DETECTION) | B(LV_FEAT_EMF) |
              B(LV_FEAT_QUERY_PATTERN) | B(LV_FEAT_QUERY_DIFF) |
              B(LV_FEAT_QUERY_FILTER_INDEX) | B(LV_FEAT_QUERY_UNMASK)) },
    { "DELIVERY", "Delivery", 0 },
};

static const char *const feature_names[LV_FEAT_COUNT] = {
    [LV_FEAT_METRIC_FILTERS] = "Metric filters",
    [LV_FEAT_SUBSCRIPTION_FILTERS] = "Subscription filters",
    [LV_FEAT_LIVE_TAIL] = "Live Tail",
    [LV_FEAT_DATA_PROTECTION] = "Data protection policies",
    [LV_FEAT_FIELD_INDEXES] = "Field index policies",
    [LV_FEAT_TRANSFORMERS] = "Transformers",
    [LV_FEAT_ANOMALY_DETECTION] = "Anomaly detection",
    [LV_FEAT_EMF] = "Embedded metric format extraction",
    [LV_FEAT_INSIGHTS] = "CloudWatch Logs Insights queries",
    [LV_FEAT_QUERY_PATTERN] = "The pattern command",
    [LV_FEAT_QUERY_DIFF] = "The diff command",
    [LV_FEAT_QUERY_FILTER_INDEX] = "The filterIndex command",
    [LV_FEAT_QUERY_UNMASK] = "The unmask command",
    [LV_FEAT_READ_EVENTS] = "Reading log events",
    [LV_FEAT_RETENTION_CHANGE] = "Changing the retention policy",
};

static int find(const char *cls)
{
    if (!cls || !*cls) {
        return 0;
    }
    for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
        if (strcmp(classes[i].name, cls) == 0) {
            return (int)i;
        }
    }
    return -1;
}

int lv_logs_class_allows(const char *cls, enum lv_logs_feature f)
{
    int i = find(cls);

    if (i < 0 || (unsigned)f >= LV_FEAT_COUNT) {
        return 0;
    }
    return (classes[i].allows & B(f)) != 0;
}

const char *lv_logs_feature_name(enum lv_logs_feature f)
{
    return (unsigned)f < LV_FEAT_COUNT ? feature_names[f] : "This feature";
}

int lv_logs_class_check(const char *cls, enum lv_logs_feature f,
                        struct lv_err *err)
{
    int i = find(cls);

    if (lv_logs_class_allows(cls, f)) {
        return 0;
    }
    return lv_err_set(err, LV_E_INVALID_PARAMETER,
                      "%s %s not supported for log groups in the %s log "
                      "class.", lv_logs_feature_name(f),
                      strncmp(lv_logs_feature_name(f), "The ", 4) == 0
                          ? "is" : "are",
                      i >= 0 ? classes[i].title : cls);
}
