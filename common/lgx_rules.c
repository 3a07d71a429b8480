#include "lgx_rules.h"

#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_buf.h"
#include "lgx_json.h"

#define MAX_ITEMS 64

const char *const lgx_rules_event_types[] = {
    "pick_confirmed",     "shipment_booked",
    "label_created",      "shipment_dispatched",
    "shipment_cancelled", "carrier_milestone",
    "proof_of_delivery",  NULL};

typedef struct list {
    char *items[MAX_ITEMS];
    size_t n;
} list_t;

struct lgx_rule_s {
    char *event_type;
    list_t sources, writes, calls, apply_in, hold_in, stale_in;
    int64_t hold_ms;
    bool create_lots; /* a picked lot Odoo lacks is created (stock.lot) */
    /* shortage policies by source pattern, first match wins */
    char *shortage_src[MAX_ITEMS];
    lgx_shortage_t shortage[MAX_ITEMS];
    size_t n_shortage;
};

/* The kinds of partner codes a mapping section may map, in the order of
 * mapping_t.maps. */
static const char *const map_kinds[] = {"carriers", "products", "units",
                                        "warehouses"};
#define N_MAP_KINDS (sizeof(map_kinds) / sizeof(map_kinds[0]))

typedef struct code_pair {
    const char *code; /* both in the map's text */
    const char *value;
} code_pair_t;

/* One map of a section: pairs sorted by code (bsearch), their strings in
 * one block. */
typedef struct code_map {
    bool given; /* the section maps this kind: unlisted codes are unmapped */
    code_pair_t *pairs;
    size_t n;
    char *text;
} code_map_t;

/* A section of "mapping": the codes of the sources its pattern matches. */
typedef struct mapping {
    char *pattern;
    code_map_t maps[N_MAP_KINDS];
    bool barcode; /* product codes are barcodes, not default_codes */
} mapping_t;

struct lgx_rules_s {
    lgx_rule_t *rules;
    size_t n;
    list_t shared; /* targets several source families may touch */
    int64_t clock_skew_ms;
    mapping_t *mappings; /* in file order: the first match wins */
    size_t n_mappings;
};

static void list_free(list_t *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i]);
    }
    l->n = 0;
}

static bool list_has(const list_t *l, const char *s)
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

/* Writes the n items (all up to NULL when n is SIZE_MAX) as "a, b and c"
 * (last: "and" or "or") into out. */
