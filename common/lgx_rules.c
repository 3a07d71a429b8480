/*
 * lgx_rules: the rules file read and validated as a whole (lgx_rules.h):
 * its top level, each event type's rule and one owner per field and
 * business method. The mapping section is read in lgx_rules_map.c; a rule
 * is asked about an event in lgx_rules_eval.c.
 */
#include "lgx_rules.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_buf.h"
#include "lgx_json.h"
#include "lgx_rules_int.h"

const char *const lgx_rules_event_types[] = {
    "pick_confirmed",     "shipment_booked",
    "label_created",      "shipment_dispatched",
    "shipment_cancelled", "carrier_milestone",
    "proof_of_delivery",  NULL};

static void list_free(list_t *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i]);
    }
    l->n = 0;
}

bool rules_list_has(const list_t *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->items[i], s) == 0) {
            return true;
        }
    }
    return false;
}

/* Reads a JSON array of non-empty strings into l. */
static lgx_err_t read_list(yajl_val v, const char *where, list_t *l,
                           char *errstr, size_t size)
{
    if (!YAJL_IS_ARRAY(v)) {
        snprintf(errstr, size, "%s: bad value: expected an array of strings",
                 where);
        return LGX_ERR_INVALID;
    }
    for (size_t i = 0; i < v->u.array.len; i++) {
        yajl_val s = v->u.array.values[i];
        if (l->n >= MAX_ITEMS) {
            snprintf(errstr, size, "%s: bad value: more than %d items", where,
                     MAX_ITEMS);
            return LGX_ERR_INVALID;
        }
        if (!YAJL_IS_STRING(s) || !s->u.string[0]) {
            snprintf(errstr, size,
                     "%s[%zu]: bad value: expected a non-empty string%s", where,
                     i, YAJL_IS_STRING(s) ? ", got \"\"" : "");
            return LGX_ERR_INVALID;
        }
        if (!(l->items[l->n] = strdup(s->u.string))) {
            return LGX_ERR_NOMEM;
        }
        l->n++;
    }
    return LGX_OK;
}

/* "model.field" with both parts, and never a workflow state. */
static lgx_err_t check_targets(const list_t *l, const char *where, bool writes,
                               char *errstr, size_t size)
{
    for (size_t i = 0; i < l->n; i++) {
        const char *dot = strrchr(l->items[i], '.');
        if (!dot || dot == l->items[i] || !dot[1]) {
            snprintf(errstr, size, "%s: '%s' is not model.%s", where,
                     l->items[i], writes ? "field" : "method");
            return LGX_ERR_INVALID;
        }
        if (writes && strcmp(dot + 1, "state") == 0) {
            snprintf(errstr, size,
                     "%s: '%s': workflow state is never written directly; "
                     "list the business method under \"calls\"",
                     where, l->items[i]);
            return LGX_ERR_INVALID;
        }
    }
    return LGX_OK;
}

/* create_lots: a boolean, for picks only (the warehouse owns its lots). */
static lgx_err_t read_create_lots(lgx_rule_t *r, yajl_val v, const char *where,
                                  char *errstr, size_t size)
{
    if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v)) {
        snprintf(errstr, size, "%s: bad value: expected true or false", where);
        return LGX_ERR_INVALID;
    }
    if (strcmp(r->event_type, "pick_confirmed") != 0) {
        snprintf(errstr, size,
                 "%s: only pick_confirmed creates lots (the warehouse owns "
                 "what was picked)",
                 where);
        return LGX_ERR_INVALID;
    }
    r->create_lots = YAJL_IS_TRUE(v);
    return LGX_OK;
}

static const char *const shortage_names[] = {"apply", "hold", "refuse"};

const char *lgx_shortage_name(lgx_shortage_t s)
{
    return (size_t)s < sizeof(shortage_names) / sizeof(shortage_names[0])
               ? shortage_names[s]
               : "?";
}

/* One policy name into *out. */
static bool shortage_of(yajl_val v, lgx_shortage_t *out)
{
    for (size_t i = 0; YAJL_IS_STRING(v) &&
                       i < sizeof(shortage_names) / sizeof(shortage_names[0]);
         i++) {
        if (strcmp(v->u.string, shortage_names[i]) == 0) {
            *out = (lgx_shortage_t)i;
            return true;
        }
    }
    return false;
}

