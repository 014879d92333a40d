"""Conversation review: list, search, transcripts with per-turn facts, masking, reveal, annotations, exports."""
