/*
 * sim_rand: the simulator's deterministic randomness.
 *
 * Everything lgx-simulate draws (order lines, timings, ids, knobs) comes
 * from streams derived from the --seed text, never from the clock, so the
 * same seed gives the same stream byte for byte. Each order draws from its
 * own streams (sim_rand_stream), so that one order's draws never shift
 * another's. xoshiro256** seeded through splitmix64. Pure.
 */
#ifndef SIM_RAND_H
#define SIM_RAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sim_rand {
    uint64_t s[4];
} sim_rand_t;

/* Streams of one seed: what each is used for. */
typedef enum sim_stream {
    SIM_STREAM_GLOBAL = 0, /* numbering bases shared by all orders */
    SIM_STREAM_ORDER,      /* an order's lines, partner and carrier */
    SIM_STREAM_FLOW,       /* an order's timings, ids and payloads */
    SIM_STREAM_KNOBS,      /* an order's knob decisions */
    SIM_STREAM_MODEL,      /* the interleavings the model runs */
    SIM_STREAM_LOTS        /* an order's choice of lots */
} sim_stream_t;

/* 64-bit FNV-1a of text: the seed as a number. */
uint64_t sim_rand_hash(const char *text);

/* Seeds r for stream of the seed hash, for order index (0 for global). */
void sim_rand_stream(sim_rand_t *r, uint64_t seed, sim_stream_t stream,
                     uint64_t index);

uint64_t sim_rand_next(sim_rand_t *r);

/* Uniform integer in [lo, hi] (hi >= lo). */
int64_t sim_rand_range(sim_rand_t *r, int64_t lo, int64_t hi);

/* True with probability pct/100 (pct 0..100). Always draws one number, so
 * the draws that follow do not depend on pct. */
bool sim_rand_pct(sim_rand_t *r, long pct);

/* A random version-4 UUID ("8-4-4-4-12") into out. */
void sim_rand_uuid(sim_rand_t *r, char out[37]);

/* n lowercase hex digits into out (n + 1 bytes). */
void sim_rand_hex(sim_rand_t *r, char *out, size_t n);

/* A UUID derived from text and a salt without drawing (ids of copies). */
void sim_rand_uuid_of(const char *text, uint64_t salt, char out[37]);

#endif
