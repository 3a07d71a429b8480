/*
 * lgx-simulate: a realistic stream of logistics events for N orders
 * across lgx.picks, lgx.shipments, lgx.milestones and lgx.pod, in the
 * causal order real systems produce them, with knobs for what real
 * systems get wrong (duplicates, out-of-order, poison messages, late
 * proofs of delivery, dispatch before booking, wrong source systems).
 *
 *   lgx-simulate --odoo-url ... --create-orders --orders 20 --seed demo \
 *       --duplicates 5 --poison 2 --expected expected.json
 *
 * Deterministic: the same --seed (and the same pickings) gives the same
 * stream, byte for byte, event ids included. With --seed the timeline
 * starts at a fixed time (2026-01-05T06:00:00Z) unless --start-time says
 * otherwise; without it the seed is drawn from the clock (and printed) and
 * the timeline starts a day ago. Every event of the plan is dated within
 * 24 hours of the start.
 *
 * Exit codes: 0 all published (or written), 1 an Odoo, Kafka or output
 * failure, 2 bad configuration.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lgx_avro.h"
#include "lgx_buf.h"
#include "lgx_config.h"
#include "lgx_kafka.h"
#include "lgx_log.h"
#include "lgx_odoo.h"
#include "lgx_rules.h"
#include "lgx_time.h"
#include "sim_model.h"
#include "sim_odoo.h"
#include "sim_out.h"
#include "sim_plan.h"
#include "sim_rand.h"
#include "sim_report.h"
#include "sim_stock.h"

#ifndef LGX_SCHEMA_DIR
#define LGX_SCHEMA_DIR "avro-schemas"
#endif
#ifndef LGX_RULES_FILE
#define LGX_RULES_FILE "config/rules.json"
#endif

#define PROGRAM "lgx-simulate"
/* Where a seeded timeline starts unless --start-time says: a Monday,
 * early morning, in the past. */
#define SEEDED_START "2026-01-05T06:00:00.000Z"
#define DAY_MS (24LL * 3600 * 1000)
#define MAX_LIST 64

typedef struct sim_conf {
    char *brokers;
    long orders;
    char *seed;
    char *start_time;
    long rate;
    long pct[SIM_N_KNOBS];
    long cancelled;
    bool create_orders;
    char *pickings;
    char *products;
    char *partners;
    char *carriers;
    char *expected;
    char *output;
    char *log_events;
    bool dry_run;
    char *topic[SIM_N_TOPICS];
    char *schema_dir;
    char *rules;
    char *log_level;
    char **kafka_props;
} sim_conf_t;

#define OFF(f) offsetof(sim_conf_t, f)
#define KNOB(name, slot, what)                                                 \
    {                                                                          \
        name, LGX_OPT_INT, "0", OFF(pct[slot]), what, "0..100", 0              \
    }

