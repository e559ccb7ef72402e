"""Use cases: each takes a Session (keyword-only arguments), owns its transaction and raises domain errors."""
