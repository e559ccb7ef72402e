"""Pure booking rules: no framework, no database, no clock, no environment.

Everything here is a function of its arguments (``now`` included), so the
rules of docs/scheduling-rules.md can be tested exhaustively and reused by the API, the
UI and the benchmarks alike.
"""