static const lgx_opt_t sim_opts[] = {
    {"brokers", LGX_OPT_STR, "127.0.0.1:9092", OFF(brokers),
     "Kafka bootstrap servers", NULL, 0},
    {"orders", LGX_OPT_INT, "10", OFF(orders),
     "How many orders to simulate (with --pickings: at most this many of "
     "the file's pickings)",
     "1..100000", 0},
    {"seed", LGX_OPT_STR, NULL, OFF(seed),
     "Seed text: the same seed gives the same stream, event ids included "
     "(default: drawn from the clock and printed)",
     NULL, 0},
    {"start-time", LGX_OPT_STR, NULL, OFF(start_time),
     "When the first order may be placed (ISO 8601 UTC or epoch ms); "
     "default " SEEDED_START " with --seed, else now minus a day",
     NULL, 0},
    {"rate", LGX_OPT_INT, "0", OFF(rate),
     "Events published per second, the day compressed to it (0: as fast "
     "as possible)",
     "0..1000000", 0},
    KNOB("duplicates", SIM_KNOB_DUPLICATES,
         "Percentage of events sent twice (same event id)"),
    KNOB("out-of-order", SIM_KNOB_OUT_OF_ORDER,
         "Percentage of events swapped with the next one of the same "
         "entity (label before booking, dispatch before label, cancel "
         "before label, an older milestone after a newer one)"),
    KNOB("poison", SIM_KNOB_POISON,
         "Percentage of events followed by a poison message with the same "
         "key (not framed, truncated Avro, unknown schema id, empty "
         "event_id or source_system)"),
    KNOB("late-pod", SIM_KNOB_LATE_POD,
         "Percentage of proofs of delivery published after everything "
         "else"),
    KNOB("dispatch-before-booking", SIM_KNOB_DISPATCH_BEFORE_BOOKING,
         "Percentage of shipments whose dispatch is published before their "
         "booking"),
    KNOB("wrong-source", SIM_KNOB_WRONG_SOURCE,
         "Percentage of events also sent by a system the rules do not "
         "allow for them (a copy with its own event id)"),
    KNOB("unmapped-carrier", SIM_KNOB_UNMAPPED_CARRIER,
         "Percentage of bookings sent first with a carrier code the rules' "
         "mapping lacks, " SIM_UNMAPPED_CARRIER
         " (a copy with its own event id, just before the booking)"),
    {"cancelled", LGX_OPT_INT, "10", OFF(cancelled),
     "Percentage of orders whose shipment is cancelled after booking "
     "instead of dispatched",
     "0..100", 0},
    {"create-orders", LGX_OPT_BOOL, "false", OFF(create_orders),
     "Create and confirm the orders in Odoo first (needs --odoo-url), so "
     "that the events refer to real pickings",
     NULL, 0},
    {"pickings", LGX_OPT_STR, NULL, OFF(pickings),
     "Use existing pickings instead: a file with one picking name per "
     "line, optionally followed by CODE=QTY items (else the moves are "
     "read from Odoo)",
     NULL, 0},
    {"products", LGX_OPT_STR,
     "SKU-1001,SKU-1002,SKU-1003,SKU-1004,SKU-1005,SKU-1006,SKU-1007,SKU-"
     "1008,SKU-1009",
     OFF(products), "Product codes (default_code) orders are made of", NULL, 0},
    {"partners", LGX_OPT_STR, "7,8,9,10,11,12", OFF(partners),
     "Customer ids (res.partner) orders are placed for", NULL, 0},
    {"carriers", LGX_OPT_STR, "Standard delivery,The Poste,Local Delivery",
     OFF(carriers),
     "Odoo carrier names (delivery.carrier) shipments are booked with, each "
     "as NAME (booked by its Odoo name; the 1st, 3rd... deliver with "
     "carrier-dhl, the 2nd, 4th... with carrier-ups) or CODE=NAME (booked "
     "with the transport platform's carrier code, which the rules' mapping "
     "makes NAME; delivered by carrier-CODE)",
     NULL, 0},
    {"expected", LGX_OPT_STR, NULL, OFF(expected),
     "Write the expected final state (per picking, per topic, poison "
     "messages, every event's outcome) as JSON to this file",
     NULL, 0},
    {"output", LGX_OPT_STR, NULL, OFF(output),
     "Write the events as JSON lines to this file (- for stdout) instead "
     "of publishing them",
     NULL, 0},
    {"log-events", LGX_OPT_STR, NULL, OFF(log_events),
     "While publishing, also write every event published to this file as "
     "JSON lines (as --output writes them), for audits",
     NULL, 0},
    {"dry-run", LGX_OPT_BOOL, "false", OFF(dry_run),
     "Publish nothing and create nothing: the events go to --output (default "
     "stdout)",
     NULL, 0},
    {"picks-topic", LGX_OPT_STR, "lgx.picks", OFF(topic[SIM_PICKS]),
     "Topic of pick confirmations", NULL, 0},
    {"shipments-topic", LGX_OPT_STR, "lgx.shipments", OFF(topic[SIM_SHIPMENTS]),
     "Topic of shipment events", NULL, 0},
    {"milestones-topic", LGX_OPT_STR, "lgx.milestones",
     OFF(topic[SIM_MILESTONES]), "Topic of carrier milestones", NULL, 0},
    {"pod-topic", LGX_OPT_STR, "lgx.pod", OFF(topic[SIM_POD]),
     "Topic of proofs of delivery", NULL, 0},
    {"schema-dir", LGX_OPT_STR, LGX_SCHEMA_DIR, OFF(schema_dir),
     "Folder with schemas.json and the .avsc event contracts", NULL, 0},
    {"rules", LGX_OPT_STR, LGX_RULES_FILE, OFF(rules),
     "The consumers' rules file, from which the expected outcomes are "
     "derived",
     NULL, 0},
    {"log-level", LGX_OPT_ENUM, "info", OFF(log_level), "Log level",
     "debug|info|warn|error", 0},
    {"kafka", LGX_OPT_PROPS, NULL, OFF(kafka_props),
     "Any librdkafka setting, e.g. --kafka.security.protocol=SSL", NULL, 0},
    LGX_OPT_END};

