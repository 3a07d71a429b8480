/*
 * fuzz_rules: a rules file, loaded and validated as at start and on
 * SIGHUP (lgx_rules_parse), then used to gate events as the consumers do:
 * for each event type with a rule, the source (lgx_gate_event's
 * lgx_rule_source_allowed), the time against the clock kept on the
 * picking (lgx_clock_get, lgx_rules_check_time), the transition from a
 * status (lgx_gate_status's lgx_rule_step), ownership of fields and calls
 * (lgx_gate_write, lgx_gate_call, lgx_stock_gate_writes), the clock
 * written after an applied event (lgx_clock_set), and the partner codes
 * of the source as the mapping section maps them (lgx_rules_map,
 * lgx_rules_product_field).
 *
 * Input: the rules JSON, optionally followed by a NUL and the event, as
 * NUL-separated fields: source, status, the picking's x_lgx_clock text,
 * occurred_at, now (decimal milliseconds). Without the event, a fixed set
 * of sources, statuses and times is gated.
 *
 * No network, no files.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_buf.h"
#include "lgx_clock.h"
#include "lgx_consumer.h"
#include "lgx_rules.h"
#include "lgx_stock.h"

#include "fuzz_input.h"

typedef struct event {
    const char *source;
    const char *status;
    const char *clock; /* x_lgx_clock as Odoo gives it; may be "" */
    int64_t occurred_at;
    int64_t now;
} event_t;

/* What the consumers write and call (README, config/rules.json). */
static const char *const writes[][2] = {
    {"stock.move", "quantity"},
    {"stock.move", "picked"},
    {"stock.picking", "x_lgx_clock"},
    {"stock.picking", "carrier_id"},
    {"stock.picking", "carrier_tracking_ref"},
    {"stock.picking", "x_lgx_shipment_status"},
    {"stock.picking", "x_lgx_milestone"},
    {"stock.picking", "x_lgx_delivered_at"},
    {"stock.picking", "state"},
    {"", ""},
};
static const char *const calls[][2] = {
    {"stock.picking", "button_validate"},
    {"stock.backorder.confirmation", "process"},
    {"mail.thread", "message_post"},
    {"mail.activity", "create"},
    {"ir.attachment", "create"},
    {"", ""},
};
static const char *const picking_fields[] = {
    "x_lgx_shipment_status", "x_lgx_clock", "carrier_tracking_ref", NULL};

static const event_t fixed_events[] = {
    {"wms-north", "assigned", "", 1795773600250LL, 1795773600250LL},
    {"tms-1", "none", "{\"shipment_booked/tms-1\":1795773600000}",
     1795773500000LL, 1795773600250LL},
    {"carrier-dhl", "dispatched", "false", 1795773900251LL, 1795773600250LL},
    {"driver-7", "delivered", "{\"proof_of_delivery/driver-7\":\"x\"}", 0, 0},
    {"", "", "[]", -1, -1},
    {"x", "draft", "{}", INT64_MAX, INT64_MAX},
    {"wms-*", "done", "{\"pick_confirmed/wms-*\":9223372036854775807}",
     INT64_MIN, INT64_MIN},
};

static volatile unsigned sink;

static void touch(const char *s)
{
    unsigned h = 0;
    for (; *s; s++) {
        h = h * 31 + (unsigned char)*s;
    }
    sink += h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Maps a few codes of every kind (and the status, as a code) for the
 * event's source, as the consumers do through lgx_event_map. */
static void map_codes(const lgx_rules_t *rules, const event_t *ev)
{
    static const char *const kinds[] = {"carriers", "products", "units",
                                        "warehouses", "vehicles"};
    const char *codes[] = {"dhl", "SKU-1001", "", ev->status};
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        for (size_t c = 0; c < sizeof(codes) / sizeof(codes[0]); c++) {
            const char *out = NULL, *pattern = NULL;
            lgx_err_t err = lgx_rules_map(rules, ev->source, kinds[k], codes[c],
                                          &out, &pattern);
            if ((err == LGX_OK) != (out != NULL) ||
                (err == LGX_ERR_NOT_FOUND && !pattern)) {
                abort();
            }
            touch(out ? out : "");
            touch(pattern ? pattern : "");
        }
    }
    touch(lgx_rules_product_field(rules, ev->source));
}

