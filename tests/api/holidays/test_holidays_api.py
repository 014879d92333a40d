"""The holiday table in the gateway's database: admins keep it (audited), bookings and the action server use it."""

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from govchat import calendar
from govchat.settings import Settings, get_settings
from tests.api.staff.factories import StaffClient, staff_client
from tests.conftest import alembic_config, migrate

URL = "/api/v1/holidays"
SERVICE = {"Authorization": "Bearer dev-service-token"}
WARNING = "节假日表未覆盖2027年，预约只按周末排除休息日，请尽快补充"


def delete(staff: StaffClient, url: str) -> int:
    status: int = staff.http.delete(url, headers={"X-CSRF-Token": staff.csrf}).status_code
    return status


def audit_actions(admin: StaffClient) -> list[str]:
    return [row["action"] for row in admin.get("/api/v1/staff/audit").json()["items"]]


def test_the_migration_seeds_the_shipped_sample(client: TestClient) -> None:
    table = staff_client(client, "admin").get(URL, params={"year": 2026}).json()
    assert table["years"] == [2026]
    assert {"day": "2026-10-10", "kind": "workday", "name": ""} in table["days"]
    listed = {row["day"] for row in table["days"]}
    assert {"2026-02-15", "2026-02-23", "2026-10-07"} <= listed and "2027-01-01" not in listed


