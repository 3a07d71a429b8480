/*
 * lgx-lint-schemas: backward-compatibility lint of the event contracts.
 *
 * For every record full name in schemas.json and every pair of its
 * versions (older = writer, newer = reader) it checks that the newer
 * version reads all data written with the older one, as the Confluent
 * registry's BACKWARD_TRANSITIVE does: the Avro specification's resolution
 * rules, walked here over the two schemas, plus the limits of avro-c
 * 1.11.1, whose resolver (avro_resolved_writer_new) lgx_avro_decode uses.
 * What that resolver does and does not enforce, from its source
 * (lang/c/src/resolved-writer.c) and tried against Debian's libavro:
 *
 *  - a reader field the writer lacks is refused even when it has a
 *    default: defaults are not implemented (only a build with
 *    AVRO_ALLOW_MISSING_FIELDS_IN_RESOLVED_WRITER zero-fills them, and
 *    Debian's is not). The spec allows it when the field has a default;
 *    avro-c cannot tell the two cases apart, so the default is checked
 *    here (read from the .avsc with yajl: avro-c drops defaults).
 *  - inside a union branch the same refusal is silent: a writer branch
 *    that resolves to no reader branch is accepted when the schemas are
 *    paired and fails only when such a value is decoded. So a removed
 *    union branch, or a type change inside one, is never refused.
 *  - enums are matched by name only; symbols are passed by position, not
 *    by name (no range check): a removed symbol reads as garbage, a
 *    reordered or inserted one as the wrong symbol. Enum defaults are
 *    ignored. So writer symbols must keep their positions in the reader.
 *  - int -> long/float/double, long -> float/double, float -> double are
 *    resolved; string <-> bytes (allowed by the spec) is refused.
 *  - record and enum names are compared unqualified, as the spec says;
 *    aliases are not supported.
 *
 * Findings print as "ERROR <name> v<old> -> v<new>: <reason>" (or without
 * the pair for index problems), then "schemas: N checked, N errors".
 * "NOTE" lines name the reader fields filled from defaults, which avro-c
 * cannot do by itself. Exit codes: 0 compatible, 1 any error, 2 bad
 * command line.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <avro.h>

#include "lgx_avro.h"
#include "lgx_buf.h"
#include "lgx_config.h"
#include "lgx_json.h"

#ifndef LGX_SCHEMA_DIR
#define LGX_SCHEMA_DIR "avro-schemas"
#endif

#define MAX_ENTRIES 256
#define MAX_DEFS 64
#define MAX_SEEN 64
#define PATH_SIZE 512

typedef struct lint_conf {
    char *schema_dir;
} lint_conf_t;

static const lgx_opt_t lint_opts[] = {
    {"schema-dir", LGX_OPT_STR, LGX_SCHEMA_DIR,
     offsetof(lint_conf_t, schema_dir),
     "Folder with schemas.json and the .avsc event contracts", NULL, 0},
    LGX_OPT_END};

/* A named type defined in an .avsc: its full name and its JSON object. */
typedef struct named_def {
    char *fullname;
    yajl_val obj;
} named_def_t;

/* One row of schemas.json. */
typedef struct entry {
    int64_t id;
    int64_t version;
    const char *file;     /* points into the schemas.json tree */
    yajl_val json;        /* the parsed .avsc, NULL when unreadable */
    char *fullname;       /* set once the store has loaded */
    avro_schema_t schema; /* owned by the store */
    named_def_t defs[MAX_DEFS];
    size_t n_defs;
} entry_t;

typedef struct lint {
    const char *dir;
    yajl_val index; /* schemas.json */
    entry_t *entries;
    size_t n;
    size_t errors;
} lint_t;

/* State of one writer -> reader comparison. */
typedef struct pair {
    lint_t *lint;
    const entry_t *w;
    const entry_t *r;
    char path[PATH_SIZE];
    size_t errors;
    lgx_buf_t *defaulted; /* reader fields filled from defaults */
    avro_schema_t seen_w[MAX_SEEN];
    avro_schema_t seen_r[MAX_SEEN];
    size_t n_seen;
} pair_t;

static void check_type(pair_t *p, avro_schema_t w, avro_schema_t r);

/* ---- reporting ---- */