/* shortage: a policy for every source ("hold"), or one per source
 * pattern ({"wms-*": "apply", "3pl-*": "refuse"}); picks only. */
static lgx_err_t read_shortage(lgx_rule_t *r, yajl_val v, const char *where,
                               char *errstr, size_t size)
{
    if (strcmp(r->event_type, "pick_confirmed") != 0) {
        snprintf(errstr, size, "%s: only pick_confirmed has a shortage policy",
                 where);
        return LGX_ERR_INVALID;
    }
    if (YAJL_IS_STRING(v)) {
        r->n_shortage = 1;
        r->shortage_src[0] = strdup("*");
        if (!shortage_of(v, &r->shortage[0])) {
            snprintf(errstr, size,
                     "%s: bad value: expected apply, hold or refuse", where);
            return LGX_ERR_INVALID;
        }
        return r->shortage_src[0] ? LGX_OK : LGX_ERR_NOMEM;
    }
    if (!YAJL_IS_OBJECT(v) || v->u.object.len > MAX_ITEMS) {
        snprintf(errstr, size,
                 "%s: bad value: expected apply, hold or refuse, or an object "
                 "of source "
                 "patterns to those (at most %d)",
                 where, MAX_ITEMS);
        return LGX_ERR_INVALID;
    }
    for (size_t i = 0; i < v->u.object.len; i++) {
        if (!(r->shortage_src[i] = strdup(v->u.object.keys[i]))) {
            return LGX_ERR_NOMEM;
        }
        r->n_shortage++;
        if (!shortage_of(v->u.object.values[i], &r->shortage[i])) {
            snprintf(errstr, size,
                     "%s.%s: bad value: expected apply, hold or refuse", where,
                     v->u.object.keys[i]);
            return LGX_ERR_INVALID;
        }
    }
    return LGX_OK;
}

/* The statuses a rule may name: the Odoo picking state for picks, the
 * shipment status lgx keeps on the picking (x_lgx_shipment_status) for
 * the others. A status outside them is a typo that would refuse every
 * event in it (transition_not_allowed). */
static const char *const picking_states[] = {
    "draft", "waiting", "confirmed", "assigned", "done", "cancel", NULL};
static const char *const shipment_statuses[] = {
    "none",      "booked",    "labelled",          "dispatched",
    "delivered", "cancelled", "picking_cancelled", NULL};

static const char *const *statuses_of(const char *type, const char **kind)
{
    bool pick = strcmp(type, "pick_confirmed") == 0;
    *kind = pick ? "Odoo picking states"
                 : "shipment statuses (x_lgx_shipment_status)";
    return pick ? picking_states : shipment_statuses;
}

void rules_join(const char *const *items, size_t n, const char *last, char *out,
                size_t size)
{
    size_t used = 0, count = 0;
    while (count < n && items[count]) {
        count++;
    }
    out[0] = '\0';
    for (size_t i = 0; i < count && used < size; i++) {
        const char *sep = i == 0 ? "" : i + 1 < count ? ", " : last;
        int k = snprintf(out + used, size - used, "%s%s", sep, items[i]);
        used += k > 0 ? (size_t)k : 0;
    }
}

static bool in_list(const char *const *items, const char *s)
{
    for (; *items; items++) {
        if (strcmp(*items, s) == 0) {
            return true;
        }
    }
    return false;
}

/* Every status of apply_in, hold_in and stale_in is one the event type's
 * entity can be in. */
static lgx_err_t check_known_statuses(const lgx_rule_t *r, char *errstr,
                                      size_t size)
{
    const char *kind;
    const char *const *known = statuses_of(r->event_type, &kind);
    const char *names[] = {"apply_in", "hold_in", "stale_in"};
    const list_t *lists[] = {&r->apply_in, &r->hold_in, &r->stale_in};
    for (int a = 0; a < 3; a++) {
        for (size_t i = 0; i < lists[a]->n; i++) {
            if (in_list(known, lists[a]->items[i])) {
                continue;
            }
            char all[160];
            rules_join(known, SIZE_MAX, " and ", all, sizeof(all));
            snprintf(errstr, size,
                     "events.%s.%s[%zu]: '%s' is not a status of %s; its "
                     "statuses are the %s %s",
                     r->event_type, names[a], i, lists[a]->items[i],
                     r->event_type, kind, all);
            return LGX_ERR_INVALID;
        }
    }
    return LGX_OK;
}

