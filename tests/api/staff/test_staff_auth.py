"""Login, sessions, lock-out, CSRF, roles and the audit log."""

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.db import make_engine, make_sessionmaker, session_scope, utcnow
from api.staff import __main__ as staff_cli
from api.staff import service as staff_service
from api.staff.exceptions import LoginFailed
from api.staff.models import StaffRole, StaffSession, StaffUser
from api.staff.service import LOGIN_FAILED_TEXT
from govchat.settings import Settings
from tests.api.staff.factories import PASSWORD, StaffClient, make_staff, staff_client
from tests.conftest import migrate

ANY_FAILURE = {
    "type": "about:blank#login_failed", "title": "登录失败", "status": 401, "detail": LOGIN_FAILED_TEXT,
    "code": "login_failed",
}


def test_login_sets_httponly_strict_cookie_and_me_works(client: TestClient) -> None:
    make_staff(client, "li", "agent")
    response = client.post("/api/v1/staff/login", json={"username": "li", "password": PASSWORD})
    assert response.status_code == 200
    cookie = response.headers["set-cookie"]
    assert "govchat_staff=" in cookie and "HttpOnly" in cookie
    assert "samesite=strict" in cookie.lower()
    body = response.json()
    assert body["staff"]["role"] == "agent" and body["csrf_token"]
    assert "password_hash" not in body["staff"]
    me = client.get("/api/v1/staff/me")
    assert me.status_code == 200 and me.json()["staff"]["username"] == "li"


def test_password_is_stored_as_argon2_hash(client: TestClient) -> None:
    make_staff(client, "wang", "analyst")
    with session_scope(client.app.state.sessionmaker) as session:
        user = session.scalar(select(StaffUser).where(StaffUser.username == "wang"))
        assert user is not None and user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash


def test_wrong_password_is_401_problem_and_audited(client: TestClient) -> None:
    make_staff(client, "li", "agent")
    response = client.post("/api/v1/staff/login", json={"username": "li", "password": "wrong-password-1"})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "login_failed" and response.json()["detail"] == LOGIN_FAILED_TEXT
    unknown = client.post("/api/v1/staff/login", json={"username": "nobody", "password": "wrong-password-1"})
    assert unknown.json()["detail"] == response.json()["detail"]  # no hint which one was wrong
    admin = staff_client(client, "admin")
    events = admin.get("/api/v1/staff/audit", params={"action": "login_failed"}).json()["items"]
    assert {e["username"] for e in events} == {"li", "nobody"}


def test_lockout_after_repeated_failures(client: TestClient, migrated_settings: Settings) -> None:
    make_staff(client, "li", "agent")
    unknown = client.post("/api/v1/staff/login", json={"username": "nobody", "password": "nope-nope-1"})
    attempts = migrated_settings.staff_lockout_attempts
    answers = [client.post("/api/v1/staff/login", json={"username": "li", "password": "nope-nope-1"})
               for _ in range(attempts)]
    # Even the right password is refused while locked, with the very answer an unknown name gets.
    locked = client.post("/api/v1/staff/login", json={"username": "li", "password": PASSWORD})
    for response in [*answers, locked]:
        assert (response.status_code, response.json()) == (unknown.status_code, unknown.json()) == (401, ANY_FAILURE)
    admin = staff_client(client, "admin")
    assert admin.get("/api/v1/staff/audit", params={"action": "login_locked"}).json()["total"] == 2
    # An admin unlocks the account.
    li_id = next(u["id"] for u in admin.get("/api/v1/staff/accounts").json() if u["username"] == "li")
    assert admin.patch(f"/api/v1/staff/accounts/{li_id}", json={"unlock": True}).status_code == 200
    assert client.post("/api/v1/staff/login", json={"username": "li", "password": PASSWORD}).status_code == 200


