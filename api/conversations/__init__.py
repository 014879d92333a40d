"""Conversations and their messages: the record staff review, annotate and analyse."""
