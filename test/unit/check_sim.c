/*
 * Unit tests of lgx-simulate's pure parts: which lots each pick names and
 * which picks are short of Odoo's stock (sim_stock), and what the model
 * expects of them (sim_model: the rules' shortage policy, lot_required).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_rules.h"
#include "simulate/sim_model.h"
#include "simulate/sim_plan.h"
#include "simulate/sim_stock.h"

Suite *sim_suite(void);

#define N_ORDERS 4
#define LOC 8

static sim_order_t orders[N_ORDERS];
static sim_stock_t *st;
static sim_track_t track; /* of the product the last STOCK made */

static void setup(void)
{
    memset(orders, 0, sizeof(orders));
    for (size_t i = 0; i < N_ORDERS; i++) {
        snprintf(orders[i].picking, sizeof(orders[i].picking), "WH/OUT/%05zu",
                 i + 1);
        snprintf(orders[i].name, sizeof(orders[i].name), "S%05zu", i + 1);
    }
    st = sim_stock_new();
    ck_assert_ptr_nonnull(st);
}

static void teardown(void)
{
    sim_stock_destroy(st);
}

/* A line of qty of code on order i, with its move (reserved: untracked,
 * the move's quantity). */
static void line(size_t i, const char *code, double qty, double reserved)
{
    sim_order_t *o = &orders[i];
    snprintf(o->lines[o->n_lines].code, sizeof(o->lines[0].code), "%s", code);
    o->lines[o->n_lines++].qty = qty;
    ck_assert_int_eq(sim_stock_add_move(st, i, code, track, LOC, reserved),
                     LGX_OK);
}

/* A quant: lot (NULL: none), quantity, reserved. */
typedef struct quant_spec {
    const char *lot;
    double qty, reserved;
} quant_spec_t;

/* Product code tracked as t, with n quants first in first out. */
static void stock(const char *code, sim_track_t t, const quant_spec_t *q,
                  size_t n)
{
    track = t;
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(sim_stock_add_quant(st, code, q[i].lot, LOC, q[i].qty,
                                             q[i].reserved),
                         LGX_OK);
    }
}

#define STOCK(code, t, ...)                                                    \
    stock(code, t, (const quant_spec_t[]){__VA_ARGS__},                        \
          sizeof((const quant_spec_t[]){__VA_ARGS__}) / sizeof(quant_spec_t))

static void reserved(size_t i, const char *code, const char *lot, double qty)
{
    ck_assert_int_eq(sim_stock_add_reserved(st, i, code, lot, qty), LGX_OK);
}

/* A line of a tracked product all of which Odoo reserved in lot. */
static void line_in_lot(size_t i, const char *code, double qty, const char *lot)
{
    line(i, code, qty, 0);
    reserved(i, code, lot, qty);
}

static void plan(long other_lot_pct)
{
    ck_assert_int_eq(sim_stock_plan(st, 42, other_lot_pct, orders, N_ORDERS),
                     LGX_OK);
}

/* Pick k of order i's line l is qty of lot with shortage s. */
static void assert_pick(size_t i, size_t l, size_t k, const char *lot,
                        double qty, sim_short_t s)
{
    const sim_line_t *ln = &orders[i].lines[l];
    ck_assert_msg(k < ln->n_picks, "order %zu line %zu: %zu pick(s)", i, l,
                  ln->n_picks);
    ck_assert_str_eq(ln->picks[k].lot, lot);
    ck_assert_double_eq_tol(ln->picks[k].qty, qty, 1e-9);
    ck_assert_int_eq(ln->picks[k].shortage, s);
}

/* ---- lots ---- */

/* Odoo reserved L1 (first in) and L2: each pick names what was reserved
 * for it, an order nothing was reserved for takes the free stock first in
 * first out, across two lots. */