static bool known_type(const char *t)
{
    for (const char *const *k = lgx_rules_event_types; *k; k++) {
        if (strcmp(*k, t) == 0) {
            return true;
        }
    }
    return false;
}

/* A status in two of apply_in, hold_in and stale_in is ambiguous. */
static lgx_err_t check_statuses(const lgx_rule_t *r, const char *where,
                                char *errstr, size_t size)
{
    const list_t *lists[] = {&r->apply_in, &r->hold_in, &r->stale_in};
    for (int a = 0; a < 3; a++) {
        for (size_t i = 0; i < lists[a]->n; i++) {
            for (int b = a + 1; b < 3; b++) {
                if (rules_list_has(lists[b], lists[a]->items[i])) {
                    snprintf(errstr, size,
                             "%s: status '%s' is in two of apply_in, "
                             "hold_in, stale_in",
                             where, lists[a]->items[i]);
                    return LGX_ERR_INVALID;
                }
            }
        }
    }
    return LGX_OK;
}

static lgx_err_t read_rule(const char *type, yajl_val obj, lgx_rule_t *r,
                           char *errstr, size_t size)
{
    char where[160];
    if (!known_type(type)) {
        char all[256];
        rules_join(lgx_rules_event_types, SIZE_MAX, " and ", all, sizeof(all));
        snprintf(errstr, size, "events.%s: unknown event type (known: %s)",
                 type, all);
        return LGX_ERR_INVALID;
    }
    if (!YAJL_IS_OBJECT(obj)) {
        snprintf(errstr, size,
                 "events.%s: bad value: expected an object (the rule)", type);
        return LGX_ERR_INVALID;
    }
    if (!(r->event_type = strdup(type))) {
        return LGX_ERR_NOMEM;
    }
    r->hold_ms = -1;
    for (size_t i = 0; i < obj->u.object.len; i++) {
        const char *k = obj->u.object.keys[i];
        yajl_val v = obj->u.object.values[i];
        snprintf(where, sizeof(where), "events.%s.%s", type, k);
        struct {
            const char *name;
            list_t *list;
        } lists[] = {{"sources", &r->sources}, {"writes", &r->writes},
                     {"calls", &r->calls},     {"apply_in", &r->apply_in},
                     {"hold_in", &r->hold_in}, {"stale_in", &r->stale_in}};
        lgx_err_t err = LGX_ERR_INVALID;
        bool known = false;
        for (size_t j = 0; j < sizeof(lists) / sizeof(lists[0]); j++) {
            if (strcmp(k, lists[j].name) == 0) {
                known = true;
                err = read_list(v, where, lists[j].list, errstr, size);
            }
        }
        if (strcmp(k, "hold_ms") == 0) {
            known = true;
            if (YAJL_IS_INTEGER(v) && YAJL_GET_INTEGER(v) >= 0) {
                r->hold_ms = YAJL_GET_INTEGER(v);
                err = LGX_OK;
            } else {
                snprintf(errstr, size,
                         "%s: bad value: expected an integer >= 0", where);
            }
        }
        if (strcmp(k, "create_lots") == 0) {
            known = true;
            err = read_create_lots(r, v, where, errstr, size);
        }
        if (strcmp(k, "shortage") == 0) {
            known = true;
            err = read_shortage(r, v, where, errstr, size);
        }
        if (strcmp(k, "doc") == 0) {
            known = true;
            err = LGX_OK;
        }
        if (!known) {
            snprintf(errstr, size,
                     "%s: unknown key (a rule has doc, sources, writes, "
                     "calls, apply_in, hold_in, stale_in, hold_ms, "
                     "create_lots and shortage)",
                     where);
        }
        if (err != LGX_OK) {
            return err;
        }
    }
    snprintf(where, sizeof(where), "events.%s", type);
    if (r->sources.n == 0 || r->apply_in.n == 0) {
        snprintf(errstr, size, "%s: needs \"sources\" and \"apply_in\"", where);
        return LGX_ERR_INVALID;
    }
    if (r->create_lots && !rules_list_has(&r->calls, "stock.lot.create")) {
        snprintf(errstr, size,
                 "%s: \"create_lots\" needs \"stock.lot.create\" in \"calls\"",
                 where);
        return LGX_ERR_INVALID;
    }
    lgx_err_t err = check_targets(&r->writes, where, true, errstr, size);
    if (err == LGX_OK) {
        err = check_targets(&r->calls, where, false, errstr, size);
    }
    if (err == LGX_OK) {
        err = check_known_statuses(r, errstr, size);
    }
    return err == LGX_OK ? check_statuses(r, where, errstr, size) : err;
}

