#include "lgx_registry.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_buf.h"
#include "lgx_json.h"
#include "lgx_secret.h"

#define CONTENT_TYPE "application/vnd.schemaregistry.v1+json"
#define CREDENTIALS_OPT "--schema-registry-credentials-file"

struct lgx_registry_s {
    char *url;
    char *credentials_file; /* NULL: no credentials */
    char *credentials;      /* user:password (lgx_secret_free), or NULL */
    CURL *curl;
    lgx_buf_t *resp;
};

/* Refuses an answer past LGX_REGISTRY_ANSWER_MAX: the transfer stops
 * (CURLE_WRITE_ERROR) and request() says why. */
static size_t on_body(char *data, size_t size, size_t nmemb, void *opaque)
{
    return lgx_buf_append_body(opaque, data, size * nmemb,
                               LGX_REGISTRY_ANSWER_MAX);
}

/* True when url names a user or a password (user:password@host), as
 * curl would read it. */
static bool url_has_userinfo(const char *url)
{
    CURLU *u = curl_url();
    char *part = NULL;
    bool has = false;
    if (u && curl_url_set(u, CURLUPART_URL, url,
                          CURLU_DEFAULT_SCHEME | CURLU_NON_SUPPORT_SCHEME) ==
                 CURLUE_OK) {
        has = curl_url_get(u, CURLUPART_USER, &part, 0) == CURLUE_OK;
        curl_free(part);
        part = NULL;
        has = has || curl_url_get(u, CURLUPART_PASSWORD, &part, 0) == CURLUE_OK;
        curl_free(part);
    }
    curl_url_cleanup(u);
    return has;
}

/* The user:password of the file at path (lgx_secret_free it), or NULL
 * with errstr naming the option and the file, never what it holds. */
static char *credentials_read(const char *path, char *errstr, size_t size)
{
    char why[400];
    char *s = lgx_secret_read(path, "file", why, sizeof(why));
    const char *colon = s ? strchr(s, ':') : NULL;
    if (s && strpbrk(s, "\r\n")) {
        snprintf(why, sizeof(why), "the file %s holds more than one line",
                 path);
    } else if (s && (!colon || colon == s || !colon[1])) {
        snprintf(why, sizeof(why),
                 "the file %s does not hold user:password (a user, ':', a "
                 "password)",
                 path);
    } else if (s) {
        return s;
    }
    lgx_secret_free(s);
    snprintf(errstr, size, "option " CREDENTIALS_OPT ": %s", why);
    return NULL;
}

lgx_registry_t *lgx_registry_new(const char *url, const char *credentials_file,
                                 char *errstr, size_t size)
{
    if (url_has_userinfo(url)) {
        snprintf(errstr, size,
                 "option --schema-registry: the URL holds a user or password "
                 "(user:password@); give them in " CREDENTIALS_OPT);
        return NULL;
    }
    lgx_registry_t *r = calloc(1, sizeof(*r));
    if (!r || !(r->url = strdup(url)) || !(r->curl = curl_easy_init()) ||
        !(r->resp = lgx_buf_new()) ||
        (credentials_file &&
         !(r->credentials_file = strdup(credentials_file)))) {
        snprintf(errstr, size, "out of memory");
        lgx_registry_destroy(r);
        return NULL;
    }
    if (credentials_file &&
        !(r->credentials = credentials_read(credentials_file, errstr, size))) {
        lgx_registry_destroy(r);
        return NULL;
    }
    size_t n = strlen(r->url);
    while (n && r->url[n - 1] == '/') {
        r->url[--n] = '\0';
    }
    return r;
}

void lgx_registry_destroy(lgx_registry_t *r)
{
    if (!r) {
        return;
    }
    if (r->curl) {
        curl_easy_cleanup(r->curl);
    }
    lgx_buf_destroy(r->resp);
    lgx_secret_free(r->credentials);
    free(r->credentials_file);
    free(r->url);
    free(r);
}

lgx_err_t lgx_registry_reload_credentials(lgx_registry_t *r, char *errstr,
                                          size_t size)
{
    if (!r->credentials_file) {
        snprintf(errstr, size, "no " CREDENTIALS_OPT " to read again");
        return LGX_ERR_NOT_FOUND;
    }
    char *fresh = credentials_read(r->credentials_file, errstr, size);
    if (!fresh) {
        return LGX_ERR_INVALID;
    }
    lgx_secret_free(r->credentials);
    r->credentials = fresh;
    return LGX_OK;
}

