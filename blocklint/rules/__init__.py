"""blocklint's built-in rules, one module per area, one function per rule.

Installed as the `blocklint.rules` package. Rule ids by family: BL0xx input and loading,
BL1xx schema, BL2xx triggers, BL3xx steps and DAG, BL4xx parameters, BL5xx images,
BL6xx services, watchers, scope and metadata, BL7xx security, BL8xx artifacts.
"""
