#include "sim_report.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_buf.h"
#include "lgx_time.h"

/* A JSON writer that remembers the first failure. */
typedef struct jw {
    lgx_buf_t *b;
    bool failed;
} jw_t;

static void put(jw_t *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void put(jw_t *w, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(tmp) ||
        lgx_buf_append(w->b, tmp, (size_t)n) != LGX_OK) {
        w->failed = true;
    }
}

/* A string, or null for NULL and "". */
static void put_str(jw_t *w, const char *s)
{
    if (!s || !s[0]) {
        put(w, "null");
    } else if (lgx_buf_json_str(w->b, s, strlen(s)) != LGX_OK) {
        w->failed = true;
    }
}

/* Odoo's datetime for epoch ms, or null when negative. */
static void put_odoo_time(jw_t *w, int64_t ms)
{
    char t[20];
    if (ms < 0) {
        put(w, "null");
        return;
    }
    lgx_time_odoo(ms, t);
    put(w, "\"%s\"", t);
}

/* ---- reasons ---- */

#define MAX_REASONS 32

typedef struct tally {
    const char *reason[MAX_REASONS];
    long n[MAX_REASONS];
    size_t len;
} tally_t;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The reasons of topic t's events with outcome, sorted by name. */
static void tally(const sim_plan_t *p, sim_topic_t t, const char *outcome,
                  tally_t *out)
{
    out->len = 0;
    for (size_t i = 0; i < p->n_events; i++) {
        const sim_event_t *e = &p->events[i];
        size_t k = 0;
        if (e->topic != t || strcmp(e->outcome, outcome) != 0) {
            continue;
        }
        while (k < out->len && strcmp(out->reason[k], e->reason) != 0) {
            k++;
        }
        if (k == out->len && out->len < MAX_REASONS) {
            out->reason[out->len++] = e->reason;
        }
    }
    qsort(out->reason, out->len, sizeof(out->reason[0]), cmp_str);
    for (size_t k = 0; k < out->len; k++) {
        out->n[k] = 0;
        for (size_t i = 0; i < p->n_events; i++) {
            const sim_event_t *e = &p->events[i];
            out->n[k] += e->topic == t && strcmp(e->outcome, outcome) == 0 &&
                         strcmp(e->reason, out->reason[k]) == 0;
        }
    }
}

static void put_tally(jw_t *w, const char *name, const tally_t *t)
{
    put(w, ",\"%s\":{", name);
    for (size_t k = 0; k < t->len; k++) {
        put(w, "%s\"%s\":%ld", k ? "," : "", t->reason[k], t->n[k]);
    }
    put(w, "}");
}

/* ---- the expected file ---- */

static void put_header(jw_t *w, const sim_report_t *r)
{
    char start[25];
    sim_iso_time(r->conf->start_ms, start);
    put(w, "{\"generator\":\"lgx-simulate\",\"seed\":");
    put_str(w, r->conf->seed);
    put(w, ",\"start_time\":\"%s\",\"orders\":%zu,\"rules\":", start,
        r->plan->n_orders);
    put_str(w, r->rules);
    put(w, ",\"knobs\":{");
    for (int k = 1; k < SIM_N_KNOBS; k++) {
        put(w, "\"%s\":%ld,", sim_knob_name((sim_knob_t)k),
            r->conf->knob_pct[k]);
    }
    put(w, "\"cancelled\":%ld},", r->conf->cancelled_pct);
    put(w,
        "\"assumptions\":\"Nothing orders one topic against another: "
        "the four consumers (lgx-picks, lgx-shipments, lgx-milestones, "
        "lgx-pod) run at once, any of them possibly late; each topic "
        "keeps its own order. Every event's outcome and every picking's "
        "end state are the same in every interleaving of the topics "
        "(checked on %zu of them, order_dependent lists what is not); ",
        r->info->interleavings);
    put(w, "whether an event is held first depends on it (held: in all, "
           "may_hold: in some), and so may whether a pick is short of "
           "Odoo's stock as it was when the orders were made (shortage: "
           "in all, may_shortage: in some). Holds last long enough for a "
           "held event's "
           "prerequisite to arrive; events dated more than the allowed clock "
           "skew ahead would be future_dated instead.\"");
    put(w,
        ",\"interleavings\":%zu,\"order_dependent\":%zu,"
        "\"pickings_order_dependent\":%zu",
        r->info->interleavings, r->info->order_dependent,
        r->info->pickings_differ);
}

