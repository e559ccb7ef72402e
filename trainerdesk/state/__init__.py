"""Reflex states: thin; they call services and keep only plain values (never ORM rows) in public vars."""