__attribute__((format(printf, 2, 3))) static void
lint_error(lint_t *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("ERROR ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
    l->errors++;
}

/* Reports a finding of the pair, naming the field being compared. */
__attribute__((format(printf, 2, 3))) static void
pair_error(pair_t *p, const char *fmt, ...)
{
    char reason[PATH_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    printf("ERROR %s v%lld -> v%lld: field %s: %s\n", p->r->fullname,
           (long long)p->w->version, (long long)p->r->version,
           p->path[0] ? p->path : "(record)", reason);
    p->errors++;
    p->lint->errors++;
}

/* Appends to p->path; returns the old length to restore it with. */
__attribute__((format(printf, 2, 3))) static size_t
path_push(pair_t *p, const char *fmt, ...)
{
    size_t len = strlen(p->path);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->path + len, sizeof(p->path) - len, fmt, ap);
    va_end(ap);
    return len;
}

static void path_pop(pair_t *p, size_t len)
{
    p->path[len] = '\0';
}

/* ---- files ---- */

/* Parses dir/name as JSON; NULL with an ERROR line when that fails. */
static yajl_val read_json(lint_t *l, const char *name)
{
    char path[1024], errstr[256];
    size_t len = 0;
    snprintf(path, sizeof(path), "%s/%s", l->dir, name);
    char *text = lgx_file_read(path, 1u << 20, &len);
    if (!text) {
        lint_error(l, "%s: cannot read", path);
        return NULL;
    }
    yajl_val v = lgx_json_parse(text, len, errstr, sizeof(errstr));
    free(text);
    if (!v) {
        lint_error(l, "%s: %s", path, errstr);
    }
    return v;
}

/* ---- named types and defaults, from the .avsc JSON ---- */

static bool is_named_kind(const char *type)
{
    return type && (strcmp(type, "record") == 0 || strcmp(type, "error") == 0 ||
                    strcmp(type, "enum") == 0 || strcmp(type, "fixed") == 0);
}

/* Records the named type defined by obj under its full name (Avro's
 * namespace rules) and writes its namespace into ns_out. */
static void add_def(entry_t *e, yajl_val obj, const char *ns, char *ns_out,
                    size_t ns_size)
{
    const char *name = lgx_json_get_str(obj, "name");
    const char *own = lgx_json_get_str(obj, "namespace");
    const char *dot = strrchr(name, '.');
    char full[PATH_SIZE];
    if (dot) {
        snprintf(full, sizeof(full), "%s", name);
        snprintf(ns_out, ns_size, "%.*s", (int)(dot - name), name);
    } else {
        const char *space = own ? own : ns;
        snprintf(full, sizeof(full), "%s%s%s", space, *space ? "." : "", name);
        snprintf(ns_out, ns_size, "%s", space);
    }
    if (e->n_defs < MAX_DEFS) {
        e->defs[e->n_defs].fullname = strdup(full);
        e->defs[e->n_defs].obj = obj;
        if (e->defs[e->n_defs].fullname) {
            e->n_defs++;
        }
    }
}

/* Walks a type in the .avsc JSON, recording every named type. */
static void collect_defs(entry_t *e, yajl_val node, const char *ns)
{
    if (YAJL_IS_ARRAY(node)) {
        for (size_t i = 0; i < node->u.array.len; i++) {
            collect_defs(e, node->u.array.values[i], ns);
        }
        return;
    }
    if (!YAJL_IS_OBJECT(node)) {
        return;
    }
    char inner[PATH_SIZE];
    snprintf(inner, sizeof(inner), "%s", ns);
    if (is_named_kind(lgx_json_get_str(node, "type")) &&
        lgx_json_get_str(node, "name")) {
        add_def(e, node, ns, inner, sizeof(inner));
    }
    yajl_val fields = lgx_json_get(node, "fields");
    for (size_t i = 0; i < lgx_json_len(fields); i++) {
        collect_defs(e, lgx_json_get(lgx_json_at(fields, i), "type"), inner);
    }
    collect_defs(e, lgx_json_get(node, "items"), inner);
    collect_defs(e, lgx_json_get(node, "values"), inner);
}

/* The JSON definition of named schema s in entry e: by full name, else by
 * unqualified name when that is unambiguous. NULL when not found. */
static yajl_val find_def(const entry_t *e, avro_schema_t s)
{
    char *full = lgx_avro_fullname(s);
    yajl_val found = NULL;
    size_t by_short = 0;
    for (size_t i = 0; full && i < e->n_defs && !found; i++) {
        const char *dot = strrchr(e->defs[i].fullname, '.');
        const char *short_name = dot ? dot + 1 : e->defs[i].fullname;
        if (strcmp(e->defs[i].fullname, full) == 0) {
            found = e->defs[i].obj;
        } else if (strcmp(short_name, avro_schema_name(s)) == 0) {
            by_short++;
        }
    }
    for (size_t i = 0; full && !found && by_short == 1 && i < e->n_defs; i++) {
        const char *dot = strrchr(e->defs[i].fullname, '.');
        if (strcmp(dot ? dot + 1 : e->defs[i].fullname, avro_schema_name(s)) ==
            0) {
            found = e->defs[i].obj;
        }
    }
    free(full);
    return found;
}

/* The field object named name in a record's JSON definition, or NULL. */
static yajl_val json_field(yajl_val record, const char *name)
{
    yajl_val fields = lgx_json_get(record, "fields");
    for (size_t i = 0; i < lgx_json_len(fields); i++) {
        yajl_val f = lgx_json_at(fields, i);
        const char *n = lgx_json_get_str(f, "name");
        if (n && strcmp(n, name) == 0) {
            return f;
        }
    }
    return NULL;
}

static avro_schema_t deref(avro_schema_t s)
{
    while (avro_typeof(s) == AVRO_LINK) {
        s = avro_schema_link_target(s);
    }
    return s;
}

/* True when JSON value d is a valid default for schema s (for a union:
 * for its first branch, as the spec requires). */
static bool default_fits(avro_schema_t s, yajl_val d)
{
    s = deref(s);
    switch (avro_typeof(s)) {
    case AVRO_UNION:
        return avro_schema_union_size(s) > 0 &&
               default_fits(avro_schema_union_branch(s, 0), d);
    case AVRO_NULL:
        return YAJL_IS_NULL(d);
    case AVRO_BOOLEAN:
        return YAJL_IS_TRUE(d) || YAJL_IS_FALSE(d);
    case AVRO_INT32:
        return YAJL_IS_INTEGER(d) && YAJL_GET_INTEGER(d) >= INT32_MIN &&
               YAJL_GET_INTEGER(d) <= INT32_MAX;
    case AVRO_INT64:
        return YAJL_IS_INTEGER(d);
    case AVRO_FLOAT:
    case AVRO_DOUBLE:
        return YAJL_IS_NUMBER(d);
    case AVRO_STRING:
    case AVRO_BYTES:
    case AVRO_FIXED:
        return YAJL_IS_STRING(d);
    case AVRO_ENUM:
        return YAJL_IS_STRING(d) &&
               avro_schema_enum_get_by_name(s, d->u.string) >= 0;
    case AVRO_ARRAY:
        if (!YAJL_IS_ARRAY(d)) {
            return false;
        }
        for (size_t i = 0; i < d->u.array.len; i++) {
            if (!default_fits(avro_schema_array_items(s),
                              d->u.array.values[i])) {
                return false;
            }
        }
        return true;
    case AVRO_MAP:
    case AVRO_RECORD:
        return YAJL_IS_OBJECT(d);
    default:
        return false;
    }
}

/* ---- the resolution rules ---- */

static bool is_named(avro_type_t t)
{
    return t == AVRO_RECORD || t == AVRO_ENUM || t == AVRO_FIXED;
}

/* The spec's promotions, writer type -> reader type. */
static bool promotable(avro_type_t w, avro_type_t r)
{
    switch (w) {
    case AVRO_INT32:
        return r == AVRO_INT64 || r == AVRO_FLOAT || r == AVRO_DOUBLE;
    case AVRO_INT64:
        return r == AVRO_FLOAT || r == AVRO_DOUBLE;
    case AVRO_FLOAT:
        return r == AVRO_DOUBLE;
    case AVRO_STRING:
        return r == AVRO_BYTES;
    case AVRO_BYTES:
        return r == AVRO_STRING;
    default:
        return false;
    }
}

/* True when reader branch r is the kind writer w resolves to: the same
 * type (named types: the same unqualified name) or, when promote, a
 * promotion of it. */
static bool branch_matches(avro_schema_t w, avro_schema_t r, bool promote)
{
    w = deref(w);
    r = deref(r);
    avro_type_t wt = avro_typeof(w), rt = avro_typeof(r);
    if (wt == rt) {
        return !is_named(wt) ||
               strcmp(avro_schema_name(w), avro_schema_name(r)) == 0;
    }
    return promote && promotable(wt, rt);
}

/* The reader union branch writer w resolves to (exact types first, then
 * promotions), or NULL. */
static avro_schema_t union_pick(avro_schema_t w, avro_schema_t r)
{
    size_t n = avro_schema_union_size(r);
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            avro_schema_t b = avro_schema_union_branch(r, (int)i);
            if (branch_matches(w, b, pass == 1)) {
                return b;
            }
        }
    }
    return NULL;
}