/* Everything one run holds; released by app_free. */
typedef struct app {
    const sim_conf_t *conf;
    lgx_log_t *log;
    char seed[128];
    sim_plan_conf_t plan_conf;
    char *lists[3]; /* copies of products, partners, carriers */
    const char *codes[MAX_LIST];
    size_t n_codes;
    int64_t partners[MAX_LIST];
    size_t n_partners;
    const char *carriers[MAX_LIST];      /* Odoo names */
    const char *carrier_codes[MAX_LIST]; /* the platform's, or NULL */
    size_t n_carriers;
    lgx_avro_store_t *store;
    sim_schemas_t ids;
    lgx_rules_t *rules;
    FILE *out;          /* JSON lines, or NULL: Kafka */
    bool to_stdout;     /* out is stdout: the summary goes to stderr */
    sim_kafka_t *kafka; /* when publishing */
    lgx_odoo_t *odoo;
    sim_stock_t *stock; /* what Odoo holds; the orders' lines point in */
    sim_order_t *orders;
    size_t n_orders;
    sim_plan_t plan;
    sim_final_t *finals;
    sim_counts_t counts[SIM_N_TOPICS];
    sim_model_info_t info;
} app_t;

/* The next token of *p delimited by any of delims (NUL-terminated in
 * place), or NULL at the end; *p moves past it. */
static char *token(char **p, const char *delims)
{
    char *s = *p + strspn(*p, delims);
    if (!*s) {
        *p = s;
        return NULL;
    }
    size_t len = strcspn(s, delims);
    *p = s[len] ? s + len + 1 : s + len;
    s[len] = '\0';
    return s;
}

/* Splits text at commas into items (spaces around trimmed), in place. */
static size_t split(char *text, const char **items, size_t max)
{
    size_t n = 0;
    char *p = text;
    for (char *tok = token(&p, ","); tok && n < max; tok = token(&p, ",")) {
        tok += strspn(tok, " ");
        size_t len = strlen(tok);
        while (len > 0 && tok[len - 1] == ' ') {
            tok[--len] = '\0';
        }
        if (len > 0) {
            items[n++] = tok;
        }
    }
    return n;
}

/* --carriers items CODE=NAME into codes (NULL for a plain NAME) and
 * names; 2 with a message when one is not CODE=NAME. */
static int split_carriers(app_t *a)
{
    for (size_t i = 0; i < a->n_carriers; i++) {
        char *eq = strchr(a->carriers[i], '=');
        a->carrier_codes[i] = NULL;
        if (!eq) {
            continue;
        }
        *eq = '\0';
        a->carrier_codes[i] = a->carriers[i];
        a->carriers[i] = eq + 1 + strspn(eq + 1, " ");
        for (char *end = eq; end > a->carrier_codes[i] && end[-1] == ' ';) {
            *--end = '\0';
        }
        if (!a->carrier_codes[i][0] || !a->carriers[i][0]) {
            LGX_ERROR(a->log,
                      "option --carriers: item %zu is not CODE=NAME (an "
                      "Odoo carrier name, optionally after the platform's "
                      "code and =)",
                      i + 1);
            return 2;
        }
    }
    return 0;
}

/* The option lists, the seed and the start time; 2 with a message on
 * bad configuration. */
