/*
 * sim_model: what the consumers should make of a planned stream.
 *
 * A small model of lgx-picks, lgx-shipments, lgx-milestones and lgx-pod,
 * driven by the rules file (sources, apply_in / hold_in / stale_in, the
 * per type-and-source clock) and by what the consumers do before the
 * rules (decoding, envelope checks, in-process duplicate detection, how
 * each finds its pickings). It assumes what test/test_it_simulate.py
 * does: the four consumers run one after another (picks, shipments,
 * milestones, pod), one process each, each reading its topic to the end,
 * with holds long enough for a held event's prerequisite to arrive; no
 * event is dated in the future. Pure.
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
    char status[16]; /* x_lgx_shipment_status ("none" when unset) */
    char shipment_ref[SIM_NAME_MAX];
    char carrier[SIM_NAME_MAX];
    char tracking_ref[SIM_NAME_MAX];
    char milestone[SIM_NAME_MAX]; /* last milestone code, "" when none */
    int64_t milestone_at;
    bool delivered;
    int64_t delivered_at;
    char receiver[SIM_NAME_MAX];
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
    long held; /* held first (then finished as counted above) */
} sim_counts_t;

/* Runs the model: fills every event's outcome, reason and held flag,
 * finals[i] for order i (from the orders' state before the stream) and
 * counts per topic. LGX_ERR_INVALID with errstr when the rules lack an
 * event type, LGX_ERR_NOMEM. */
lgx_err_t sim_model_run(const lgx_rules_t *rules, sim_plan_t *plan,
                        sim_final_t *finals, sim_counts_t counts[SIM_N_TOPICS],
                        char *errstr, size_t errstr_size) LGX_MUST_CHECK;

#endif
