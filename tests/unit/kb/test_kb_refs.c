/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the references a triage report gets from the knowledge
 * base and past failures: a matching runbook passage above the floor and
 * an unrelated one below it, the count and dates of earlier failures with
 * the same signature, a similar failure of the same category (and not one
 * of another category), and the JSON and text output of references.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../store/store_test.h"
#include "kb/kb.h"

/* tests/e2e/cases/gha-docker.log: a docker build whose npm ci fails */
static char *LOG;
static size_t LOG_LEN;

static const char RUNBOOK[] =
    "# Docker builds\n\n## npm ci fails in the image build\n\n"
    "When `npm ci` fails with \"can only install with an existing package-lock.json\", commit "
    "package-lock.json and check that .dockerignore does not exclude it.\n";
static const char OTHER[] = "# Certificates\n\nRenew TLS certificates with certbot every month.\n";

static void put_failure(struct wf_store *st, const char *sig, const char *cat, const char *title,
                        int64_t at)
{
    struct wf_store_failure f = {.tenant = "acme",
                                 .repo = "acme/web",
                                 .branch = "main",
                                 .category = cat,
                                 .confidence = 0.9,
                                 .signature = sig,
                                 .step = "build",
                                 .title = title,
                                 .report_json = "{}",
                                 .model_version = "m",
                                 .created_ms = at,
                                 .margin = 1};
    assert_int_equal(wf_store_failure_put(st, &f, NULL), WF_OK);
}

static const struct wf_triage_ref *find(const struct wf_triage_result *r, const char *kind,
                                        const char *key)
{
    for (size_t i = 0; i < r->n_refs; i++)
        if (strcmp(r->refs[i].kind, kind) == 0 &&
            (!key || strcmp(r->refs[i].title, key) == 0 || strcmp(r->refs[i].signature, key) == 0))
            return &r->refs[i];
    return NULL;
}