static int configure(app_t *a)
{
    const sim_conf_t *c = a->conf;
    const char *partners[MAX_LIST];
    a->lists[0] = strdup(c->products);
    a->lists[1] = strdup(c->partners);
    a->lists[2] = strdup(c->carriers);
    if (!a->lists[0] || !a->lists[1] || !a->lists[2]) {
        LGX_ERROR(a->log, "out of memory");
        return 1;
    }
    a->n_codes = split(a->lists[0], a->codes, MAX_LIST);
    a->n_carriers = split(a->lists[2], a->carriers, MAX_LIST);
    if (split_carriers(a) != 0) {
        return 2;
    }
    size_t n = split(a->lists[1], partners, MAX_LIST);
    for (size_t i = 0; i < n; i++) {
        char *end = NULL;
        long long id = strtoll(partners[i], &end, 10);
        if (!end || *end || id <= 0) {
            LGX_ERROR(a->log, "option --partners: '%s' is not a record id",
                      partners[i]);
            return 2;
        }
        a->partners[a->n_partners++] = id;
    }
    if (!a->n_codes || !a->n_partners || !a->n_carriers) {
        LGX_ERROR(a->log, "options --products, --partners and --carriers "
                          "each need at least one item");
        return 2;
    }
    if (c->seed && c->seed[0]) {
        snprintf(a->seed, sizeof(a->seed), "%s", c->seed);
    } else {
        snprintf(a->seed, sizeof(a->seed), "t%lld-%ld",
                 (long long)lgx_time_now_ms(), (long)getpid());
    }
    a->plan_conf.seed = a->seed;
    int64_t start = lgx_time_now_ms() - DAY_MS;
    const char *when =
        c->start_time ? c->start_time : (c->seed ? SEEDED_START : NULL);
    if (when) {
        if (lgx_time_parse(when, &start) != LGX_OK) {
            LGX_ERROR(a->log,
                      "option --start-time: '%s' is neither ISO 8601 UTC "
                      "(2026-11-27T06:00:00Z) nor epoch ms",
                      when);
            return 2;
        }
    }
    a->plan_conf.start_ms = start;
    for (int k = 0; k < SIM_N_KNOBS; k++) {
        a->plan_conf.knob_pct[k] = c->pct[k];
    }
    a->plan_conf.cancelled_pct = c->cancelled;
    a->plan_conf.carrier_names = a->carriers;
    a->plan_conf.carrier_codes = a->carrier_codes;
    a->plan_conf.n_carriers = a->n_carriers;
    return 0;
}

/* Which orders: what the options ask for, checked before anything. */
static int check_mode(const app_t *a)
{
    const sim_conf_t *c = a->conf;
    if (c->create_orders == (c->pickings != NULL)) {
        LGX_ERROR(a->log,
                  "say where the orders come from: --create-orders (with "
                  "--odoo-url) creates %ld sale orders in Odoo, or "
                  "--pickings FILE names existing pickings (one per line)",
                  c->orders);
        return 2;
    }
    if (c->create_orders && c->dry_run) {
        LGX_ERROR(a->log, "--dry-run creates nothing in Odoo: give "
                          "--pickings FILE instead of --create-orders");
        return 2;
    }
    return 0;
}

/* One line of the pickings file: "NAME [CODE=QTY ...]". */
static int parse_picking(app_t *a, char *line, long lineno, sim_order_t *o)
{
    char *p = line;
    const char *name = token(&p, " \t");
    snprintf(o->picking, sizeof(o->picking), "%s", name ? name : "");
    snprintf(o->name, sizeof(o->name), "%s", name ? name : "");
    for (char *tok = token(&p, " \t"); tok; tok = token(&p, " \t")) {
        char *eq = strchr(tok, '=');
        char *end = NULL;
        double qty = eq ? strtod(eq + 1, &end) : 0;
        if (!eq || eq == tok || !end || *end || !(qty > 0) ||
            o->n_lines >= SIM_MAX_LINES) {
            LGX_ERROR(a->log,
                      "--pickings %s line %ld: '%s' is not CODE=QTY (at "
                      "most %d per picking)",
                      a->conf->pickings, lineno, tok, SIM_MAX_LINES);
            return 2;
        }
        *eq = '\0';
        snprintf(o->lines[o->n_lines].code, sizeof(o->lines[0].code), "%s",
                 tok);
        o->lines[o->n_lines++].qty = qty;
    }
    return 0;
}

