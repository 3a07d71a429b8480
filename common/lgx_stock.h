/*
 * lgx_stock: the Odoo stock operations the consumers share. Each function
 * makes its Odoo calls and, on failure, fills the verdict from Odoo's
 * answer (lgx_verdict_from_odoo) and returns false.
 *
 * Pickings are read with the fields every consumer needs (PICKING_FIELDS).
 * lgx_stock.c reads, gates, writes and validates pickings;
 * lgx_stock_notes.c posts notes, attachments and activities on them and
 * holds a batch handler's state; lgx_stock_route.c follows routes and
 * refuses cancelled pickings. Tools that only schedule activities use
 * lgx_activity.h without verdicts.
 */
#ifndef LGX_STOCK_H
#define LGX_STOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_tree.h>

#include "lgx_activity.h"
#include "lgx_buf.h"
#include "lgx_verdict.h"
#include "lgx_odoo.h"

/* Returns true when rc is LGX_OK; otherwise sets v from err. */
bool lgx_stock_ok(lgx_err_t rc, const lgx_odoo_error_t *err, const char *what,
                  lgx_verdict_t *v);

/* Pickings matching domain_json (a JSON domain), at most limit (0: all).
 * On true *recs is a JSON array (free with yajl_tree_free). */
bool lgx_stock_pickings(lgx_odoo_t *o, const char *domain_json, long limit,
                        yajl_val *recs, lgx_verdict_t *v);

/* The domain [[field, "=", value]] with value quoted, into out. */
lgx_err_t lgx_stock_domain_eq(lgx_buf_t *out, const char *field,
                              const char *value) LGX_MUST_CHECK;

/* The shipment status lgx keeps on a picking ("none" when unset). */
const char *lgx_stock_status(yajl_val picking);

/* write(ids, vals_json). */
bool lgx_stock_write(lgx_odoo_t *o, const char *model, const int64_t *ids,
                     size_t n, const char *vals_json, lgx_verdict_t *v);

/* Validates a picking without the SMS wizard. keep_rest: answer Odoo's
 * backorder wizard by creating the backorder; otherwise validate with no
 * backorder. *backorder says whether one was made. name is for messages. */
bool lgx_stock_validate(lgx_odoo_t *o, int64_t picking_id, const char *name,
                        bool keep_rest, bool *backorder, lgx_verdict_t *v);

/* Posts a chatter note (message_post, note subtype) on a picking, once
 * per key (an event id and what the note is for): the note ends with a
 * mark made from the key, and a note with that mark already on the
 * picking is not posted again. This guard lives in Odoo, so it holds
 * across restarts, replays and replicas; it costs one search_count.
 * Posted with mail_create_nosubscribe: Odoo 17 and 18 make the author
 * follow the picking on each post, and two consumers posting on one
 * picking at once then race for the same follower row. */
bool lgx_stock_note(lgx_odoo_t *o, int64_t picking_id, const char *body,
                    const char *key, lgx_verdict_t *v);

/* Attaches a document to a picking unless an attachment of that name is
 * already there. data is base64-encoded here (lgx_buf_base64). */
bool lgx_stock_attach(lgx_odoo_t *o, int64_t picking_id, const char *name,
                      const char *mimetype, const void *data, size_t len,
                      lgx_verdict_t *v);

/* ---- shared by lgx-milestones and lgx-pod ---- */

/* The verdict for an allocation failure (RETRY "nomem"); returns false. */
bool lgx_stock_nomem(lgx_verdict_t *v);

/* Pickings whose field equals value (one search_read), at most limit
 * (0: all). As lgx_stock_pickings; an empty array when none match. */
bool lgx_stock_pickings_eq(lgx_odoo_t *o, const char *field, const char *value,
                           long limit, yajl_val *recs, lgx_verdict_t *v);

/* Pickings whose field is one of values[0..n-1] (one search_read), all
 * of them: the pickings of several events read at once. As
 * lgx_stock_pickings, in the same order. */
bool lgx_stock_pickings_in(lgx_odoo_t *o, const char *field,
                           const char *const *values, size_t n, yajl_val *recs,
                           lgx_verdict_t *v);

/* The rules for an event about pickings (a JSON array, may be empty or
 * NULL): source and time against the first picking's clock for the rule's
 * event type and the event's source (lgx_gate_event), then the transition
 * from its shipment status (lgx_gate_status; "none" when there is no
 * picking). Pickings that share a key move together, so the first stands
 * for all. entity names the key in messages when there is no picking.
 * On true the ids of the pickings are in ids (room for max) and *n is not
 * 0: with no picking to write on (only a rules file applying the event in
 * status "none" lets that by) v is REJECTED unknown_picking. No Odoo
 * call. */
bool lgx_stock_gate(const lgx_event_t *ev, const lgx_rule_t *rule,
                    yajl_val pickings, const char *entity, int64_t *ids,
                    size_t max, size_t *n, lgx_verdict_t *v);

