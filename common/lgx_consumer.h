/*
 * lgx_consumer: the loop every lgx consumer runs.
 *
 * A consumer program declares a spec (its name, topic, reader schema, own
 * options and a handler that maps one decoded event to Odoo calls) and
 * calls lgx_consumer_main(). Everything else lives here: configuration,
 * logging, the Odoo connection, subscribe and poll, Avro decoding, the
 * envelope (event_id, correlation id, source, time), the in-memory dedup
 * window, retries, dead letters and offsets.
 *
 * Concurrency: up to --concurrency events of different entities are
 * applied at once by worker threads, each with its own Odoo client and
 * handler state (see lgx_consumer_pool.c); events of one entity run one at a
 * time in offset order. A handler runs in one worker at a time and must
 * only use its state, the event and the lgx_gate_* and lgx_event_*
 * functions.
 *
 * Offsets: an offset is stored, and later committed, only once its event
 * reached an end state (applied, duplicate, stale, or rejected and written
 * to the dead-letter topic). A retriable failure pauses the partition and
 * seeks back to the event; it is tried again after a capped exponential
 * backoff with jitter, so nothing is skipped and memory stays bounded.
 * Offsets are committed every commit interval, on partition revocation and
 * at shutdown (SIGTERM/SIGINT finish the events in hand first). A fatal
 * error (Odoo refusing the credentials, missing set-up) stops the program
 * with exit code 1 without committing the event in hand.
 */
#ifndef LGX_CONSUMER_H
#define LGX_CONSUMER_H

#include "lgx_consumer_spec.h"

/* Runs a consumer program; returns its exit code (0 after a clean stop,
 * 1 after a fatal error, 2 for bad configuration). */
int lgx_consumer_main(const lgx_consumer_spec_t *spec, int argc, char **argv);

#endif
