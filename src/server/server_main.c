/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `workflowai serve`: opens the store, starts the queue, the workers and
 * the HTTP server, and turns SIGTERM/SIGINT into a graceful stop (no new
 * connections, in-flight requests answered, workers finish their job, the
 * store flushes its last group commit). Also the administration calls the
 * CLI makes on a store: tenants, API keys, tokens.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "llm/llm.h"
#include "risk/risk.h"
#include "server/server_int.h"

static int open_store(const char *url, struct wf_store **st, struct wf_buf *err)
{
    struct wf_store_opts so;
    memset(&so, 0, sizeof so);
    so.url = url;
    return wf_store_open(&so, st, err);
}

static int split_listen(const char *listen, char *host, size_t cap, int *port)
{
    const char *colon = strrchr(listen, ':');
    long p;
    if (!colon || (size_t)(colon - listen) >= cap ||
        wf_parse_long(colon + 1, 0, 65535, &p) != WF_OK)
        return -1;
    size_t n = (size_t)(colon - listen);
    if (n >= 2 && listen[0] == '[' && listen[n - 1] == ']') { /* [::1]:8080 */
        memcpy(host, listen + 1, n - 2);
        host[n - 2] = 0;
    } else {
        memcpy(host, listen, n);
        host[n] = 0;
    }
    if (!host[0])
        memcpy(host, "0.0.0.0", 8);
    *port = (int)p;
    return 0;
}

static int load_redaction(struct wf_server__ctx *c, struct wf_buf *err)
{
    memset(&c->redact_cfg, 0, sizeof c->redact_cfg);
    wf_arena_init(&c->redact_cfg.arena, 0);
    wf_redact_opts_init(&c->redact_cfg.opts);
    if (!c->cfg->redact_config[0])
        return WF_OK;
    char *text = NULL;
    size_t len = 0, line = 0;
    int rc = wf_read_file(c->cfg->redact_config, 1u << 20, &text, &len);
    if (rc) {
        wf_buf_appendf(err, "%s: %s", c->cfg->redact_config, wf_strerror(rc));
        return rc;
    }
    rc = wf_redact_config_parse(&c->redact_cfg, text, len, &line, err);
    wf_free(text);
    return rc;
}

struct sigwaiter {
    sigset_t set;
    struct wf_server__ctx *c;
};

static void *sig_main(void *ud)
{
    struct sigwaiter *w = ud;
    int sig = 0;
    while (sigwait(&w->set, &sig) == 0) {
        if (sig == SIGUSR2) /* our own wake-up at exit */
            break;
        wf_server__log(w->c, WF_LOG_INFO, "shutdown",
                       json_pack("{s:s}", "signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"));
        w->c->stopping = 1;
        wf_http_server_stop(w->c->http);
        break;
    }
    return NULL;
}

static int level_of(const char *s)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