static int read_pickings_file(app_t *a)
{
    FILE *f = fopen(a->conf->pickings, "r");
    char *line = NULL;
    size_t cap = 0;
    long lineno = 0;
    int rc = 0;
    if (!f) {
        LGX_ERROR(a->log, "--pickings: cannot open %s", a->conf->pickings);
        return 2;
    }
    while (rc == 0 && a->n_orders < (size_t)a->conf->orders &&
           getline(&line, &cap, f) >= 0) {
        lineno++;
        char *s = line + strspn(line, " \t");
        s[strcspn(s, "\r\n#")] = '\0';
        if (*s) {
            rc = parse_picking(a, s, lineno, &a->orders[a->n_orders++]);
        }
    }
    free(line);
    fclose(f);
    if (rc == 0 && a->n_orders == 0) {
        LGX_ERROR(a->log, "--pickings %s names no picking", a->conf->pickings);
        rc = 2;
    }
    return rc;
}

static int connect_odoo(app_t *a, lgx_odoo_conf_t *oc)
{
    char errstr[512];
    lgx_odoo_error_t err;
    a->odoo = lgx_odoo_new(oc, a->log, errstr, sizeof(errstr));
    if (!a->odoo) {
        LGX_ERROR(a->log, "Odoo: %s", errstr);
        return 2;
    }
    if (lgx_odoo_connect(a->odoo, &err) != LGX_OK) {
        LGX_ERROR(a->log, "Odoo: cannot connect: %s %s", err.name, err.message);
        return 1;
    }
    LGX_INFO(a->log, "Odoo %d, %s", lgx_odoo_version(a->odoo),
             lgx_odoo_api_name(a->odoo));
    return 0;
}

/* The orders: created in Odoo, or the pickings of the file. */
static int prepare_orders(app_t *a, lgx_odoo_conf_t *oc)
{
    const sim_conf_t *c = a->conf;
    char errstr[512];
    int rc = 0;
    a->orders = calloc((size_t)c->orders, sizeof(*a->orders));
    if (!a->orders) {
        LGX_ERROR(a->log, "out of memory");
        return 1;
    }
    if (c->create_orders) {
        a->n_orders = (size_t)c->orders;
        sim_plan_draw_orders(&a->plan_conf, a->orders, a->n_orders, a->codes,
                             a->n_codes, a->partners, a->n_partners);
        if (!oc->url) {
            LGX_ERROR(a->log, "--create-orders needs --odoo-url");
            return 2;
        }
        rc = connect_odoo(a, oc);
        if (rc == 0 && sim_odoo_create_orders(
                           a->odoo, a->orders, a->n_orders, a->carriers,
                           a->n_carriers, errstr, sizeof(errstr)) != LGX_OK) {
            LGX_ERROR(a->log, "creating the orders: %s", errstr);
            rc = 1;
        }
        if (rc == 0) {
            LGX_INFO(a->log,
                     "created and confirmed %zu sale order(s): %s "
                     "(%s) .. %s (%s)",
                     a->n_orders, a->orders[0].name, a->orders[0].picking,
                     a->orders[a->n_orders - 1].name,
                     a->orders[a->n_orders - 1].picking);
        }
        return rc;
    }
    rc = read_pickings_file(a);
    if (rc == 0 && oc->url) {
        rc = connect_odoo(a, oc);
        if (rc == 0 && sim_odoo_read_pickings(
                           a->odoo, a->orders, a->n_orders, a->carriers,
                           a->n_carriers, errstr, sizeof(errstr)) != LGX_OK) {
            LGX_ERROR(a->log, "reading the pickings: %s", errstr);
            rc = 1;
        }
    }
    for (size_t i = 0; rc == 0 && i < a->n_orders; i++) {
        if (a->orders[i].n_lines == 0) {
            LGX_ERROR(a->log,
                      "picking %s: no CODE=QTY in --pickings %s and no Odoo "
                      "to read its moves from (--odoo-url)",
                      a->orders[i].picking, c->pickings);
            rc = 2;
        }
    }
    for (size_t i = 0; rc == 0 && i < a->n_orders; i++) {
        if (a->orders[i].history[0]) {
            LGX_WARN(a->log,
                     "picking %s has lgx history (shipment status %s): the "
                     "expected outcomes assume a picking without it",
                     a->orders[i].picking, a->orders[i].history);
        }
    }
    if (rc == 0) {
        /* Partners and carriers; the lines stay as read. */
        sim_plan_draw_orders(&a->plan_conf, a->orders, a->n_orders, a->codes,
                             a->n_codes, a->partners, a->n_partners);
    }
    return rc;
}