static void join(const char *const *items, size_t n, const char *last,
                 char *out, size_t size)
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
            join(known, SIZE_MAX, " and ", all, sizeof(all));
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
                if (list_has(lists[b], lists[a]->items[i])) {
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
        join(lgx_rules_event_types, SIZE_MAX, " and ", all, sizeof(all));
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
    if (r->create_lots && !list_has(&r->calls, "stock.lot.create")) {
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
        if (!list_has(&b->sources, a->sources.items[i])) {
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
            if ((list_has(&b->writes, t) || list_has(&b->calls, t)) &&
                !list_has(shared, t)) {
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

/* ---- mapping: the partners' codes as Odoo names them ---- */

static int map_kind(const char *kind)
{
    for (size_t i = 0; i < N_MAP_KINDS; i++) {
        if (strcmp(map_kinds[i], kind) == 0) {
            return (int)i;
        }
    }
    return -1;
}

static int pair_cmp(const void *a, const void *b)
{
    return strcmp(((const code_pair_t *)a)->code,
                  ((const code_pair_t *)b)->code);
}

static int code_cmp(const void *code, const void *pair)
{
    return strcmp(code, ((const code_pair_t *)pair)->code);
}

/* Copies s to *t and moves *t past its NUL; returns the copy. */
static const char *text_put(char **t, const char *s)
{
    size_t n = strlen(s) + 1;
    char *at = memcpy(*t, s, n);
    *t += n;
    return at;
}

/* What is wrong with one member of a map, or NULL. */
static const char *bad_pair(const char *code, yajl_val value)
{
    if (!code[0]) {
        return "a code must not be empty";
    }
    return YAJL_IS_STRING(value) && value->u.string[0]
               ? NULL
               : "expected a non-empty string";
}

/* Every code non-empty, every value a non-empty string, at most
 * LGX_RULES_MAP_MAX of them; *bytes is what their text takes. */
static lgx_err_t check_map(yajl_val v, const char *where, size_t *bytes,
                           char *errstr, size_t size)
{
    size_t n = YAJL_IS_OBJECT(v) ? v->u.object.len : 0;
    if (!YAJL_IS_OBJECT(v) || n > LGX_RULES_MAP_MAX) {
        char count[40] = "";
        if (n) {
            snprintf(count, sizeof(count), ", not %zu", n);
        }
        snprintf(errstr, size, "%s: expected an object of at most %d codes%s",
                 where, LGX_RULES_MAP_MAX, count);
        return LGX_ERR_INVALID;
    }
    *bytes = 1;
    for (size_t i = 0; i < n; i++) {
        const char *code = v->u.object.keys[i];
        const char *why = bad_pair(code, v->u.object.values[i]);
        if (why) {
            snprintf(errstr, size, "%s%s%s: %s", where, code[0] ? "." : "",
                     code, why);
            return LGX_ERR_INVALID;
        }
        *bytes += strlen(code) + strlen(v->u.object.values[i]->u.string) + 2;
    }
    return LGX_OK;
}

/* Reads {code: value} into m, sorted by code; a code given twice is
 * refused (which one was meant is unknown). */
static lgx_err_t read_map(yajl_val v, const char *where, code_map_t *m,
                          char *errstr, size_t size)
{
    size_t bytes = 0;
    lgx_err_t err = check_map(v, where, &bytes, errstr, size);
    if (err != LGX_OK) {
        return err;
    }
    size_t n = v->u.object.len;
    m->given = true;
    if (!(m->pairs = calloc(n ? n : 1, sizeof(*m->pairs))) ||
        !(m->text = malloc(bytes))) {
        snprintf(errstr, size, "%s: out of memory", where);
        return LGX_ERR_NOMEM;
    }
    char *t = m->text;
    for (size_t i = 0; i < n; i++) {
        m->pairs[i].code = text_put(&t, v->u.object.keys[i]);
        m->pairs[i].value = text_put(&t, v->u.object.values[i]->u.string);
    }
    m->n = n;
    qsort(m->pairs, n, sizeof(*m->pairs), pair_cmp);
    for (size_t i = 1; i < n; i++) {
        if (strcmp(m->pairs[i - 1].code, m->pairs[i].code) == 0) {
            snprintf(errstr, size, "%s.%s: given twice", where,
                     m->pairs[i].code);
            return LGX_ERR_INVALID;
        }
    }
    return LGX_OK;
}

static lgx_err_t read_product_field(yajl_val v, const char *where,
                                    bool *barcode, char *errstr, size_t size)
{
    const char *f = YAJL_IS_STRING(v) ? v->u.string : "";
    if (strcmp(f, "default_code") != 0 && strcmp(f, "barcode") != 0) {
        snprintf(errstr, size, "%s: expected \"default_code\" or \"barcode\"",
                 where);
        return LGX_ERR_INVALID;
    }
    *barcode = strcmp(f, "barcode") == 0;
    return LGX_OK;
}

/* One key of a section: a map, product_field or doc. */
static lgx_err_t read_section_key(mapping_t *m, const char *k, yajl_val v,
                                  const char *where, char *errstr, size_t size)
{
    int kind = map_kind(k);
    if (kind >= 0 && m->maps[kind].given) {
        snprintf(errstr, size, "%s: given twice", where);
        return LGX_ERR_INVALID;
    }
    if (kind >= 0) {
        return read_map(v, where, &m->maps[kind], errstr, size);
    }
    if (strcmp(k, "product_field") == 0) {
        return read_product_field(v, where, &m->barcode, errstr, size);
    }
    if (strcmp(k, "doc") == 0) {
        return LGX_OK;
    }
    snprintf(errstr, size, "%s: unknown key", where);
    return LGX_ERR_INVALID;
}

static lgx_err_t read_section(const char *pattern, yajl_val obj, mapping_t *m,
                              char *errstr, size_t size)
{
    if (!pattern[0]) {
        snprintf(errstr, size, "mapping: a source pattern must not be empty");
        return LGX_ERR_INVALID;
    }
    if (!YAJL_IS_OBJECT(obj)) {
        snprintf(errstr, size, "mapping.%s: expected an object", pattern);
        return LGX_ERR_INVALID;
    }
    if (!(m->pattern = strdup(pattern))) {
        snprintf(errstr, size, "out of memory");
        return LGX_ERR_NOMEM;
    }
    lgx_err_t err = LGX_OK;
    for (size_t i = 0; err == LGX_OK && i < obj->u.object.len; i++) {
        char where[300];
        snprintf(where, sizeof(where), "mapping.%s.%s", pattern,
                 obj->u.object.keys[i]);
        err = read_section_key(m, obj->u.object.keys[i],
                               obj->u.object.values[i], where, errstr, size);
    }
    return err;
}

/* "mapping": {source pattern: section}, at most MAX_ITEMS patterns, each
 * once (a second one would never match first). */
static lgx_err_t read_mapping(lgx_rules_t *r, yajl_val v, char *errstr,
                              size_t size)
{
    if (!YAJL_IS_OBJECT(v) || v->u.object.len > MAX_ITEMS) {
        snprintf(errstr, size,
                 "mapping: expected an object of at most %d source patterns",
                 MAX_ITEMS);
        return LGX_ERR_INVALID;
    }
    r->mappings =
        calloc(v->u.object.len ? v->u.object.len : 1, sizeof(*r->mappings));
    if (!r->mappings) {
        snprintf(errstr, size, "out of memory");
        return LGX_ERR_NOMEM;
    }
    for (size_t i = 0; i < v->u.object.len; i++) {
        const char *pattern = v->u.object.keys[i];
        for (size_t j = 0; j < i; j++) {
            if (strcmp(r->mappings[j].pattern, pattern) == 0) {
                snprintf(errstr, size, "mapping.%s: given twice", pattern);
                return LGX_ERR_INVALID;
            }
        }
        r->n_mappings++;
        lgx_err_t err = read_section(pattern, v->u.object.values[i],
                                     &r->mappings[i], errstr, size);
        if (err != LGX_OK) {
            return err;
        }
    }
    return LGX_OK;
}

static void mapping_free(mapping_t *m)
{
    free(m->pattern);
    for (size_t k = 0; k < N_MAP_KINDS; k++) {
        free(m->maps[k].pairs);
        free(m->maps[k].text);
    }
}

/* The section of source: the first whose pattern matches, or NULL. */
static const mapping_t *section_of(const lgx_rules_t *r, const char *source)
{
    for (size_t i = 0; source && i < r->n_mappings; i++) {
        if (fnmatch(r->mappings[i].pattern, source, 0) == 0) {
            return &r->mappings[i];
        }
    }
    return NULL;
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
        err = read_mapping(r, mapping, errstr, size);
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
    for (size_t i = 0; i < r->n_mappings; i++) {
        mapping_free(&r->mappings[i]);
    }
    free(r->mappings);
    free(r);
}

const lgx_rule_t *lgx_rules_get(const lgx_rules_t *r, const char *type)
{
    for (size_t i = 0; r && i < r->n; i++) {
        if (r->rules[i].event_type &&
            strcmp(r->rules[i].event_type, type) == 0) {
            return &r->rules[i];
        }
    }
    return NULL;
}

int64_t lgx_rules_clock_skew_ms(const lgx_rules_t *r)
{
    return r->clock_skew_ms;
}

bool lgx_rule_source_allowed(const lgx_rule_t *rule, const char *source)
{
    for (size_t i = 0; source && i < rule->sources.n; i++) {
        if (fnmatch(rule->sources.items[i], source, 0) == 0) {
            return true;
        }
    }
    return false;
}

static bool target_listed(const list_t *l, const char *model, const char *name)
{
    char full[256];
    snprintf(full, sizeof(full), "%s.%s", model, name);
    return list_has(l, full);
}

bool lgx_rule_may_write(const lgx_rule_t *rule, const char *model,
                        const char *field)
{
    return strcmp(field, "state") != 0 &&
           target_listed(&rule->writes, model, field);
}

bool lgx_rule_may_call(const lgx_rule_t *rule, const char *model,
                       const char *method)
{
    return target_listed(&rule->calls, model, method);
}

lgx_rule_step_t lgx_rule_step(const lgx_rule_t *rule, const char *status)
{
    if (list_has(&rule->apply_in, status)) {
        return LGX_RULE_APPLY;
    }
    if (list_has(&rule->hold_in, status)) {
        return LGX_RULE_HOLD;
    }
    if (list_has(&rule->stale_in, status)) {
        return LGX_RULE_STALE;
    }
    return LGX_RULE_REJECT;
}

void lgx_rule_apply_in_text(const lgx_rule_t *rule, char *out, size_t size)
{
    join((const char *const *)rule->apply_in.items, rule->apply_in.n, " or ",
         out, size);
}

int64_t lgx_rule_hold_ms(const lgx_rule_t *rule)
{
    return rule->hold_ms;
}

bool lgx_rule_create_lots(const lgx_rule_t *rule)
{
    return rule->create_lots;
}

lgx_shortage_t lgx_rule_shortage(const lgx_rule_t *rule, const char *source)
{
    for (size_t i = 0; source && i < rule->n_shortage; i++) {
        if (fnmatch(rule->shortage_src[i], source, 0) == 0) {
            return rule->shortage[i];
        }
    }
    return LGX_SHORTAGE_APPLY;
}

const char *lgx_rule_event_type(const lgx_rule_t *rule)
{
    return rule->event_type;
}

lgx_rule_time_t lgx_rules_check_time(const lgx_rules_t *r, int64_t occurred_at,
                                     int64_t now, int64_t last_applied)
{
    /* clock_skew_ms may be as large as the file allows (up to INT64_MAX,
     * to turn the check off): now + skew must not overflow. */
    if (now <= INT64_MAX - r->clock_skew_ms &&
        occurred_at > now + r->clock_skew_ms) {
        return LGX_TIME_FUTURE;
    }
    if (last_applied >= 0 && occurred_at < last_applied) {
        return LGX_TIME_STALE;
    }
    return LGX_TIME_OK;
}

lgx_err_t lgx_rules_map(const lgx_rules_t *r, const char *source,
                        const char *kind, const char *code, const char **out,
                        const char **pattern)
{
    int k = map_kind(kind);
    const mapping_t *m = section_of(r, source);
    if (pattern) {
        *pattern = m ? m->pattern : NULL;
    }
    *out = NULL;
    if (k < 0) {
        return LGX_ERR_INVALID;
    }
    if (!m || !m->maps[k].given) {
        /* Not mapped for this source: its codes are Odoo's. */
        *out = code;
        return LGX_OK;
    }
    const code_map_t *map = &m->maps[k];
    const code_pair_t *p =
        bsearch(code, map->pairs, map->n, sizeof(*map->pairs), code_cmp);
    if (p) {
        *out = p->value;
    }
    return p ? LGX_OK : LGX_ERR_NOT_FOUND;
}

const char *lgx_rules_product_field(const lgx_rules_t *r, const char *source)
{
    const mapping_t *m = section_of(r, source);
    return m && m->barcode ? "barcode" : "default_code";
}