START_TEST(test_lots_reserved_first_then_first_in_first_out)
{
    STOCK("T", SIM_TRACK_LOT, {"L1", 4, 4}, {"L2", 6, 5}, {"L3", 100, 0});
    line_in_lot(0, "T", 3, "L1");
    line(1, "T", 6, 0);
    reserved(1, "T", "L1", 1);
    reserved(1, "T", "L2", 5);
    line(2, "T", 5, 0);
    plan(0);
    ck_assert(orders[0].lines[0].tracked);
    ck_assert_uint_eq(orders[0].lines[0].n_picks, 1);
    assert_pick(0, 0, 0, "L1", 3, SIM_SHORT_NO);
    ck_assert_uint_eq(orders[1].lines[0].n_picks, 2);
    assert_pick(1, 0, 0, "L1", 1, SIM_SHORT_NO);
    assert_pick(1, 0, 1, "L2", 5, SIM_SHORT_NO);
    ck_assert_uint_eq(orders[2].lines[0].n_picks, 2);
    assert_pick(2, 0, 0, "L2", 1, SIM_SHORT_NO);
    assert_pick(2, 0, 1, "L3", 4, SIM_SHORT_NO);
    /* Its reservation plus what is free of the lot. */
    ck_assert_double_eq_tol(orders[0].lines[0].picks[0].available, 3, 1e-9);
    ck_assert_double_eq_tol(orders[2].lines[0].picks[1].available, 100, 1e-9);
    ck_assert(!sim_order_lot_missing(&orders[2]));
}
END_TEST

/* Rows come in any order of the orders; each move's reserved lines keep
 * the order Odoo made them in. */
START_TEST(test_lots_reserved_lines_in_odoo_order)
{
    STOCK("T", SIM_TRACK_LOT, {"L1", 5, 3}, {"L2", 5, 3});
    reserved(1, "T", "L2", 2);
    line(1, "T", 4, 0);
    reserved(0, "T", "L2", 1);
    reserved(1, "T", "L1", 2);
    line_in_lot(0, "T", 1, "L1");
    plan(0);
    ck_assert_uint_eq(orders[1].lines[0].n_picks, 2);
    assert_pick(1, 0, 0, "L2", 2, SIM_SHORT_NO);
    assert_pick(1, 0, 1, "L1", 2, SIM_SHORT_NO);
    ck_assert_uint_eq(orders[0].lines[0].n_picks, 1);
    assert_pick(0, 0, 0, "L2", 1, SIM_SHORT_NO);
}
END_TEST

/* The warehouse takes a whole line from the newest lot that has all of
 * it free instead of what Odoo reserved; where no lot has, it picks what
 * was reserved. */
START_TEST(test_lots_other_lot_from_the_newest_with_it_free)
{
    STOCK("T", SIM_TRACK_LOT, {"L1", 4, 4}, {"L2", 3, 2}, {"L3", 5, 0});
    line_in_lot(0, "T", 4, "L1");
    line_in_lot(1, "T", 2, "L2");
    plan(100);
    assert_pick(0, 0, 0, "L3", 4, SIM_SHORT_NO);
    assert_pick(1, 0, 0, "L2", 2, SIM_SHORT_NO);
    ck_assert_uint_eq(orders[0].lines[0].n_picks + orders[1].lines[0].n_picks,
                      2);
}
END_TEST

/* More than every lot has free: the rest on the newest lot, which goes
 * below zero (a shortage of that lot in every order). */
START_TEST(test_lots_beyond_every_lot_on_the_newest)
{
    STOCK("T", SIM_TRACK_LOT, {"L1", 2, 0}, {"L2", 1, 0});
    line(0, "T", 5, 0);
    plan(0);
    ck_assert_uint_eq(orders[0].lines[0].n_picks, 2);
    assert_pick(0, 0, 0, "L1", 2, SIM_SHORT_NO);
    assert_pick(0, 0, 1, "L2", 3, SIM_SHORT_YES);
    ck_assert_double_eq_tol(orders[0].lines[0].picks[1].available, 1, 1e-9);
    ck_assert_int_eq(sim_order_shortage(&orders[0]), SIM_SHORT_YES);
}
END_TEST

/* A serial-tracked line names one serial per unit: those Odoo reserved,
 * then free ones; a unit no serial is left for has none (lot_required). */