def test_concurrent_wrong_passwords_all_count(tmp_path: Path) -> None:
    """20 wrong passwords at once against a file database, one connection per thread: each one is counted (before,
    read-modify-write counted one or two), and the 20th locks the account."""
    settings = Settings(environment="test", data_dir=tmp_path)
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    with session_scope(sessions) as session:
        staff_id = staff_service.create(session=session, username="li", password=PASSWORD, role=StaffRole.AGENT).id
    workers = 20
    barrier = threading.Barrier(workers)
    outcomes: list[object] = []

    def guess(n: int) -> None:
        barrier.wait()
        with session_scope(sessions) as session:  # as the login route: the failure is committed
            try:
                staff_service.authenticate(session=session, username="li", password=f"wrong-guess-{n}",
                                           max_attempts=workers, lockout_minutes=15)
            except LoginFailed as exc:
                outcomes.append(exc)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    with session_scope(sessions) as session:
        user = session.get(StaffUser, staff_id)
        assert user is not None and user.failed_logins == workers and user.locked_until is not None
        # Locked now: the right password is refused too.
        with pytest.raises(LoginFailed):
            staff_service.authenticate(session=session, username="li", password=PASSWORD, max_attempts=workers,
                                       lockout_minutes=15)
    engine.dispose()
    assert len(outcomes) == workers


def test_login_is_rate_limited_per_username_and_per_address(client: TestClient) -> None:
    per_name = [client.post("/api/v1/staff/login", json={"username": "wu", "password": "x"}) for _ in range(11)]
    assert [r.status_code for r in per_name] == [401] * 10 + [429]
    assert per_name[-1].headers["content-type"].startswith("application/problem+json")
    per_address = [client.post("/api/v1/staff/login", json={"username": f"u{n}", "password": "x"}) for n in range(10)]
    assert [r.status_code for r in per_address] == [401] * 9 + [429]


def test_session_expires(client: TestClient) -> None:
    agent = staff_client(client, "agent")
    assert agent.get("/api/v1/staff/me").status_code == 200
    with session_scope(client.app.state.sessionmaker) as session:
        for login in session.scalars(select(StaffSession)):
            login.expires_at = utcnow() - timedelta(seconds=1)
    response = agent.get("/api/v1/staff/me")
    assert response.status_code == 401 and response.json()["code"] == "not_logged_in"


def test_logout_revokes_session(client: TestClient) -> None:
    agent = staff_client(client, "agent")
    cookie = agent.http.cookies.get("govchat_staff")
    assert agent.post("/api/v1/staff/logout").status_code == 204
    replay = TestClient(client.app)
    replay.cookies.set("govchat_staff", cookie)
    assert replay.get("/api/v1/staff/me").status_code == 401


def test_changes_need_csrf_header(client: TestClient) -> None:
    admin = staff_client(client, "admin")
    no_header = admin.http.post("/api/v1/staff/accounts",
                                json={"username": "zhao", "role": "agent", "password": "Zhao-12345678"})
    assert no_header.status_code == 403 and no_header.json()["code"] == "csrf_failed"
    wrong = admin.http.post("/api/v1/staff/accounts", headers={"X-CSRF-Token": "forged"},
                            json={"username": "zhao", "role": "agent", "password": "Zhao-12345678"})
    assert wrong.status_code == 403
    ok = admin.post("/api/v1/staff/accounts", json={"username": "zhao", "role": "agent", "password": "Zhao-12345678"})
    assert ok.status_code == 201


def test_not_logged_in_gets_401_everywhere(client: TestClient) -> None:
    for url in ("/api/v1/staff/me", "/api/v1/staff/accounts", "/api/v1/staff/audit", "/api/v1/review/conversations",
                "/api/v1/handover/inbox"):
        assert client.get(url).status_code == 401, url


@pytest.mark.parametrize(
    ("role", "url", "allowed"),
    [
        ("agent", "/api/v1/staff/accounts", False),
        ("analyst", "/api/v1/staff/accounts", False),
        ("agent", "/api/v1/staff/audit", False),
        ("analyst", "/api/v1/staff/audit", False),
        ("admin", "/api/v1/staff/audit", True),
        ("analyst", "/api/v1/handover/inbox", False),
        ("agent", "/api/v1/handover/inbox", True),
        ("analyst", "/api/v1/review/conversations", True),
        ("agent", "/api/v1/review/conversations", True),
    ],
)
def test_role_matrix(client: TestClient, role: str, url: str, allowed: bool) -> None:
    staff = staff_client(client, role)
    response = staff.get(url)
    assert response.status_code == (200 if allowed else 403), response.text
    if not allowed:
        assert response.json()["code"] == "role_forbidden"


