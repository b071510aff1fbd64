/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Starts tests/tools/fake_openai.py on an ephemeral port for a unit test
 * (fork/exec, port read from a port file) and talks to its control routes
 * (/_reset, /_script, /_requests). Header-only: included by the llm and
 * review tests.
 */
#ifndef WF_TEST_FAKE_OPENAI_H
#define WF_TEST_FAKE_OPENAI_H

#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/util.h"

#define FAKE_KEY "sk-fake-0123456789abcdef"

static pid_t fake_pid = -1;
static int fake_port;
static char fake_dir[64];
static char fake_base[128]; /* http://127.0.0.1:<port>/v1 */

static void fake_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int fake_start(void)
{
    char portfile[128], script[WF_LIMIT_PATH_BYTES], parent[32];
    snprintf(fake_dir, sizeof(fake_dir), "/tmp/wf-llm-XXXXXX");
    if (!mkdtemp(fake_dir))
        return -1;
    snprintf(portfile, sizeof(portfile), "%s/port", fake_dir);
    snprintf(script, sizeof(script), "%s/tests/tools/fake_openai.py", WF_SOURCE_DIR);
    snprintf(parent, sizeof(parent), "%ld", (long)getpid());
    fake_pid = fork();
    if (fake_pid < 0)
        return -1;
    if (fake_pid == 0) {
        execlp("python3", "python3", script, "--port", "0", "--portfile", portfile, "--api-key",
               FAKE_KEY, "--parent-pid", parent, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 200 && fake_port <= 0; i++) { /* 10 s */
        FILE *f = fopen(portfile, "r");
        if (f) {
            if (fscanf(f, "%d", &fake_port) != 1)
                fake_port = 0;
            fclose(f);
            if (fake_port > 0)
                break;
        }
        if (waitpid(fake_pid, NULL, WNOHANG) == fake_pid) {
            fake_pid = -1;
            fprintf(stderr, "fake_openai.py exited early\n");
            return -1;
        }
        fake_sleep_ms(50);
    }
    unlink(portfile);
    if (fake_port <= 0)
        return -1;
    snprintf(fake_base, sizeof(fake_base), "http://127.0.0.1:%d/v1", fake_port);
    return 0;
}

static void fake_stop(void)
{
    if (fake_pid > 0) {
        kill(fake_pid, SIGTERM);
        waitpid(fake_pid, NULL, 0);
        fake_pid = -1;
    }
    rmdir(fake_dir);
}

static size_t fake_to_buf(char *p, size_t size, size_t nmemb, void *ud)
{
    return wf_buf_append(ud, p, size * nmemb) ? 0 : size * nmemb;
}

/* A control request; returns the parsed JSON answer (owned) or NULL. */
static json_t *fake_call(const char *method, const char *path, const char *body)
{
    char url[256];
    struct wf_buf b;
    json_t *j = NULL;
    CURL *h = curl_easy_init();
    if (!h)
        return NULL;
    wf_buf_init(&b, 64u << 20);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", fake_port, path);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, fake_to_buf);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    if (strcmp(method, "POST") == 0)
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
    if (curl_easy_perform(h) == CURLE_OK && b.len)
        j = json_loadb(b.p, b.len, 0, NULL);
    curl_easy_cleanup(h);
    wf_buf_cleanup(&b);
    return j;
}

static void fake_reset(void)
{
    json_decref(fake_call("POST", "/_reset", NULL));
}

static void fake_script(const char *steps_json)
{
    json_decref(fake_call("POST", "/_script", steps_json));
}

/* The recorded requests (owned JSON array). */
static json_t *fake_requests(void)
{
    return fake_call("GET", "/_requests", NULL);
}

#endif
