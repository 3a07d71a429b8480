/*
 * Unit tests for the pure parts of lgx_odoo: classifying Odoo's answers
 * (shared/ODOO-FACTS.md, "Errors"), parsing JSON-2 and JSON-RPC bodies and
 * reading the server version. No network.
 */
#include <check.h>
#include <string.h>

#include "lgx_json.h"
#include "lgx_odoo.h"
#include "lgx_odoo_null.h"

Suite *odoo_suite(void);

typedef struct classify_case {
    const char *what;
    int status;
    const char *name;
    const char *message;
    lgx_err_t want;
} classify_case_t;

/* Every row of the ODOO-FACTS error table as JSON-2 gives it (status and
 * name), then the same cases as JSON-RPC gives them (HTTP 200, name in
 * error.data.name), then gateway and throttling statuses. */
static const classify_case_t classify_cases[] = {
    /* JSON-2 */
    {"json2 wrong api key", 401, "werkzeug.exceptions.Unauthorized",
     "Invalid apikey", LGX_ERR_ODOO_AUTH},
    {"json2 missing api key", 401, NULL, NULL, LGX_ERR_ODOO_AUTH},
    {"json2 unknown model", 404, "werkzeug.exceptions.NotFound",
     "404 Not Found: The requested URL was not found on the server.",
     LGX_ERR_ODOO_CONFIG},
    {"json2 unknown method", 404, NULL, NULL, LGX_ERR_ODOO_CONFIG},
    {"json2 private method", 403, "odoo.exceptions.AccessError",
     "Private methods (such as '_action_done') cannot be called remotely.",
     LGX_ERR_ODOO_ACCESS},
    {"json2 missing record", 404, "odoo.exceptions.MissingError",
     "Record does not exist or has been deleted.\n"
     "(Record: stock.picking(999999,), User: 2)",
     LGX_ERR_ODOO_MISSING},
    {"json2 unknown field", 500, "builtins.ValueError",
     "Invalid field 'x_nope' in 'stock.picking'", LGX_ERR_ODOO_CONFIG},
    {"json2 unknown field in domain", 500, "builtins.ValueError",
     "Invalid field stock.picking.x_nope in condition ('x_nope', '=', 1)",
     LGX_ERR_ODOO_CONFIG},
    {"json2 business refusal", 422, "odoo.exceptions.UserError",
     "You cannot validate a transfer if no quantities are reserved.",
     LGX_ERR_ODOO_USER},
    {"json2 lock not obtained", 409, "odoo.exceptions.LockError",
     "Cannot obtain lock", LGX_ERR_ODOO_RETRY},
    {"json2 lock, no body", 409, NULL, NULL, LGX_ERR_ODOO_RETRY},
    {"json2 bad keyword argument", 500, "builtins.TypeError",
     "BaseModel.write() got an unexpected keyword argument 'valz'",
     LGX_ERR_ODOO_CONFIG},
    /* A body that is not JSON: lgx's own request is at fault, retrying
     * the same bytes cannot help for long; unclassified, so bounded. */
    {"json2 body not json", 400, NULL, NULL, LGX_ERR_ODOO_UNKNOWN},
    {"json2 body not json, named", 400, "werkzeug.exceptions.BadRequest",
     "400 Bad Request", LGX_ERR_ODOO_UNKNOWN},
    /* JSON-RPC: always HTTP 200 */
    {"jsonrpc wrong password", 200, "odoo.exceptions.AccessDenied",
     "Access Denied", LGX_ERR_ODOO_AUTH},
    {"jsonrpc session expired", 200, "odoo.http.SessionExpiredException",
     "Session expired", LGX_ERR_ODOO_AUTH},
    {"jsonrpc private method", 200, "odoo.exceptions.AccessError",
     "Private methods (such as '_action_done') cannot be called remotely.",
     LGX_ERR_ODOO_ACCESS},
    {"jsonrpc missing record", 200, "odoo.exceptions.MissingError",
     "Record does not exist or has been deleted.", LGX_ERR_ODOO_MISSING},
    {"jsonrpc unknown field", 200, "builtins.ValueError",
     "Invalid field 'x_nope' in 'stock.picking'", LGX_ERR_ODOO_CONFIG},
    {"jsonrpc business refusal", 200, "odoo.exceptions.UserError",
     "Nothing to check the availability for.", LGX_ERR_ODOO_USER},
    {"jsonrpc validation", 200, "odoo.exceptions.ValidationError",
     "The quantity must be positive", LGX_ERR_ODOO_USER},
    {"jsonrpc redirect warning", 200, "odoo.exceptions.RedirectWarning",
     "Configure a carrier", LGX_ERR_ODOO_USER},
    {"jsonrpc lock", 200, "odoo.exceptions.LockError", "Cannot obtain lock",
     LGX_ERR_ODOO_RETRY},
    {"jsonrpc serialization", 200, "psycopg2.errors.SerializationFailure",
     "could not serialize access due to concurrent update", LGX_ERR_ODOO_RETRY},
    {"jsonrpc lock not available", 200, "psycopg2.errors.LockNotAvailable",
     "could not obtain lock on row", LGX_ERR_ODOO_RETRY},
    {"jsonrpc deadlock", 200, "psycopg2.errors.DeadlockDetected",
     "deadlock detected", LGX_ERR_ODOO_RETRY},
    {"jsonrpc bad keyword argument", 200, "builtins.TypeError",
     "write() got an unexpected keyword argument 'valz'", LGX_ERR_ODOO_CONFIG},
    /* Gateways and throttling in front of Odoo */
    {"502 bad gateway", 502, NULL, NULL, LGX_ERR_ODOO_RETRY},
    {"503 unavailable", 503, "http_503", "Service Unavailable",
     LGX_ERR_ODOO_RETRY},
    {"504 gateway timeout", 504, NULL, NULL, LGX_ERR_ODOO_RETRY},
    {"429 too many requests", 429, NULL, "Too Many Requests",
     LGX_ERR_ODOO_RETRY},
    {"409 conflict", 409, "werkzeug.exceptions.Conflict", NULL,
     LGX_ERR_ODOO_RETRY},
    /* Unknown: retried a bounded time */
    {"unknown 500", 500, "builtins.KeyError", "'x_lgx_event'",
     LGX_ERR_ODOO_UNKNOWN},
    {"500 without body", 500, NULL, NULL, LGX_ERR_ODOO_UNKNOWN},
    {"500 other ValueError", 500, "builtins.ValueError",
     "Expected singleton: stock.picking(1, 2)", LGX_ERR_ODOO_UNKNOWN},
    {"jsonrpc unknown exception", 200, "builtins.ZeroDivisionError",
     "division by zero", LGX_ERR_ODOO_UNKNOWN},
};
#define N_CLASSIFY (sizeof(classify_cases) / sizeof(classify_cases[0]))