/* The lots the done picking carries (tracked lines), and its
 * shortages. */
static void put_lots(jw_t *w, const sim_order_t *o, const sim_final_t *f)
{
    bool first = true;
    put(w, ",\"lots\":{");
    for (size_t l = 0; f->picked && l < o->n_lines; l++) {
        const sim_line_t *line = &o->lines[l];
        if (!line->tracked || !line->picks) {
            continue;
        }
        put(w, "%s", first ? "" : ",");
        put_str(w, line->code);
        put(w, ":{");
        for (size_t k = 0; k < line->n_picks; k++) {
            put(w, "%s", k ? "," : "");
            put_str(w, line->picks[k].lot[0] ? line->picks[k].lot : "-");
            put(w, ":%.15g", line->picks[k].qty);
        }
        put(w, "}");
        first = false;
    }
    put(w, "},\"shortage\":%s,\"may_shortage\":%s,\"shortages\":[",
        f->shortage ? "true" : "false", f->may_shortage ? "true" : "false");
    first = true;
    for (size_t l = 0; f->may_shortage && l < o->n_lines; l++) {
        const sim_line_t *line = &o->lines[l];
        for (size_t k = 0; line->picks && k < line->n_picks; k++) {
            const sim_pick_t *p = &line->picks[k];
            if (p->shortage == SIM_SHORT_NO) {
                continue;
            }
            put(w, "%s{\"product\":", first ? "" : ",");
            put_str(w, line->code);
            put(w, ",\"lot\":");
            put_str(w, p->lot);
            put(w, ",\"picked\":%.15g,\"in_odoo\":%.15g,\"certain\":%s}",
                p->qty, p->available,
                p->shortage == SIM_SHORT_YES ? "true" : "false");
            first = false;
        }
    }
    put(w, "]");
}

static void put_pickings(jw_t *w, const sim_report_t *r)
{
    put(w, ",\"pickings\":{");
    for (size_t i = 0; i < r->plan->n_orders; i++) {
        const sim_order_t *o = &r->plan->orders[i];
        const sim_final_t *f = &r->finals[i];
        put(w, "%s", i ? "," : "");
        put_str(w, o->picking);
        put(w, ":{\"order\":");
        put_str(w, o->name);
        put(w, ",\"state\":\"%s\",\"carrier\":", f->state);
        put_str(w, f->carrier);
        put(w, ",\"tracking_ref\":");
        put_str(w, f->tracking_ref);
        put(w, ",\"shipment_id\":");
        put_str(w, f->shipment_ref);
        put(w, ",\"x_lgx_shipment_status\":");
        put_str(w, strcmp(f->status, "none") == 0 ? NULL : f->status);
        put(w, ",\"last_milestone\":");
        put_str(w, f->milestone);
        put(w, ",\"milestone_at\":");
        put_odoo_time(w, f->milestone_at);
        put(w, ",\"delivered\":%s,\"delivered_at\":",
            f->delivered ? "true" : "false");
        put_odoo_time(w, f->delivered ? f->delivered_at : -1);
        put(w, ",\"receiver\":");
        put_str(w, f->receiver);
        put(w, ",\"cancelled\":%s,\"picked\":{",
            o->cancelled ? "true" : "false");
        for (size_t l = 0; f->picked && l < o->n_lines; l++) {
            put(w, "%s", l ? "," : "");
            put_str(w, o->lines[l].code);
            put(w, ":%.15g", o->lines[l].qty);
        }
        put(w, "}");
        put_lots(w, o, f);
        put(w, "}");
    }
    put(w, "}");
}

