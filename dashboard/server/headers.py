"""The security headers every answer carries, in one place: Flask's answers (:mod:`.security`), the
admission middleware's quick refusals (:mod:`.admission`) and the site's own 401/404/500 (:mod:`.site`)."""
from __future__ import annotations

#: Sent with every answer (the CSP of a Dash page is added per app, by :mod:`.security`).
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("Permissions-Policy", "geolocation=(), camera=(), microphone=()"),
)
#: The policy of answers that are not a Dash page (errors, refusals, plain text): nothing may load.
STRICT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
#: An error or refusal: the security headers, the strict policy, and kept out of every cache.
ERROR_HEADERS = (*SECURITY_HEADERS, ("Content-Security-Policy", STRICT_CSP), ("Cache-Control", "no-store"))