/* Appends sym to list (", "-separated); a short list is fine on error. */
static void list_add(lgx_buf_t *list, const char *sym)
{
    lgx_err_t err =
        lgx_buf_printf(list, "%s%s", lgx_buf_len(list) ? ", " : "", sym);
    (void)err;
}

static void list_add_raw(lgx_buf_t *list, const char *text)
{
    lgx_err_t err = lgx_buf_puts(list, text);
    (void)err;
}

static void check_default(pair_t *p, avro_schema_t rfield, yajl_val rdef,
                          const char *name)
{
    yajl_val fj = json_field(rdef, name);
    yajl_val def = lgx_json_get(fj, "default");
    size_t len = path_push(p, "%s%s", p->path[0] ? "." : "", name);
    if (!rdef) {
        pair_error(p, "added, and its record's definition (for the default) "
                      "was not found in the .avsc");
    } else if (!def) {
        pair_error(p,
                   "added without a default: data written with v%lld has "
                   "no value for it",
                   (long long)p->w->version);
    } else if (!default_fits(rfield, def)) {
        pair_error(p, "added with a default that does not fit its type (a "
                      "union's default must fit its first branch)");
    } else {
        /* Reading a missing field as absent equals only a null default. */
        list_add(p->defaulted, p->path);
        if (!YAJL_IS_NULL(def)) {
            list_add_raw(p->defaulted, " (non-null default)");
        }
    }
    path_pop(p, len);
}