/* ---- classify ---- */

START_TEST(test_odoo_classify_table)
{
    const classify_case_t *c = &classify_cases[_i];
    lgx_err_t got = lgx_odoo_classify(c->status, c->name, c->message);
    ck_assert_msg(got == c->want, "%s: got %s, want %s", c->what,
                  lgx_err_name(got), lgx_err_name(c->want));
}
END_TEST

START_TEST(test_odoo_classify_decisions)
{
    /* What the classes mean for the consumer: a wrong key or set-up stops
     * the program, weather is retried, business refusals are not. */
    ck_assert(lgx_err_fatal(lgx_odoo_classify(401, NULL, NULL)));
    ck_assert(lgx_err_fatal(lgx_odoo_classify(
        500, "builtins.ValueError", "Invalid field 'x' in 'stock.move'")));
    ck_assert(lgx_err_retriable(lgx_odoo_classify(503, NULL, NULL)));
    ck_assert(!lgx_err_retriable(
        lgx_odoo_classify(422, "odoo.exceptions.UserError", "no")));
    ck_assert(!lgx_err_fatal(
        lgx_odoo_classify(422, "odoo.exceptions.UserError", "no")));
    ck_assert(!lgx_err_retriable(
        lgx_odoo_classify(404, "odoo.exceptions.MissingError", "gone")));
}
END_TEST

START_TEST(test_odoo_classify_jsonrpc_unknown_model_and_method)
{
    /* JSON-RPC answers an unknown model with a UserError and an unknown
     * method with an AttributeError (odoo/service/model.py): both are
     * set-up problems, not business refusals or weather. */
    ck_assert_int_eq(lgx_odoo_classify(200, "odoo.exceptions.UserError",
                                       "Object x_lgx_ledger doesn't exist"),
                     LGX_ERR_ODOO_CONFIG);
    ck_assert_int_eq(
        lgx_odoo_classify(200, "builtins.AttributeError",
                          "The method 'stock.picking.nope' does not exist"),
        LGX_ERR_ODOO_CONFIG);
    ck_assert_int_eq(
        lgx_odoo_classify(200, "odoo.exceptions.UserError", "Object is locked"),
        LGX_ERR_ODOO_USER);
}
END_TEST

START_TEST(test_odoo_classify_name_beats_status)
{
    /* MissingError answers 404 like an unknown model does; the name tells
     * them apart. */
    ck_assert_int_eq(
        lgx_odoo_classify(404, "odoo.exceptions.MissingError", NULL),
        LGX_ERR_ODOO_MISSING);
    ck_assert_int_eq(
        lgx_odoo_classify(404, "werkzeug.exceptions.NotFound", NULL),
        LGX_ERR_ODOO_CONFIG);
    /* "Invalid field" only counts for a ValueError. */
    ck_assert_int_eq(
        lgx_odoo_classify(500, "builtins.KeyError", "Invalid field 'x'"),
        LGX_ERR_ODOO_UNKNOWN);
}
END_TEST