int wf_server_run(const struct wf_server_config *cfg)
{
    struct wf_server__ctx c;
    struct wf_buf err;
    char host[256];
    int port = 0, status = 1, sig_started = 0, rc;
    pthread_t sig_thread;
    struct sigwaiter sw;
    memset(&c, 0, sizeof c);
    c.cfg = cfg;
    pthread_mutex_init(&c.pool_mu, NULL);
    pthread_mutex_init(&c.log_mu, NULL);
    pthread_mutex_init(&c.tenant_mu, NULL);
    wf_buf_init(&err, 4096);
    c.log_level = level_of(cfg->log_level);
    c.log_json = strcmp(cfg->log_format, "json") == 0;
    if (c.log_level < 0 || (!c.log_json && strcmp(cfg->log_format, "text") != 0)) {
        fprintf(stderr, "workflowai: serve: log-level must be debug|info|warn|error and "
                        "log-format json|text\n");
        goto out;
    }
    if (split_listen(cfg->listen, host, sizeof host, &port) != 0) {
        fprintf(stderr, "workflowai: serve: --listen must be HOST:PORT, got \"%s\"\n", cfg->listen);
        goto out;
    }
    if (wf_server__parse_interval(cfg->retrain_interval, &c.retrain_interval_ms) != WF_OK) {
        fprintf(stderr,
                "workflowai: serve: --retrain-interval must be off or a duration such as 24h, "
                "30m, 90s (at least 100ms), got \"%s\"\n",
                cfg->retrain_interval);
        goto out;
    }
    if (load_redaction(&c, &err) != WF_OK) {
        fprintf(stderr, "workflowai: serve: redaction config: %s\n", err.p ? err.p : "invalid");
        goto out;
    }
    if (wf_provider_global_init() != WF_OK || wf_llm_global_init() != WF_OK) {
        fprintf(stderr, "workflowai: serve: could not initialise libcurl\n");
        goto out;
    }
    c.provider.github_api = cfg->github_api;
    c.provider.github_token = cfg->github_token;
    c.provider.gitlab_api = cfg->gitlab_api;
    c.provider.gitlab_token = cfg->gitlab_token;
    c.provider.max_bytes = (size_t)cfg->max_log_bytes;

    /* block the stop signals in every thread; one thread waits for them */
    sigemptyset(&sw.set);
    sigaddset(&sw.set, SIGTERM);
    sigaddset(&sw.set, SIGINT);
    sigaddset(&sw.set, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &sw.set, NULL);
    signal(SIGPIPE, SIG_IGN);

    if ((rc = open_store(cfg->store, &c.store, &err)) != WF_OK) {
        fprintf(stderr, "workflowai: serve: store %s: %s\n", cfg->store,
                err.p ? err.p : wf_strerror(rc));
        goto out;
    }
    struct wf_store_tenant t;
    if (wf_store_tenant_get(c.store, "default", &t) == WF_ENOENT) {
        memset(&t, 0, sizeof t);
        memcpy(t.id, "default", 8);
        memcpy(t.name, "default", 8);
        t.created_ms = wf_store_now_ms();
        wf_store_tenant_put(c.store, &t);
    }
    struct wf_queue_opts qo = {(int)cfg->max_attempts, (int)cfg->lease_ms, (int)cfg->backoff_ms,
                               300000};
    if (wf_queue_new(c.store, &qo, &c.queue) != WF_OK ||
        wf_server__limiter_new(cfg->rate_limit, cfg->rate_burst, 100000, &c.limiter) != WF_OK ||
        wf_server__metrics_new(&c.metrics) != WF_OK || wf_server__models_new(&c.models) != WF_OK ||
        wf_risk_default_model(&c.risk_model) != WF_OK) {
        fprintf(stderr, "workflowai: serve: out of memory\n");
        goto out;
    }
    wf_server__metrics_gauge(c.metrics, "workflowai_build_info", "version", WF_VERSION, 1);
    wf_buf_reset(&err);
    if ((rc = wf_server__kb_open(&c, &err)) != WF_OK) {
        fprintf(stderr, "workflowai: serve: knowledge base: %s\n", err.p ? err.p : wf_strerror(rc));
        goto out;
    }

    struct wf_http_server_opts ho;
    memset(&ho, 0, sizeof ho);
    ho.host = host;
    ho.port = port;
    ho.n_io_threads = (int)cfg->io_threads;
    ho.n_handler_threads = (int)cfg->handler_threads;
    ho.header_timeout_ms = (int)cfg->header_timeout_ms;
    ho.body_timeout_ms = (int)cfg->body_timeout_ms;
    ho.idle_timeout_ms = (int)cfg->idle_timeout_ms;
    ho.shutdown_timeout_ms = (int)cfg->shutdown_timeout_ms;
    ho.routes = wf_server__routes(&ho.n_routes);
    ho.ud = &c;
    ho.before = wf_server__before;
    ho.after = wf_server__after;
    wf_buf_reset(&err);
    if ((rc = wf_http_server_new(&ho, &c.http, &err)) != WF_OK) {
        fprintf(stderr, "workflowai: serve: %s: %s\n", cfg->listen,
                err.p ? err.p : wf_strerror(rc));
        goto out;
    }
    int bound = wf_http_server_port(c.http);
    if (cfg->port_file[0]) {
        char tmp[1100];
        snprintf(tmp, sizeof tmp, "%s.tmp", cfg->port_file);
        FILE *f = fopen(tmp, "w");
        if (!f || fprintf(f, "%d\n", bound) < 0 || fclose(f) != 0 ||
            rename(tmp, cfg->port_file) != 0) {
            fprintf(stderr, "workflowai: serve: cannot write %s: %s\n", cfg->port_file,
                    strerror(errno));
            goto out;
        }
    }
    sw.c = &c;
    if (pthread_create(&sig_thread, NULL, sig_main, &sw) != 0)
        goto out;
    sig_started = 1;
    if (wf_server__workers_start(&c) != WF_OK || wf_server__retrain_start(&c) != WF_OK) {
        fprintf(stderr, "workflowai: serve: cannot start workers\n");
        goto out;
    }
    wf_server__log(&c, WF_LOG_INFO, "listening",
                   json_pack("{s:s,s:i,s:s,s:s,s:i}", "host", host, "port", bound, "store",
                             wf_store_backend(c.store), "version", WF_VERSION, "workers",
                             (int)cfg->workers));
    rc = wf_http_server_run(c.http);
    status = rc == WF_OK ? 0 : 1;
    wf_server__log(&c, WF_LOG_INFO, "stopped", NULL);
out:
    if (sig_started) {
        pthread_kill(sig_thread, SIGUSR2);
        pthread_join(sig_thread, NULL);
    }
    c.stopping = 1;
    wf_server__retrain_stop(&c);
    if (c.queue)
        wf_server__workers_stop(&c);
    wf_http_server_free(c.http);
    wf_kb_free(c.kb);
    wf_queue_free(c.queue);
    wf_store_close(c.store); /* flushes the last group commit */
    wf_server__limiter_free(c.limiter);
    wf_server__metrics_free(c.metrics);
    wf_ml_model_free(c.risk_model);
    wf_server__models_free(c.models);
    for (size_t i = 0; i < c.n_pool; i++)
        wf_redact_free(c.pool[i]);
    wf_redact_config_cleanup(&c.redact_cfg);
    wf_llm_global_cleanup();
    wf_provider_global_cleanup();
    pthread_mutex_destroy(&c.pool_mu);
    pthread_mutex_destroy(&c.log_mu);
    pthread_mutex_destroy(&c.tenant_mu);
    wf_buf_cleanup(&err);
    return status;
}