/* True when the pair (w, r) is already being compared higher up: a
 * recursive type, whose fields are then not walked again. */
static bool seen_before(pair_t *p, avro_schema_t w, avro_schema_t r)
{
    for (size_t i = 0; i < p->n_seen; i++) {
        if (p->seen_w[i] == w && p->seen_r[i] == r) {
            return true;
        }
    }
    if (p->n_seen < MAX_SEEN) {
        p->seen_w[p->n_seen] = w;
        p->seen_r[p->n_seen] = r;
        p->n_seen++;
    }
    return false;
}

static void check_record(pair_t *p, avro_schema_t w, avro_schema_t r)
{
    if (strcmp(avro_schema_name(w), avro_schema_name(r)) != 0) {
        pair_error(p,
                   "record renamed from %s to %s (aliases are not "
                   "supported by avro-c)",
                   avro_schema_name(w), avro_schema_name(r));
        return;
    }
    if (seen_before(p, w, r)) {
        return;
    }
    yajl_val rdef = find_def(p->r, r);
    size_t n = avro_schema_record_size(r);
    for (size_t i = 0; i < n; i++) {
        const char *name = avro_schema_record_field_name(r, (int)i);
        avro_schema_t rfield = avro_schema_record_field_get_by_index(r, (int)i);
        int wi = avro_schema_record_field_get_index(w, name);
        if (wi < 0) {
            check_default(p, rfield, rdef, name);
            continue;
        }
        size_t len = path_push(p, "%s%s", p->path[0] ? "." : "", name);
        check_type(p, avro_schema_record_field_get_by_index(w, wi), rfield);
        path_pop(p, len);
    }
    /* A writer field the reader lacks is skipped when reading: fine. */
}

static void check_enum(pair_t *p, avro_schema_t w, avro_schema_t r)
{
    if (strcmp(avro_schema_name(w), avro_schema_name(r)) != 0) {
        pair_error(p, "enum renamed from %s to %s", avro_schema_name(w),
                   avro_schema_name(r));
        return;
    }
    const char *def = lgx_json_get_str(find_def(p->r, r), "default");
    lgx_buf_t *removed = lgx_buf_new(), *moved = lgx_buf_new();
    int n = avro_schema_enum_number_of_symbols(w);
    for (int i = 0; removed && moved && i < n; i++) {
        const char *sym = avro_schema_enum_get(w, i);
        int ri = avro_schema_enum_get_by_name(r, sym);
        if (ri < 0) {
            list_add(removed, sym);
        } else if (ri != i) {
            list_add(moved, sym);
        }
    }
    if (!removed || !moved) {
        pair_error(p, "out of memory");
    } else if (lgx_buf_len(removed)) {
        pair_error(p,
                   "enum %s: symbol(s) %s removed; data written with them "
                   "cannot be read%s",
                   avro_schema_name(r), lgx_buf_data(removed),
                   def ? " (the enum's default does not help: avro-c "
                         "ignores enum defaults)"
                       : "");
    } else if (lgx_buf_len(moved)) {
        pair_error(p,
                   "enum %s: symbol(s) %s moved to another position; avro-c "
                   "passes enum symbols by position, so readers would see "
                   "other symbols (append new symbols at the end)",
                   avro_schema_name(r), lgx_buf_data(moved));
    }
    lgx_buf_destroy(removed);
    lgx_buf_destroy(moved);
}

