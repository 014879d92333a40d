"""Custom Rasa components of the govchat assistant (loaded by module path from bot/config.yml)."""