def test_admin_manages_accounts_and_every_change_is_audited(client: TestClient) -> None:
    admin = staff_client(client, "admin")
    weak = admin.post("/api/v1/staff/accounts", json={"username": "zhao", "role": "agent", "password": "short"})
    assert weak.status_code == 422 and weak.json()["code"] == "weak_password"
    body = {"username": "zhao", "display_name": "赵六", "role": "agent", "password": "Zhao-12345678"}
    created = admin.post("/api/v1/staff/accounts", json=body)
    assert created.status_code == 201
    zhao = StaffClient(client, "zhao", "Zhao-12345678")
    assert zhao.get("/api/v1/staff/me").status_code == 200
    changed = admin.patch(f"/api/v1/staff/accounts/{created.json()['id']}", json={"role": "analyst"})
    assert changed.json()["role"] == "analyst"
    # A role change ends the account's sessions.
    assert zhao.get("/api/v1/staff/me").status_code == 401
    actions = [e["action"] for e in admin.get("/api/v1/staff/audit").json()["items"]]
    assert "staff_create" in actions and "staff_update" in actions
    update = admin.get("/api/v1/staff/audit", params={"action": "staff_update"}).json()["items"][0]
    assert update["detail"] == {"fields": ["role"], "role": "analyst"} and update["username"] == "admin1"


@pytest.mark.parametrize("change", [{"active": False}, {"role": "agent"}, {"role": "analyst", "active": True}])
def test_the_last_active_admin_cannot_be_deactivated_or_demoted(client: TestClient, change: dict[str, object]) -> None:
    admin = staff_client(client, "admin")
    own_id = admin.me["id"]
    refused = admin.patch(f"/api/v1/staff/accounts/{own_id}", json=change)
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "last_admin" and "管理员" in refused.json()["detail"]
    assert admin.get("/api/v1/staff/me").json()["staff"]["role"] == "admin"  # unchanged, still logged in
    assert admin.get("/api/v1/staff/audit", params={"action": "staff_update"}).json()["total"] == 0
    # Other changes to the last admin still work.
    assert admin.patch(f"/api/v1/staff/accounts/{own_id}", json={"display_name": "管理员"}).status_code == 200

    # An inactive admin does not count; a second active one does.
    inactive = make_staff(client, "old-admin", "admin")
    assert admin.patch(f"/api/v1/staff/accounts/{inactive}", json={"active": False}).status_code == 200
    assert admin.patch(f"/api/v1/staff/accounts/{own_id}", json=change).status_code == 409
    other = make_staff(client, "wang", "admin")
    assert admin.patch(f"/api/v1/staff/accounts/{own_id}", json=change).status_code == 200
    wang = StaffClient(client, "wang")
    last = wang.patch(f"/api/v1/staff/accounts/{other}", json={"active": False})
    assert last.status_code == 409 and last.json()["code"] == "last_admin"


def test_create_admin_command(migrated_settings: Settings, monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    from api.db import make_engine, make_sessionmaker

    monkeypatch.setenv("GOVCHAT_DATABASE_URL", migrated_settings.database_url)
    monkeypatch.setenv("GOVCHAT_ADMIN_PASSWORD", "First-admin-2026")
    monkeypatch.setattr(staff_cli, "get_settings", lambda: migrated_settings)
    assert staff_cli.main(["create-admin", "--username", "root"]) == 0
    assert "已创建管理员 root" in capsys.readouterr().out
    assert staff_cli.main(["create-admin", "--username", "root"]) == 1  # second time: name taken
    engine = make_engine(migrated_settings.database_url)
    with session_scope(make_sessionmaker(engine)) as session:
        user = session.scalar(select(StaffUser).where(StaffUser.username == "root"))
        assert user is not None and user.role == "admin"
    engine.dispose()


def test_a_username_with_a_line_break_is_refused_before_it_reaches_a_log(client: TestClient) -> None:
    response = client.post("/api/v1/staff/login", json={"username": "li\nINFO admin logged in", "password": "x"})
    assert response.status_code == 422 and response.json()["code"] == "invalid_request"