static void check_same_type(pair_t *p, avro_schema_t w, avro_schema_t r)
{
    size_t len;
    switch (avro_typeof(w)) {
    case AVRO_RECORD:
        check_record(p, w, r);
        break;
    case AVRO_ENUM:
        check_enum(p, w, r);
        break;
    case AVRO_ARRAY:
        len = path_push(p, "[]");
        check_type(p, avro_schema_array_items(w), avro_schema_array_items(r));
        path_pop(p, len);
        break;
    case AVRO_MAP:
        len = path_push(p, "{}");
        check_type(p, avro_schema_map_values(w), avro_schema_map_values(r));
        path_pop(p, len);
        break;
    case AVRO_FIXED:
        if (strcmp(avro_schema_name(w), avro_schema_name(r)) != 0 ||
            avro_schema_fixed_size(w) != avro_schema_fixed_size(r)) {
            pair_error(p, "fixed %s renamed or resized", avro_schema_name(w));
        }
        break;
    default:
        break; /* the same primitive */
    }
}

/* Every writer branch must resolve to the reader (a union or not). */
static void check_writer_union(pair_t *p, avro_schema_t w, avro_schema_t r)
{
    size_t n = avro_schema_union_size(w);
    for (size_t i = 0; i < n; i++) {
        avro_schema_t wb = deref(avro_schema_union_branch(w, (int)i));
        size_t len = path_push(p, "<%s>", avro_schema_type_name(wb));
        if (avro_typeof(r) == AVRO_UNION && !union_pick(wb, r)) {
            pair_error(p,
                       "union branch %s removed: data written with it "
                       "cannot be read",
                       avro_schema_type_name(wb));
        } else if (avro_typeof(r) != AVRO_UNION &&
                   !branch_matches(wb, r, true)) {
            pair_error(p,
                       "union became %s: data written as the writer's "
                       "%s branch cannot be read",
                       avro_schema_type_name(r), avro_schema_type_name(wb));
        } else {
            check_type(p, wb, r);
        }
        path_pop(p, len);
    }
}

/* Compares writer schema w with reader schema r at p->path. */
static void check_type(pair_t *p, avro_schema_t w, avro_schema_t r)
{
    w = deref(w);
    r = deref(r);
    avro_type_t wt = avro_typeof(w), rt = avro_typeof(r);
    if (wt == AVRO_UNION) {
        check_writer_union(p, w, r);
    } else if (rt == AVRO_UNION) {
        avro_schema_t rb = union_pick(w, r);
        if (!rb) {
            pair_error(p, "%s is not readable as any branch of the union",
                       avro_schema_type_name(w));
        } else {
            check_type(p, w, rb);
        }
    } else if (wt == rt) {
        check_same_type(p, w, r);
    } else if (promotable(wt, rt) && (wt == AVRO_STRING || wt == AVRO_BYTES)) {
        pair_error(p,
                   "type %s -> %s is allowed by the Avro spec but avro-c "
                   "1.11.1 cannot resolve it",
                   avro_schema_type_name(w), avro_schema_type_name(r));
    } else if (!promotable(wt, rt)) {
        pair_error(p,
                   "type changed from %s to %s (allowed: int -> long -> "
                   "float -> double)",
                   avro_schema_type_name(w), avro_schema_type_name(r));
    }
}

typedef enum verdict {
    VERDICT_ACCEPTS,
    VERDICT_REFUSES,
    VERDICT_CRASHES,
    VERDICT_UNKNOWN /* the child could not be started */
} verdict_t;

