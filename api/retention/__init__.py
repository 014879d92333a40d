"""Retention: old conversations deleted (anonymous) or anonymised (identified), daily, with a dry-run report."""
