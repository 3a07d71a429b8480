/*
 * sim_plan: the orders and the events of a simulated day, in publication
 * order. Pure: no I/O; the Odoo side (sim_odoo) fills in picking names and
 * states before the plan is built, the output side (sim_out) encodes and
 * publishes it.
 *
 * One order is one sale order with one outgoing picking and, unless it is
 * cancelled, one shipment. Its events, in the causal order real systems
 * produce them:
 *
 *   pick confirmed (wms-north, wms-south or 3pl-logi; the full quantities,
 *   complete) -> shipment booked -> label created (tms-shipit) ->
 *   dispatched -> PICKED_UP, IN_TRANSIT, ARRIVED_AT_HUB, OUT_FOR_DELIVERY
 *   (sometimes EXCEPTION or DELIVERY_ATTEMPTED and a second
 *   OUT_FOR_DELIVERY), DELIVERED (carrier-dhl or carrier-ups) -> proof of
 *   delivery (driver-app, sometimes the carrier's ePOD).
 *
 * A cancelled order is picked and booked (sometimes labelled) and then
 * cancelled by the platform: no dispatch, no milestones, no POD.
 *
 * Knobs (percentages) change the stream the way real systems misbehave;
 * each is decided per event (duplicates, out-of-order, poison,
 * wrong-source) or per order (late-pod, dispatch-before-booking,
 * unmapped-carrier) from the order's own random stream, every draw made
 * whatever the percentages.
 *
 * Carriers: a booking names its carrier by the platform's code when the
 * configuration gives one (the rules' mapping makes it an Odoo name),
 * else by the Odoo name. The carrier's code also gives the tracking
 * reference's form and the source of its milestones (carrier-<code>);
 * carriers without one deliver as dhl and ups by turns.
 */
#ifndef SIM_PLAN_H
#define SIM_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lgx_err.h"

#define SIM_MAX_LINES 8
#define SIM_NAME_MAX 64

typedef enum sim_topic {
    SIM_PICKS = 0,
    SIM_SHIPMENTS,
    SIM_MILESTONES,
    SIM_POD,
    SIM_N_TOPICS
} sim_topic_t;

typedef enum sim_kind {
    SIM_K_PICK = 0,
    SIM_K_BOOKED,
    SIM_K_LABEL,
    SIM_K_DISPATCHED,
    SIM_K_CANCELLED,
    SIM_K_MILESTONE,
    SIM_K_POD
} sim_kind_t;

/* Why a message is there or where it is: SIM_KNOB_NONE for the plain
 * stream. */
typedef enum sim_knob {
    SIM_KNOB_NONE = 0,
    SIM_KNOB_DUPLICATES,
    SIM_KNOB_OUT_OF_ORDER,
    SIM_KNOB_POISON,
    SIM_KNOB_LATE_POD,
    SIM_KNOB_DISPATCH_BEFORE_BOOKING,
    SIM_KNOB_WRONG_SOURCE,
    SIM_KNOB_UNMAPPED_CARRIER,
    SIM_N_KNOBS
} sim_knob_t;

/* The carrier code the unmapped-carrier knob books with: one the rules'
 * mapping of the transport platform is meant not to have. */
#define SIM_UNMAPPED_CARRIER "fedex"

typedef enum sim_poison {
    SIM_POISON_NONE = 0,
    SIM_POISON_NOT_FRAMED,     /* the event as JSON text: malformed_avro */
    SIM_POISON_TRUNCATED,      /* framed, half the body: malformed_avro */
    SIM_POISON_UNKNOWN_SCHEMA, /* an id no schema has: unknown_schema */
    SIM_POISON_NO_EVENT_ID,    /* event_id "": missing_field */
    SIM_POISON_NO_SOURCE       /* source_system "": missing_field */
} sim_poison_t;

/* Whether lgx-picks finds a pick line to be a shortage (more than the
 * move's reservation, of that lot, plus what is free at its location):
 * in none of the orders the picks may be handled in, in some, in all. */
typedef enum sim_short {
    SIM_SHORT_NO = 0,
    SIM_SHORT_MAYBE,
    SIM_SHORT_YES
} sim_short_t;

/* One line of a pick event: a quantity of one lot, or of an untracked
 * product (lot ""). sim_stock_plan makes them from what Odoo holds. */
typedef struct sim_pick {
    char lot[SIM_NAME_MAX];
    double qty;
    double available; /* what Odoo has for it at best: the move's
                         reservation (of the lot) plus what is free */
    sim_short_t shortage;
} sim_pick_t;

/* An order line. picks, when set, are the pick's lines for it (borrowed
 * from the sim_stock that made them); NULL: one line of qty without a
 * lot, nothing being known of Odoo's stock. */
typedef struct sim_line {
    char code[32];
    double qty;
    bool tracked; /* Odoo tracks the product by lot or serial number */
    const sim_pick_t *picks;
    size_t n_picks;
} sim_line_t;

/* One order. The first block comes from Odoo or the pickings file (or
 * sim_plan_draw_orders); the rest is drawn by sim_plan_build. */