START_TEST(test_serials_one_per_unit)
{
    STOCK("S", SIM_TRACK_SERIAL, {"SN1", 1, 1}, {"SN2", 1, 0}, {"SN3", 1, 0});
    line(0, "S", 2, 0);
    reserved(0, "S", "SN1", 1);
    line(1, "S", 2, 0);
    plan(100);
    ck_assert_uint_eq(orders[0].lines[0].n_picks, 2);
    assert_pick(0, 0, 0, "SN1", 1, SIM_SHORT_NO);
    assert_pick(0, 0, 1, "SN2", 1, SIM_SHORT_NO);
    ck_assert(!sim_order_lot_missing(&orders[0]));
    ck_assert_uint_eq(orders[1].lines[0].n_picks, 2);
    assert_pick(1, 0, 0, "SN3", 1, SIM_SHORT_NO);
    assert_pick(1, 0, 1, "", 1, SIM_SHORT_NO);
    ck_assert(sim_order_lot_missing(&orders[1]));
}
END_TEST

/* A product Odoo does not know (or no move of the order) keeps its plain
 * line; an untracked one gets one line without a lot. */
START_TEST(test_lines_without_stock_stay_plain)
{
    STOCK("U", SIM_TRACK_NONE, {NULL, 50, 0});
    line(0, "U", 2, 2);
    snprintf(orders[0].lines[1].code, sizeof(orders[0].lines[1].code), "X");
    orders[0].lines[1].qty = 1;
    orders[0].n_lines = 2;
    plan(0);
    ck_assert(!orders[0].lines[0].tracked);
    ck_assert_uint_eq(orders[0].lines[0].n_picks, 1);
    assert_pick(0, 0, 0, "", 2, SIM_SHORT_NO);
    ck_assert_ptr_null(orders[0].lines[1].picks);
    ck_assert_int_eq(sim_order_shortage(&orders[0]), SIM_SHORT_NO);
    ck_assert_uint_eq(sim_stock_n_quants(st), 1);
    ck_assert_int_eq(sim_stock_tracking(st, "X"), SIM_TRACK_NONE);
}
END_TEST

/* ---- shortages ---- */

/* An untracked product with stock (quantity, reserved) and up to three
 * orders of it (quantity, reserved for the move): each pick's shortage
 * and what Odoo has for it at best. */
typedef struct order_case {
    double qty, reserved, available;
    sim_short_t want;
} order_case_t;

static const struct shortage_case {
    const char *what;
    quant_spec_t stock;
    order_case_t o[3];
} shortage_cases[] = {
    {"stock 2, reserved for the first order of 4: both short in any order",
     {NULL, 2, 2},
     {{4, 2, 2, SIM_SHORT_YES}, {1, 0, 0, SIM_SHORT_YES}}},
    {"within its reservation, short only when a pick of more than Odoo has "
     "is validated first (Odoo then frees reservations)",
     {NULL, 2, 2},
     {{2, 2, 2, SIM_SHORT_MAYBE}, {3, 0, 0, SIM_SHORT_YES}}},
    {"what the run takes beyond its reservations fits in the free stock: "
     "none short, whatever the order",
     {NULL, 10, 5},
     {{2, 2, 7, SIM_SHORT_NO},
      {3, 3, 8, SIM_SHORT_NO},
      {4, 0, 5, SIM_SHORT_NO}}},
    {"stock below zero is nothing free (lgx-picks counts it as 0)",
     {NULL, -3, 0},
     {{1, 0, 0, SIM_SHORT_YES}}},
};

START_TEST(test_shortage_cases)
{
    const struct shortage_case *c = &shortage_cases[_i];
    size_t n = 0;
    stock("U", SIM_TRACK_NONE, &c->stock, 1);
    while (n < 3 && c->o[n].qty > 0) {
        line(n, "U", c->o[n].qty, c->o[n].reserved);
        n++;
    }
    plan(0);
    for (size_t i = 0; i < n; i++) {
        const sim_pick_t *p = orders[i].lines[0].picks;
        ck_assert_msg(p && orders[i].lines[0].n_picks == 1, "%s", c->what);
        ck_assert_msg(p->shortage == c->o[i].want &&
                          p->available > c->o[i].available - 1e-9 &&
                          p->available < c->o[i].available + 1e-9,
                      "%s: order %zu: shortage %d, %g in Odoo", c->what, i,
                      (int)p->shortage, p->available);
        ck_assert_int_eq(sim_order_shortage(&orders[i]), c->o[i].want);
    }
}
END_TEST

/* ---- the model ---- */

