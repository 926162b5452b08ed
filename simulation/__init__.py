"""A synthetic cohort for demos, tests and benchmarks (issue 9).

`cohort` samples who the patients are, `trajectory` simulates their daily reports (pure),
`flags` replays those reports through the real triage engine and the flag upsert rules
(pure), and `writer` stores it all with bulk inserts.
"""