/* ---- json2 ---- */

static yajl_val result;
static lgx_odoo_error_t oerr;
/* Stored in result before a failing parse: it must come back NULL. */
static struct yajl_val_s sentinel;

static void setup(void)
{
    result = NULL;
    memset(&oerr, 0x5a, sizeof(oerr));
}

static void teardown(void)
{
    if (result != &sentinel) {
        yajl_tree_free(result);
    }
    result = NULL;
}

static lgx_err_t json2(int status, const char *body)
{
    return lgx_odoo_parse_json2(status, body, strlen(body), &result, &oerr);
}

static lgx_err_t jsonrpc(int status, const char *body)
{
    return lgx_odoo_parse_jsonrpc(status, body, strlen(body), &result, &oerr);
}

/* A JSON-RPC error answer for an exception name and message. */
#define RPC_ERROR(name, message)                                               \
    "{\"jsonrpc\": \"2.0\", \"id\": 4, \"error\": {\"code\": 0, "              \
    "\"message\": \"Odoo Server Error\", \"data\": {\"name\": \"" name         \
    "\", \"debug\": \"Traceback (most recent call last):\\n  ...\", "          \
    "\"message\": \"" message "\", \"arguments\": [\"" message "\"], "         \
    "\"context\": {}}}}"

/* A JSON-2 error body for an exception name and message. */
#define J2_ERROR(name, message)                                                \
    "{\"name\": \"" name "\", \"message\": \"" message "\", "                  \
    "\"arguments\": [\"" message "\"], \"context\": {}, "                      \
    "\"debug\": \"Traceback (most recent call last):\\n  File ...\"}"

static const char html_502[] =
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>"
    "\r\n</body>\r\n</html>\r\n";

static void ok_clear(void)
{
    ck_assert_int_eq(oerr.code, LGX_OK);
    ck_assert_int_eq(oerr.http_status, 0);
    ck_assert_str_eq(oerr.name, "");
    ck_assert_str_eq(oerr.message, "");
}

START_TEST(test_odoo_json2_true)
{
    ck_assert_int_eq(json2(200, "true"), LGX_OK);
    ck_assert(YAJL_IS_TRUE(result));
    ok_clear();
}
END_TEST

START_TEST(test_odoo_json2_create_ids)
{
    ck_assert_int_eq(json2(200, "[617]"), LGX_OK);
    ck_assert_uint_eq(lgx_json_len(result), 1);
    ck_assert_int_eq(YAJL_GET_INTEGER(lgx_json_at(result, 0)), 617);
    ok_clear();
}
END_TEST

START_TEST(test_odoo_json2_search_read)
{
    ck_assert_int_eq(
        json2(200, "[{\"id\": 7, \"name\": \"WH/OUT/00007\", \"state\": "
                   "\"assigned\", \"move_ids\": [12, 13], \"carrier_id\": [1, "
                   "\"Standard delivery\"]}, {\"id\": 8, \"name\": "
                   "\"WH/OUT/00008\", \"state\": \"done\", \"move_ids\": [], "
                   "\"carrier_id\": false}]"),
        LGX_OK);
    ck_assert_uint_eq(lgx_json_len(result), 2);
    yajl_val first = lgx_json_at(result, 0);
    ck_assert_str_eq(lgx_json_get_str(first, "name"), "WH/OUT/00007");
    ck_assert_int_eq(lgx_json_m2o_id(lgx_json_get(first, "carrier_id")), 1);
    ck_assert_uint_eq(lgx_json_len(lgx_json_get(first, "move_ids")), 2);
    ck_assert_str_eq(lgx_json_get_str(lgx_json_at(result, 1), "state"), "done");
    ok_clear();
}
END_TEST

START_TEST(test_odoo_json2_null_and_wizard)
{
    ck_assert_int_eq(json2(200, "null"), LGX_OK);
    ck_assert_ptr_nonnull(result);
    ck_assert(YAJL_IS_NULL(result));
    yajl_tree_free(result);
    result = NULL;
    /* button_validate may answer a wizard action instead of true. */
    ck_assert_int_eq(json2(200, "{\"name\": \"Create Backorder?\", "
                                "\"res_model\": "
                                "\"stock.backorder.confirmation\", "
                                "\"context\": "
                                "{\"button_validate_picking_ids\": [2]}}"),
                     LGX_OK);
    ck_assert_str_eq(lgx_json_get_str(result, "res_model"),
                     "stock.backorder.confirmation");
    ok_clear();
}
END_TEST

/* Odoo turns a unique-constraint violation into a ValidationError; the
 * traceback tells a race (two transactions adding the same follower) from
 * a business refusal. */