typedef struct sim_order {
    char picking[SIM_NAME_MAX]; /* Odoo picking name */
    int64_t picking_id;         /* its id, once read from Odoo (else 0) */
    char name[SIM_NAME_MAX];    /* sale order name: the correlation id */
    char state[16];             /* picking state before the stream */
    char history[16];           /* its x_lgx_shipment_status, when it has one */
    sim_line_t lines[SIM_MAX_LINES];
    size_t n_lines;
    size_t carrier;     /* index into the carrier names */
    int64_t partner_id; /* for creating the order */

    char shipment_id[32];
    char platform_ref[32];
    char tracking_ref[32];
    const char *carrier_code; /* who delivers: "dhl", "ups", "postnl" ... */
    char carrier_source[48];  /* carrier-<code> */
    const char *wms;          /* who picks */
    bool cancelled;
    bool labelled; /* a label was created */
    char receiver[48];
} sim_order_t;

/* One message to publish. */
typedef struct sim_event {
    sim_topic_t topic;
    sim_kind_t kind;
    size_t order; /* index into the orders */
    char key[SIM_NAME_MAX];
    char event_id[37];
    char source[32];
    int64_t occurred_at;
    char traceparent[56];
    char cause[37];            /* causation_id, or "" */
    char detail[SIM_NAME_MAX]; /* booked: carrier code (or name); label:
                                  tracking ref; milestone: code; pod:
                                  receiver */
    int64_t delivered_at;      /* pod */
    sim_knob_t knob;
    sim_poison_t poison;
    char poison_id[16]; /* "P001" for poison messages */
    char *body;         /* the record's own fields, as JSON members */
    char *json;         /* the event as lgx_avro_encode_json reads it */
    /* internal: publication order */
    int64_t pos;
    size_t serial;
    /* filled by sim_model: what the consumers should do with it */
    const char *outcome; /* "applied", "duplicate", "stale", "rejected" */
    char reason[40];
    bool held;            /* held first, then finished, in any interleaving */
    bool may_hold;        /* held first in some interleaving of the topics */
    bool order_dependent; /* its outcome depends on the interleaving */
    bool shortage;        /* a pick judged a shortage in every order */
    bool may_shortage;    /* in some */
} sim_event_t;

typedef struct sim_plan_conf {
    const char *seed; /* text; hashed */
    int64_t start_ms; /* the first order is placed at or after it */
    long knob_pct[SIM_N_KNOBS];
    long cancelled_pct;
    const char *const *carrier_names; /* Odoo delivery.carrier names */
    /* per carrier: the platform's code bookings name it by (NULL, or a
     * NULL or "" entry: booked by its Odoo name) */
    const char *const *carrier_codes;
    size_t n_carriers;
} sim_plan_conf_t;

typedef struct sim_plan {
    const sim_plan_conf_t *conf; /* borrowed */
    sim_order_t *orders;
    size_t n_orders;
    sim_event_t *events; /* in publication order */
    size_t n_events;
} sim_plan_t;

/* Draws each order's lines (1 to 3 distinct products of codes, quantity 1
 * to 5; kept only for an order without lines), partner (one of
 * partner_ids) and carrier index. Leaves picking, name and state alone. */
void sim_plan_draw_orders(const sim_plan_conf_t *conf, sim_order_t *orders,
                          size_t n, const char *const *codes, size_t n_codes,
                          const int64_t *partner_ids, size_t n_partners);

/* Builds the events of the orders in publication order; plan borrows
 * conf and orders (the caller frees them after sim_plan_free) and fills
 * in the orders' drawn part. LGX_ERR_NOMEM on failure, plan left
 * empty. */
lgx_err_t sim_plan_build(const sim_plan_conf_t *conf, sim_order_t *orders,
                         size_t n, sim_plan_t *plan) LGX_MUST_CHECK;

void sim_plan_free(sim_plan_t *plan);

/* The surest shortage among o's pick lines (SIM_SHORT_NO when none is
 * known). */
sim_short_t sim_order_shortage(const sim_order_t *o);

/* Whether a pick line of a tracked product names no lot: lgx-picks
 * refuses such a pick (lot_required). */
bool sim_order_lot_missing(const sim_order_t *o);

/* Names: topic slots ("picks"), knobs as on the command line
 * ("out-of-order"), kinds ("label_created"), poison kinds. */
const char *sim_topic_name(sim_topic_t t);
const char *sim_knob_name(sim_knob_t k);
const char *sim_kind_name(sim_kind_t k);
const char *sim_poison_why(sim_poison_t p);
/* The reason a consumer gives a poison message. */
const char *sim_poison_reason(sim_poison_t p);

/* The code bookings name carrier index i by: its platform code, or its
 * Odoo name. */
const char *sim_carrier_booked_as(const sim_plan_conf_t *conf, size_t i);

/* The source system that may not publish on topic t (wrong-source). */
const char *sim_wrong_source(sim_topic_t t);

/* Formats epoch ms as "2026-11-27T10:00:00.000Z" (25 bytes). */
void sim_iso_time(int64_t ms, char out[25]);

#endif