static sim_pick_t picks[2];
static sim_plan_t mplan;
static sim_final_t finals[1];
static sim_counts_t counts[SIM_N_TOPICS];
static sim_model_info_t info;
static lgx_rules_t *rules;
static sim_plan_conf_t mconf;
static const char *carrier_codes[1]; /* of carrier C1, NULL: by name */
static const char *mapping;          /* the rules' "mapping", or NULL */

/* The shipped rules with the pick's shortage policy set to policy, and
 * mapping as their "mapping" when set. */
static lgx_rules_t *rules_with(const char *policy)
{
    char err[256], *text = NULL;
    size_t len = 0;
    FILE *f = fopen(LGX_RULES_FILE, "r");
    ck_assert_ptr_nonnull(f);
    FILE *mem = open_memstream(&text, &len);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
        fwrite(buf, 1, n, mem);
    }
    fclose(f);
    fclose(mem);
    const char *from = "\"shortage\": \"apply\"";
    char *at = strstr(text, from), *end = strrchr(text, '}');
    ck_assert_ptr_nonnull(at);
    size_t size = len + 64 + (mapping ? strlen(mapping) : 0);
    char *out = malloc(size);
    snprintf(out, size, "%.*s\"shortage\": \"%s\"%.*s%s%s}", (int)(at - text),
             text, policy, (int)(end - at - strlen(from)), at + strlen(from),
             mapping ? ",\"mapping\":" : "", mapping ? mapping : "");
    lgx_rules_t *r = lgx_rules_parse(out, strlen(out), err, sizeof(err));
    ck_assert_msg(r != NULL, "%s", err);
    free(out);
    free(text);
    return r;
}

static void model_setup(void)
{
    memset(orders, 0, sizeof(orders));
    memset(picks, 0, sizeof(picks));
    memset(&mplan, 0, sizeof(mplan));
    snprintf(orders[0].picking, sizeof(orders[0].picking), "WH/OUT/00001");
    snprintf(orders[0].name, sizeof(orders[0].name), "S00001");
    snprintf(orders[0].state, sizeof(orders[0].state), "assigned");
    snprintf(orders[0].lines[0].code, sizeof(orders[0].lines[0].code), "U");
    orders[0].lines[0].qty = 3;
    orders[0].lines[0].picks = picks;
    orders[0].lines[0].n_picks = 1;
    orders[0].n_lines = 1;
    picks[0].qty = 3;
    rules = NULL;
    memset(&mconf, 0, sizeof(mconf));
    carrier_codes[0] = NULL;
    mapping = NULL;
}

static void model_teardown(void)
{
    sim_plan_free(&mplan);
    lgx_rules_destroy(rules);
}

/* The first event of kind made by knob. */
static const sim_event_t *event_of(sim_kind_t kind, sim_knob_t knob)
{
    for (size_t i = 0; i < mplan.n_events; i++) {
        if (mplan.events[i].kind == kind && mplan.events[i].knob == knob) {
            return &mplan.events[i];
        }
    }
    ck_abort_msg("no %s in the plan", sim_kind_name(kind));
    return NULL;
}

/* Plans the one order (not cancelled, no trouble but mconf's knobs) and
 * runs the model under policy; returns its pick event. */
static const sim_event_t *run_model(const char *policy)
{
    static const char *const carriers[] = {"C1"};
    char err[256];
    mconf.seed = "check";
    mconf.start_ms = 1767592800000LL;
    mconf.carrier_names = carriers;
    mconf.carrier_codes = carrier_codes;
    mconf.n_carriers = 1;
    rules = rules_with(policy);
    ck_assert_int_eq(sim_plan_build(&mconf, orders, 1, &mplan), LGX_OK);
    ck_assert_int_eq(sim_model_run(rules, &mplan, 7, finals, counts, &info, err,
                                   sizeof(err)),
                     LGX_OK);
    return event_of(SIM_K_PICK, SIM_KNOB_NONE);
}

/* The pick line of the stream names the lot. */
START_TEST(test_model_pick_names_its_lots)
{
    orders[0].lines[0].tracked = true;
    orders[0].lines[0].n_picks = 2;
    snprintf(picks[0].lot, sizeof(picks[0].lot), "L1");
    picks[0].qty = 1;
    snprintf(picks[1].lot, sizeof(picks[1].lot), "L2");
    picks[1].qty = 2;
    const sim_event_t *e = run_model("apply");
    ck_assert_ptr_nonnull(strstr(e->json, "\"product_code\":\"U\","
                                          "\"quantity\":1,\"lot\":\"L1\""));
    ck_assert_ptr_nonnull(strstr(e->json, "\"quantity\":2,\"lot\":\"L2\""));
    ck_assert_str_eq(e->outcome, "applied");
    ck_assert(finals[0].picked);
    ck_assert(!e->shortage && !e->may_shortage);
}
END_TEST

