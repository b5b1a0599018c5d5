"""Tests of `parse-compat import` (parse_compat/importer)."""