static void put_topics(jw_t *w, const sim_report_t *r)
{
    tally_t t;
    put(w, ",\"topics\":{");
    for (int k = 0; k < SIM_N_TOPICS; k++) {
        const sim_counts_t *c = &r->counts[k];
        put(w, "%s", k ? "," : "");
        put_str(w, r->topics[k]);
        put(w,
            ":{\"messages\":%ld,\"applied\":%ld,\"duplicate\":%ld,"
            "\"stale\":%ld,\"duplicate_or_stale\":%ld,\"rejected\":%ld,"
            "\"held\":%ld,\"held_max\":%ld,\"shortages\":%ld,"
            "\"shortages_max\":%ld",
            c->messages, c->applied, c->duplicate, c->stale,
            c->duplicate + c->stale, c->rejected, c->held, c->held_max,
            c->shortage, c->shortage_max);
        tally(r->plan, (sim_topic_t)k, "rejected", &t);
        put_tally(w, "rejected_reasons", &t);
        tally(r->plan, (sim_topic_t)k, "stale", &t);
        put_tally(w, "stale_reasons", &t);
        tally(r->plan, (sim_topic_t)k, "duplicate", &t);
        put_tally(w, "duplicate_reasons", &t);
        put(w, "}");
    }
    put(w, "}");
}

static void put_poison(jw_t *w, const sim_report_t *r)
{
    bool first = true;
    put(w, ",\"poison\":[");
    for (size_t i = 0; i < r->plan->n_events; i++) {
        const sim_event_t *e = &r->plan->events[i];
        if (!e->poison) {
            continue;
        }
        put(w, "%s{\"id\":\"%s\",\"topic\":", first ? "" : ",", e->poison_id);
        put_str(w, r->topics[e->topic]);
        put(w, ",\"key\":");
        put_str(w, e->key);
        put(w, ",\"reason\":\"%s\",\"why\":\"%s\"}",
            sim_poison_reason(e->poison), sim_poison_why(e->poison));
        first = false;
    }
    put(w, "]");
}

static void put_events(jw_t *w, const sim_report_t *r)
{
    put(w, ",\"events\":[");
    for (size_t i = 0; i < r->plan->n_events; i++) {
        const sim_event_t *e = &r->plan->events[i];
        put(w, "%s\n{\"n\":%zu,\"topic\":", i ? "," : "", i + 1);
        put_str(w, r->topics[e->topic]);
        put(w, ",\"key\":");
        put_str(w, e->key);
        put(w, ",\"event_id\":");
        put_str(w, e->event_id);
        put(w, ",\"type\":\"%s\",\"source\":", sim_kind_name(e->kind));
        put_str(w, e->source);
        put(w, ",\"detail\":");
        put_str(w, e->kind == SIM_K_MILESTONE ? e->detail : NULL);
        put(w, ",\"knob\":\"%s\",\"poison\":", sim_knob_name(e->knob));
        put_str(w, e->poison_id);
        put(w, ",\"outcome\":\"%s\",\"reason\":", e->outcome);
        put_str(w, e->reason);
        put(w,
            ",\"held\":%s,\"may_hold\":%s,\"order_dependent\":%s,"
            "\"shortage\":%s,\"may_shortage\":%s}",
            e->held ? "true" : "false", e->may_hold ? "true" : "false",
            e->order_dependent ? "true" : "false",
            e->shortage ? "true" : "false", e->may_shortage ? "true" : "false");
    }
    put(w, "]");
}

static void put_stock(jw_t *w, const sim_report_t *r)
{
    size_t n = r->stock ? sim_stock_n_quants(r->stock) : 0;
    put(w, ",\"stock\":[");
    for (size_t i = 0; i < n; i++) {
        const sim_quant_t *q = sim_stock_quant_at(r->stock, i);
        put(w, "%s\n{\"product\":", i ? "," : "");
        put_str(w, q->code);
        put(w, ",\"lot\":");
        put_str(w, q->lot);
        put(w, ",\"location_id\":%lld,\"quantity\":%.15g,\"reserved\":%.15g}",
            (long long)q->location_id, q->quantity, q->reserved);
    }
    put(w, "]}\n");
}

lgx_err_t sim_report_expected(const sim_report_t *r, const char *path,
                              char *errstr, size_t size)
{
    jw_t w = {lgx_buf_new(), false};
    w.failed = !w.b;
    if (!w.failed) {
        put_header(&w, r);
        put_pickings(&w, r);
        put_topics(&w, r);
        put_poison(&w, r);
        put_events(&w, r);
        put_stock(&w, r);
    }
    if (w.failed) {
        snprintf(errstr, size, "--expected: out of memory");
        lgx_buf_destroy(w.b);
        return LGX_ERR_NOMEM;
    }
    FILE *f = fopen(path, "w");
    bool ok = f && fwrite(lgx_buf_data(w.b), 1, lgx_buf_len(w.b), f) ==
                       lgx_buf_len(w.b);
    if (f && fclose(f) != 0) {
        ok = false;
    }
    lgx_buf_destroy(w.b);
    if (!ok) {
        snprintf(errstr, size, "--expected: cannot write %s", path);
        return LGX_ERR_IO;
    }
    return LGX_OK;
}