static void test_references(void **state)
{
    (void)state;
    assert_int_equal(
        wf_read_file(WF_SOURCE_DIR "/tests/e2e/cases/gha-docker.log", 1 << 20, &LOG, &LOG_LEN),
        WF_OK);
    struct tdir d;
    tdir_new(&d);
    struct wf_store *st = open_in(&d);
    struct wf_embed *e = NULL;
    assert_int_equal(wf_embed_builtin(&e), WF_OK);
    struct wf_kb_opts ko = {st, e, NULL, 0, 0};
    struct wf_kb *kb = NULL;
    assert_int_equal(wf_kb_new(&ko, &kb), WF_OK);
    struct wf_kb_add_result ar;
    assert_int_equal(
        wf_kb_add(kb, "acme", "runbooks/docker.md", NULL, RUNBOOK, strlen(RUNBOOK), &ar, NULL),
        WF_OK);
    assert_int_equal(
        wf_kb_add(kb, "acme", "runbooks/certs.md", NULL, OTHER, strlen(OTHER), &ar, NULL), WF_OK);

    /* a first triage to learn the signature and key line */
    struct wf_triage_result r0;
    struct wf_triage_opts o;
    memset(&o, 0, sizeof(o));
    assert_int_equal(wf_triage_buffer(&o, LOG, LOG_LEN, NULL, 0, &r0), WF_OK);
    assert_true(r0.n_excerpt >= 1);
    assert_int_equal(r0.n_refs, 0); /* no provider: no references */
    char sig[17], title[512];
    memcpy(sig, r0.signature, sizeof(sig));
    snprintf(title, sizeof(title), "%.*s", (int)strcspn(r0.excerpt[0].text, "\n"),
             r0.excerpt[0].text);
    const char *cat = wf_triage_category_name(r0.category);
    wf_triage_result_cleanup(&r0);

    /* history: the same failure twice, a similar one (same category, the
     * key line with other numbers), one of another category */
    put_failure(st, sig, cat, title, 1000);
    put_failure(st, sig, cat, title, 5000);
    char similar[600];
    snprintf(similar, sizeof(similar), "%s (attempt 2)", title);
    put_failure(st, "00000000000000aa", cat, similar, 3000);
    put_failure(st, "00000000000000bb", "test_failure", title, 4000);
    put_failure(st, "00000000000000cc", cat, "completely different words here", 4500);

    struct wf_kb_refs refs = {kb, st, "acme"};
    o.references = wf_kb_triage_refs;
    o.references_ud = &refs;
    struct wf_triage_result r;
    assert_int_equal(wf_triage_buffer(&o, LOG, LOG_LEN, NULL, 0, &r), WF_OK);
    const struct wf_triage_ref *rb = find(&r, "runbook", "runbooks/docker.md");
    assert_non_null(rb);
    assert_true(rb->document_id > 0 && rb->line_start >= 1);
    assert_non_null(strstr(rb->text, "package-lock.json"));
    assert_non_null(strstr(rb->chunk_id, ":"));
    assert_null(find(&r, "runbook", "runbooks/certs.md")); /* below the floor */
    const struct wf_triage_ref *same = find(&r, "same_signature", sig);
    assert_non_null(same);
    assert_int_equal(same->count, 2);
    assert_int_equal(same->first_seen_ms, 1000);
    assert_int_equal(same->last_seen_ms, 5000);
    assert_null(same->resolution); /* none recorded */
    const struct wf_triage_ref *sim = find(&r, "similar_failure", "00000000000000aa");
    assert_non_null(sim);
    assert_true(sim->score >= WF_KB_REF_MIN_OVERLAP && sim->score < 1.0);
    assert_null(find(&r, "similar_failure", "00000000000000bb")); /* other category */
    assert_null(find(&r, "similar_failure", "00000000000000cc")); /* few words in common */

    struct wf_buf out;
    wf_buf_init(&out, 1 << 20);
    assert_int_equal(wf_triage_format_json(&r, &out), WF_OK);
    json_t *j = json_loads(out.p, 0, NULL);
    assert_non_null(j);
    json_t *refs_j = json_object_get(j, "references");
    assert_int_equal(json_array_size(refs_j), r.n_refs);
    json_t *first = json_array_get(refs_j, 0);
    assert_string_equal(json_string_value(json_object_get(first, "kind")), "runbook");
    assert_non_null(json_object_get(first, "chunk_id"));
    int saw_same = 0;
    size_t i;
    json_t *it;
    json_array_foreach(refs_j, i, it)
    {
        if (strcmp(json_string_value(json_object_get(it, "kind")), "same_signature") == 0) {
            saw_same = 1;
            assert_int_equal(json_integer_value(json_object_get(it, "count")), 2);
            assert_true(json_is_null(json_object_get(it, "resolution")));
        }
    }
    assert_true(saw_same);
    json_decref(j);
    wf_buf_reset(&out);
    assert_int_equal(wf_triage_format_text(&r, &out), WF_OK);
    assert_non_null(strstr(out.p, "\nReferences\n"));
    assert_non_null(strstr(out.p, "runbook runbooks/docker.md"));
    assert_non_null(strstr(out.p, "seen 2 times"));
    wf_buf_cleanup(&out);
    wf_triage_result_cleanup(&r);

    /* other tenant: nothing of acme's */
    struct wf_kb_refs other = {kb, st, "other"};
    o.references_ud = &other;
    assert_int_equal(wf_triage_buffer(&o, LOG, LOG_LEN, NULL, 0, &r), WF_OK);
    assert_int_equal(r.n_refs, 0);
    wf_triage_result_cleanup(&r);

    assert_true(wf_kb_overlap("error at line 12 in foo.c", "error at line 99 in foo.c") > 0.99);
    assert_true(wf_kb_overlap("disk full", "certificate expired") == 0.0);

    wf_kb_free(kb);
    wf_store_close(st);
    tdir_free(&d);
    wf_free(LOG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_references),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