/* ---- Administration ---------------------------------------------------------------- */

static int copy_field(char *dst, size_t cap, const char *src, const char *what, struct wf_buf *err)
{
    if (!src)
        return WF_OK;
    size_t n = strlen(src);
    if (n >= cap) {
        wf_buf_appendf(err, "%s is longer than %zu bytes", what, cap - 1);
        return WF_EINVAL;
    }
    memcpy(dst, src, n + 1);
    return WF_OK;
}

int wf_server_tenant_add(const char *store_url, const char *id, const char *name,
                         const char *github_secret, const char *gitlab_token,
                         const char *generic_secret, struct wf_buf *err)
{
    if (!wf_server__valid_tenant(id, strlen(id))) {
        wf_buf_appendf(err, "tenant ids are 1-127 characters of [A-Za-z0-9._-]");
        return WF_EINVAL;
    }
    struct wf_store_tenant t;
    memset(&t, 0, sizeof t);
    int rc = copy_field(t.id, sizeof t.id, id, "tenant id", err);
    if (!rc)
        rc = copy_field(t.name, sizeof t.name, name && name[0] ? name : id, "name", err);
    if (!rc)
        rc = copy_field(t.github_secret, sizeof t.github_secret, github_secret, "github secret",
                        err);
    if (!rc)
        rc = copy_field(t.gitlab_token, sizeof t.gitlab_token, gitlab_token, "gitlab token", err);
    if (!rc)
        rc = copy_field(t.generic_secret, sizeof t.generic_secret, generic_secret, "generic secret",
                        err);
    if (rc)
        return rc;
    t.created_ms = wf_store_now_ms();
    struct wf_store *st = NULL;
    rc = open_store(store_url, &st, err);
    if (!rc)
        rc = wf_store_tenant_put(st, &t);
    wf_store_close(st);
    return rc;
}

int wf_server_key_create(const char *store_url, const char *tenant, const char *name, char *key,
                         char *key_id, struct wf_buf *err)
{
    struct wf_store *st = NULL;
    struct wf_store_tenant t;
    char hash[65];
    int rc = open_store(store_url, &st, err);
    if (rc)
        goto out;
    rc = wf_store_tenant_get(st, tenant, &t);
    if (rc == WF_ENOENT) {
        wf_buf_appendf(err, "no tenant \"%s\" (create it with `workflowai tenant add`)", tenant);
        goto out;
    }
    if (rc)
        goto out;
    rc = wf_server__key_new(key, key_id, hash);
    if (!rc)
        rc = wf_store_key_put(st, tenant, key_id, hash, name ? name : "", wf_store_now_ms());
out:
    wf_store_close(st);
    return rc;
}

int wf_server_key_revoke(const char *store_url, const char *tenant, const char *key_id,
                         struct wf_buf *err)
{
    struct wf_store *st = NULL;
    int rc = open_store(store_url, &st, err);
    if (!rc) {
        rc = wf_store_key_revoke(st, tenant, key_id);
        if (rc == WF_ENOENT)
            wf_buf_appendf(err, "tenant \"%s\" has no key %s", tenant, key_id);
    }
    wf_store_close(st);
    return rc;
}

int wf_server_key_list(const char *store_url, const char *tenant, struct wf_buf *out,
                       struct wf_buf *err)
{
    struct wf_store *st = NULL;
    json_t *j = NULL;
    int rc = open_store(store_url, &st, err);
    if (!rc)
        rc = tenant ? wf_store_key_list(st, tenant, &j) : wf_store_tenant_list(st, &j);
    if (!rc) {
        char *s = json_dumps(j, JSON_COMPACT);
        rc = s ? wf_buf_puts(out, s) : WF_ENOMEM;
        free(s);
    }
    json_decref(j);
    wf_store_close(st);
    return rc;
}

int wf_server_token(const char *secret, const char *tenant, const char *sub, long ttl_s,
                    struct wf_buf *out)
{
    int64_t now = (int64_t)time(NULL);
    return wf_server__jwt_sign(secret, tenant, sub ? sub : "", now, ttl_s > 0 ? now + ttl_s : 0,
                               out);
}