/* What Odoo holds of the orders' products, and the pick lines made of
 * it (lots, shortages); nothing without Odoo. */
static int read_stock(app_t *a)
{
    char errstr[512];
    if (!a->odoo) {
        return 0;
    }
    a->stock = sim_stock_new();
    if (!a->stock ||
        sim_odoo_read_stock(a->odoo, a->orders, a->n_orders, a->stock, errstr,
                            sizeof(errstr)) != LGX_OK) {
        LGX_ERROR(a->log, "reading the stock: %s",
                  a->stock ? errstr : "out of memory");
        return 1;
    }
    if (sim_stock_plan(a->stock, sim_rand_hash(a->seed),
                       SIM_STOCK_OTHER_LOT_PCT, a->orders,
                       a->n_orders) != LGX_OK) {
        LGX_ERROR(a->log, "out of memory");
        return 1;
    }
    size_t lots = 0, yes = 0, maybe = 0;
    for (size_t i = 0; i < a->n_orders; i++) {
        for (size_t l = 0; l < a->orders[i].n_lines; l++) {
            lots += a->orders[i].lines[l].tracked
                        ? a->orders[i].lines[l].n_picks
                        : 0;
        }
        yes += sim_order_shortage(&a->orders[i]) == SIM_SHORT_YES;
        maybe += sim_order_shortage(&a->orders[i]) == SIM_SHORT_MAYBE;
    }
    LGX_INFO(a->log,
             "Odoo's stock: %zu product/lot place(s) read; %zu pick line(s) "
             "name lots; %zu pick(s) of more than Odoo has, %zu more "
             "depending on the order in which they are handled",
             sim_stock_n_quants(a->stock), lots, yes, maybe);
    return 0;
}

/* Everything that can refuse the configuration, before Odoo is touched:
 * schemas, rules, and where the events go. */
static int load(app_t *a)
{
    char errstr[512];
    const sim_conf_t *c = a->conf;
    a->store = lgx_avro_store_load(c->schema_dir, errstr, sizeof(errstr));
    if (!a->store ||
        sim_out_schemas(a->store, &a->ids, errstr, sizeof(errstr)) != LGX_OK) {
        LGX_ERROR(a->log, "schemas: %s", errstr);
        return 2;
    }
    a->rules = lgx_rules_load(c->rules, errstr, sizeof(errstr));
    if (!a->rules) {
        LGX_ERROR(a->log, "rules: %s", errstr);
        return 2;
    }
    for (int k = SIM_K_PICK; k <= SIM_K_POD; k++) {
        if (!lgx_rules_get(a->rules, sim_kind_name((sim_kind_t)k))) {
            LGX_ERROR(a->log, "rules: %s has no rule for %s", c->rules,
                      sim_kind_name((sim_kind_t)k));
            return 2;
        }
    }
    a->to_stdout = c->output ? strcmp(c->output, "-") == 0 : c->dry_run;
    if (a->to_stdout) {
        a->out = stdout;
    } else if (c->output && !(a->out = fopen(c->output, "w"))) {
        LGX_ERROR(a->log, "--output: cannot open %s", c->output);
        return 2;
    } else if (!c->output &&
               !(a->kafka = sim_kafka_new(c->brokers, c->kafka_props, a->log,
                                          errstr, sizeof(errstr)))) {
        LGX_ERROR(a->log, "Kafka producer: %s", errstr);
        return 2;
    } else if (a->kafka && c->log_events &&
               !(a->out = fopen(c->log_events, "w"))) {
        LGX_ERROR(a->log, "--log-events: cannot open %s", c->log_events);
        return 2;
    }
    return 0;
}