/* The rules for an event about pickings (a JSON array lgx_stock_pickings
 * read; the first stands for all): source and time against the first's
 * clock for the rule's event type (lgx_gate_event); then, when what says
 * what is refused (e.g. "the pick is not applied"), any of them cancelled
 * in Odoo refuses the event (lgx_stock_refuse_cancelled, with o and act);
 * then the transition from status (lgx_gate_status): the first's Odoo
 * state or shipment status, whichever the rule speaks of, entity naming
 * it in messages. No Odoo call unless a picking is cancelled. */
bool lgx_stock_gate_pickings(lgx_odoo_t *o, const lgx_activity_t *act,
                             const lgx_event_t *ev, const lgx_rule_t *rule,
                             yajl_val pickings, const char *status,
                             const char *entity, const char *what,
                             lgx_verdict_t *v);

/* The clock text of a picking record to read and update for event_type:
 * its consumer's own field (lgx_clock_field) unless empty, else the
 * legacy shared x_lgx_clock. Borrowed from picking; may be NULL. */
const char *lgx_stock_clock(yajl_val picking, const char *event_type);

/* Ownership of stock.picking fields: true when the rule lets the event
 * write every one of fields (NULL-terminated); else v is REJECTED
 * field_not_owned for the first it may not. */
bool lgx_stock_gate_writes(const lgx_rule_t *rule, const char *const *fields,
                           lgx_verdict_t *v);

/* Starts the vals of a picking write in vals (reset first): "{" and the
 * first picking's clock (lgx_stock_clock) with the event's source and
 * time set, in its consumer's own field. Add
 * fields with lgx_stock_val_str / lgx_stock_val_time, then write with
 * lgx_stock_write_vals. False with v RETRY when out of memory. */
bool lgx_stock_vals_begin(lgx_buf_t *vals, yajl_val pickings,
                          const lgx_event_t *ev, const lgx_rule_t *rule,
                          lgx_verdict_t *v);

/* Appends ,"field":"value" (a JSON string) to vals. */
lgx_err_t lgx_stock_val_str(lgx_buf_t *vals, const char *field,
                            const char *value) LGX_MUST_CHECK;

/* Appends ,"field":"YYYY-MM-DD HH:MM:SS" (Odoo's UTC datetime) for the
 * epoch milliseconds ms to vals. */
lgx_err_t lgx_stock_val_time(lgx_buf_t *vals, const char *field,
                             int64_t ms) LGX_MUST_CHECK;

/* Closes vals ("}") and writes them on the n pickings ids in one call. */
bool lgx_stock_write_vals(lgx_odoo_t *o, lgx_buf_t *vals, const int64_t *ids,
                          size_t n, lgx_verdict_t *v);

/* Schedules a To-Do activity on a picking unless one with the same summary
 * is open there (search_read, then create: two calls, or one on a
 * replay), as lgx_activity_schedule does. text is plain text (escaped
 * there for the HTML note). Its user and deadline come from act (may be
 * NULL) for kind and the picking's responsible (lgx_activity_responsible,
 * 0: none), as lgx_activity_vals says. On failure v is made from Odoo's
 * answer to the call that failed (lgx_verdict_from_odoo), or is RETRY
 * "nomem". */
bool lgx_stock_todo(lgx_odoo_t *o, const lgx_activity_t *act,
                    int64_t picking_id, const char *kind, int64_t responsible,
                    const char *summary, const char *text, lgx_verdict_t *v);

/* lgx_stock_todo for n activities in two calls however many: one
 * search_read for those open, one create (vals_list) of the others
 * (lgx_activity_schedule_many). */
bool lgx_stock_todos(lgx_odoo_t *o, const lgx_activity_t *act,
                     const lgx_activity_todo_t *todos, size_t n,
                     lgx_verdict_t *v);

/* When picking (a record lgx_stock_pickings read) is cancelled in Odoo:
 * sets v to rejected (picking_cancelled) naming who cancelled it and when
 * (Odoo's tracking when the API user may read it, else the picking's
 * last writer) and what is refused (what, e.g. "the pick is not
 * applied"), and returns true. When a carrier booking exists for it
 * (x_lgx_shipment_ref, status not cancelled) and the rule allows, its
 * shipment status becomes picking_cancelled and the transport team gets
 * one activity (kind cancelled) to cancel the booking; an Odoo failure
 * there is v's verdict instead. False (v untouched) when the picking is
 * not cancelled. One to three calls, only for a cancelled picking. */
bool lgx_stock_refuse_cancelled(lgx_odoo_t *o, const lgx_activity_t *act,
                                const lgx_rule_t *rule, yajl_val picking,
                                const char *what, lgx_verdict_t *v);

/* One picking of a step of a route (multi-step delivery: pick, then pack
 * and ship). name and state point into the moves read. */