/* ---- the summary ---- */

/* Lots and shortages, when Odoo's stock was read. */
static void summary_stock(const sim_report_t *r, FILE *out)
{
    const sim_plan_t *p = r->plan;
    size_t lines = 0, two = 0;
    if (!r->stock) {
        return;
    }
    for (size_t i = 0; i < p->n_orders; i++) {
        size_t lots = 0;
        for (size_t l = 0; l < p->orders[i].n_lines; l++) {
            const sim_line_t *line = &p->orders[i].lines[l];
            lots += line->tracked ? line->n_picks : 0;
            two += line->tracked && line->n_picks > 1;
        }
        lines += lots;
    }
    fprintf(out,
            "lots: %zu pick line(s) name a lot, %zu order line(s) from two "
            "or more; shortages: %ld pick(s), %ld more depending on the "
            "order they are handled in\n",
            lines, two, r->counts[SIM_PICKS].shortage,
            r->counts[SIM_PICKS].shortage_max - r->counts[SIM_PICKS].shortage);
}

void sim_report_summary(const sim_report_t *r, FILE *out)
{
    const sim_plan_t *p = r->plan;
    long knobs[SIM_N_TOPICS + 1][SIM_N_KNOBS];
    size_t cancelled = 0;
    char start[25];
    memset(knobs, 0, sizeof(knobs));
    for (size_t i = 0; i < p->n_orders; i++) {
        cancelled += p->orders[i].cancelled;
    }
    for (size_t i = 0; i < p->n_events; i++) {
        knobs[p->events[i].topic][p->events[i].knob]++;
        knobs[SIM_N_TOPICS][p->events[i].knob]++;
    }
    sim_iso_time(r->conf->start_ms, start);
    fprintf(out,
            "lgx-simulate: %zu order(s) (%zu shipped, %zu cancelled), seed "
            "\"%s\", start %s\n\n",
            p->n_orders, p->n_orders - cancelled, cancelled, r->conf->seed,
            start);
    fprintf(out, "%-18s %8s %8s", "events per topic", "total", "plain");
    for (int k = 1; k < SIM_N_KNOBS; k++) {
        fprintf(out, " %*s", (int)strlen(sim_knob_name((sim_knob_t)k)),
                sim_knob_name((sim_knob_t)k));
    }
    fprintf(out, "\n");
    for (int t = 0; t <= SIM_N_TOPICS; t++) {
        long total = 0;
        for (int k = 0; k < SIM_N_KNOBS; k++) {
            total += knobs[t][k];
        }
        fprintf(out, "%-18s %8ld %8ld", t < SIM_N_TOPICS ? r->topics[t] : "all",
                total, knobs[t][SIM_KNOB_NONE]);
        for (int k = 1; k < SIM_N_KNOBS; k++) {
            fprintf(out, " %*ld", (int)strlen(sim_knob_name((sim_knob_t)k)),
                    knobs[t][k]);
        }
        fprintf(out, "\n");
    }
    fprintf(out, "\n%-18s %8s %9s %6s %8s %9s   (any order of the topics)\n",
            "expected outcomes", "applied", "duplicate", "stale", "rejected",
            "held");
    for (int t = 0; t < SIM_N_TOPICS; t++) {
        const sim_counts_t *c = &r->counts[t];
        char held[32];
        snprintf(held, sizeof(held), "%ld-%ld", c->held, c->held_max);
        fprintf(out, "%-18s %8ld %9ld %6ld %8ld %9s\n", r->topics[t],
                c->applied, c->duplicate, c->stale, c->rejected, held);
    }
    fprintf(out,
            "(%zu interleavings of the topics checked; outcomes that depend "
            "on it: %zu, pickings: %zu)\n",
            r->info->interleavings, r->info->order_dependent,
            r->info->pickings_differ);
    summary_stock(r, out);
}
