#include "sim_plan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lgx_buf.h"
#include "sim_rand.h"

#define MINUTE 60000LL
#define HOUR (60 * MINUTE)
/* Positions: base events are BASE_STEP apart; copies sit just after
 * their original; late PODs go after everything. */
#define BASE_STEP 1000
#define LATE_POS (INT64_C(1) << 50)

static const char *const topic_names[SIM_N_TOPICS] = {"picks", "shipments",
                                                      "milestones", "pod"};
static const char *const knob_names[SIM_N_KNOBS] = {
    "none",         "duplicates",      "out-of-order",
    "poison",       "late-pod",        "dispatch-before-booking",
    "wrong-source", "unmapped-carrier"};
static const char *const kind_names[] = {
    "pick_confirmed",      "shipment_booked",    "label_created",
    "shipment_dispatched", "shipment_cancelled", "carrier_milestone",
    "proof_of_delivery"};
static const char *const wms_sources[] = {"wms-north", "wms-south", "3pl-logi"};
/* Systems that exist but may not publish on that topic (rules sources). */
static const char *const wrong_sources[SIM_N_TOPICS] = {
    "tms-shipit", "wms-north", "tms-shipit", "3pl-logi"};

static const char *const receivers[] = {
    "A. Janssen",         "M. Garcia",    "Reception desk", "J. Smith",
    "L. Nguyen",          "Front office", "P. Müller",      "S. Okafor",
    "Neighbour (no. 12)", "K. Tanaka"};
static const char *const cancel_reasons[] = {
    "customer changed the delivery address", "order cancelled by customer",
    "carrier capacity: rebooked on another shipment"};
static const char *const exception_reasons[] = {
    "address incomplete: house number missing",
    "parcel damaged at hub: repacked", "weather delay at the hub"};
static const char *const attempt_reasons[] = {
    "recipient not at home", "business closed", "access code needed"};

/* The demo partners' cities (Odoo simulator ids 7..12) for locations and
 * GPS fixes; others get the first. */
static const struct {
    const char *city;
    double lat, lon;
} cities[] = {
    {"Fremont", 37.5485, -121.9886},   {"Pleasant Hill", 37.9480, -122.0608},
    {"Fairfield", 38.2494, -122.0400}, {"Tracy", 37.7397, -121.4252},
    {"Stockton", 37.9577, -121.2908},  {"Turlock", 37.4947, -120.8466}};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *sim_topic_name(sim_topic_t t)
{
    return t < SIM_N_TOPICS ? topic_names[t] : "?";
}

const char *sim_knob_name(sim_knob_t k)
{
    return k < SIM_N_KNOBS ? knob_names[k] : "?";
}

const char *sim_kind_name(sim_kind_t k)
{
    return (size_t)k < COUNT(kind_names) ? kind_names[k] : "?";
}

const char *sim_wrong_source(sim_topic_t t)
{
    return t < SIM_N_TOPICS ? wrong_sources[t] : "?";
}

const char *sim_poison_why(sim_poison_t p)
{
    switch (p) {
    case SIM_POISON_NOT_FRAMED:
        return "the event as JSON text, not Confluent-framed Avro";
    case SIM_POISON_TRUNCATED:
        return "framed Avro cut off halfway through the body";
    case SIM_POISON_UNKNOWN_SCHEMA:
        return "framed with a schema id no contract has";
    case SIM_POISON_NO_EVENT_ID:
        return "required field event_id empty";
    case SIM_POISON_NO_SOURCE:
        return "required field source_system empty";
    default:
        return "";
    }
}

const char *sim_poison_reason(sim_poison_t p)
{
    switch (p) {
    case SIM_POISON_NOT_FRAMED:
    case SIM_POISON_TRUNCATED:
        return "malformed_avro";
    case SIM_POISON_UNKNOWN_SCHEMA:
        return "unknown_schema";
    case SIM_POISON_NO_EVENT_ID:
    case SIM_POISON_NO_SOURCE:
        return "missing_field";
    default:
        return "";
    }
}