typedef struct lgx_stock_step {
    int64_t id;
    const char *name;
    const char *state; /* of a move not done yet, or "done" */
    bool open;         /* some move of it is neither done nor cancelled */
} lgx_stock_step_t;

/* The next step of the routes of the pickings ids: the moves whose origin
 * moves (Odoo's move_orig_ids) are theirs, one stock.move search_read
 * (*moves, fields id, picking_id, state, quantity; free with
 * yajl_tree_free; an empty array when there is no next step), and their
 * pickings, each once, those whose every move is cancelled left out (at
 * most max into steps, *n_steps counted). */
bool lgx_stock_route_next(lgx_odoo_t *o, const int64_t *ids, size_t n,
                          yajl_val *moves, lgx_stock_step_t *steps, size_t max,
                          size_t *n_steps, lgx_verdict_t *v);

/* True when picking (a record lgx_stock_pickings read) is a step of a
 * route before the last one: an internal operation (pick, pack) whose
 * goods go on to another picking. */
bool lgx_stock_route_step(yajl_val picking);

/* The state of every consumer's handler: its configuration, the Odoo
 * client, the activity routing and work buffers, and the consumer's own
 * part (caches, lookups) when it has one (lgx_stock_state_own_set). Its
 * init and term fit lgx_consumer_spec_t's init and term. conf (may be
 * NULL) must begin with an lgx_activity_conf_t. init: NULL with errstr
 * when out of memory or the activity options are wrong
 * (lgx_activity_new); conf and odoo are borrowed, log is unused.
 * term(NULL) does nothing; term frees the own part with its free. */
typedef struct lgx_stock_state_s lgx_stock_state_t;
#define LGX_STOCK_BUFS 3
void *lgx_stock_state_init(void *conf, lgx_odoo_t *odoo, lgx_log_t *log,
                           char *errstr, size_t errstr_size);
void lgx_stock_state_term(void *state);
const void *lgx_stock_state_conf(const lgx_stock_state_t *s);
lgx_odoo_t *lgx_stock_state_odoo(const lgx_stock_state_t *s);
/* Who gets the activities, owned by s. */
const lgx_activity_t *lgx_stock_state_activity(const lgx_stock_state_t *s);
/* Work buffer i (0 to LGX_STOCK_BUFS - 1), owned by s. */
lgx_buf_t *lgx_stock_state_buf(const lgx_stock_state_t *s, int i);
/* lgx_stock_state_init, then the consumer's own part: make_own(s) (NULL
 * when out of memory), owned by the state from then on (free_own(own) at
 * term). NULL with errstr when either fails. */
void *lgx_stock_state_init_own(void *conf, lgx_odoo_t *odoo, lgx_log_t *log,
                               char *errstr, size_t errstr_size,
                               void *(*make_own)(const lgx_stock_state_t *s),
                               void (*free_own)(void *own));
/* The consumer's own part, or NULL. */
void *lgx_stock_state_own(const lgx_stock_state_t *s);

/* A JSON array borrowing rows of a batch's read (rows): those whose field
 * is the string str, or, when str is NULL, the id or many2one id id; at
 * most max of them, put in room. view holds the array; returns view. */
yajl_val lgx_stock_view(struct yajl_val_s *view, yajl_val *room, size_t max,
                        yajl_val rows, const char *field, const char *str,
                        int64_t id);

/* One note of lgx_stock_notes: plain text for picking_id, posted once
 * per key as lgx_stock_note does (the same mark). */
typedef struct lgx_stock_note {
    int64_t picking_id;
    const char *text;
    const char *key;
} lgx_stock_note_t;

/* Posts n chatter notes, each once per key, in two calls however many:
 * one search_read of mail.message for their marks, then one mail.message
 * create (vals_list) of those not there, with the note subtype and the
 * text escaped as message_post escapes plain text, so that a note reads
 * as one message_post would make. The subtype is looked up once per
 * state (a third call, the first time). Either all the missing notes are
 * created or none (one transaction). */
bool lgx_stock_notes(lgx_stock_state_t *s, const lgx_stock_note_t *notes,
                     size_t n, lgx_verdict_t *v);

/* What lgx_stock_pickings reads (PICKING_FIELDS), as requirement names
 * for a consumer spec's requires (lgx_setup.h checks them at start). */
#define LGX_STOCK_REQUIRES                                                     \
    "stock.picking.name", "stock.picking.state",                               \
        "stock.picking.carrier_tracking_ref", "stock.picking.x_lgx_clock",     \
        "stock.picking.x_lgx_clock_picks",                                     \
        "stock.picking.x_lgx_clock_shipments",                                 \
        "stock.picking.x_lgx_clock_milestones",                                \
        "stock.picking.x_lgx_clock_pod", "stock.picking.x_lgx_shipment_ref",   \
        "stock.picking.x_lgx_shipment_status",                                 \
        "stock.picking.x_lgx_milestone_at", "stock.picking.picking_type_id"

#endif
