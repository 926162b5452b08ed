"""The care-team web dashboard: server-rendered pages over the same selectors and services.

Session login (django-axes counts failures), care-team scope through `recovery.selectors`,
strict CSP (no inline script or style), server-rendered SVG charts, and one small static JS
file for the worklist's partial refresh and the browser time-zone cookie.
"""
