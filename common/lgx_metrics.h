/*
 * lgx_metrics: counters, gauges and histograms, rendered in the Prometheus
 * text format. Safe to update from the consumer thread while the HTTP
 * thread renders. Series are keyed by name and a label string
 * ("topic=\"lgx.picks\",outcome=\"applied\"") that the caller builds with
 * lgx_metrics_labels (values escaped).
 */
#ifndef LGX_METRICS_H
#define LGX_METRICS_H

#include <stddef.h>

#include "lgx_buf.h"
#include "lgx_err.h"

typedef struct lgx_metrics_s lgx_metrics_t;

typedef enum lgx_metric_kind {
    LGX_METRIC_COUNTER,
    LGX_METRIC_GAUGE,
    LGX_METRIC_HISTOGRAM
} lgx_metric_kind_t;

/* Returns an empty registry, or NULL when out of memory. */
lgx_metrics_t *lgx_metrics_new(void);
void lgx_metrics_destroy(lgx_metrics_t *m);

/* Declares a metric family (its HELP and TYPE lines). Updates of an
 * undeclared name are ignored. */
void lgx_metrics_declare(lgx_metrics_t *m, const char *name,
                         lgx_metric_kind_t kind, const char *help);

/* Adds to a counter (or gauge) series. */
void lgx_metrics_add(lgx_metrics_t *m, const char *name, const char *labels,
                     double v);
/* Sets a gauge series. */
void lgx_metrics_set(lgx_metrics_t *m, const char *name, const char *labels,
                     double v);
/* Observes one value of a histogram series (seconds). */
void lgx_metrics_observe(lgx_metrics_t *m, const char *name, const char *labels,
                         double v);

/* Writes the labels k1="v1",k2="v2" (NULL-terminated pairs) into out. */
void lgx_metrics_labels(char *out, size_t size, ...);

/* How many updates were dropped because the registry holds its most
 * series already (each also counted in lgx_metrics_series_dropped_total). */
unsigned long long lgx_metrics_dropped(lgx_metrics_t *m);

/* Appends the exposition text to out: the families declared, then
 * lgx_metrics_series_dropped_total and the process_* metrics (CPU,
 * resident and virtual memory, open descriptors, start time; from
 * /proc/self). */
lgx_err_t lgx_metrics_render(lgx_metrics_t *m, lgx_buf_t *out) LGX_MUST_CHECK;

/* The value of a series (counters and gauges; histograms: the count), 0
 * when absent. For tests. */
double lgx_metrics_value(lgx_metrics_t *m, const char *name,
                         const char *labels);

#endif