/* Gates one event of type rule as a consumer would, up to the clock it
 * writes when the event applies. */
static void gate(const lgx_rules_t *rules, const lgx_rule_t *rule,
                 const event_t *ev, lgx_buf_t *out)
{
    lgx_verdict_t v;
    const char *type = lgx_rule_event_type(rule);
    touch(type);
    lgx_verdict_set(&v, LGX_OUTCOME_APPLIED, "", "applied");
    if (!lgx_rule_source_allowed(rule, ev->source)) {
        return;
    }
    int64_t last = lgx_clock_get(ev->clock, type, ev->source);
    if (lgx_rules_check_time(rules, ev->occurred_at, ev->now, last) !=
        LGX_TIME_OK) {
        return;
    }
    lgx_rule_step_t step = lgx_rule_step(rule, ev->status);
    if (step != LGX_RULE_APPLY) {
        sink += step == LGX_RULE_HOLD ? (unsigned)lgx_rule_hold_ms(rule) : 1;
        return;
    }
    for (size_t i = 0; writes[i][0][0]; i++) {
        lgx_gate_write(rule, writes[i][0], writes[i][1], &v);
    }
    for (size_t i = 0; calls[i][0][0]; i++) {
        lgx_gate_call(rule, calls[i][0], calls[i][1], &v);
    }
    lgx_stock_gate_writes(rule, picking_fields, &v);
    touch(v.message);
    if (lgx_clock_set(out, ev->clock, type, ev->source, ev->occurred_at) ==
        LGX_OK) {
        touch(lgx_buf_data(out));
    }
}

static int64_t to_ms(const char *s)
{
    return (int64_t)strtoll(s, NULL, 10);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *end = data + size;
    const uint8_t *nul = memchr(data, 0, size);
    size_t json_len = nul ? (size_t)(nul - data) : size;
    char errstr[512] = "";
    lgx_rules_t *rules =
        lgx_rules_parse((const char *)data, json_len, errstr, sizeof(errstr));
    if (!rules) {
        touch(errstr);
        return 0;
    }
    lgx_buf_t *out = lgx_buf_new();
    if (!out) {
        abort();
    }
    event_t ev;
    char source[FUZZ_FIELD_MAX], status[FUZZ_FIELD_MAX], clock[FUZZ_FIELD_MAX],
        at[FUZZ_FIELD_MAX], now[FUZZ_FIELD_MAX];
    if (nul) {
        const uint8_t *p = fuzz_next_field(nul + 1, end, source, "");
        p = fuzz_next_field(p, end, status, "");
        p = fuzz_next_field(p, end, clock, "");
        p = fuzz_next_field(p, end, at, "");
        fuzz_next_field(p, end, now, "");
        ev = (event_t){source, status, clock, to_ms(at), to_ms(now)};
        map_codes(rules, &ev);
    }
    for (size_t i = 0;
         !nul && i < sizeof(fixed_events) / sizeof(fixed_events[0]); i++) {
        map_codes(rules, &fixed_events[i]);
    }
    for (const char *const *t = lgx_rules_event_types; *t; t++) {
        const lgx_rule_t *rule = lgx_rules_get(rules, *t);
        if (!rule) {
            continue;
        }
        if (nul) {
            gate(rules, rule, &ev, out);
            continue;
        }
        for (size_t i = 0; i < sizeof(fixed_events) / sizeof(fixed_events[0]);
             i++) {
            gate(rules, rule, &fixed_events[i], out);
        }
    }
    lgx_buf_destroy(out);
    lgx_rules_destroy(rules);
    return 0;
}
