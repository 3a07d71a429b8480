#include "lgx_reasons.h"

#include <string.h>

/* README.md's "Reason codes" table, row by row (test_it_docs checks the
 * two are the same), and applied, which has no reason. */
const lgx_reason_t lgx_reasons[] = {
    {"", "applied"},
    {"malformed_avro", "rejected"},
    {"unknown_schema", "rejected"},
    {"limit_exceeded", "rejected"},
    {"message_too_large", "rejected"},
    {"missing_field", "rejected"},
    {"invalid_field", "rejected"},
    {"too_many_lines", "rejected"},
    {"signature_too_large", "rejected"},
    {"unknown_event_type", "rejected"},
    {"source_not_allowed", "rejected"},
    {"future_dated", "rejected"},
    {"older_than_applied", "stale"},
    {"older_milestone", "stale"},
    {"already_applied", "stale"},
    {"nothing_to_do", "stale"},
    {"redelivered", "duplicate"},
    {"waiting_for_precondition", "held"},
    {"waiting_for_earlier", "held"},
    {"waiting_for_pick", "held"},
    {"picking_cancelled", "rejected"},
    {"edited_in_odoo", "rejected"},
    {"pick_after_validation", "rejected"},
    {"hold_expired", "rejected"},
    {"transition_not_allowed", "rejected"},
    {"field_not_owned", "rejected"},
    {"call_not_allowed", "rejected"},
    {"unknown_picking", "rejected"},
    {"unknown_product", "rejected"},
    {"product_not_in_picking", "rejected"},
    {"lot_required", "rejected"},
    {"unknown_lot", "rejected"},
    {"shortage", "held"},
    {"shortage", "rejected"},
    {"unknown_unit", "rejected"},
    {"unit_mismatch", "rejected"},
    {"wrong_warehouse", "rejected"},
    {"unknown_warehouse", "rejected"},
    {"unknown_carrier", "rejected"},
    {"unmapped_carrier", "rejected"},
    {"unmapped_product", "rejected"},
    {"unmapped_unit", "rejected"},
    {"unmapped_warehouse", "rejected"},
    {"picking_in_other_shipment", "rejected"},
    {"unexpected_wizard", "rejected"},
    {"odoo_permission", "rejected"},
    {"odoo_missing", "rejected"},
    {"odoo_refused", "rejected"},
    {"retries_exhausted", "rejected"},
    {"odoo_unavailable", "retry"},
    {"odoo_error", "retry"},
    {"odoo_conflict", "retry"},
    {"dlq_unavailable", "retry"},
    {"kafka_not_authorized", "retry"},
    {"odoo_auth", "fatal"},
    {"odoo_setup", "fatal"},
    {"no_rule", "fatal"},
    {"dlq_producer_failed", "fatal"},
    {NULL, NULL},
};

size_t lgx_reasons_zero(lgx_metrics_t *m, const char *topic)
{
    char labels[256];
    size_t n = 0;
    for (const lgx_reason_t *r = lgx_reasons; r->reason; r++) {
        lgx_metrics_labels(labels, sizeof(labels), "topic", topic, "outcome",
                           r->outcome, "reason", r->reason, (const char *)NULL);
        lgx_metrics_add(m, "lgx_events_total", labels, 0);
        n++;
        const char *family =
            strcmp(r->outcome, "rejected") == 0 ? "lgx_dead_letters_total"
            : strcmp(r->outcome, "retry") == 0  ? "lgx_retries_total"
                                                : NULL;
        if (family) {
            lgx_metrics_labels(labels, sizeof(labels), "topic", topic, "reason",
                               r->reason, (const char *)NULL);
            lgx_metrics_add(m, family, labels, 0);
            n++;
        }
    }
    return n;
}