/* One request; *root is the JSON answer of a 2xx. */
static lgx_err_t request(lgx_registry_t *r, const char *path, const char *body,
                         yajl_val *root, char *errstr, size_t size)
{
    char url[2048];
    snprintf(url, sizeof(url), "%s%s", r->url, path);
    struct curl_slist *h = NULL;
    h = curl_slist_append(h, "Content-Type: " CONTENT_TYPE);
    h = curl_slist_append(h, "Accept: " CONTENT_TYPE ", application/json");
    lgx_buf_reset(r->resp);
    curl_easy_reset(r->curl);
    curl_easy_setopt(r->curl, CURLOPT_URL, url);
    curl_easy_setopt(r->curl, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(r->curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(r->curl, CURLOPT_WRITEDATA, r->resp);
    curl_easy_setopt(r->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(r->curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(r->curl, CURLOPT_TIMEOUT_MS, 15000L);
    if (body) {
        curl_easy_setopt(r->curl, CURLOPT_POSTFIELDS, body);
    }
    if (r->credentials) {
        /* Basic only: no redirect is followed, so they go to url alone. */
        curl_easy_setopt(r->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(r->curl, CURLOPT_USERPWD, r->credentials);
    }
    CURLcode rc = curl_easy_perform(r->curl);
    curl_slist_free_all(h);
    long status = 0;
    curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &status);
    if (rc == CURLE_WRITE_ERROR) {
        snprintf(errstr, size,
                 "schema registry %s: answer larger than %d bytes", url,
                 LGX_REGISTRY_ANSWER_MAX);
        return LGX_ERR_DECODE;
    }
    if (rc != CURLE_OK) {
        snprintf(errstr, size, "schema registry %s: %s", url,
                 curl_easy_strerror(rc));
        return LGX_ERR_IO;
    }
    lgx_err_t err =
        lgx_registry_answer(status, lgx_buf_data(r->resp), lgx_buf_len(r->resp),
                            url, root, errstr, size);
    if (err == LGX_ERR_INVALID && !r->credentials) {
        snprintf(errstr, size,
                 "schema registry %s: HTTP %ld: the registry asks for "
                 "credentials (" CREDENTIALS_OPT ")",
                 url, status);
    }
    return err;
}

lgx_err_t lgx_registry_answer(long status, const char *body, size_t len,
                              const char *url, yajl_val *root, char *errstr,
                              size_t size)
{
    char perr[128];
    if (len > LGX_REGISTRY_ANSWER_MAX) {
        *root = NULL;
        snprintf(errstr, size,
                 "schema registry %s: answer larger than %d bytes", url,
                 LGX_REGISTRY_ANSWER_MAX);
        return LGX_ERR_DECODE;
    }
    *root = len ? lgx_json_parse(body, len, perr, sizeof(perr)) : NULL;
    if (status / 100 != 2 || !YAJL_IS_OBJECT(*root)) {
        const char *msg = lgx_json_get_str(*root, "message");
        if (status / 100 == 2) {
            msg = *root ? "not a JSON object" : len ? perr : "empty answer";
        }
        bool refused = status == 401 || status == 403;
        snprintf(errstr, size, "schema registry %s: %sHTTP %ld%s%s%s", url,
                 refused ? "the registry refused the credentials (" : "",
                 status, msg ? ": " : "", msg ? msg : "", refused ? ")" : "");
        yajl_tree_free(*root);
        *root = NULL;
        return status == 404 ? LGX_ERR_NOT_FOUND
               : refused     ? LGX_ERR_INVALID
                             : LGX_ERR_IO;
    }
    return LGX_OK;
}

char *lgx_registry_answer_schema(yajl_val root, int32_t id, char *errstr,
                                 size_t size)
{
    const char *schema = lgx_json_get_str(root, "schema");
    char *out = schema ? strdup(schema) : NULL;
    if (!schema) {
        snprintf(errstr, size, "schema registry: id %d has no schema", (int)id);
    } else if (!out) {
        snprintf(errstr, size, "out of memory");
    }
    return out;
}

lgx_err_t lgx_registry_answer_id(yajl_val root, int32_t *id, char *errstr,
                                 size_t size)
{
    int64_t v = 0;
    if (!lgx_json_get_int(root, "id", &v) || v < INT32_MIN || v > INT32_MAX) {
        snprintf(errstr, size, "schema registry: no schema id in the answer");
        return LGX_ERR_IO;
    }
    *id = (int32_t)v;
    return LGX_OK;
}

char *lgx_registry_fetch(lgx_registry_t *r, int32_t id, char *errstr,
                         size_t size)
{
    char path[64];
    yajl_val root = NULL;
    snprintf(path, sizeof(path), "/schemas/ids/%d", (int)id);
    if (request(r, path, NULL, &root, errstr, size) != LGX_OK) {
        return NULL;
    }
    char *out = lgx_registry_answer_schema(root, id, errstr, size);
    yajl_tree_free(root);
    return out;
}

lgx_err_t lgx_registry_register(lgx_registry_t *r, const char *subject,
                                const char *schema_json, int32_t *id,
                                char *errstr, size_t size)
{
    lgx_buf_t *body = lgx_buf_new();
    char path[512];
    char *esc = curl_easy_escape(r->curl, subject, 0);
    snprintf(path, sizeof(path), "/subjects/%s/versions", esc ? esc : "");
    curl_free(esc);
    lgx_err_t err = body ? lgx_buf_puts(body, "{\"schema\":") : LGX_ERR_NOMEM;
    if (err == LGX_OK) {
        err = lgx_buf_json_str(body, schema_json, strlen(schema_json));
    }
    if (err == LGX_OK) {
        err = lgx_buf_puts(body, "}");
    }
    yajl_val root = NULL;
    if (err == LGX_OK) {
        err = request(r, path, lgx_buf_data(body), &root, errstr, size);
    }
    if (err == LGX_OK) {
        err = lgx_registry_answer_id(root, id, errstr, size);
    }
    yajl_tree_free(root);
    lgx_buf_destroy(body);
    return err;
}
