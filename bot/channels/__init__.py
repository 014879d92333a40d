"""Custom Rasa input channels (loaded with PYTHONPATH=bot)."""