START_TEST(test_odoo_unique_violation_is_a_conflict)
{
    static const char json2[] =
        "{\"name\":\"odoo.exceptions.ValidationError\",\"message\":\"The "
        "operation cannot be completed: Error, a partner cannot follow twice "
        "the same object.\",\"arguments\":[],\"context\":{},\"debug\":"
        "\"Traceback (most recent call last):\\npsycopg2.errors."
        "UniqueViolation: duplicate key value violates unique constraint "
        "\\\"mail_followers_mail_followers_res_partner_res_model_id_uniq"
        "\\\"\\n\\nThe above exception was the direct cause of the "
        "following exception:\\nodoo.exceptions.ValidationError: The "
        "operation cannot be completed\"}";
    static const char rpc[] =
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":200,"
        "\"message\":\"Odoo Server Error\",\"data\":{\"name\":"
        "\"odoo.exceptions.ValidationError\",\"message\":\"The operation "
        "cannot be completed: Error, a partner cannot follow twice the same "
        "object.\",\"debug\":\"psycopg2.errors.UniqueViolation: duplicate "
        "key\"}}}";
    static const char refusal[] =
        "{\"name\":\"odoo.exceptions.ValidationError\",\"message\":\"The "
        "quantity must be positive\",\"debug\":\"Traceback: "
        "odoo.exceptions.ValidationError\"}";
    yajl_val r = NULL;
    lgx_odoo_error_t e;
    ck_assert_int_eq(lgx_odoo_parse_json2(422, json2, strlen(json2), &r, &e),
                     LGX_ERR_ODOO_CONFLICT);
    ck_assert_str_eq(e.name, "odoo.exceptions.ValidationError");
    ck_assert(lgx_err_retriable(e.code));
    ck_assert_int_eq(lgx_odoo_parse_jsonrpc(200, rpc, strlen(rpc), &r, &e),
                     LGX_ERR_ODOO_CONFLICT);
    ck_assert_int_eq(
        lgx_odoo_parse_json2(422, refusal, strlen(refusal), &r, &e),
        LGX_ERR_ODOO_USER);
    /* Only a refusal is refined: a lock stays a lock. */
    ck_assert_int_eq(
        lgx_odoo_classify_debug(LGX_ERR_ODOO_RETRY, "UniqueViolation"),
        LGX_ERR_ODOO_RETRY);
    ck_assert_int_eq(lgx_odoo_classify_debug(LGX_ERR_ODOO_USER, NULL),
                     LGX_ERR_ODOO_USER);
}
END_TEST

