"""Security headers on every response, and proxy trust."""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

# No inline script or style anywhere: htmx is configured through a <meta> tag and its
# indicator styles ship in our own CSS.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def configure_security(app: Flask) -> None:
    hops = int(app.config.get("QUANZI_PROXY_HOPS") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops
        )

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
            # Cookies are Secure when the request is https (the base URL case is in config).
            cookies = headers.getlist("Set-Cookie")
            if cookies:
                headers.remove("Set-Cookie")
                for cookie in cookies:
                    secure = "; secure" in cookie.lower()
                    headers.add("Set-Cookie", cookie if secure else cookie + "; Secure")
        headers.add("Vary", "HX-Request")
        return response