/* What avro_resolved_writer_new (the call lgx_avro_decode makes) says of
 * the pair. It runs in a child process: avro-c 1.11.1 dereferences NULL
 * when a refusal happens inside an array's items or a map's values
 * (try_array/try_map free the half-made resolver, whose child is NULL),
 * and the lint must report that rather than die of it. The child writes
 * 'A' (accepted) or 'R' and avro-c's message; nothing means it died. */
static verdict_t avro_c_verdict(avro_schema_t w, avro_schema_t r, char *why,
                                size_t size)
{
    int fds[2];
    snprintf(why, size, "crashed");
    fflush(stdout);
    fflush(stderr);
    if (pipe(fds) != 0) {
        snprintf(why, size, "pipe: %s", strerror(errno));
        return VERDICT_UNKNOWN;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, size, "fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return VERDICT_UNKNOWN;
    }
    if (pid == 0) {
        close(fds[0]);
        /* A crash report (from a sanitizer) is noise: the verdict says. */
        if (!freopen("/dev/null", "w", stderr)) {
            _exit(2);
        }
        avro_value_iface_t *iface = avro_resolved_writer_new(w, r);
        char msg[512];
        int n = snprintf(msg, sizeof(msg), "%c%s", iface ? 'A' : 'R',
                         iface ? "" : avro_strerror());
        ssize_t wn = write(fds[1], msg, n > 0 ? strlen(msg) : 0);
        _exit(wn > 0 ? 0 : 2);
    }
    close(fds[1]);
    char buf[512];
    ssize_t n = 0, got;
    while ((size_t)n < sizeof(buf) - 1 &&
           (got = read(fds[0], buf + n, sizeof(buf) - 1 - (size_t)n)) > 0) {
        n += got;
    }
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        continue;
    }
    if (n <= 0) {
        return VERDICT_CRASHES;
    }
    buf[n] = '\0';
    snprintf(why, size, "%s", buf + 1);
    return buf[0] == 'A' ? VERDICT_ACCEPTS : VERDICT_REFUSES;
}

static void pair_report_avro_c(lint_t *l, const pair_t *p)
{
    char why[512];
    const entry_t *w = p->w, *r = p->r;
    bool defaults = lgx_buf_len(p->defaulted) > 0;
    verdict_t v = avro_c_verdict(w->schema, r->schema, why, sizeof(why));
    if (v == VERDICT_UNKNOWN) {
        printf("ERROR %s v%lld -> v%lld: cannot ask avro-c: %s\n", r->fullname,
               (long long)w->version, (long long)r->version, why);
        l->errors++;
    } else if (v == VERDICT_CRASHES) {
        printf("ERROR %s v%lld -> v%lld: avro_resolved_writer_new crashes on "
               "this pair (avro-c 1.11.1, a refusal inside an array or map%s); "
               "a consumer would crash on the first v%lld message\n",
               r->fullname, (long long)w->version, (long long)r->version,
               defaults ? ": reader fields it cannot default" : "",
               (long long)w->version);
        l->errors++;
    } else if (v == VERDICT_REFUSES && !defaults) {
        printf("ERROR %s v%lld -> v%lld: avro-c cannot resolve it: %s\n",
               r->fullname, (long long)w->version, (long long)r->version, why);
        l->errors++;
    } else if (defaults) {
        printf("NOTE %s v%lld -> v%lld: reader fields filled from their "
               "defaults: %s; avro-c 1.11.1 cannot fill defaults (%s): "
               "lgx_avro_decode has to\n",
               r->fullname, (long long)w->version, (long long)r->version,
               lgx_buf_data(p->defaulted),
               v == VERDICT_REFUSES ? why
                                    : "it accepts the pair but fails on such "
                                      "values");
    }
}

/* Checks that r reads data written with w: the walk above, then avro-c's
 * own resolver, for what it does differently and anything the walk does
 * not model. */
static void check_pair(lint_t *l, const entry_t *w, const entry_t *r)
{
    pair_t p;
    memset(&p, 0, sizeof(p));
    p.lint = l;
    p.w = w;
    p.r = r;
    p.defaulted = lgx_buf_new();
    if (!p.defaulted) {
        lint_error(l, "out of memory");
        return;
    }
    check_type(&p, w->schema, r->schema);
    if (p.errors == 0) {
        pair_report_avro_c(l, &p);
    }
    lgx_buf_destroy(p.defaulted);
}

/* ---- schemas.json and the per-schema checks ---- */