START_TEST(test_odoo_json2_errors)
{
    static const struct {
        int status;
        const char *body;
        lgx_err_t want;
        const char *name;
        const char *message_start;
    } cases[] = {
        {401, J2_ERROR("werkzeug.exceptions.Unauthorized", "Invalid apikey"),
         LGX_ERR_ODOO_AUTH, "werkzeug.exceptions.Unauthorized",
         "Invalid apikey"},
        {404,
         J2_ERROR("werkzeug.exceptions.NotFound",
                  "404 Not Found: The requested URL was not found"),
         LGX_ERR_ODOO_CONFIG, "werkzeug.exceptions.NotFound", "404 Not Found"},
        {403,
         J2_ERROR("odoo.exceptions.AccessError",
                  "Private methods (such as '_action_done') cannot be called "
                  "remotely."),
         LGX_ERR_ODOO_ACCESS, "odoo.exceptions.AccessError", "Private methods"},
        {404,
         J2_ERROR("odoo.exceptions.MissingError",
                  "Record does not exist or has been deleted.\\n(Record: "
                  "stock.picking(999999,), User: 2)"),
         LGX_ERR_ODOO_MISSING, "odoo.exceptions.MissingError",
         "Record does not exist or has been deleted.\n(Record: "
         "stock.picking(999999,)"},
        {500,
         J2_ERROR("builtins.ValueError",
                  "Invalid field 'x_nope' in 'stock.picking'"),
         LGX_ERR_ODOO_CONFIG, "builtins.ValueError", "Invalid field 'x_nope'"},
        {422,
         J2_ERROR("odoo.exceptions.UserError",
                  "You cannot validate a transfer if no quantities are "
                  "reserved."),
         LGX_ERR_ODOO_USER, "odoo.exceptions.UserError", "You cannot"},
        {409, J2_ERROR("odoo.exceptions.LockError", "Cannot obtain lock"),
         LGX_ERR_ODOO_RETRY, "odoo.exceptions.LockError", "Cannot obtain"},
        {500,
         J2_ERROR("builtins.TypeError",
                  "BaseModel.write() got an unexpected keyword argument "
                  "'valz'"),
         LGX_ERR_ODOO_CONFIG, "builtins.TypeError", "BaseModel.write()"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        result = &sentinel;
        lgx_err_t got = json2(cases[i].status, cases[i].body);
        ck_assert_msg(got == cases[i].want, "case %zu: got %s", i,
                      lgx_err_name(got));
        ck_assert_ptr_null(result);
        ck_assert_int_eq(oerr.code, cases[i].want);
        ck_assert_int_eq(oerr.http_status, cases[i].status);
        ck_assert_str_eq(oerr.name, cases[i].name);
        ck_assert_msg(strncmp(oerr.message, cases[i].message_start,
                              strlen(cases[i].message_start)) == 0,
                      "case %zu: message '%s'", i, oerr.message);
    }
}
END_TEST

START_TEST(test_odoo_json2_html_502)
{
    ck_assert_int_eq(json2(502, html_502), LGX_ERR_ODOO_RETRY);
    ck_assert_ptr_null(result);
    ck_assert_int_eq(oerr.code, LGX_ERR_ODOO_RETRY);
    ck_assert_int_eq(oerr.http_status, 502);
    ck_assert_str_eq(oerr.name, "http_502");
    /* The first line, no CR/LF. */
    ck_assert_str_eq(oerr.message, "<html>");
}
END_TEST

START_TEST(test_odoo_json2_text_bodies)
{
    /* Plain-text and empty error bodies. */
    ck_assert_int_eq(json2(503, "\r\n\nService Unavailable\r\nretry later"),
                     LGX_ERR_ODOO_RETRY);
    ck_assert_str_eq(oerr.message, "Service Unavailable");
    ck_assert_str_eq(oerr.name, "http_503");
    ck_assert_int_eq(json2(401, ""), LGX_ERR_ODOO_AUTH);
    ck_assert_str_eq(oerr.name, "http_401");
    ck_assert_str_eq(oerr.message, "");
    ck_assert_int_eq(json2(400, "Invalid JSON data"), LGX_ERR_ODOO_UNKNOWN);
    ck_assert_int_eq(oerr.http_status, 400);
    /* JSON, but not Odoo's error object. */
    ck_assert_int_eq(json2(504, "{\"error\": \"upstream timed out\"}"),
                     LGX_ERR_ODOO_RETRY);
    ck_assert_str_eq(oerr.name, "http_504");
    ck_assert_ptr_null(result);
}
END_TEST

START_TEST(test_odoo_json2_200_without_json)
{
    lgx_err_t got = json2(200, "<html><body>Odoo is starting</body></html>");
    ck_assert_int_ne(got, LGX_OK);
    ck_assert_ptr_null(result);
    ck_assert_int_eq(oerr.code, got);
    ck_assert_int_eq(oerr.http_status, 200);
    ck_assert_str_ne(oerr.name, "");
    /* Not a decision to stop or to drop: bounded retry. */
    ck_assert(!lgx_err_fatal(got));
    ck_assert_int_ne(json2(200, ""), LGX_OK);
    ck_assert_ptr_null(result);
}
END_TEST

START_TEST(test_odoo_json2_nonprintable_and_long)
{
    char body[2000];
    memset(body, 'e', sizeof(body));
    body[0] = '\x01';
    body[sizeof(body) - 1] = '\0';
    ck_assert_int_eq(json2(502, body), LGX_ERR_ODOO_RETRY);
    ck_assert_int_eq(oerr.message[0], '?');
    ck_assert_uint_lt(strlen(oerr.message), sizeof(oerr.message));

    /* A long Odoo message is cut, terminated. */
    char big[3000];
    char msgtext[1200];
    memset(msgtext, 'm', sizeof(msgtext) - 1);
    msgtext[sizeof(msgtext) - 1] = '\0';
    snprintf(big, sizeof(big),
             "{\"name\": \"odoo.exceptions.UserError\", \"message\": \"%s\"}",
             msgtext);
    ck_assert_int_eq(json2(422, big), LGX_ERR_ODOO_USER);
    ck_assert_uint_eq(strlen(oerr.message), sizeof(oerr.message) - 1);
}
END_TEST

/* ---- jsonrpc ---- */

START_TEST(test_odoo_jsonrpc_results)
{
    ck_assert_int_eq(jsonrpc(200, "{\"jsonrpc\": \"2.0\", \"id\": 1, "
                                  "\"result\": true}"),
                     LGX_OK);
    ck_assert(YAJL_IS_TRUE(result));
    ok_clear();
    yajl_tree_free(result);
    result = NULL;

    ck_assert_int_eq(jsonrpc(200, "{\"jsonrpc\": \"2.0\", \"id\": 2, "
                                  "\"result\": [617]}"),
                     LGX_OK);
    ck_assert_uint_eq(lgx_json_len(result), 1);
    ck_assert_int_eq(YAJL_GET_INTEGER(lgx_json_at(result, 0)), 617);
    yajl_tree_free(result);
    result = NULL;

    /* login: the uid, or false for a wrong password. */
    ck_assert_int_eq(jsonrpc(200, "{\"jsonrpc\": \"2.0\", \"id\": 3, "
                                  "\"result\": 2}"),
                     LGX_OK);
    ck_assert_int_eq(YAJL_GET_INTEGER(result), 2);
    yajl_tree_free(result);
    result = NULL;
    ck_assert_int_eq(jsonrpc(200, "{\"jsonrpc\": \"2.0\", \"id\": 3, "
                                  "\"result\": false}"),
                     LGX_OK);
    ck_assert(YAJL_IS_FALSE(result));
}
END_TEST

START_TEST(test_odoo_jsonrpc_list_of_dicts)
{
    ck_assert_int_eq(
        jsonrpc(200, "{\"jsonrpc\": \"2.0\", \"id\": 9, \"result\": "
                     "[{\"id\": 12, \"product_id\": [30, \"[FURN_7777] Office "
                     "Chair\"], \"quantity\": 3.0, \"picked\": true}, "
                     "{\"id\": 13, \"product_id\": [31, \"[E-COM11] "
                     "Cabinet\"], \"quantity\": 0.0, \"picked\": false}]}"),
        LGX_OK);
    ck_assert_uint_eq(lgx_json_len(result), 2);
    yajl_val m = lgx_json_at(result, 0);
    ck_assert_int_eq(lgx_json_m2o_id(lgx_json_get(m, "product_id")), 30);
    double q = 0;
    ck_assert(lgx_json_get_num(m, "quantity", &q));
    ck_assert_double_eq(q, 3.0);
    ck_assert(YAJL_IS_TRUE(lgx_json_get(m, "picked")));
    ok_clear();
}
END_TEST

START_TEST(test_odoo_jsonrpc_null_result)
{
    ck_assert_int_eq(jsonrpc(200, "{\"jsonrpc\": \"2.0\", \"id\": 5, "
                                  "\"result\": null}"),
                     LGX_OK);
    ck_assert_ptr_nonnull(result);
    ck_assert(YAJL_IS_NULL(result));
    ok_clear();
    yajl_tree_free(result);
    result = NULL;
    /* No "result" member at all but an id: Python's None. */
    ck_assert_int_eq(jsonrpc(200, "{\"jsonrpc\": \"2.0\", \"id\": 6}"), LGX_OK);
    ck_assert_ptr_nonnull(result);
    ck_assert(YAJL_IS_NULL(result));
}
END_TEST

START_TEST(test_odoo_jsonrpc_result_outlives_answer)
{
    /* The result is detached from the answer's tree: it stays valid and
     * is freed on its own. */
    ck_assert_int_eq(jsonrpc(200, "{\"result\": {\"server_version\": "
                                  "\"17.0\", \"x\": [1, 2, 3]}, "
                                  "\"jsonrpc\": \"2.0\", \"id\": 1}"),
                     LGX_OK);
    ck_assert_str_eq(lgx_json_get_str(result, "server_version"), "17.0");
    ck_assert_uint_eq(lgx_json_len(lgx_json_get(result, "x")), 3);
}
END_TEST

START_TEST(test_odoo_jsonrpc_errors)
{
    static const struct {
        const char *body;
        lgx_err_t want;
        const char *name;
        const char *message;
    } cases[] = {
        {RPC_ERROR("odoo.exceptions.AccessDenied", "Access Denied"),
         LGX_ERR_ODOO_AUTH, "odoo.exceptions.AccessDenied", "Access Denied"},
        {RPC_ERROR("odoo.exceptions.AccessError",
                   "Private methods (such as '_action_done') cannot be "
                   "called remotely."),
         LGX_ERR_ODOO_ACCESS, "odoo.exceptions.AccessError",
         "Private methods (such as '_action_done') cannot be called "
         "remotely."},
        {RPC_ERROR("odoo.exceptions.MissingError",
                   "Record does not exist or has been deleted."),
         LGX_ERR_ODOO_MISSING, "odoo.exceptions.MissingError",
         "Record does not exist or has been deleted."},
        {RPC_ERROR("builtins.ValueError",
                   "Invalid field 'x_nope' in 'stock.picking'"),
         LGX_ERR_ODOO_CONFIG, "builtins.ValueError",
         "Invalid field 'x_nope' in 'stock.picking'"},
        {RPC_ERROR("odoo.exceptions.UserError",
                   "You cannot validate a transfer if no quantities are "
                   "reserved."),
         LGX_ERR_ODOO_USER, "odoo.exceptions.UserError",
         "You cannot validate a transfer if no quantities are reserved."},
        {RPC_ERROR("odoo.exceptions.LockError", "Cannot obtain lock"),
         LGX_ERR_ODOO_RETRY, "odoo.exceptions.LockError", "Cannot obtain lock"},
        {RPC_ERROR("builtins.TypeError",
                   "write() got an unexpected keyword argument 'valz'"),
         LGX_ERR_ODOO_CONFIG, "builtins.TypeError",
         "write() got an unexpected keyword argument 'valz'"},
        {RPC_ERROR("odoo.http.SessionExpiredException", "Session expired"),
         LGX_ERR_ODOO_AUTH, "odoo.http.SessionExpiredException",
         "Session expired"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        result = &sentinel;
        lgx_err_t got = jsonrpc(200, cases[i].body);
        ck_assert_msg(got == cases[i].want, "case %zu: got %s", i,
                      lgx_err_name(got));
        ck_assert_ptr_null(result);
        ck_assert_int_eq(oerr.code, cases[i].want);
        ck_assert_int_eq(oerr.http_status, 200);
        ck_assert_str_eq(oerr.name, cases[i].name);
        ck_assert_str_eq(oerr.message, cases[i].message);
    }
}
END_TEST

START_TEST(test_odoo_jsonrpc_error_without_data)
{
    ck_assert_int_eq(jsonrpc(200, "{\"jsonrpc\": \"2.0\", \"id\": 1, "
                                  "\"error\": {\"code\": -32601, "
                                  "\"message\": \"Method not found\"}}"),
                     LGX_ERR_ODOO_UNKNOWN);
    ck_assert_str_eq(oerr.name, "jsonrpc_error");
    ck_assert_str_eq(oerr.message, "Method not found");
    ck_assert_ptr_null(result);
}
END_TEST

START_TEST(test_odoo_jsonrpc_html_502)
{
    ck_assert_int_eq(jsonrpc(502, html_502), LGX_ERR_ODOO_RETRY);
    ck_assert_ptr_null(result);
    ck_assert_int_eq(oerr.http_status, 502);
    ck_assert_str_eq(oerr.name, "http_502");
    ck_assert_str_eq(oerr.message, "<html>");
    ck_assert_int_eq(jsonrpc(504, ""), LGX_ERR_ODOO_RETRY);
    ck_assert_int_eq(jsonrpc(404, "<h1>Not Found</h1>"), LGX_ERR_ODOO_CONFIG);
}
END_TEST

START_TEST(test_odoo_jsonrpc_invalid_200)
{
    static const char *bodies[] = {
        "<html>Odoo is starting</html>", "", "[1, 2]", "true",
        "{\"jsonrpc\": \"2.0\"}",
    };
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        result = &sentinel;
        lgx_err_t got = jsonrpc(200, bodies[i]);
        ck_assert_msg(got != LGX_OK, "accepted '%s'", bodies[i]);
        ck_assert_ptr_null(result);
        ck_assert_int_eq(oerr.code, got);
        ck_assert_str_eq(oerr.name, "invalid_response");
        ck_assert(!lgx_err_fatal(got));
    }
}
END_TEST

/* ---- version ---- */

static int version_of(const char *json)
{
    char errstr[128];
    yajl_val v = lgx_json_parse(json, strlen(json), errstr, sizeof(errstr));
    ck_assert_ptr_nonnull(v);
    int n = lgx_odoo_parse_version(v);
    yajl_tree_free(v);
    return n;
}

START_TEST(test_odoo_version_info)
{
    ck_assert_int_eq(version_of("{\"server_version\": \"19.0\", "
                                "\"server_version_info\": [19, 0, 0, "
                                "\"final\", 0, \"\"], \"server_serie\": "
                                "\"19.0\", \"protocol_version\": 1}"),
                     19);
    ck_assert_int_eq(version_of("{\"server_version\": \"17.0+e\", "
                                "\"server_version_info\": [17, 0, 0, "
                                "\"final\", 0, \"e\"]}"),
                     17);
    /* The info wins over the string. */
    ck_assert_int_eq(version_of("{\"server_version\": \"99.0\", "
                                "\"server_version_info\": [18, 0]}"),
                     18);
}
END_TEST

START_TEST(test_odoo_version_saas)
{
    /* Odoo Online: version_info starts with the string "saas~18". */
    ck_assert_int_eq(version_of("{\"server_version\": \"saas~18.3\", "
                                "\"server_version_info\": [\"saas~18\", 3, "
                                "0, \"final\", 0, \"\"], \"server_serie\": "
                                "\"saas~18.3\", \"protocol_version\": 1}"),
                     18);
    ck_assert_int_eq(version_of("{\"server_version\": \"saas~18.3\"}"), 18);
    ck_assert_int_eq(version_of("{\"server_version\": \"18.0\"}"), 18);
    ck_assert_int_eq(version_of("{\"server_version\": \"saas~17.4+e\"}"), 17);
}
END_TEST

START_TEST(test_odoo_version_unknown)
{
    ck_assert_int_eq(version_of("{}"), 0);
    ck_assert_int_eq(version_of("{\"server_version\": \"unknown\"}"), 0);
    ck_assert_int_eq(version_of("{\"server_version\": 19}"), 0);
    ck_assert_int_eq(version_of("[19, 0]"), 0);
    ck_assert_int_eq(version_of("{\"server_version_info\": []}"), 0);
    ck_assert_int_eq(lgx_odoo_parse_version(NULL), 0);
}
END_TEST

/* What lgx_odoo_busy_ms said when the observer heard of a call. */
static int64_t busy_at_observer = -2;

static void observe_busy(void *opaque, const char *model, const char *method,
                         double seconds, lgx_err_t result)
{
    (void)model;
    (void)method;
    (void)seconds;
    (void)result;
    busy_at_observer = lgx_odoo_busy_ms(opaque);
}

START_TEST(test_odoo_busy_only_during_a_call)
{
    /* Readiness reads the calls in progress: none before, and a call is
     * finished by the time the observer hears of it (so a completed call
     * never counts as stalled). */
    lgx_odoo_conf_t conf = {.answer = lgx_odoo_null_answer, .cache_size = 10};
    char errstr[256] = "";
    lgx_odoo_t *o = lgx_odoo_new(&conf, NULL, errstr, sizeof(errstr));
    ck_assert_msg(o != NULL, "%s", errstr);
    lgx_odoo_set_observer(o, observe_busy, o);
    lgx_odoo_error_t err;
    ck_assert_int_eq(lgx_odoo_connect(o, &err), LGX_OK);
    ck_assert_int_eq(lgx_odoo_busy_ms(o), -1);
    ck_assert_int_eq(
        lgx_odoo_call(o, "res.users", "context_get", NULL, 0, NULL, NULL, &err),
        LGX_OK);
    ck_assert_int_eq(busy_at_observer, -1);
    ck_assert_int_eq(lgx_odoo_busy_ms(o), -1);
    lgx_odoo_destroy(o);
}
END_TEST

Suite *odoo_suite(void)
{
    Suite *s = suite_create("odoo");

    TCase *tc_classify = tcase_create("classify");
    tcase_add_loop_test(tc_classify, test_odoo_classify_table, 0,
                        (int)N_CLASSIFY);
    tcase_add_test(tc_classify, test_odoo_classify_decisions);
    tcase_add_test(tc_classify, test_odoo_classify_name_beats_status);
    tcase_add_test(tc_classify,
                   test_odoo_classify_jsonrpc_unknown_model_and_method);
    suite_add_tcase(s, tc_classify);

    TCase *tc_json2 = tcase_create("json2");
    tcase_add_checked_fixture(tc_json2, setup, teardown);
    tcase_add_test(tc_json2, test_odoo_json2_true);
    tcase_add_test(tc_json2, test_odoo_json2_create_ids);
    tcase_add_test(tc_json2, test_odoo_json2_search_read);
    tcase_add_test(tc_json2, test_odoo_json2_null_and_wizard);
    tcase_add_test(tc_json2, test_odoo_json2_errors);
    tcase_add_test(tc_json2, test_odoo_unique_violation_is_a_conflict);
    tcase_add_test(tc_json2, test_odoo_json2_html_502);
    tcase_add_test(tc_json2, test_odoo_json2_text_bodies);
    tcase_add_test(tc_json2, test_odoo_json2_200_without_json);
    tcase_add_test(tc_json2, test_odoo_json2_nonprintable_and_long);
    suite_add_tcase(s, tc_json2);

    TCase *tc_rpc = tcase_create("jsonrpc");
    tcase_add_checked_fixture(tc_rpc, setup, teardown);
    tcase_add_test(tc_rpc, test_odoo_jsonrpc_results);
    tcase_add_test(tc_rpc, test_odoo_jsonrpc_list_of_dicts);
    tcase_add_test(tc_rpc, test_odoo_jsonrpc_null_result);
    tcase_add_test(tc_rpc, test_odoo_jsonrpc_result_outlives_answer);
    tcase_add_test(tc_rpc, test_odoo_jsonrpc_errors);
    tcase_add_test(tc_rpc, test_odoo_jsonrpc_error_without_data);
    tcase_add_test(tc_rpc, test_odoo_jsonrpc_html_502);
    tcase_add_test(tc_rpc, test_odoo_jsonrpc_invalid_200);
    suite_add_tcase(s, tc_rpc);

    TCase *tc_version = tcase_create("version");
    tcase_add_test(tc_version, test_odoo_version_info);
    tcase_add_test(tc_version, test_odoo_version_saas);
    tcase_add_test(tc_version, test_odoo_version_unknown);
    suite_add_tcase(s, tc_version);

    TCase *tc_busy = tcase_create("busy");
    tcase_add_test(tc_busy, test_odoo_busy_only_during_a_call);
    suite_add_tcase(s, tc_busy);

    return s;
}