START_TEST(test_model_shortage_applied_by_default)
{
    picks[0].shortage = SIM_SHORT_YES;
    const sim_event_t *e = run_model("apply");
    ck_assert_str_eq(e->outcome, "applied");
    ck_assert(e->shortage && e->may_shortage);
    ck_assert(finals[0].picked && finals[0].shortage);
    ck_assert_str_eq(finals[0].state, "done");
    ck_assert_int_eq(counts[SIM_PICKS].shortage, 1);
    ck_assert_int_eq(counts[SIM_PICKS].shortage_max, 1);
}
END_TEST

/* A policy other than apply stops the pick: refused at once, or held
 * until it expires; the picking is told either way and stays as it was. */
static const struct {
    const char *policy, *reason;
    bool held;
} stops[] = {{"refuse", "shortage", false}, {"hold", "hold_expired", true}};

START_TEST(test_model_shortage_stops_the_pick_by_policy)
{
    picks[0].shortage = SIM_SHORT_YES;
    const sim_event_t *e = run_model(stops[_i].policy);
    ck_assert_str_eq(e->outcome, "rejected");
    ck_assert_str_eq(e->reason, stops[_i].reason);
    ck_assert(e->held == stops[_i].held && e->shortage);
    ck_assert(!finals[0].picked && finals[0].shortage);
    ck_assert_str_eq(finals[0].state, "assigned");
}
END_TEST

/* Short in some orders of the picks only: applied under apply; under
 * another policy its outcome depends on that order. */
START_TEST(test_model_shortage_in_some_orders)
{
    picks[0].shortage = SIM_SHORT_MAYBE;
    const sim_event_t *e = run_model("apply");
    ck_assert_str_eq(e->outcome, "applied");
    ck_assert(!e->shortage && e->may_shortage && !e->order_dependent);
    ck_assert(!finals[0].shortage && finals[0].may_shortage);
    ck_assert_int_eq(counts[SIM_PICKS].shortage, 0);
    ck_assert_int_eq(counts[SIM_PICKS].shortage_max, 1);
    sim_plan_free(&mplan);
    lgx_rules_destroy(rules);
    e = run_model("hold");
    ck_assert(e->order_dependent);
    ck_assert_uint_eq(info.order_dependent, 1);
}
END_TEST

START_TEST(test_model_lot_missing_refused)
{
    orders[0].lines[0].tracked = true;
    const sim_event_t *e = run_model("apply");
    ck_assert_ptr_nonnull(strstr(e->json, "\"lot\":null"));
    ck_assert_str_eq(e->outcome, "rejected");
    ck_assert_str_eq(e->reason, "lot_required");
    ck_assert(!finals[0].picked);
}
END_TEST

/* ---- carriers ---- */

#define PLATFORM_MAPS_DHL "{\"tms-*\":{\"carriers\":{\"dhl\":\"C1\"}}}"

/* A booking by the platform's code gets the carrier the mapping names;
 * milestones come from carrier-<code>. */
START_TEST(test_model_booking_by_code_mapped)
{
    carrier_codes[0] = "dhl";
    mapping = PLATFORM_MAPS_DHL;
    run_model("apply");
    const sim_event_t *b = event_of(SIM_K_BOOKED, SIM_KNOB_NONE);
    ck_assert_ptr_nonnull(strstr(b->json, "\"carrier\":\"dhl\""));
    ck_assert_str_eq(b->outcome, "applied");
    ck_assert_str_eq(finals[0].carrier, "C1");
    ck_assert_str_eq(event_of(SIM_K_MILESTONE, SIM_KNOB_NONE)->source,
                     "carrier-dhl");
    ck_assert_str_eq(finals[0].status, "delivered");
}
END_TEST

/* A code the mapping lacks is dead-lettered (unmapped_carrier); one it
 * maps to a name Odoo has no carrier by, unknown_carrier; without a code
 * the Odoo name passes through as before. */
