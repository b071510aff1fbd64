/* SPDX-License-Identifier: Apache-2.0 */
/*
 * search: PDF text extraction through Debian's poppler-glib, kept in this one
 * file. Pages are joined with a form feed line so the chunker sees page
 * boundaries as paragraph breaks; line numbers of chunks count lines of this
 * extracted text.
 */
#include "search/search_int.h"

#include <glib.h>
#include <poppler.h>
#include <string.h>

#define MAX_PAGES 5000

int wf_search__pdf_text(const char *data, size_t len, struct wf_buf *out, struct wf_buf *err)
{
    GError *gerr = NULL;
    if (len < 5 || memcmp(data, "%PDF-", 5) != 0) {
        if (err)
            (void)wf_buf_puts(err, "pdf: not a PDF file (no %PDF- header)");
        return WF_EFORMAT;
    }
    GBytes *bytes = g_bytes_new(data, len);
    PopplerDocument *doc = poppler_document_new_from_bytes(bytes, NULL, &gerr);
    int rc = WF_OK;
    if (!doc) {
        if (err)
            (void)wf_buf_appendf(err, "pdf: %s",
                                 gerr && gerr->message ? gerr->message : "cannot open document");
        rc = WF_EFORMAT;
        goto out;
    }
    int pages = poppler_document_get_n_pages(doc);
    if (pages > MAX_PAGES) {
        if (err)
            (void)wf_buf_appendf(err, "pdf: %d pages exceed the limit of %d", pages, MAX_PAGES);
        rc = WF_ETOOBIG;
        goto out;
    }
    for (int i = 0; i < pages && !rc; i++) {
        PopplerPage *page = poppler_document_get_page(doc, i);
        if (!page)
            continue;
        char *text = poppler_page_get_text(page);
        if (i > 0)
            rc = wf_buf_puts(out, "\n\f\n");
        if (!rc && text)
            rc = wf_buf_puts(out, text);
        g_free(text);
        g_object_unref(page);
    }
    if (rc == WF_ETOOBIG && err)
        (void)wf_buf_appendf(err, "pdf: extracted text exceeds %u bytes", WF_SEARCH_MAX_DOC_BYTES);
out:
    if (doc)
        g_object_unref(doc);
    if (gerr)
        g_error_free(gerr);
    g_bytes_unref(bytes);
    return rc;
}
