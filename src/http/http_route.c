/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The route table compiled once at server start: each pattern is split
 * into literal and {param} segments so matching a request path is one pass
 * over its segments per candidate route, with no allocation. A path that
 * matches some route but not the method yields the mask for Allow (405).
 */
#include <string.h>

#include "http/http_int.h"

void wf_http__router_cleanup(struct wf_http__router *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_routes; i++)
        wf_free(r->routes[i].segs);
    wf_free(r->routes);
    r->routes = NULL;
    r->n_routes = 0;
}

static int compile(struct wf_http__croute *c, const struct wf_http_route *rt, struct wf_buf *err)
{
    const char *pat = rt->pattern;
    if (!pat || pat[0] != '/' || !rt->fn || (unsigned)rt->method > WF_HTTP_OTHER) {
        if (err)
            wf_buf_appendf(err, "route %s: pattern must start with '/' and have a handler",
                           pat ? pat : "(null)");
        return WF_EINVAL;
    }
    size_t n = 0;
    for (const char *s = pat; *s; s++)
        n += *s == '/';
    c->segs = wf_calloc(n, sizeof(*c->segs));
    if (!c->segs)
        return WF_ENOMEM;
    c->route = rt;
    size_t n_params = 0;
    const char *s = pat + 1;
    for (;;) {
        const char *e = strchr(s, '/');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        struct wf_http__seg *g = &c->segs[c->n_segs++];
        const char *br = memchr(s, '{', len);
        const char *cb = memchr(s, '}', len);
        if (br || cb) {
            if (len < 3 || s[0] != '{' || s[len - 1] != '}' || memchr(s + 1, '{', len - 1) ||
                memchr(s, '}', len - 1) || ++n_params > WF_HTTP_MAX_PARAMS) {
                if (err)
                    wf_buf_appendf(err, "route %s: bad {param} segment", pat);
                return WF_EINVAL;
            }
            g->lit.p = NULL;
            g->lit.len = 0;
        } else {
            g->lit.p = s;
            g->lit.len = len;
        }
        if (!e)
            break;
        s = e + 1;
    }
    return WF_OK;
}

int wf_http__router_init(struct wf_http__router *r, const struct wf_http_route *routes,
                         size_t n_routes, struct wf_buf *err)
{
    int rc = WF_OK;
    r->routes = NULL;
    r->n_routes = 0;
    if (n_routes && !routes)
        return WF_EINVAL;
    if (n_routes) {
        r->routes = wf_calloc(n_routes, sizeof(*r->routes));
        if (!r->routes)
            return WF_ENOMEM;
    }
    for (size_t i = 0; i < n_routes; i++) {
        r->n_routes = i + 1;
        rc = compile(&r->routes[i], &routes[i], err);
        if (rc)
            goto out;
    }
out:
    if (rc)
        wf_http__router_cleanup(r);
    return rc;
}

/* Matches the segments of one route; params written only on success. */
static int match_path(const struct wf_http__croute *c, struct wf_str path, struct wf_str *params,
                      size_t *n_params)
{
    struct wf_str tmp[WF_HTTP_MAX_PARAMS];
    size_t np = 0;
    if (path.len == 0 || path.p[0] != '/')
        return 0;
    const char *s = path.p + 1, *end = path.p + path.len;
    for (size_t i = 0; i < c->n_segs; i++) {
        if (s > end)
            return 0;
        const char *e = memchr(s, '/', (size_t)(end - s));
        if (!e)
            e = end;
        size_t len = (size_t)(e - s);
        const struct wf_http__seg *g = &c->segs[i];
        if (g->lit.p) {
            if (len != g->lit.len || memcmp(s, g->lit.p, len) != 0)
                return 0;
        } else {
            if (len == 0)
                return 0;
            tmp[np].p = s;
            tmp[np].len = len;
            np++;
        }
        if (e == end) {
            if (i + 1 != c->n_segs)
                return 0;
            if (params) {
                memcpy(params, tmp, np * sizeof(*tmp));
                *n_params = np;
            }
            return 1;
        }
        s = e + 1;
    }
    return 0;
}

const struct wf_http_route *wf_http__route_match(const struct wf_http__router *r,
                                                 enum wf_http_method m, struct wf_str path,
                                                 struct wf_str *params, size_t *n_params,
                                                 unsigned *allow)
{
    const struct wf_http__croute *get = NULL;
    unsigned mask = 0;
    *n_params = 0;
    for (size_t i = 0; i < r->n_routes; i++) {
        const struct wf_http__croute *c = &r->routes[i];
        enum wf_http_method rm = c->route->method;
        if (rm == m && match_path(c, path, params, n_params)) {
            *allow = 0;
            return c->route;
        }
        if (!match_path(c, path, NULL, NULL))
            continue;
        mask |= WF_HTTP__MBIT(rm);
        if (rm == WF_HTTP_GET) {
            mask |= WF_HTTP__MBIT(WF_HTTP_HEAD);
            if (!get)
                get = c;
        }
    }
    if (m == WF_HTTP_HEAD && get) {
        match_path(get, path, params, n_params);
        *allow = 0;
        return get->route;
    }
    *allow = mask;
    return NULL;
}

void wf_http__allow_string(unsigned allow, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (int m = WF_HTTP_GET; m < WF_HTTP_OTHER; m++) {
        if (!(allow & WF_HTTP__MBIT(m)))
            continue;
        const char *name = wf_http_method_name((enum wf_http_method)m);
        size_t len = strlen(name);
        if (n + len + 3 > cap)
            break;
        if (n) {
            memcpy(out + n, ", ", 2);
            n += 2;
        }
        memcpy(out + n, name, len);
        n += len;
        out[n] = '\0';
    }
}
