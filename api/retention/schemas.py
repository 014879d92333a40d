from datetime import datetime

from pydantic import BaseModel


class RetentionReport(BaseModel):
    dry_run: bool
    now: datetime
    anonymous_days: int
    identified_days: int
    anonymous_cutoff: datetime
    identified_cutoff: datetime
    anonymous_to_delete: int
    identified_to_anonymise: int
    messages_affected: int
    oldest_affected: datetime | None
    skipped_open_handover: int
    tracker_events_to_delete: int  # Rasa's tracker store (settings.rasa_tracker_url)
    # Service-request forms left unfinished for a day: their name, ID number and phone removed, as if abandoned.
    unfinished_forms_to_scrub: int
    # Service requests: personal data kept request_days after the request ended (completed, rejected, cancelled).
    request_days: int
    request_cutoff: datetime
    requests_to_anonymise: int
    oldest_request_end: datetime | None
    # Still open although submitted before the cutoff: never anonymised while open; staff may want to close them.
    requests_open_past_period: int
