"""Readiness: a broken part is reported as not ready (503 with the part named), never as a 500."""

from fastapi.testclient import TestClient

from govchat.settings import Settings


def test_a_corrupt_index_is_reported_not_ready(client: TestClient, migrated_settings: Settings) -> None:
    migrated_settings.index_dir.mkdir(parents=True, exist_ok=True)
    meta = migrated_settings.index_dir / "meta.json"
    for content in ("{half-written", '{"embedder": "x"}', "[]"):
        meta.write_text(content, encoding="utf-8")
        response = client.get("/readyz")
        assert response.status_code == 503, (content, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert "index" in body["failing"] and body["checks"]["index"].startswith("unavailable")
        assert "知识库索引" in body["detail"]
