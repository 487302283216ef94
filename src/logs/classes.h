/*
 * classes: the log group classes (STANDARD, INFREQUENT_ACCESS, DELIVERY)
 * and the features each allows — one table that every feature asks
 * through lv_logs_class_allows() before it acts on a group, and one
 * refusal (lv_logs_class_refuse) with the error the client reads.
 *
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/
 * CloudWatch_Logs_Log_Classes.html and CWL_AnalyzeLogData_Classes.html:
 *   - STANDARD supports every feature;
 *   - INFREQUENT_ACCESS: no metric filters, subscription filters, Live
 *     Tail, data protection, embedded metric format extraction, anomaly
 *     detection, transformers, field indexes ("Only log groups in the
 *     Standard log class support field index policies", PutIndexPolicy);
 *     Insights runs every command "except pattern, diff, filterIndex,
 *     and unmask";
 *   - DELIVERY: "Log events in log groups in the Delivery class are kept
 *     in CloudWatch Logs for only one day. This log class doesn't offer
 *     rich CloudWatch Logs capabilities such as CloudWatch Logs Insights
 *     queries" (CreateLogGroup). AWS does not list what else it refuses;
 *     this table is strictest: no reads (GetLogEvents, FilterLogEvents,
 *     Insights), no retention change (fixed at one day), nothing an
 *     Infrequent Access group lacks.
 * A class this table does not know allows nothing but what every class
 * allows (none of the features below).
 */
#ifndef LV_LOGS_CLASSES_H
#define LV_LOGS_CLASSES_H

struct lv_err;

enum lv_logs_feature {
    LV_FEAT_METRIC_FILTERS,     /* PutMetricFilter */
    LV_FEAT_SUBSCRIPTION_FILTERS,
    LV_FEAT_LIVE_TAIL,          /* StartLiveTail */
    LV_FEAT_DATA_PROTECTION,    /* Put/Get/DeleteDataProtectionPolicy */
    LV_FEAT_FIELD_INDEXES,      /* PutIndexPolicy */
    LV_FEAT_TRANSFORMERS,
    LV_FEAT_ANOMALY_DETECTION,
    LV_FEAT_EMF,                /* embedded metric format extraction */
    LV_FEAT_INSIGHTS,           /* StartQuery on the group at all */
    LV_FEAT_QUERY_PATTERN,      /* Insights commands, each */
    LV_FEAT_QUERY_DIFF,
    LV_FEAT_QUERY_FILTER_INDEX,
    LV_FEAT_QUERY_UNMASK,
    LV_FEAT_READ_EVENTS,        /* GetLogEvents, FilterLogEvents,
                                 * GetLogRecord */
    LV_FEAT_RETENTION_CHANGE,   /* PutRetentionPolicy,
                                 * DeleteRetentionPolicy */
    LV_FEAT_COUNT
};

/* 1 when a group of class `cls` ("STANDARD", …; NULL or "" is STANDARD,
 * the default) may use feature f, else 0. */
int lv_logs_class_allows(const char *cls, enum lv_logs_feature f);

/* What the feature is called in a refusal ("Metric filters", …). */
const char *lv_logs_feature_name(enum lv_logs_feature f);

/*
 * 0 when class `cls` allows f; else -1 with *err
 * InvalidParameterException "<feature> is not supported for log groups
 * in the <Class name> log class." (AWS's exact wording is not
 * documented; this follows its "Only log groups in the Standard log
 * class support …" phrasing and names the group's class).
 */
int lv_logs_class_check(const char *cls, enum lv_logs_feature f,
                        struct lv_err *err);

#endif