/* Builds the plan and runs the model over it. */
static int plan_and_model(app_t *a)
{
    char errstr[512];
    if (sim_plan_build(&a->plan_conf, a->orders, a->n_orders, &a->plan) !=
        LGX_OK) {
        LGX_ERROR(a->log, "out of memory");
        return 1;
    }
    a->finals = calloc(a->n_orders, sizeof(*a->finals));
    if (!a->finals ||
        sim_model_run(a->rules, &a->plan, sim_rand_hash(a->seed), a->finals,
                      a->counts, &a->info, errstr, sizeof(errstr)) != LGX_OK) {
        LGX_ERROR(a->log, "expected outcomes: %s",
                  a->finals ? errstr : "out of memory");
        return 2;
    }
    if (a->info.order_dependent || a->info.pickings_differ) {
        const sim_event_t *e = &a->plan.events[a->info.first_dependent];
        LGX_WARN(a->log,
                 "with these rules the outcome of %zu event(s) and the end "
                 "state of %zu picking(s) depend on the order in which the "
                 "consumers see the topics (e.g. %s %s of %s); the expected "
                 "file marks them order_dependent",
                 a->info.order_dependent, a->info.pickings_differ,
                 sim_kind_name(e->kind), e->event_id, e->key);
    }
    int64_t last = 0;
    for (size_t i = 0; i < a->plan.n_events; i++) {
        last = a->plan.events[i].occurred_at > last
                   ? a->plan.events[i].occurred_at
                   : last;
    }
    if (last > lgx_time_now_ms() + lgx_rules_clock_skew_ms(a->rules)) {
        LGX_WARN(a->log,
                 "some events are dated more than the allowed clock skew "
                 "ahead of now: the consumers will reject them as "
                 "future_dated (choose an earlier --start-time)");
    }
    return 0;
}

/* Waits until message i is due at rate per second. */
static void pace(const struct timespec *t0, size_t i, long rate)
{
    if (rate <= 0) {
        return;
    }
    int64_t due = (int64_t)t0->tv_sec * 1000000000LL + t0->tv_nsec +
                  (int64_t)i * 1000000000LL / rate;
    struct timespec ts = {(time_t)(due / 1000000000LL),
                          (long)(due % 1000000000LL)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
           EINTR) {
    }
}

/* Publishes or writes every event. */
static int emit(app_t *a)
{
    char errstr[512];
    lgx_buf_t *value = lgx_buf_new(), *tmp = lgx_buf_new();
    int rc = value && tmp ? 0 : 1;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (size_t i = 0; rc == 0 && i < a->plan.n_events; i++) {
        const sim_event_t *e = &a->plan.events[i];
        const char *topic = a->conf->topic[e->topic];
        const char *cid = a->orders[e->order].name;
        if (sim_out_value(a->store, &a->ids, e, value, errstr,
                          sizeof(errstr)) != LGX_OK) {
            LGX_ERROR(a->log, "%s", errstr);
            rc = 1;
        } else if (a->out && sim_out_line(a->out, i + 1, topic, cid, e, value,
                                          tmp) != LGX_OK) {
            LGX_ERROR(a->log, "%s: cannot write event %zu",
                      a->kafka ? "--log-events" : "--output", i + 1);
            rc = 1;
        } else if (a->kafka) {
            pace(&t0, i, a->conf->rate);
            if (sim_kafka_send(a->kafka, topic, cid, e, value, errstr,
                               sizeof(errstr)) != LGX_OK) {
                LGX_ERROR(a->log, "%s", errstr);
                rc = 1;
            }
        }
    }
    if (a->kafka) {
        long delivered = 0, failed = 0, pending = 0;
        sim_kafka_flush(a->kafka, 30000, &delivered, &failed, &pending);
        LGX_INFO(a->log,
                 "published %ld of %zu message(s); %ld delivery failure(s), "
                 "%ld undelivered",
                 delivered, a->plan.n_events, failed, pending);
        rc = rc ? rc : (failed || pending ? 1 : 0);
    }
    if (a->out && a->out != stdout) {
        FILE *f = a->out;
        a->out = NULL;
        if (fclose(f) != 0 && rc == 0) {
            LGX_ERROR(a->log, "cannot write %s",
                      a->kafka ? a->conf->log_events : a->conf->output);
            rc = 1;
        }
    }
    lgx_buf_destroy(value);
    lgx_buf_destroy(tmp);
    return rc;
}

