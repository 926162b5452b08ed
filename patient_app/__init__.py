"""The patient app (issue 20): an installable web app at /app/, a client of /api/v1/ only.

Django serves its shell, manifest and service worker; everything else is static ES modules
and CSS under static/patient_app/. It imports nothing from the domain: it talks to the API.
"""