/* Warehouse truth: what was picked and its validation. It has one owner
 * whatever "shared" says. */
static bool never_shared(const char *target)
{
    static const char *const prefixes[] = {"stock.move.",
                                           "stock.move.line.",
                                           "stock.lot.",
                                           "stock.quant.",
                                           "stock.backorder.confirmation.",
                                           "stock.picking.button_validate",
                                           "stock.picking.action_cancel"};
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        if (strncmp(target, prefixes[i], strlen(prefixes[i])) == 0) {
            return true;
        }
    }
    return false;
}

static lgx_err_t read_shared(yajl_val v, list_t *shared, char *errstr,
                             size_t size)
{
    lgx_err_t err = read_list(v, "shared", shared, errstr, size);
    for (size_t i = 0; err == LGX_OK && i < shared->n; i++) {
        if (never_shared(shared->items[i])) {
            snprintf(errstr, size,
                     "shared: '%s' is warehouse truth (what was picked and "
                     "its validation): it has one owner and cannot be shared",
                     shared->items[i]);
            err = LGX_ERR_INVALID;
        }
    }
    return err;
}

/* Two rules are of one source family when they list the same sources. */
static bool same_family(const lgx_rule_t *a, const lgx_rule_t *b)
{
    if (a->sources.n != b->sources.n) {
        return false;
    }
    for (size_t i = 0; i < a->sources.n; i++) {
        if (!rules_list_has(&b->sources, a->sources.items[i])) {
            return false;
        }
    }
    return true;
}

static void sources_text(const lgx_rule_t *r, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < r->sources.n && used < size; i++) {
        int k = snprintf(out + used, size - used, "%s%s", i ? ", " : "",
                         r->sources.items[i]);
        used += k > 0 ? (size_t)k : 0;
    }
}

/* The first target of a (writes, then calls) that b also writes or calls
 * and that is not shared, or NULL. */
static const char *overlap(const lgx_rule_t *a, const lgx_rule_t *b,
                           const list_t *shared, bool *a_writes)
{
    const list_t *mine[] = {&a->writes, &a->calls};
    for (int k = 0; k < 2; k++) {
        for (size_t i = 0; i < mine[k]->n; i++) {
            const char *t = mine[k]->items[i];
            if ((rules_list_has(&b->writes, t) ||
                 rules_list_has(&b->calls, t)) &&
                !rules_list_has(shared, t)) {
                *a_writes = k == 0;
                return t;
            }
        }
    }
    return NULL;
}

/* One owner per field and business method: two event types of different
 * source families may not both write a field or call a method, unless
 * the file lists it under "shared". */
static lgx_err_t check_owners(const lgx_rules_t *r, char *errstr, size_t size)
{
    for (size_t i = 0; i < r->n; i++) {
        for (size_t j = i + 1; j < r->n; j++) {
            const lgx_rule_t *a = &r->rules[i], *b = &r->rules[j];
            bool writes = false;
            const char *t =
                same_family(a, b) ? NULL : overlap(a, b, &r->shared, &writes);
            if (t) {
                char sa[160], sb[160];
                sources_text(a, sa, sizeof(sa));
                sources_text(b, sb, sizeof(sb));
                snprintf(errstr, size,
                         "events.%s and events.%s both %s '%s', but their "
                         "sources differ (%s; %s): each field and business "
                         "method has one owner; give it to one of them, or "
                         "list it under \"shared\" if every event only adds "
                         "to it",
                         a->event_type, b->event_type,
                         writes ? "write" : "call", t, sa, sb);
                return LGX_ERR_INVALID;
            }
        }
    }
    return LGX_OK;
}

/* ---- the whole file ---- */

/* One key of the top level: which one it is, and whether its value is
 * what that key takes, decide the message. */