static void app_free(app_t *a)
{
    if (a->out && a->out != stdout) {
        fclose(a->out);
    }
    sim_kafka_destroy(a->kafka);
    sim_plan_free(&a->plan);
    free(a->finals);
    free(a->orders);
    sim_stock_destroy(a->stock);
    lgx_odoo_destroy(a->odoo);
    lgx_rules_destroy(a->rules);
    lgx_avro_store_destroy(a->store);
    for (int i = 0; i < 3; i++) {
        free(a->lists[i]);
    }
}

static int run(const sim_conf_t *conf, lgx_odoo_conf_t *oc, lgx_log_t *log)
{
    app_t a;
    char errstr[512];
    memset(&a, 0, sizeof(a));
    a.conf = conf;
    a.log = log;
    int rc = check_mode(&a);
    rc = rc ? rc : configure(&a);
    rc = rc ? rc : load(&a);
    rc = rc ? rc : prepare_orders(&a, oc);
    rc = rc ? rc : read_stock(&a);
    rc = rc ? rc : plan_and_model(&a);
    sim_report_t report = {.conf = &a.plan_conf,
                           .plan = &a.plan,
                           .finals = a.finals,
                           .counts = a.counts,
                           .info = &a.info,
                           .topics = (const char *const *)conf->topic,
                           .rules = conf->rules,
                           .stock = a.stock};
    if (rc == 0 && conf->expected &&
        sim_report_expected(&report, conf->expected, errstr, sizeof(errstr)) !=
            LGX_OK) {
        LGX_ERROR(log, "%s", errstr);
        rc = 1;
    }
    rc = rc ? rc : emit(&a);
    if (rc == 0) {
        sim_report_summary(&report, a.to_stdout ? stderr : stdout);
    }
    app_free(&a);
    return rc;
}

extern char **environ;

int main(int argc, char **argv)
{
    sim_conf_t conf;
    lgx_kafka_secrets_t secrets;
    lgx_odoo_conf_t oc;
    memset(&conf, 0, sizeof(conf));
    memset(&secrets, 0, sizeof(secrets));
    memset(&oc, 0, sizeof(oc));
    lgx_config_section_t sections[] = {
        {PROGRAM, sim_opts, &conf},
        {"Kafka secrets", lgx_kafka_secret_opts, &secrets},
        {"Odoo", lgx_odoo_opts, &oc}};
    char errstr[512];
    int rc = 2;
    lgx_err_t err = lgx_config_load(
        sections, 3, PROGRAM,
        "Publishes a realistic day of logistics events for N orders "
        "(picks, shipments, milestones, proofs of delivery) with knobs for "
        "duplicates, disorder and poison, and writes what the consumers "
        "should make of it.",
        argc, argv, environ, errstr, sizeof(errstr));
    if (err == LGX_OK) {
        err = lgx_kafka_secrets_add(&secrets, &conf.kafka_props, errstr,
                                    sizeof(errstr));
    }
    lgx_log_level_t level = LGX_LOG_INFO;
    if (err == LGX_ERR_HELP) {
        rc = 0;
    } else if (err != LGX_OK ||
               lgx_log_level_parse(conf.log_level, &level) != LGX_OK) {
        fprintf(stderr, PROGRAM ": %s\n", errstr);
    } else {
        lgx_log_t *log = lgx_log_new(PROGRAM, level, stderr);
        rc = log ? run(&conf, &oc, log) : 1;
        lgx_log_destroy(log);
    }
    lgx_config_free(sections, 3);
    return rc;
}
