"""Creating and looking up bundle requests: one application for the services of a life event.

Like ``api.service_requests.service.create``: every check happens before anything is written, the writes happen in
one savepoint, and a concurrent call with the same idempotency key is answered with the bundle that won.
"""

import datetime as dt
import hmac
import logging
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from api.bundle_requests.exceptions import UnknownLifeEvent
from api.bundle_requests.models import BundleRequest
from api.bundle_requests.schemas import BundleRequestCreate
from api.db import utcnow
from api.service_requests import service as requests_service
from api.service_requests.exceptions import IdempotencyKeyReused, InvalidField, RequestAnonymised, RequestNotFound
from api.service_requests.models import HandlingMode, RequestStatus, ServiceRequest, StatusChange
from govchat import calendar
from govchat.identity import birth_date_verifier
from govchat.masking import mask_name
from knowledge import bundle as bundle_rules
from knowledge.schema import Guide, LifeEvent

logger = logging.getLogger(__name__)

_ITEMS = selectinload(BundleRequest.items).selectinload(ServiceRequest.history)


def load_event(*, events_dir: Path, event_id: str) -> LifeEvent:
    event = bundle_rules.read_event(events_dir, event_id)
    if event is None:
        raise UnknownLifeEvent("life_event_id", "没有找到这件“一件事”，请先告诉我您要办的是哪件事。")
    return event


def item_number(tracking_no: str, n: int) -> str:
    """The n-th item's own number: the bundle's followed by two digits, so a citizen who types an item's number
    still finds the bundle (the chat reads the first 18 characters) and staff find the item."""
    return f"{tracking_no}{n:02d}"


def get_by_idempotency_key(*, session: Session, key: str) -> BundleRequest | None:
    return session.scalar(
        select(BundleRequest).where(BundleRequest.idempotency_key == key).options(_ITEMS)
        .execution_options(populate_existing=True)
    )


def get_by_tracking_no(*, session: Session, tracking_no: str) -> BundleRequest | None:
    return session.scalar(
        select(BundleRequest)
        .where(BundleRequest.tracking_no == requests_service.normalize_tracking_no(tracking_no))
        .options(_ITEMS)
    )


def _replay(existing: BundleRequest, fp: str) -> BundleRequest:
    if not hmac.compare_digest(existing.fingerprint, fp):
        raise IdempotencyKeyReused("这个请求标识已用于另一份内容不同的申请，请重新确认后提交。")
    return existing


def _checked_items(
    *, data: BundleRequestCreate, event: LifeEvent, guides_dir: Path
) -> list[tuple[Guide, dict[str, dict[str, str]]]]:
    """Each item's guide and checked own facts; every item must be a service the event applies for together."""
    together = {service.guide: service for service in bundle_rules.together_services(event)}
    if len(data.items) < 2:
        raise InvalidField("items", "一次申请至少包含两个事项；只办一项时请直接申请该事项。")
    seen: set[str] = set()
    checked = []
    for item in data.items:
        service = together.get(item.guide_id)
        if service is None:
            raise InvalidField("items", f"“{event.title}”不能一起申请这个事项（{item.guide_id}）。")
        if item.guide_id in seen:
            raise InvalidField("items", "同一个事项只能申请一次。")
        seen.add(item.guide_id)
        guide = requests_service.load_guide(guides_dir=guides_dir, guide_id=item.guide_id)
        asked = {fact.key: fact for fact in service.own_facts}
        if unknown := sorted(set(item.facts) - set(asked)):
            raise InvalidField("items", f"“{guide.title}”不需要填写：{'、'.join(unknown)}。")
        facts: dict[str, dict[str, str]] = {}
        for key, fact in asked.items():
            try:
                # Stored with its question, so staff read what was asked, whatever the event file says later.
                facts[key] = {"question": fact.question, "value": bundle_rules.checked_fact(fact, item.facts.get(key))}
            except ValueError as exc:
                raise InvalidField("items", f"“{guide.title}”：{exc}") from None
        checked.append((guide, facts))
    return checked


