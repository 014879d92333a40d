"""好差评: citizens' five-level ratings of a conversation or a completed request, poor ones flagged for follow-up."""