/* Reads the index rows into l->entries; ids must be unique. */
static bool load_index(lint_t *l)
{
    l->index = read_json(l, "schemas.json");
    yajl_val list = lgx_json_get(l->index, "schemas");
    if (!l->index) {
        return false;
    }
    if (!YAJL_IS_ARRAY(list) || lgx_json_len(list) > MAX_ENTRIES) {
        lint_error(l, "schemas.json: needs a \"schemas\" array of at most %d",
                   MAX_ENTRIES);
        return false;
    }
    l->entries = calloc(lgx_json_len(list), sizeof(entry_t));
    for (size_t i = 0; l->entries && i < lgx_json_len(list); i++) {
        yajl_val item = lgx_json_at(list, i);
        entry_t *e = &l->entries[l->n];
        e->file = lgx_json_get_str(item, "file");
        if (!e->file || !lgx_json_get_int(item, "id", &e->id) ||
            !lgx_json_get_int(item, "version", &e->version) || e->id < 0 ||
            e->id > INT32_MAX || e->version < 1) {
            lint_error(l,
                       "schemas.json: entry %zu needs id (0..2^31-1), "
                       "version (>= 1) and file",
                       i + 1);
            continue;
        }
        for (size_t k = 0; k < l->n; k++) {
            if (l->entries[k].id == e->id) {
                lint_error(l,
                           "schemas.json: id %lld used twice (%s and %s); "
                           "ids are never reused",
                           (long long)e->id, l->entries[k].file, e->file);
            }
        }
        l->n++;
    }
    return l->entries != NULL;
}

/* The file should be <last namespace part>/<Name>.v<version>.avsc. */
static void check_file_name(lint_t *l, const entry_t *e)
{
    const char *ns = avro_schema_namespace(e->schema);
    const char *last = ns ? strrchr(ns, '.') : NULL;
    char want[PATH_SIZE];
    snprintf(want, sizeof(want), "%s%s%s.v%lld.avsc",
             last ? last + 1 : (ns ? ns : ""), ns && *ns ? "/" : "",
             avro_schema_name(e->schema), (long long)e->version);
    if (strcmp(want, e->file) != 0) {
        lint_error(l,
                   "%s v%lld: file %s should be %s (namespace, name and "
                   "version in schemas.json)",
                   e->fullname, (long long)e->version, e->file, want);
    }
}

/* The envelope every event starts with, as in PickConfirmed.v1. */
static void check_envelope(lint_t *l, const entry_t *e)
{
    static const struct {
        const char *name;
        avro_type_t type;
    } env[] = {{"event_id", AVRO_STRING},    {"correlation_id", AVRO_STRING},
               {"causation_id", AVRO_UNION}, {"source_system", AVRO_STRING},
               {"occurred_at", AVRO_INT64},  {"schema_version", AVRO_INT32}};
    yajl_val fields = lgx_json_get(e->json, "fields");
    for (size_t i = 0; i < sizeof(env) / sizeof(env[0]); i++) {
        yajl_val f = lgx_json_at(fields, i);
        const char *name = lgx_json_get_str(f, "name");
        int idx = avro_schema_record_field_get_index(e->schema, env[i].name);
        avro_schema_t t =
            idx < 0 ? NULL
                    : avro_schema_record_field_get_by_index(e->schema, idx);
        if (!name || strcmp(name, env[i].name) != 0 || !t ||
            avro_typeof(t) != env[i].type) {
            lint_error(l,
                       "%s v%lld: envelope field %zu must be %s as in "
                       "PickConfirmed.v1",
                       e->fullname, (long long)e->version, i + 1, env[i].name);
            return;
        }
    }
    avro_schema_t cause =
        avro_schema_record_field_get(e->schema, "causation_id");
    if (avro_schema_union_size(cause) != 2 ||
        avro_typeof(avro_schema_union_branch(cause, 0)) != AVRO_NULL ||
        avro_typeof(avro_schema_union_branch(cause, 1)) != AVRO_STRING) {
        lint_error(l, "%s v%lld: causation_id must be [\"null\", \"string\"]",
                   e->fullname, (long long)e->version);
    }
    int64_t sv = 0;
    yajl_val svf = lgx_json_at(fields, 5);
    if (!lgx_json_get_int(svf, "default", &sv) || sv != e->version) {
        lint_error(l, "%s v%lld: schema_version's default must be %lld",
                   e->fullname, (long long)e->version, (long long)e->version);
    }
    yajl_val at = lgx_json_get(lgx_json_at(fields, 4), "type");
    const char *logical = lgx_json_get_str(at, "logicalType");
    if (!logical || strcmp(logical, "timestamp-millis") != 0) {
        lint_error(l, "%s v%lld: occurred_at must be a timestamp-millis long",
                   e->fullname, (long long)e->version);
    }
}

