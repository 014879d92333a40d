"""The citizens' web chat page and embeddable widget."""