def test_the_migration_seeds_a_deployments_own_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    own = tmp_path / "holidays.yml"
    own.write_text("years: [2027]\nholidays: ['2027-02-06..2027-02-12']\nworkdays: [2027-02-14]\n", encoding="utf-8")
    monkeypatch.setenv("GOVCHAT_HOLIDAYS_FILE", str(own))
    get_settings.cache_clear()
    database_url = Settings(environment="test", data_dir=tmp_path).database_url
    try:
        migrate(database_url)
    finally:
        monkeypatch.delenv("GOVCHAT_HOLIDAYS_FILE")
        get_settings.cache_clear()
    engine = create_engine(database_url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT year FROM holiday_years")).scalars().all() == [2027]
        assert connection.execute(text("SELECT count(*) FROM calendar_days")).scalar() == 8
    engine.dispose()


def test_admins_add_edit_and_remove_days_and_every_change_is_audited(client: TestClient) -> None:
    admin = staff_client(client, "admin")
    added = admin.post(f"{URL}/days", json={"first": "2027-02-06", "last": "2027-02-12", "kind": "holiday",
                                            "name": "春节"})
    assert added.status_code == 201, added.text
    assert [row["day"] for row in added.json()][::6] == ["2027-02-06", "2027-02-12"]
    workday = admin.post(f"{URL}/days", json={"first": "2027-02-14", "kind": "workday", "name": "春节调休"})
    assert workday.status_code == 201
    changed = admin.put(f"{URL}/days/2027-02-12", json={"kind": "holiday", "name": "春节（初六）"})
    assert changed.status_code == 200 and changed.json()["name"] == "春节（初六）"
    assert delete(admin, f"{URL}/days/2027-02-06") == 204
    assert delete(admin, f"{URL}/days/2027-02-06") == 404
    assert admin.put(f"{URL}/years/2027").status_code == 204
    table = admin.get(URL, params={"year": 2027}).json()
    assert table["years"] == [2026, 2027]
    assert [row["day"] for row in table["days"]][:3] == ["2027-01-01", "2027-02-07", "2027-02-08"]
    assert delete(admin, f"{URL}/years/2027") == 204
    assert admin.get(URL).json()["years"] == [2026]
    actions = audit_actions(admin)
    for action in ("holiday_add", "holiday_update", "holiday_remove", "holiday_year_add", "holiday_year_remove"):
        assert action in actions
    update = next(r for r in admin.get("/api/v1/staff/audit?action=holiday_update").json()["items"])
    assert update["target_id"] == "2027-02-12" and update["detail"]["before"]["name"] == "春节"


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({"first": "2027-02-08", "kind": "workday"}, 422, "调休上班日只能是周六或周日"),  # a Monday
        ({"first": "2026-10-10", "kind": "holiday"}, 409, "2026-10-10已在节假日表中"),  # already a working weekend
        ({"first": "2026-10-01", "kind": "holiday"}, 409, "已在节假日表中"),
        ({"first": "2027-05-05", "last": "2027-05-01", "kind": "holiday"}, 422, "结束日期早于开始日期"),
        ({"first": "2027-01-01", "last": "2027-12-31", "kind": "holiday"}, 422, "一次最多填写31天"),
    ],
)
def test_a_day_cannot_be_both_and_workdays_are_weekend_days(
    client: TestClient, body: dict[str, str], status: int, detail: str
) -> None:
    admin = staff_client(client, "admin")
    response = admin.post(f"{URL}/days", json=body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert detail in response.json()["detail"]
    edit = admin.put(f"{URL}/days/2026-10-01", json={"kind": "workday"})  # a Thursday
    assert edit.status_code == 422 and "周六或周日" in edit.json()["detail"]


def test_only_admins_change_the_table_and_agents_see_the_coverage(client: TestClient) -> None:
    agent = staff_client(client, "agent")
    assert agent.get(URL).status_code == 403
    assert agent.post(f"{URL}/days", json={"first": "2027-02-06", "kind": "holiday"}).status_code == 403
    assert agent.get(f"{URL}/coverage").json() == {"uncovered_years": [], "warning": None}
    assert staff_client(client, "analyst").get(f"{URL}/coverage").status_code == 403


def test_the_warning_appears_once_the_booking_window_reaches_an_uncovered_year(
    client: TestClient, freeze_now: Callable[[dt.datetime], None]
) -> None:
    admin = staff_client(client, "admin")
    freeze_now(dt.datetime(2026, 12, 17, 10, 0, tzinfo=calendar.TZ))
    assert admin.get(f"{URL}/coverage").json()["warning"] is None
    freeze_now(dt.datetime(2026, 12, 18, 10, 0, tzinfo=calendar.TZ))
    assert admin.get(f"{URL}/coverage").json() == {"uncovered_years": [2027], "warning": WARNING}
    assert admin.get(URL).json()["warning"] == WARNING
    assert admin.put(f"{URL}/years/2027").status_code == 204
    assert admin.get(f"{URL}/coverage").json()["warning"] is None


def test_bookings_and_the_action_server_follow_the_table_at_once(
    client: TestClient, freeze_now: Callable[[dt.datetime], None]
) -> None:
    freeze_now(dt.datetime(2026, 12, 28, 10, 0, tzinfo=calendar.TZ))
    slots_url = "/api/v1/service-requests/slots"
    office = {"office": "贵阳市政务服务中心公安户政窗口"}
    days = {s["day"] for s in client.get(slots_url, params=office, headers=SERVICE).json()["slots"]}
    assert "2027-01-04" in days and "2027-01-01" not in days
    booking_day = client.get("/api/v1/service-requests/days/2027-01-04", headers=SERVICE).json()
    assert booking_day == {"day": "2027-01-04", "working": True, "bookable": True}

    admin = staff_client(client, "admin")
    assert admin.post(f"{URL}/days", json={"first": "2027-01-04", "kind": "holiday"}).status_code == 201
    days = {s["day"] for s in client.get(slots_url, params=office, headers=SERVICE).json()["slots"]}
    assert "2027-01-04" not in days
    booking_day = client.get("/api/v1/service-requests/days/2027-01-04", headers=SERVICE).json()
    assert booking_day == {"day": "2027-01-04", "working": False, "bookable": False}
    far = client.get("/api/v1/service-requests/days/2027-03-01", headers=SERVICE).json()
    assert far == {"day": "2027-03-01", "working": True, "bookable": False}


def test_the_migration_goes_down_and_up_again(tmp_path: Path) -> None:
    database_url = Settings(environment="test", data_dir=tmp_path).database_url
    migrate(database_url)
    command.downgrade(alembic_config(database_url), "holidays@base")
    migrate(database_url)
    engine = create_engine(database_url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT year FROM holiday_years")).scalars().all() == [2026]
    engine.dispose()
