"""Shared core of govchat: settings, logging and personal-data helpers used by api, actions and knowledge."""
