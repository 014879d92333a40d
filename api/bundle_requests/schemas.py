import datetime as dt

from pydantic import BaseModel, Field

from api.bundle_requests.models import BundleRequest
from api.service_requests.schemas import ServiceRequestRead, SessionRequestPage
from govchat.masking import mask_id_number, mask_name, mask_phone, mask_text

# More services than any life event applies for together; caps the parser only.
MAX_ITEMS = 12


class BundleItemCreate(BaseModel):
    guide_id: str = Field(min_length=1, max_length=64)
    # Answers to the service's own facts (knowledge.schema.OwnFact), by key.
    facts: dict[str, str] = Field(default_factory=dict, max_length=20)


class BundleRequestCreate(BaseModel):
    """What the combined form collected: the shared facts once, then each service with its own facts. Lengths only
    cap the parser; the service checks each field and says, in Chinese, what is wrong."""

    session_id: str | None = Field(default=None, max_length=128)
    life_event_id: str = Field(min_length=1, max_length=64)
    applicant_name: str = Field(max_length=200)
    id_number: str = Field(max_length=64)
    phone: str = Field(max_length=64)
    # The event's one window, with the day and period, when any service needs a visit (knowledge.bundle.needs_visit).
    office: str | None = Field(default=None, max_length=200)
    day: dt.date | None = None
    period: str | None = Field(default=None, max_length=20)
    materials_confirmed: bool
    consent: bool
    items: list[BundleItemCreate] = Field(min_length=1, max_length=MAX_ITEMS)


class FactRead(BaseModel):
    key: str
    question: str
    value: str  # free text is masked like any text staff see (ID and mobile numbers)


class BundleItemRead(ServiceRequestRead):
    facts: list[FactRead]


class BundleRequestRead(BaseModel):
    """A bundle as the citizen and staff see it: each item with its own status and history, personal data masked."""

    tracking_no: str
    life_event_id: str
    event_title: str
    applicant_name: str
    id_number: str
    phone: str
    office: str | None
    day: dt.date | None
    period: str | None
    created_at: dt.datetime
    items: list[BundleItemRead]

    @classmethod
    def from_model(cls, bundle: BundleRequest) -> "BundleRequestRead":
        first = bundle.items[0]
        slot = bundle.slot
        return cls(
            tracking_no=bundle.tracking_no,
            life_event_id=bundle.life_event_id,
            event_title=bundle.event_title,
            applicant_name=mask_name(first.applicant_name),
            id_number=mask_id_number(first.id_number),
            phone=mask_phone(first.phone),
            office=slot.office if slot else None,
            day=slot.day if slot else None,
            period=slot.period if slot else None,
            created_at=bundle.created_at,
            items=[
                BundleItemRead(
                    **ServiceRequestRead.from_model(item).model_dump(),
                    facts=[
                        FactRead(key=key, question=fact["question"], value=mask_text(fact["value"]))
                        for key, fact in (item.facts or {}).items()
                    ],
                )
                for item in bundle.items
            ],
        )



class SessionBundleItemRead(BundleItemRead):
    ratable: bool


class SessionBundleRead(BundleRequestRead):
    """A bundle as the conversation that made it sees it: whether it can be rated as a whole now (every item ended,
    not yet rated), and each item whether it can be rated on its own."""

    items: list[SessionBundleItemRead]  # type: ignore[assignment]
    ratable: bool


class SessionApplicationsPage(SessionRequestPage):
    """This conversation's single requests and its bundles (whose items are not repeated among the requests)."""

    bundles: list[SessionBundleRead] = Field(default_factory=list)