def create(
    *,
    session: Session,
    data: BundleRequestCreate,
    idempotency_key: str,
    guides_dir: Path,
    events_dir: Path,
    at: dt.datetime | None = None,
) -> tuple[BundleRequest, bool]:
    """Store a bundle with one item per service (and book its one appointment), or return the bundle an earlier
    call with the same key stored. Returns (bundle, created)."""
    at = at or calendar.now()
    fp = requests_service.fingerprint(data)
    existing = get_by_idempotency_key(session=session, key=idempotency_key)
    if existing is not None:
        return _replay(existing, fp), False

    event = load_event(events_dir=events_dir, event_id=data.life_event_id)
    items = _checked_items(data=data, event=event, guides_dir=guides_dir)
    name, id_number, phone = requests_service.checked_applicant(data)
    visit = bundle_rules.needs_visit(guide for guide, _ in items)
    if visit:
        if not data.office or data.day is None or not data.period:
            raise InvalidField("office", "这次申请需要到窗口办理一次，请选择日期和时段。")
        if data.office != event.window.name:
            raise InvalidField("office", f"“{event.title}”在{event.window.name}统一受理，请选择这个窗口。")
        requests_service.check_slot_choice(
            session=session, office=data.office, day=data.day, period=data.period, at=at
        )
    elif data.office or data.day or data.period:
        raise InvalidField("office", "这次申请的事项都可以网上办理，不需要预约窗口。")

    try:
        with session.begin_nested():
            slot = None
            if visit:
                assert data.office and data.day and data.period  # checked above
                slot = requests_service.book_slot(
                    session=session, office=data.office, day=data.day, period=data.period
                )
            tracking_no = requests_service.new_tracking_no(at)
            bundle = BundleRequest(
                tracking_no=tracking_no, idempotency_key=idempotency_key, fingerprint=fp,
                session_id=data.session_id, life_event_id=event.id, event_title=event.title, slot=slot,
            )
            consent_at = utcnow()
            for n, (guide, facts) in enumerate(items, start=1):
                on_site = guide.visits > 0
                item = ServiceRequest(
                    tracking_no=item_number(tracking_no, n),
                    # Never one a client sends: the header does not allow "#".
                    idempotency_key=f"{tracking_no}#{n}",
                    fingerprint=fp,
                    session_id=data.session_id,
                    guide_id=guide.id,
                    service_title=guide.title,
                    department=guide.department,
                    facts=facts,
                    applicant_name=name,
                    id_number=id_number,
                    phone=phone,
                    mode=HandlingMode.WINDOW if on_site else HandlingMode.ONLINE,
                    slot=slot if on_site else None,
                    materials_confirmed=True,
                    consent_at=consent_at,
                    status=RequestStatus.SUBMITTED,
                )
                item.history.append(
                    StatusChange(to_status=RequestStatus.SUBMITTED, actor="citizen", notified_at=utcnow())
                )
                bundle.items.append(item)
            session.add(bundle)
            session.flush()
    except IntegrityError:
        # A concurrent call with the same key committed first: answer with its bundle.
        existing = get_by_idempotency_key(session=session, key=idempotency_key)
        if existing is None:
            raise
        return _replay(existing, fp), False
    logger.info(
        "bundle request %s created for %s (%s, %d items)", bundle.tracking_no, mask_name(name), event.id, len(items)
    )
    return bundle, True


def lookup(*, session: Session, tracking_no: str, verifier: str) -> BundleRequest:
    """The bundle, if the verifier is the applicant's birth date; the same answers as a single request's lookup
    (api.service_requests.service.lookup), so neither kind of number reveals more than the other."""
    bundle = get_by_tracking_no(session=session, tracking_no=tracking_no)
    first = bundle.items[0] if bundle is not None and bundle.items else None
    if first is not None and first.anonymised_at is not None:
        raise RequestAnonymised(requests_service.ANONYMISED_TEXT)
    given = (birth_date_verifier(verifier) or "").encode()
    expected = (first.id_number[6:14] if first else "????????").encode()
    matches = hmac.compare_digest(given, expected)
    if bundle is None or not matches:
        raise RequestNotFound(requests_service.NOT_FOUND_TEXT)
    return bundle


def of_session(*, session: Session, session_id: str) -> Sequence[BundleRequest]:
    """The bundles made in this conversation, newest first (the conversation is the proof, as for requests)."""
    return session.scalars(
        select(BundleRequest).where(BundleRequest.session_id == session_id).options(_ITEMS)
        .order_by(BundleRequest.id.desc()).limit(requests_service.SESSION_REQUESTS_LIMIT)
    ).all()


def list_bundles(
    *, session: Session, life_event_id: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[Sequence[BundleRequest], int]:
    """Newest first, for the staff console (render with BundleRequestRead, which masks personal data)."""
    query = select(BundleRequest)
    if life_event_id:
        query = query.where(BundleRequest.life_event_id == life_event_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.options(_ITEMS).order_by(BundleRequest.id.desc()).limit(limit).offset(offset)).all()
    return rows, total


def applied_events(*, session: Session) -> list[tuple[str, str]]:
    """(event id, title) of every life event with an application, by title."""
    rows = session.execute(
        select(BundleRequest.life_event_id, BundleRequest.event_title).distinct().order_by(BundleRequest.event_title)
    ).all()
    return [(event_id, title) for event_id, title in rows]


def count_by_event(*, session: Session, start: dt.datetime, end: dt.datetime) -> list[tuple[str, int]]:
    """(event title, bundle requests) submitted in [start, end), most first: for the analytics page."""
    rows = session.execute(
        select(BundleRequest.event_title, func.count())
        .where(BundleRequest.created_at >= start, BundleRequest.created_at < end)
        .group_by(BundleRequest.life_event_id, BundleRequest.event_title)
        .order_by(func.count().desc(), BundleRequest.event_title)
    ).all()
    return [(title, count) for title, count in rows]


def anonymise_when_done(*, session: Session, bundle_id: int) -> bool:
    """Once every item of a bundle is anonymised (api/retention), the bundle forgets what still ties it to the
    applicant: the chat session, and the idempotency key and fingerprint (hashes of the personal contents). False
    while an item keeps its data, or when it was done already."""
    open_items = session.scalar(
        select(func.count()).select_from(ServiceRequest)
        .where(ServiceRequest.bundle_id == bundle_id, ServiceRequest.anonymised_at.is_(None))
    )
    if open_items:
        return False
    changed = session.execute(
        update(BundleRequest)
        .where(BundleRequest.id == bundle_id, BundleRequest.fingerprint != "")
        .values(session_id=None, idempotency_key=f"{requests_service.ANONYMISED_KEY_PREFIX}bundle-{bundle_id}",
                fingerprint="")
        .execution_options(synchronize_session=False)
    )
    return changed.rowcount == 1  # type: ignore[attr-defined]
