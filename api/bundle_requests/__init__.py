"""Bundle requests: one application for a life event (高效办成一件事), one item per service
(docs/service-requests.md)."""
