vcl 4.1;
# Varnish 7.x in front of Charcha (docs/operations.md, "Varnish in front").
#
# What it caches is what the app says is shareable: visitors' pages (/, /new,
# discussions, profiles) answer `Cache-Control: public, s-maxage=N` and name
# the "families" they show in X-Cache-Families (post:42, user:7, lists).
# After a write commits, the app (PURGE_URL) sends `BAN /` with
# `X-Ban-Families: post:42 lists`, and every stored page showing one of those
# families is dropped here. Everything else (forms, signed-in pages, POSTs)
# passes straight to the app.
#
# Run the app with TRUST_PROXY=1 (one proxy: Varnish; 2 with a TLS terminator
# in front of Varnish) and PURGE_URL=http://<varnish address>/.

import directors;

# ---- backends: one per app process; add more and list them in vcl_init ----
# (test/support/varnish.ts rewrites this block with the test's own processes.)
backend app1 {
    .host = "127.0.0.1";
    .port = "3000";
    .connect_timeout = 2s;
    .first_byte_timeout = 30s;  # the app's own request timeout (HTTP_REQUEST_TIMEOUT_MS)
    .probe = {
        .url = "/readyz";       # 503 while the app's database is down: no traffic meanwhile
        .interval = 5s;
        .timeout = 2s;
        .window = 5;
        .threshold = 3;
    }
}

sub vcl_init {
    new app = directors.round_robin();
    app.add_backend(app1);
}
# ---- end of backends ----

# Who may send BAN: the app servers (their PURGE_URL requests). Loopback by
# default; add the app machines' addresses.
acl purgers {
    "127.0.0.1";
    "::1";
}

# Who may say a request came over HTTPS (X-Forwarded-Proto): the TLS
# terminator in front (Hitch, Caddy, nginx). Anyone else's claim is replaced.
acl tls_terminators {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    set req.backend_hint = app.backend();

    # X-Forwarded-For: varnishd itself appends client.ip to what came in, so
    # the app (TRUST_PROXY=1) takes the last hop, which a client cannot forge.
    if (client.ip !~ tls_terminators || !req.http.X-Forwarded-Proto) {
        set req.http.X-Forwarded-Proto = "http";
    }

    if (req.method == "BAN") {
        if (client.ip !~ purgers) {
            return (synth(403, "Not allowed"));
        }
        # Families are lower-case names, `post:42`, or `*` for everything;
        # anything else is refused rather than pasted into a ban expression.
        if (req.http.X-Ban-Families !~ "^[a-z0-9:* ]+$") {
            return (synth(400, "X-Ban-Families missing or malformed"));
        }
        if (req.http.X-Ban-Families ~ "(^| )\*( |$)") {
            ban("obj.status != 0");
        } else {
            # Only obj.* in the expression: the ban lurker tests stored
            # objects in the background, so bans do not pile up.
            # `post:42 lists` becomes (^|\s)(post:42|lists)(\s|$).
            ban("obj.http.X-Cache-Families ~ (^|\s)(" +
                regsuball(regsub(req.http.X-Ban-Families, "^ +| +$", ""), " +", "|") +
                ")(\s|$)");
        }
        return (synth(200, "Banned"));
    }

    # Only GET and HEAD are ever looked up; POST and the rest go to the app
    # (pass, not pipe: each request is logged and gets X-Forwarded-For).
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }

    # Static files (fingerprinted names, `immutable`, a year): one copy for everyone.
    if (req.url ~ "^/static/") {
        unset req.http.Cookie;
        return (hash);
    }

    # A signed-in reader (the session cookie: `sid` over HTTP, `__Host-sid`
    # over HTTPS) sees a page of their own: never looked up, never stored.
    if (req.http.Cookie ~ "(^|;\s*)(__Host-)?sid=" || req.http.Authorization) {
        return (pass);
    }

    # Every other cookie (csrf_pre from a login form, a sign-in flow's
    # cookies, analytics) does not change a visitor's page: it is left out of
    # the lookup, so visitors carrying one still get cached pages. It still
    # reaches the app on a miss (vcl_backend_fetch): the few pages that read
    # one are not cacheable and never stored.
    if (req.http.Cookie) {
        set req.http.X-Charcha-Cookie = req.http.Cookie;
        unset req.http.Cookie;
    }
    # Varnish's gzip support (http_gzip_support, on by default) now reduces
    # Accept-Encoding to `gzip` or nothing: the app is asked for gzip, one
    # copy is stored, and it is unzipped here for the rare client without gzip.
    return (hash);
}

sub vcl_hash {
    hash_data(req.url);
    if (req.http.Host) {
        hash_data(req.http.Host);
    } else {
        hash_data(server.ip);
    }
    # Pages over HTTPS and plain HTTP differ (links, cookie names): never mixed.
    hash_data(req.http.X-Forwarded-Proto);
    return (lookup);
}

sub vcl_backend_fetch {
    if (bereq.http.X-Charcha-Cookie) {
        set bereq.http.Cookie = bereq.http.X-Charcha-Cookie;
        unset bereq.http.X-Charcha-Cookie;
    }
}

sub vcl_backend_response {
    # The variant is recorded from the backend request: as the lookup saw it,
    # without the visitor's cookies (the app says Vary: Cookie).
    unset bereq.http.Cookie;

    if (bereq.uncacheable) {
        return (deliver);
    }
    # Stored only when the app says it is shareable (its s-maxage, or a static
    # file's max-age), and never an answer that sets a cookie: a cookie meant
    # for one person must not reach the next.
    if (beresp.http.Cache-Control !~ "(^|,)\s*public\s*(,|$)" || beresp.http.Set-Cookie || beresp.http.Vary == "*") {
        # "Hit-for-miss": later requests for this URL go straight to the app
        # for a while, without waiting on each other.
        set beresp.ttl = 120s;
        set beresp.uncacheable = true;
        return (deliver);
    }
    # A page past its s-maxage may be served for a few more seconds while a
    # fresh one is fetched; a banned page is gone at once (grace does not
    # bring it back).
    set beresp.grace = 10s;
    return (deliver);
}

sub vcl_deliver {
    # For the bans only; clients need not know.
    unset resp.http.X-Cache-Families;
    # s-maxage is Varnish's: a shared cache further out (a CDN) would get no
    # ban and keep stale pages. Browsers still revalidate (max-age=0, ETag).
    if (resp.http.Cache-Control ~ "s-maxage") {
        set resp.http.Cache-Control = regsub(resp.http.Cache-Control, ",\s*s-maxage=\d+", "");
    }
    # Never a cookie out of the cache (none is ever stored: belt and braces).
    if (obj.hits > 0) {
        unset resp.http.Set-Cookie;
    }
}
