"""Workflows that exist only in the tests: they prove the engine knows no service."""
