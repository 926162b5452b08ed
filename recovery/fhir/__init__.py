"""FHIR R4 export of one patient's recovery record (issue 10).

- codes.py: code systems, standard codes we are sure of, local code systems, extension URLs;
- resources.py: pure builders, one model row in, FHIR resource dicts out (no queries);
- bundle.py: reads the patient's rows with a fixed number of queries and streams a
  `collection` Bundle as JSON text chunks.

The exporter builds plain dicts and never imports fhir.resources: the tests validate every
bundle with it, production does not need it. The mapping table lives in docs/fhir.md.
"""
