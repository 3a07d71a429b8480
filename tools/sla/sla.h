/*
 * sla: lgx-sla's poll of Odoo for pickings in breach of a shipment SLA.
 *
 * Odoo holds the state of every shipment, whichever consumer replica saw
 * which event, and keeps it across restarts; so each poll asks Odoo, per
 * kind (sla_plan.h), for the pickings in breach now: one search_read of at
 * most limit pickings, the newest breaches first, and a search_count when
 * that limit is reached. A picking newly in breach (not reported since
 * this process started, or since it last left the breach) gets one
 * warning log line and counts once in lgx_sla_breaches_detected_total;
 * lgx_sla_breaches is the number in breach now. With activities on, each
 * picking in breach gets a To-Do activity whose summary names the kind
 * (lgx_activity_schedule: created only when no open activity with that
 * summary is on the picking, so a restart or a second replica does not
 * make a second one).
 */
#ifndef SLA_H
#define SLA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lgx_activity.h"
#include "lgx_err.h"
#include "lgx_log.h"
#include "lgx_metrics.h"
#include "lgx_odoo.h"
#include "sla_plan.h"

typedef struct sla_s sla_t;

/* Returns a poller, or NULL when out of memory. hours[SLA_KINDS] are the
 * thresholds (0: that kind is not watched); limit (>= 1) bounds the
 * pickings read per kind and poll; activity: schedule activities, to
 * whom and by when it says (NULL: none). odoo, log, metrics and activity
 * are borrowed; the lgx_sla_* metric families are
 * declared in metrics. */
sla_t *sla_new(lgx_odoo_t *odoo, lgx_log_t *log, lgx_metrics_t *metrics,
               const double *hours, long limit, const lgx_activity_t *activity);
void sla_destroy(sla_t *s);

/* One poll at now_ms (epoch ms) of every watched kind, with its log
 * lines, metrics, activities and a summary line. Returns LGX_OK, or the
 * error of the Odoo call that stopped it, with err filled; when that
 * error is fatal (lgx_err_fatal: credentials refused, a field missing)
 * the program must stop. A failed activity is logged and counted but does
 * not fail the poll (unless fatal): it is tried again at the next poll
 * while the picking stays in breach. */
lgx_err_t sla_poll(sla_t *s, int64_t now_ms,
                   lgx_odoo_error_t *err) LGX_MUST_CHECK;

/* For /readyz (lgx_http_ready_fn; opaque is an sla_t): ready when the
 * last poll reached Odoo and succeeded. Thread-safe. */
bool sla_ready(void *opaque, char *why, size_t size);

#endif
