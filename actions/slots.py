"""Slot names shared by the dialogue actions (declared in bot/domain/*.yml)."""

CURRENT_GUIDE = "current_guide_id"  # also read by the service-request form (issue 5)
CANDIDATES = "candidate_guide_ids"
ASKED_ASPECT = "asked_aspect"
FAILED_TURNS = "failed_turns"
HANDOVER_OFFERED = "handover_offered"
LIFE_EVENT = "life_event"  # also the entity of /start_bundle_request (bot/domain/life_events.yml)
