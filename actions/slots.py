"""Slot names shared by the dialogue actions (declared in bot/domain/*.yml)."""

CURRENT_GUIDE = "current_guide_id"  # also read by the service-request form (issue 5)
CANDIDATES = "candidate_guide_ids"
ASKED_ASPECT = "asked_aspect"
FAILED_TURNS = "failed_turns"
HANDOVER_OFFERED = "handover_offered"
LIFE_EVENT = "life_event"  # also the entity of /start_bundle_request (bot/domain/life_events.yml)

# The combined form of a life event (actions/bundle_request); its shared facts use the sr_* slots of the single form.
BUNDLE_EVENT = "br_event"  # the event being applied for
BUNDLE_READY = "br_ready"  # whether the combined form starts
BUNDLE_FACT = "br_fact"  # the answer to the own fact being asked
BUNDLE_FACTS = "br_facts"  # {guide id: {fact key: answer}}
BUNDLE_SLOTS = (BUNDLE_EVENT, BUNDLE_FACT, BUNDLE_FACTS)
BUNDLE_FORM = "bundle_request_form"