/* Takes each entry's schema from the store and checks it on its own. */
static void load_schemas(lint_t *l, lgx_avro_store_t *store)
{
    for (size_t i = 0; i < l->n; i++) {
        entry_t *e = &l->entries[i];
        e->schema = lgx_avro_store_schema(store, (int32_t)e->id);
        e->json = read_json(l, e->file);
        if (!e->schema || !e->json) {
            continue;
        }
        e->fullname = lgx_avro_fullname(e->schema);
        if (!e->fullname) {
            continue;
        }
        if (avro_typeof(e->schema) != AVRO_RECORD) {
            lint_error(l, "%s: an event schema must be a record", e->file);
            continue;
        }
        collect_defs(e, e->json, "");
        check_file_name(l, e);
        check_envelope(l, e);
    }
}

static int by_name_version(const void *a, const void *b)
{
    const entry_t *x = *(const entry_t *const *)a;
    const entry_t *y = *(const entry_t *const *)b;
    int c = strcmp(x->fullname, y->fullname);
    if (c != 0) {
        return c;
    }
    return x->version < y->version ? -1 : x->version > y->version;
}

/* Every older -> newer pair of each record name. */
static void check_pairs(lint_t *l)
{
    const entry_t **sorted = calloc(l->n ? l->n : 1, sizeof(*sorted));
    size_t n = 0;
    for (size_t i = 0; sorted && i < l->n; i++) {
        const entry_t *e = &l->entries[i];
        if (e->fullname && e->json && avro_typeof(e->schema) == AVRO_RECORD) {
            sorted[n++] = e;
        }
    }
    if (!sorted) {
        lint_error(l, "out of memory");
        return;
    }
    qsort(sorted, n, sizeof(*sorted), by_name_version);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1;
             j < n && strcmp(sorted[i]->fullname, sorted[j]->fullname) == 0;
             j++) {
            if (sorted[i]->version == sorted[j]->version) {
                lint_error(l,
                           "%s: version %lld listed twice (ids %lld and "
                           "%lld)",
                           sorted[i]->fullname, (long long)sorted[i]->version,
                           (long long)sorted[i]->id, (long long)sorted[j]->id);
            } else {
                check_pair(l, sorted[i], sorted[j]);
            }
        }
    }
    free(sorted);
}

static void lint_free(lint_t *l)
{
    for (size_t i = 0; l->entries && i < l->n; i++) {
        entry_t *e = &l->entries[i];
        for (size_t k = 0; k < e->n_defs; k++) {
            free(e->defs[k].fullname);
        }
        free(e->fullname);
        yajl_tree_free(e->json);
    }
    free(l->entries);
    yajl_tree_free(l->index);
}

static int run(const char *dir)
{
    lint_t l;
    memset(&l, 0, sizeof(l));
    l.dir = dir;
    lgx_avro_store_t *store = NULL;
    if (load_index(&l)) {
        char errstr[512];
        store = lgx_avro_store_load(dir, errstr, sizeof(errstr));
        if (!store) {
            lint_error(&l, "%s", errstr);
        } else {
            load_schemas(&l, store);
            check_pairs(&l);
        }
    }
    printf("schemas: %zu checked, %zu errors\n", l.n, l.errors);
    lgx_avro_store_destroy(store);
    lint_free(&l);
    return l.errors ? 1 : 0;
}

extern char **environ;

int main(int argc, char **argv)
{
    lint_conf_t conf;
    memset(&conf, 0, sizeof(conf));
    lgx_config_section_t sections[] = {{"lgx-lint-schemas", lint_opts, &conf}};
    char errstr[512];
    int code = 2;
    lgx_err_t rc = lgx_config_load(
        sections, 1, "lgx-lint-schemas",
        "Checks that every newer version of each event schema in "
        "schemas.json reads data written with every older one "
        "(backward compatibility, transitive).",
        argc, argv, environ, errstr, sizeof(errstr));
    if (rc == LGX_ERR_HELP) {
        code = 0;
    } else if (rc != LGX_OK) {
        fprintf(stderr, "lgx-lint-schemas: %s\n", errstr);
    } else {
        code = run(conf.schema_dir);
    }
    lgx_config_free(sections, 1);
    return code;
}
