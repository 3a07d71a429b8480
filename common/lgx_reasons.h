/*
 * lgx_reasons: the reason codes of README.md's table ("Reason codes"),
 * each with the outcome it comes with, and the series of the outcome
 * counters made at start for every one of them.
 *
 * A counter series that first appears at 1 is invisible to rate() and
 * increase() for that first event: an alert on dead letters would miss the
 * first one of a reason. Made at 0 at start, every series of a known
 * outcome and reason is there before it happens.
 */
#ifndef LGX_REASONS_H
#define LGX_REASONS_H

#include <stddef.h>

#include "lgx_metrics.h"

typedef struct lgx_reason {
    const char *reason;  /* as in the verdict ("" for applied) */
    const char *outcome; /* lgx_outcome_name's name */
} lgx_reason_t;

/* The known (reason, outcome) pairs, ended by {NULL, NULL}. A reason with
 * two outcomes (shortage: held or rejected) has two rows. */
extern const lgx_reason_t lgx_reasons[];

/* Makes, at 0, the series of every known pair for topic:
 * lgx_events_total{topic,outcome,reason}; lgx_dead_letters_total
 * {topic,reason} of the rejected ones; lgx_retries_total{topic,reason} of
 * the retried ones. The families must be declared. Series already there
 * keep their value. Returns how many series that is (about 100, well
 * under the registry's 4096). */
size_t lgx_reasons_zero(lgx_metrics_t *m, const char *topic);

#endif
