/*
 * sim_model: what the consumers should make of a planned stream.
 *
 * A small model of lgx-picks, lgx-shipments, lgx-milestones and lgx-pod,
 * driven by the rules file (sources, apply_in / hold_in / stale_in, the
 * per type-and-source clock) and by what the consumers do before the
 * rules (decoding, envelope checks, in-process duplicate detection, how
 * each finds its pickings). Nothing orders one topic against another:
 * the four consumers run at once, each at its own pace, and any of them
 * may start late. The model therefore runs the stream in several
 * interleavings of the topics (each topic in its own order, as its
 * partitions keep it): every topic after the ones it depends on, every
 * topic before them, the order of publication, and merges in which each
 * topic lags by a random number of messages. A held event is checked
 * again whenever an event of its order applies, whatever the topic. What
 * every event finally becomes and each picking's end state must be the
 * same in all of them; whether an event is held first depends on the
 * interleaving (held in all: held; in some: may_hold). It assumes holds
 * long enough for a held event's prerequisite to arrive and no event
 * dated in the future. A pick of a tracked product without a lot is
 * refused (lot_required); a pick of more than Odoo has (the orders'
 * lines, sim_stock) follows the rules' shortage policy for its source:
 * applied, held (until it expires) or refused. Pure.
 */
#ifndef SIM_MODEL_H
#define SIM_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lgx_err.h"
#include "lgx_rules.h"
#include "sim_plan.h"

#define SIM_MAX_CLOCK 32

/* A picking after the stream, as the consumers should leave it. */
typedef struct sim_final {
    char state[16];  /* Odoo picking state */
    char status[24]; /* x_lgx_shipment_status ("none" when unset) */
    char shipment_ref[SIM_NAME_MAX];
    char carrier[SIM_NAME_MAX];
    char tracking_ref[SIM_NAME_MAX];
    char milestone[SIM_NAME_MAX]; /* last milestone code, "" when none */
    int64_t milestone_at;
    bool delivered;
    int64_t delivered_at;
    char receiver[SIM_NAME_MAX];
    bool picked; /* a pick applied: done quantities are its lines */
    /* A pick was judged a shortage (a note and an activity on the
     * picking, whatever the policy): in every order of the picks, in
     * some (sim_stock). */
    bool shortage;
    bool may_shortage;
    struct {
        char key[64]; /* "event_type/source" */
        int64_t ms;
    } clock[SIM_MAX_CLOCK];
    size_t n_clock;
} sim_final_t;

/* Outcome counts of one topic. */
typedef struct sim_counts {
    long messages;
    long applied;
    long duplicate;
    long stale;
    long rejected;
    long held;         /* held first in every interleaving checked */
    long held_max;     /* held first in at least one */
    long shortage;     /* picks judged a shortage in every order */
    long shortage_max; /* in some */
} sim_counts_t;

/* What the runs over several interleavings found. */
typedef struct sim_model_info {
    size_t interleavings;   /* interleavings of the topics run */
    size_t order_dependent; /* events whose outcome differs between them */
    size_t first_dependent; /* index of the first of those (if any) */
    size_t pickings_differ; /* orders whose end state differs */
} sim_model_info_t;

/* Runs the model: fills every event's outcome, reason, held and may_hold
 * flags (and order_dependent), finals[i] for order i (from the orders'
 * state before the stream) and counts per topic; info says how many
 * interleavings were run and what differed between them (nothing, with
 * the rules lgx ships). seed draws the random merges. LGX_ERR_INVALID
 * with errstr when the rules lack an event type, LGX_ERR_NOMEM. */
lgx_err_t sim_model_run(const lgx_rules_t *rules, sim_plan_t *plan,
                        uint64_t seed, sim_final_t *finals,
                        sim_counts_t counts[SIM_N_TOPICS],
                        sim_model_info_t *info, char *errstr,
                        size_t errstr_size) LGX_MUST_CHECK;

#endif