static lgx_err_t read_top_key(lgx_rules_t *r, const char *k, yajl_val v,
                              yajl_val *events, yajl_val *shared,
                              yajl_val *mapping, char *errstr, size_t size)
{
    if (strcmp(k, "events") == 0) {
        if (!YAJL_IS_OBJECT(v)) {
            snprintf(errstr, size,
                     "events: bad value: expected an object of event types "
                     "to their rules");
            return LGX_ERR_INVALID;
        }
        *events = v;
    } else if (strcmp(k, "clock_skew_ms") == 0) {
        if (!YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < 0) {
            snprintf(errstr, size,
                     "clock_skew_ms: bad value: expected an integer >= 0 "
                     "(milliseconds)");
            return LGX_ERR_INVALID;
        }
        r->clock_skew_ms = YAJL_GET_INTEGER(v);
    } else if (strcmp(k, "shared") == 0) {
        *shared = v;
    } else if (strcmp(k, "mapping") == 0) {
        *mapping = v;
    } else if (strcmp(k, "doc") != 0) {
        snprintf(errstr, size,
                 "%s: unknown key (the top level has doc, clock_skew_ms, "
                 "shared, mapping and events)",
                 k);
        return LGX_ERR_INVALID;
    }
    return LGX_OK;
}

static lgx_err_t read_root(lgx_rules_t *r, yajl_val root, char *errstr,
                           size_t size)
{
    if (!YAJL_IS_OBJECT(root)) {
        snprintf(errstr, size, "the rules must be a JSON object");
        return LGX_ERR_INVALID;
    }
    yajl_val events = NULL, shared = NULL, mapping = NULL;
    r->clock_skew_ms = 300000;
    for (size_t i = 0; i < root->u.object.len; i++) {
        const char *k = root->u.object.keys[i];
        yajl_val v = root->u.object.values[i];
        if (read_top_key(r, k, v, &events, &shared, &mapping, errstr, size) !=
            LGX_OK) {
            return LGX_ERR_INVALID;
        }
    }
    if (!events) {
        snprintf(errstr, size,
                 "events: missing (an object of event types to their rules)");
        return LGX_ERR_INVALID;
    }
    lgx_err_t err =
        shared ? read_shared(shared, &r->shared, errstr, size) : LGX_OK;
    if (err != LGX_OK) {
        return err;
    }
    r->rules = calloc(events->u.object.len ? events->u.object.len : 1,
                      sizeof(*r->rules));
    if (!r->rules) {
        return LGX_ERR_NOMEM;
    }
    for (size_t i = 0; i < events->u.object.len; i++) {
        r->n++;
        err = read_rule(events->u.object.keys[i], events->u.object.values[i],
                        &r->rules[i], errstr, size);
        if (err != LGX_OK) {
            return err;
        }
    }
    err = check_owners(r, errstr, size);
    if (err == LGX_OK && mapping) {
        err = rules_read_mapping(r, mapping, errstr, size);
    }
    return err;
}

lgx_rules_t *lgx_rules_parse(const char *json, size_t len, char *errstr,
                             size_t size)
{
    yajl_val root = lgx_json_parse(json, len, errstr, size);
    if (!root) {
        return NULL;
    }
    lgx_rules_t *r = calloc(1, sizeof(*r));
    if (!r || read_root(r, root, errstr, size) != LGX_OK) {
        if (!r) {
            snprintf(errstr, size, "out of memory");
        }
        lgx_rules_destroy(r);
        r = NULL;
    }
    yajl_tree_free(root);
    return r;
}

lgx_rules_t *lgx_rules_load(const char *path, char *errstr, size_t size)
{
    size_t len = 0;
    char *text = lgx_file_read(path, LGX_RULES_FILE_MAX, &len);
    if (!text) {
        snprintf(errstr, size,
                 "cannot read the rules file %s (or it is over %u bytes)", path,
                 LGX_RULES_FILE_MAX);
        return NULL;
    }
    char inner[400] = "";
    lgx_rules_t *r = lgx_rules_parse(text, len, inner, sizeof(inner));
    if (!r) {
        snprintf(errstr, size, "rules file %s: %s", path, inner);
    }
    free(text);
    return r;
}

void lgx_rules_destroy(lgx_rules_t *r)
{
    if (!r) {
        return;
    }
    for (size_t i = 0; i < r->n; i++) {
        lgx_rule_t *x = &r->rules[i];
        free(x->event_type);
        list_free(&x->sources);
        list_free(&x->writes);
        list_free(&x->calls);
        list_free(&x->apply_in);
        list_free(&x->hold_in);
        list_free(&x->stale_in);
        for (size_t k = 0; k < x->n_shortage; k++) {
            free(x->shortage_src[k]);
        }
    }
    free(r->rules);
    list_free(&r->shared);
    rules_free_mapping(r);
    free(r);
}
