"""Presentational pieces shared by the pages."""