void sim_iso_time(int64_t ms, char out[25])
{
    time_t s = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    int frac = (int)(ms - (int64_t)s * 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    /* Unsigned and bounded: the compiler sees the text fits. */
    snprintf(out, 25, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ",
             (unsigned)(tm.tm_year + 1900) % 10000u,
             (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u,
             (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u,
             (unsigned)tm.tm_sec % 100u, (unsigned)frac % 1000u);
}

void sim_plan_draw_orders(const sim_plan_conf_t *conf, sim_order_t *orders,
                          size_t n, const char *const *codes, size_t n_codes,
                          const int64_t *partner_ids, size_t n_partners)
{
    uint64_t seed = sim_rand_hash(conf->seed);
    for (size_t i = 0; i < n; i++) {
        sim_rand_t r;
        sim_order_t *o = &orders[i];
        sim_rand_stream(&r, seed, SIM_STREAM_ORDER, i);
        size_t want = (size_t)sim_rand_range(&r, 1, 3);
        sim_line_t lines[SIM_MAX_LINES];
        size_t n_lines = 0;
        memset(lines, 0, sizeof(lines));
        /* Distinct products: a picking has one move per product. The
         * lines are drawn even for an order that has its own, so that the
         * draws after them stay the same. */
        for (size_t tries = 0; n_lines < want && n_codes && tries < 32;
             tries++) {
            const char *code =
                codes[sim_rand_range(&r, 0, (int64_t)n_codes - 1)];
            bool dup = false;
            for (size_t k = 0; k < n_lines; k++) {
                dup = dup || strcmp(lines[k].code, code) == 0;
            }
            if (!dup) {
                snprintf(lines[n_lines].code, sizeof(lines[0].code), "%s",
                         code);
                lines[n_lines++].qty = (double)sim_rand_range(&r, 1, 5);
            }
        }
        if (o->n_lines == 0) {
            memcpy(o->lines, lines, n_lines * sizeof(lines[0]));
            o->n_lines = n_lines;
        }
        o->partner_id =
            n_partners
                ? partner_ids[sim_rand_range(&r, 0, (int64_t)n_partners - 1)]
                : 0;
        o->carrier =
            conf->n_carriers
                ? (size_t)sim_rand_range(&r, 0, (int64_t)conf->n_carriers - 1)
                : 0;
    }
}

sim_short_t sim_order_shortage(const sim_order_t *o)
{
    sim_short_t most = SIM_SHORT_NO;
    for (size_t i = 0; i < o->n_lines; i++) {
        for (size_t k = 0; o->lines[i].picks && k < o->lines[i].n_picks; k++) {
            sim_short_t s = o->lines[i].picks[k].shortage;
            most = s > most ? s : most;
        }
    }
    return most;
}

bool sim_order_lot_missing(const sim_order_t *o)
{
    for (size_t i = 0; i < o->n_lines; i++) {
        const sim_line_t *l = &o->lines[i];
        for (size_t k = 0; l->tracked && l->picks && k < l->n_picks; k++) {
            if (!l->picks[k].lot[0] && l->picks[k].qty > 0) {
                return true;
            }
        }
    }
    return false;
}

/* ---- building ---- */

typedef struct builder {
    const sim_plan_conf_t *conf;
    uint64_t seed;
    sim_plan_t *plan;
    size_t cap;
    lgx_buf_t *buf;
    bool failed;
    /* numbering bases, drawn once from the global stream */
    int64_t ship_base, ref_base, trk_base;
} builder_t;

/* The state of one order while its events are made. */
typedef struct flow {
    builder_t *b;
    sim_rand_t r;
    size_t order;
    char trace[33];
    char last_id[37]; /* causation of the next event */
    size_t city;
} flow_t;

static sim_event_t *push(builder_t *b)
{
    sim_plan_t *p = b->plan;
    if (p->n_events == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        sim_event_t *ev = realloc(p->events, cap * sizeof(*ev));
        if (!ev) {
            b->failed = true;
            return NULL;
        }
        p->events = ev;
        b->cap = cap;
    }
    sim_event_t *e = &p->events[p->n_events];
    memset(e, 0, sizeof(*e));
    e->serial = p->n_events++;
    return e;
}

/* A new event of the order with its id and trace span; body is taken
 * from the builder's buffer. */
static sim_event_t *flow_event(flow_t *f, sim_topic_t topic, sim_kind_t kind,
                               const char *key, const char *source, int64_t t,
                               const char *detail)
{
    char span[17];
    sim_event_t *e = push(f->b);
    if (!e) {
        return NULL;
    }
    e->topic = topic;
    e->kind = kind;
    e->order = f->order;
    snprintf(e->key, sizeof(e->key), "%s", key);
    sim_rand_uuid(&f->r, e->event_id);
    snprintf(e->source, sizeof(e->source), "%s", source);
    e->occurred_at = t;
    sim_rand_hex(&f->r, span, 16);
    snprintf(e->traceparent, sizeof(e->traceparent), "00-%s-%s-01", f->trace,
             span);
    snprintf(e->cause, sizeof(e->cause), "%s", f->last_id);
    snprintf(e->detail, sizeof(e->detail), "%s", detail ? detail : "");
    snprintf(f->last_id, sizeof(f->last_id), "%s", e->event_id);
    e->body = lgx_buf_take(f->b->buf);
    if (!e->body) {
        f->b->failed = true;
    }
    return e;
}

/* Appends to the builder's buffer; a failure marks the build failed. */
static void put(builder_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void put(builder_t *b, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(tmp) ||
        lgx_buf_append(b->buf, tmp, (size_t)n) != LGX_OK) {
        b->failed = true;
    }
}

static void put_str(builder_t *b, const char *s)
{
    if (!s) {
        put(b, "null");
    } else if (lgx_buf_json_str(b->buf, s, strlen(s)) != LGX_OK) {
        b->failed = true;
    }
}

static void put_time(builder_t *b, int64_t ms)
{
    char t[25];
    sim_iso_time(ms, t);
    put(b, "\"%s\"", t);
}

/* Minutes lo..hi later, at a random second. */
static int64_t later(flow_t *f, int64_t lo_min, int64_t hi_min)
{
    return sim_rand_range(&f->r, lo_min * MINUTE, hi_min * MINUTE) +
           sim_rand_range(&f->r, 0, 59) * 1000 + sim_rand_range(&f->r, 0, 999);
}

/* One line of the pick's lines[]; lot NULL or "": none. */
static void put_pick_line(builder_t *b, bool first, const char *code,
                          double qty, const char *lot)
{
    put(b, "%s{\"product_code\":", first ? "" : ",");
    put_str(b, code);
    put(b, ",\"quantity\":%.15g,\"lot\":", qty);
    put_str(b, lot && lot[0] ? lot : NULL);
    put(b, "}");
}

static void make_pick(flow_t *f, int64_t t)
{
    sim_order_t *o = &f->b->plan->orders[f->order];
    builder_t *b = f->b;
    bool first = true;
    put(b, "\"picking_name\":");
    put_str(b, o->picking);
    put(b, ",\"warehouse\":\"WH\",\"lines\":[");
    for (size_t i = 0; i < o->n_lines; i++) {
        const sim_line_t *l = &o->lines[i];
        if (!l->picks) {
            put_pick_line(b, first, l->code, l->qty, NULL);
            first = false;
        }
        for (size_t k = 0; l->picks && k < l->n_picks; k++) {
            put_pick_line(b, first, l->code, l->picks[k].qty, l->picks[k].lot);
            first = false;
        }
    }
    put(b, "],\"is_complete\":true,\"line_units\":null");
    flow_event(f, SIM_PICKS, SIM_K_PICK, o->picking, o->wms, t, NULL);
}

/* The shipment envelope members, then the payload branch opened. */
static void ship_head(flow_t *f, const char *branch)
{
    sim_order_t *o = &f->b->plan->orders[f->order];
    put(f->b,
        "\"shipment_id\":\"%s\",\"platform_ref\":\"%s\",\"payload\":{\"%s\":{",
        o->shipment_id, o->platform_ref, branch);
}

const char *sim_carrier_booked_as(const sim_plan_conf_t *conf, size_t i)
{
    if (i >= conf->n_carriers) {
        return "Standard delivery";
    }
    const char *code = conf->carrier_codes ? conf->carrier_codes[i] : NULL;
    return code && code[0] ? code : conf->carrier_names[i];
}

static void make_booked(flow_t *f, int64_t t)
{
    sim_order_t *o = &f->b->plan->orders[f->order];
    const char *carrier = sim_carrier_booked_as(f->b->conf, o->carrier);
    bool express = sim_rand_pct(&f->r, 20);
    ship_head(f, "ShipmentBooked");
    put(f->b, "\"picking_names\":[");
    put_str(f->b, o->picking);
    put(f->b, "],\"carrier\":");
    put_str(f->b, carrier);
    put(f->b, ",\"service_level\":\"%s\"}}", express ? "express" : "standard");
    flow_event(f, SIM_SHIPMENTS, SIM_K_BOOKED, o->shipment_id, "tms-shipit", t,
               carrier);
}

static void make_label(flow_t *f, int64_t t)
{
    sim_order_t *o = &f->b->plan->orders[f->order];
    ship_head(f, "LabelCreated");
    put(f->b,
        "\"tracking_ref\":\"%s\",\"label\":{\"filename\":\"label-%s.zpl\","
        "\"mimetype\":\"application/zpl\",\"data\":",
        o->tracking_ref, o->tracking_ref);
    char zpl[256];
    snprintf(zpl, sizeof(zpl),
             "^XA^FO50,50^A0N,40,40^FD%s^FS^FO50,120^A0N,30,30^FD%s %s^FS^XZ",
             o->tracking_ref, o->picking, o->name);
    put_str(f->b, zpl);
    put(f->b, "}}}");
    flow_event(f, SIM_SHIPMENTS, SIM_K_LABEL, o->shipment_id, "tms-shipit", t,
               o->tracking_ref);
}

static void make_dispatched(flow_t *f, int64_t t)
{
    sim_order_t *o = &f->b->plan->orders[f->order];
    ship_head(f, "ShipmentDispatched");
    put(f->b, "\"dispatched_at\":");
    put_time(f->b, t);
    put(f->b, ",\"packages\":%d,\"weight_kg\":%.1f}}",
        (int)sim_rand_range(&f->r, 1, 3),
        (double)sim_rand_range(&f->r, 12, 400) / 10.0);
    flow_event(f, SIM_SHIPMENTS, SIM_K_DISPATCHED, o->shipment_id, "tms-shipit",
               t, NULL);
}

static void make_cancelled(flow_t *f, int64_t t)
{
    sim_order_t *o = &f->b->plan->orders[f->order];
    ship_head(f, "ShipmentCancelled");
    put(f->b, "\"reason\":");
    put_str(
        f->b,
        cancel_reasons[sim_rand_range(&f->r, 0, COUNT(cancel_reasons) - 1)]);
    put(f->b, "}}");
    flow_event(f, SIM_SHIPMENTS, SIM_K_CANCELLED, o->shipment_id, "tms-shipit",
               t, NULL);
}

/* How a carrier's parcels travel: its own status code behind each
 * normalised milestone (in the order of milestone_names; NULL: none
 * given) and where they pass. Carriers without a profile get the last. */
typedef struct carrier_profile {
    const char *code;
    const char *status[7];
    const char *gateway, *hub;
} carrier_profile_t;

static const char *const milestone_names[] = {
    "PICKED_UP",          "IN_TRANSIT", "ARRIVED_AT_HUB", "OUT_FOR_DELIVERY",
    "DELIVERY_ATTEMPTED", "EXCEPTION",  "DELIVERED"};
static const carrier_profile_t profiles[] = {
    {"dhl",
     {"PU", "PL", "AF", "WC", "NH", "HP", "OK"},
     "DHL Gateway San Francisco, US",
     "DHL Service Center Oakland, US"},
    {"ups",
     {"P", "I", "AR", "OT", "NA", "X", "D"},
     "UPS Oakland, US",
     "UPS Hub Sacramento, US"},
    {NULL,
     {NULL},
     "Carrier gateway San Francisco, US",
     "Carrier hub Hayward, US"}};

static const carrier_profile_t *profile_of(const char *carrier)
{
    size_t i = 0;
    while (profiles[i].code && strcmp(profiles[i].code, carrier) != 0) {
        i++;
    }
    return &profiles[i];
}

/* The carrier's own status code behind a normalised milestone. */
static const char *status_code(const char *carrier, const char *code)
{
    for (size_t i = 0; i < COUNT(milestone_names); i++) {
        if (strcmp(milestone_names[i], code) == 0) {
            return profile_of(carrier)->status[i];
        }
    }
    return NULL;
}

static void make_milestone(flow_t *f, const char *code, int64_t t,
                           const char *location, int64_t eta, const char *why)
{
    sim_order_t *o = &f->b->plan->orders[f->order];
    put(f->b,
        "\"tracking_ref\":\"%s\",\"carrier\":\"%s\",\"code\":\"%s\","
        "\"location\":",
        o->tracking_ref, o->carrier_code, code);
    put_str(f->b, location);
    put(f->b, ",\"eta\":");
    if (eta > 0) {
        put_time(f->b, eta);
    } else {
        put(f->b, "null");
    }
    put(f->b, ",\"exception_reason\":");
    put_str(f->b, why);
    put(f->b, ",\"carrier_status_code\":");
    put_str(f->b, status_code(o->carrier_code, code));
    flow_event(f, SIM_MILESTONES, SIM_K_MILESTONE, o->tracking_ref,
               o->carrier_source, t, code);
}

static void make_pod(flow_t *f, int64_t delivered, int64_t t)
{
    sim_order_t *o = &f->b->plan->orders[f->order];
    builder_t *b = f->b;
    bool epod = sim_rand_pct(&f->r, 15);
    bool damage = sim_rand_pct(&f->r, 10);
    size_t damaged = (size_t)sim_rand_range(&f->r, 0, (int64_t)o->n_lines - 1);
    double lat = cities[f->city].lat +
                 (double)sim_rand_range(&f->r, -200, 200) / 10000.0;
    double lon = cities[f->city].lon +
                 (double)sim_rand_range(&f->r, -200, 200) / 10000.0;
    put(b, "\"picking_name\":");
    put_str(b, o->picking);
    put(b, ",\"tracking_ref\":\"%s\",\"delivered_at\":", o->tracking_ref);
    put_time(b, delivered);
    put(b, ",\"receiver_name\":");
    put_str(b, o->receiver);
    put(b, ",\"gps\":\"%.4f,%.4f\",\"signature\":", lat, lon);
    if (epod) {
        put(b, "null");
    } else {
        char svg[256];
        snprintf(svg, sizeof(svg),
                 "<svg xmlns='http://www.w3.org/2000/svg' width='200' "
                 "height='60'><path d='M10 %d L%d 15 L50 45 M70 20 C90 60 "
                 "120 0 140 %d' stroke='black' fill='none'/></svg>",
                 (int)sim_rand_range(&f->r, 30, 50),
                 (int)sim_rand_range(&f->r, 20, 40),
                 (int)sim_rand_range(&f->r, 25, 55));
        put(b, "{\"mimetype\":\"image/svg+xml\",\"data\":");
        put_str(b, svg);
        put(b, "}");
    }
    put(b, ",\"lines\":[");
    for (size_t i = 0; i < o->n_lines; i++) {
        bool bad = damage && i == damaged;
        put(b, "%s{\"product_code\":", i ? "," : "");
        put_str(b, o->lines[i].code);
        put(b,
            ",\"expected_qty\":%.15g,\"delivered_qty\":%.15g,\"issue\":\"%s\"}",
            o->lines[i].qty, bad ? o->lines[i].qty - 1 : o->lines[i].qty,
            bad ? "DAMAGE" : "NONE");
    }
    put(b, "]");
    flow_event(f, SIM_POD, SIM_K_POD, o->picking,
               epod ? o->carrier_source : "driver-app", t, o->receiver);
    if (!b->failed) {
        b->plan->events[b->plan->n_events - 1].delivered_at = delivered;
    }
}

/* From collection to delivery: the milestones and the POD. */
static void make_transit(flow_t *f, int64_t dispatch)
{
    char where[96];
    const char *city = cities[f->city].city;
    const carrier_profile_t *c =
        profile_of(f->b->plan->orders[f->order].carrier_code);
    int path = (int)sim_rand_range(&f->r, 0, 99); /* <10 exception,
                                                     <20 attempt */
    int64_t picked = dispatch + later(f, 2, 10);
    int64_t transit = picked + later(f, 20, 90);
    int64_t hub = transit + later(f, 30, 180);
    int64_t exc = hub + later(f, 20, 60);
    int64_t ofd = (path < 10 ? exc : hub) + later(f, 60, 180);
    int64_t attempt = ofd + later(f, 15, 90);
    int64_t ofd2 = attempt + later(f, 60, 180);
    int64_t delivered =
        (path >= 10 && path < 20 ? ofd2 : ofd) + later(f, 15, 120);
    /* The carrier's estimate: the next full hour after delivery. */
    int64_t eta = (delivered / HOUR + 1) * HOUR;
    const char *hub_name = c->hub;
    make_milestone(f, "PICKED_UP", picked, "San Francisco warehouse, US", -1,
                   NULL);
    make_milestone(f, "IN_TRANSIT", transit, c->gateway, eta, NULL);
    make_milestone(f, "ARRIVED_AT_HUB", hub, hub_name, eta, NULL);
    if (path < 10) {
        make_milestone(f, "EXCEPTION", exc, hub_name, -1,
                       exception_reasons[sim_rand_range(
                           &f->r, 0, COUNT(exception_reasons) - 1)]);
    }
    snprintf(where, sizeof(where), "%s delivery route, US", city);
    make_milestone(f, "OUT_FOR_DELIVERY", ofd, where, eta, NULL);
    if (path >= 10 && path < 20) {
        make_milestone(f, "DELIVERY_ATTEMPTED", attempt, where, -1,
                       attempt_reasons[sim_rand_range(
                           &f->r, 0, COUNT(attempt_reasons) - 1)]);
        make_milestone(f, "OUT_FOR_DELIVERY", ofd2, where, eta, NULL);
    }
    snprintf(where, sizeof(where), "%s, US", city);
    make_milestone(f, "DELIVERED", delivered, where, -1, NULL);
    int64_t handed = delivered - sim_rand_range(&f->r, 0, 59) * 1000;
    make_pod(f, handed, delivered + later(f, 1, 4));
}

/* Who delivers for carrier index i: its code, else dhl and ups by
 * turns. */
static const char *delivered_by(const sim_plan_conf_t *conf, size_t i)
{
    const char *code = conf->carrier_codes && i < conf->n_carriers
                           ? conf->carrier_codes[i]
                           : NULL;
    return code && code[0] ? code : (i % 2 == 0 ? "dhl" : "ups");
}

/* Every event of one order; the order's ids come first. */
static void make_order(builder_t *b, size_t i)
{
    flow_t f;
    memset(&f, 0, sizeof(f));
    f.b = b;
    f.order = i;
    sim_order_t *o = &b->plan->orders[i];
    sim_rand_stream(&f.r, b->seed, SIM_STREAM_FLOW, i);
    sim_rand_hex(&f.r, f.trace, 32);
    f.city = o->partner_id >= 7 && o->partner_id < 7 + (int64_t)COUNT(cities)
                 ? (size_t)(o->partner_id - 7)
                 : 0;
    o->carrier_code = delivered_by(b->conf, o->carrier);
    snprintf(o->carrier_source, sizeof(o->carrier_source), "carrier-%s",
             o->carrier_code);
    o->wms = wms_sources[sim_rand_range(&f.r, 0, COUNT(wms_sources) - 1)];
    snprintf(o->receiver, sizeof(o->receiver), "%s",
             receivers[sim_rand_range(&f.r, 0, COUNT(receivers) - 1)]);
    int64_t placed = b->conf->start_ms + later(&f, 0, 180);
    int64_t pick = placed + later(&f, 10, 60);
    int64_t booked = pick + later(&f, 5, 20);
    int64_t label = booked + later(&f, 1, 5);
    char year[25];
    sim_iso_time(booked, year);
    snprintf(o->shipment_id, sizeof(o->shipment_id), "SHP-%.4s-%06lld", year,
             (long long)(b->ship_base + (int64_t)i * 7 + 1));
    snprintf(o->platform_ref, sizeof(o->platform_ref), "SI-%05lld",
             (long long)(b->ref_base + (int64_t)i));
    if (strcmp(o->carrier_code, "dhl") == 0) {
        snprintf(o->tracking_ref, sizeof(o->tracking_ref), "JD01%016lld",
                 (long long)(b->trk_base * 1000 + (int64_t)i));
    } else if (strcmp(o->carrier_code, "ups") == 0) {
        snprintf(o->tracking_ref, sizeof(o->tracking_ref), "1Z4E97W203%08lld",
                 (long long)(b->trk_base % 100000 * 1000 + (int64_t)i));
    } else {
        snprintf(o->tracking_ref, sizeof(o->tracking_ref), "3SLGX%010lld",
                 (long long)(b->trk_base * 1000 + (int64_t)i));
    }
    o->cancelled = sim_rand_pct(&f.r, b->conf->cancelled_pct);
    o->labelled = !o->cancelled || sim_rand_pct(&f.r, 50);
    int64_t cancel = (o->labelled ? label : booked) + later(&f, 10, 120);
    int64_t dispatch = label + later(&f, 30, 120);
    make_pick(&f, pick);
    make_booked(&f, booked);
    if (o->labelled) {
        make_label(&f, label);
    }
    if (o->cancelled) {
        make_cancelled(&f, cancel);
        return;
    }
    make_dispatched(&f, dispatch);
    make_transit(&f, dispatch);
}

/* ---- knobs ---- */

static int cmp_time(const void *a, const void *b)
{
    const sim_event_t *x = a, *y = b;
    if (x->occurred_at != y->occurred_at) {
        return x->occurred_at < y->occurred_at ? -1 : 1;
    }
    if (x->order != y->order) {
        return x->order < y->order ? -1 : 1;
    }
    return x->serial < y->serial ? -1 : x->serial > y->serial;
}

static int cmp_pos(const void *a, const void *b)
{
    const sim_event_t *x = a, *y = b;
    if (x->pos != y->pos) {
        return x->pos < y->pos ? -1 : 1;
    }
    return x->serial < y->serial ? -1 : x->serial > y->serial;
}

/* May e and the next event of its entity, f, be swapped? Pairs whose
 * outcome the consumers define: label first (held for the booking),
 * dispatch before label (held for the label), cancel before label (the
 * label then comes too late), and two milestones (the older is stale). */
static bool swappable(const sim_event_t *e, const sim_event_t *f)
{
    if (e->kind == SIM_K_MILESTONE) {
        return f->kind == SIM_K_MILESTONE;
    }
    return (e->kind == SIM_K_BOOKED && f->kind == SIM_K_LABEL) ||
           (e->kind == SIM_K_LABEL &&
            (f->kind == SIM_K_DISPATCHED || f->kind == SIM_K_CANCELLED));
}

/* The draws of one base event, made whatever the percentages. */
typedef struct draws {
    bool dup, ooo, poison, wrong, unmapped;
    int poison_kind;
    int dup_delay;
} draws_t;

static sim_event_t *copy_of(builder_t *b, size_t idx, sim_knob_t knob,
                            int64_t pos)
{
    sim_event_t *c = push(b); /* may move events[] */
    if (!c) {
        return NULL;
    }
    size_t serial = c->serial;
    *c = b->plan->events[idx];
    c->serial = serial;
    c->knob = knob;
    c->pos = pos;
    c->body = strdup(b->plan->events[idx].body);
    if (!c->body) {
        b->failed = true;
    }
    return c;
}

/* The moves of one order: dispatch before booking, late POD, swaps. */
static void move_order(builder_t *b, size_t *idx, size_t n, const draws_t *d,
                       bool dbb, bool late)
{
    sim_event_t *ev = b->plan->events;
    size_t booked = n, dispatch = n;
    bool moved[64] = {false};
    for (size_t k = 0; k < n; k++) {
        booked = ev[idx[k]].kind == SIM_K_BOOKED ? k : booked;
        dispatch = ev[idx[k]].kind == SIM_K_DISPATCHED ? k : dispatch;
        if (late && ev[idx[k]].kind == SIM_K_POD) {
            ev[idx[k]].pos += LATE_POS;
            ev[idx[k]].knob = SIM_KNOB_LATE_POD;
            moved[k] = true;
        }
    }
    if (dbb && booked < n && dispatch < n) {
        ev[idx[dispatch]].pos = ev[idx[booked]].pos - BASE_STEP / 2;
        ev[idx[dispatch]].knob = SIM_KNOB_DISPATCH_BEFORE_BOOKING;
    }
    for (size_t k = 0; k + 1 < n && k + 1 < 64; k++) {
        sim_event_t *e = &ev[idx[k]];
        /* the next event of the same entity (same topic and key) */
        size_t j = k + 1;
        while (j < n && (ev[idx[j]].topic != e->topic ||
                         strcmp(ev[idx[j]].key, e->key) != 0)) {
            j++;
        }
        if (j >= n || j >= 64 || !d[k].ooo || moved[k] || moved[j] ||
            (dbb && e->topic == SIM_SHIPMENTS) || !swappable(e, &ev[idx[j]])) {
            continue;
        }
        int64_t p = e->pos;
        e->pos = ev[idx[j]].pos;
        ev[idx[j]].pos = p;
        ev[idx[j]].knob = SIM_KNOB_OUT_OF_ORDER;
        moved[k] = moved[j] = true;
    }
}

/* body (a booking's members) with its carrier code replaced by to;
 * NULL when out of memory. */
static char *with_carrier(const char *body, const char *code, const char *to)
{
    lgx_buf_t *from = lgx_buf_new(), *out = lgx_buf_new();
    char *text = NULL;
    lgx_err_t rc =
        from && out ? lgx_buf_puts(from, "\"carrier\":") : LGX_ERR_NOMEM;
    rc = rc == LGX_OK ? lgx_buf_json_str(from, code, strlen(code)) : rc;
    const char *at = rc == LGX_OK ? strstr(body, lgx_buf_data(from)) : NULL;
    if (at) {
        rc = lgx_buf_append(out, body, (size_t)(at - body));
        rc = rc == LGX_OK ? lgx_buf_puts(out, "\"carrier\":") : rc;
        rc = rc == LGX_OK ? lgx_buf_json_str(out, to, strlen(to)) : rc;
        rc = rc == LGX_OK ? lgx_buf_puts(out, at + lgx_buf_len(from)) : rc;
        text = rc == LGX_OK ? lgx_buf_take(out) : NULL;
    }
    lgx_buf_destroy(from);
    lgx_buf_destroy(out);
    return text;
}

/* The copies of one base event: unmapped carrier (just before it),
 * wrong source, poison, duplicate. */
static void copy_event(builder_t *b, size_t i, const draws_t *d)
{
    sim_event_t *c;
    if (d->unmapped &&
        (c = copy_of(b, i, SIM_KNOB_UNMAPPED_CARRIER,
                     b->plan->events[i].pos - 10)) &&
        c->body) {
        char *body = with_carrier(c->body, c->detail, SIM_UNMAPPED_CARRIER);
        sim_rand_uuid_of(c->event_id, 0x756E6D6170ULL, c->event_id);
        snprintf(c->detail, sizeof(c->detail), "%s", SIM_UNMAPPED_CARRIER);
        free(c->body);
        c->body = body;
        b->failed = b->failed || !body;
    }
    if (d->wrong && (c = copy_of(b, i, SIM_KNOB_WRONG_SOURCE,
                                 b->plan->events[i].pos + 10))) {
        sim_rand_uuid_of(c->event_id, 0x77726F6E67ULL, c->event_id);
        snprintf(c->source, sizeof(c->source), "%s",
                 sim_wrong_source(c->topic));
    }
    if (d->poison &&
        (c = copy_of(b, i, SIM_KNOB_POISON, b->plan->events[i].pos + 20))) {
        c->poison = (sim_poison_t)d->poison_kind;
        sim_rand_uuid_of(c->event_id, 0x706F69736F6EULL, c->event_id);
        if (c->poison == SIM_POISON_NO_EVENT_ID) {
            c->event_id[0] = '\0';
        } else if (c->poison == SIM_POISON_NO_SOURCE) {
            c->source[0] = '\0';
        }
    }
    if (d->dup) {
        copy_of(b, i, SIM_KNOB_DUPLICATES,
                b->plan->events[i].pos + 30 + d->dup_delay * BASE_STEP);
    }
}

/* A base event's place: by order, then time (its causal order). */
typedef struct slot {
    size_t order;
    int64_t pos;
    size_t idx;
} slot_t;

static int cmp_slot(const void *a, const void *b)
{
    const slot_t *x = a, *y = b;
    if (x->order != y->order) {
        return x->order < y->order ? -1 : 1;
    }
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static void apply_knobs(builder_t *b)
{
    const long *pct = b->conf->knob_pct;
    size_t n_base = b->plan->n_events;
    slot_t *all = malloc((n_base ? n_base : 1) * sizeof(*all));
    size_t idx[64];
    draws_t d[64];
    if (!all) {
        b->failed = true;
        return;
    }
    for (size_t k = 0; k < n_base; k++) {
        all[k].order = b->plan->events[k].order;
        all[k].pos = b->plan->events[k].pos;
        all[k].idx = k;
    }
    qsort(all, n_base, sizeof(*all), cmp_slot);
    for (size_t first = 0, i = 0; i < b->plan->n_orders && !b->failed; i++) {
        size_t n = 0;
        while (first + n < n_base && all[first + n].order == i) {
            if (n < 64) {
                idx[n] = all[first + n].idx;
            }
            n++;
        }
        first += n;
        n = n < 64 ? n : 64;
        sim_rand_t r;
        sim_rand_stream(&r, b->seed, SIM_STREAM_KNOBS, i);
        bool dbb = sim_rand_pct(&r, pct[SIM_KNOB_DISPATCH_BEFORE_BOOKING]);
        bool late = sim_rand_pct(&r, pct[SIM_KNOB_LATE_POD]);
        for (size_t k = 0; k < n; k++) {
            d[k].dup = sim_rand_pct(&r, pct[SIM_KNOB_DUPLICATES]);
            d[k].ooo = sim_rand_pct(&r, pct[SIM_KNOB_OUT_OF_ORDER]);
            d[k].poison = sim_rand_pct(&r, pct[SIM_KNOB_POISON]);
            d[k].wrong = sim_rand_pct(&r, pct[SIM_KNOB_WRONG_SOURCE]);
            d[k].poison_kind = (int)sim_rand_range(&r, SIM_POISON_NOT_FRAMED,
                                                   SIM_POISON_NO_SOURCE);
            d[k].dup_delay = (int)sim_rand_range(&r, 0, 3);
            d[k].unmapped = false;
        }
        /* Drawn after the others, so that they stay as they were. */
        bool unmapped = sim_rand_pct(&r, pct[SIM_KNOB_UNMAPPED_CARRIER]);
        for (size_t k = 0; k < n; k++) {
            d[k].unmapped =
                unmapped && b->plan->events[idx[k]].kind == SIM_K_BOOKED;
        }
        move_order(b, idx, n, d, dbb, late);
        for (size_t k = 0; k < n && !b->failed; k++) {
            copy_event(b, idx[k], &d[k]);
        }
    }
    free(all);
}

/* The whole record: the envelope, then the record's own members. */
static void finish_json(builder_t *b, sim_event_t *e)
{
    const sim_order_t *o = &b->plan->orders[e->order];
    /* The contract version each record is written with (the newest). */
    int version = e->topic == SIM_PICKS ? 3 : 2;
    char t[25];
    sim_iso_time(e->occurred_at, t);
    lgx_buf_reset(b->buf);
    put(b, "{\"event_id\":\"%s\",\"correlation_id\":", e->event_id);
    put_str(b, o->name);
    put(b, ",\"causation_id\":");
    put_str(b, e->cause[0] ? e->cause : NULL);
    put(b,
        ",\"source_system\":\"%s\",\"occurred_at\":\"%s\","
        "\"schema_version\":%d,%s}",
        e->source, t, version, e->body);
    e->json = lgx_buf_take(b->buf);
    if (!e->json) {
        b->failed = true;
    }
}

lgx_err_t sim_plan_build(const sim_plan_conf_t *conf, sim_order_t *orders,
                         size_t n, sim_plan_t *plan)
{
    builder_t b;
    memset(&b, 0, sizeof(b));
    memset(plan, 0, sizeof(*plan));
    plan->conf = conf;
    plan->orders = orders;
    plan->n_orders = n;
    b.conf = conf;
    b.plan = plan;
    b.seed = sim_rand_hash(conf->seed);
    b.buf = lgx_buf_new();
    sim_rand_t g;
    sim_rand_stream(&g, b.seed, SIM_STREAM_GLOBAL, 0);
    b.ship_base = sim_rand_range(&g, 100000, 799999);
    b.ref_base = sim_rand_range(&g, 10000, 89999);
    b.trk_base = sim_rand_range(&g, 1000000, 8999999);
    b.failed = !b.buf;
    for (size_t i = 0; i < n && !b.failed; i++) {
        make_order(&b, i);
    }
    if (!b.failed) {
        /* The causal order across orders: by time. */
        qsort(plan->events, plan->n_events, sizeof(*plan->events), cmp_time);
        for (size_t i = 0; i < plan->n_events; i++) {
            plan->events[i].pos = (int64_t)(i + 1) * BASE_STEP;
            plan->events[i].serial = i;
        }
        apply_knobs(&b);
    }
    for (size_t i = 0; i < plan->n_events && !b.failed; i++) {
        finish_json(&b, &plan->events[i]);
    }
    lgx_buf_destroy(b.buf);
    if (b.failed) {
        sim_plan_free(plan);
        return LGX_ERR_NOMEM;
    }
    qsort(plan->events, plan->n_events, sizeof(*plan->events), cmp_pos);
    size_t poison = 0;
    for (size_t i = 0; i < plan->n_events; i++) {
        if (plan->events[i].poison) {
            snprintf(plan->events[i].poison_id,
                     sizeof(plan->events[i].poison_id), "P%03zu", ++poison);
        }
    }
    return LGX_OK;
}

void sim_plan_free(sim_plan_t *plan)
{
    for (size_t i = 0; plan && i < plan->n_events; i++) {
        free(plan->events[i].body);
        free(plan->events[i].json);
    }
    if (plan) {
        free(plan->events);
        memset(plan, 0, sizeof(*plan));
    }
}