static const struct {
    const char *code, *mapping, *outcome, *reason;
} bookings[] = {
    {"ups", PLATFORM_MAPS_DHL, "rejected", "unmapped_carrier"},
    {"dhl", "{\"tms-*\":{\"carriers\":{\"dhl\":\"C9\"}}}", "rejected",
     "unknown_carrier"},
    {NULL, "{\"wms-*\":{\"carriers\":{\"dhl\":\"C1\"}}}", "applied", ""},
};

START_TEST(test_model_booking_outcome_by_mapping)
{
    carrier_codes[0] = bookings[_i].code;
    mapping = bookings[_i].mapping;
    run_model("apply");
    const sim_event_t *b = event_of(SIM_K_BOOKED, SIM_KNOB_NONE);
    ck_assert_str_eq(b->outcome, bookings[_i].outcome);
    ck_assert_str_eq(b->reason, bookings[_i].reason);
}
END_TEST

/* The unmapped-carrier knob sends the booking first with a code the
 * mapping lacks: that copy is dead-lettered, the booking applies. */
START_TEST(test_model_unmapped_copy_before_the_booking)
{
    carrier_codes[0] = "dhl";
    mapping = PLATFORM_MAPS_DHL;
    mconf.knob_pct[SIM_KNOB_UNMAPPED_CARRIER] = 100;
    run_model("apply");
    const sim_event_t *c = event_of(SIM_K_BOOKED, SIM_KNOB_UNMAPPED_CARRIER);
    const sim_event_t *b = event_of(SIM_K_BOOKED, SIM_KNOB_NONE);
    ck_assert(c < b);
    ck_assert_str_ne(c->event_id, b->event_id);
    ck_assert_ptr_nonnull(
        strstr(c->json, "\"carrier\":\"" SIM_UNMAPPED_CARRIER "\""));
    ck_assert_str_eq(c->outcome, "rejected");
    ck_assert_str_eq(c->reason, "unmapped_carrier");
    ck_assert_str_eq(b->outcome, "applied");
    ck_assert_str_eq(finals[0].carrier, "C1");
}
END_TEST

Suite *sim_suite(void)
{
    Suite *s = suite_create("sim");
    TCase *lots = tcase_create("lots");
    tcase_add_checked_fixture(lots, setup, teardown);
    tcase_add_test(lots, test_lots_reserved_first_then_first_in_first_out);
    tcase_add_test(lots, test_lots_reserved_lines_in_odoo_order);
    tcase_add_test(lots, test_lots_other_lot_from_the_newest_with_it_free);
    tcase_add_test(lots, test_lots_beyond_every_lot_on_the_newest);
    tcase_add_test(lots, test_serials_one_per_unit);
    tcase_add_test(lots, test_lines_without_stock_stay_plain);
    suite_add_tcase(s, lots);
    TCase *shortage = tcase_create("shortage");
    tcase_add_checked_fixture(shortage, setup, teardown);
    tcase_add_loop_test(
        shortage, test_shortage_cases, 0,
        (int)(sizeof(shortage_cases) / sizeof(shortage_cases[0])));
    suite_add_tcase(s, shortage);
    TCase *model = tcase_create("model");
    tcase_add_checked_fixture(model, model_setup, model_teardown);
    tcase_add_test(model, test_model_pick_names_its_lots);
    tcase_add_test(model, test_model_shortage_applied_by_default);
    tcase_add_loop_test(model, test_model_shortage_stops_the_pick_by_policy, 0,
                        (int)(sizeof(stops) / sizeof(stops[0])));
    tcase_add_test(model, test_model_shortage_in_some_orders);
    tcase_add_test(model, test_model_lot_missing_refused);
    suite_add_tcase(s, model);
    TCase *carriers = tcase_create("carriers");
    tcase_add_checked_fixture(carriers, model_setup, model_teardown);
    tcase_add_test(carriers, test_model_booking_by_code_mapped);
    tcase_add_loop_test(carriers, test_model_booking_outcome_by_mapping, 0,
                        (int)(sizeof(bookings) / sizeof(bookings[0])));
    tcase_add_test(carriers, test_model_unmapped_copy_before_the_booking);
    suite_add_tcase(s, carriers);
    return s;
}
