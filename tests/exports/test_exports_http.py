"""The /exports endpoints: content types, file names, parameter checks (over the real app and built graph)."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from fastapi.testclient import TestClient

from controlgraph.exports.crosswalk_table import build_crosswalk
from controlgraph.settings import Settings
from controlgraph.web.app import create_app


@pytest.fixture(scope="module")
def client(built_store) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(create_app(Settings.from_env({}, store="memory"), store=built_store))


@pytest.mark.parametrize(("fmt", "media", "extension"), [
    ("csv", "text/csv", "csv"),
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    ("sssom", "text/tab-separated-values", "sssom.tsv"),
    ("oscal", "application/json", "oscal.json"),
    ("jsonld", "application/ld+json", "jsonld"),
    ("ttl", "text/turtle", "ttl"),
    ("html", "text/html", "html"),
])
def test_crosswalk_formats(client: TestClient, fmt: str, media: str, extension: str) -> None:
    answer = client.get("/exports/crosswalk",
                        params={"from": "iso27017-2015", "to": "iso27002-2022", "format": fmt, "inferred": "true"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].split(";")[0] == media
    expected = f'filename="crosswalk_iso27017-2015_to_iso27002-2022_inferred.{extension}"'
    assert expected in answer.headers["content-disposition"]
    assert answer.content


def test_crosswalk_csv_body_matches_engine(client: TestClient, built_store) -> None:  # type: ignore[no-untyped-def]
    answer = client.get("/exports/crosswalk", params={"from": "iso27001-2022", "to": "nist-csf-2.0"})
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    engine = build_crosswalk(built_store, "iso27001-2022", ["nist-csf-2.0"], include_inferred=False)
    assert [(r["source_id"], r["target_id"]) for r in rows] == [
        (r.source.notation, r.mapping.control.notation) for r in engine.rows]


def test_crosswalk_with_candidates_over_http(client: TestClient, built_store) -> None:  # type: ignore[no-untyped-def]
    answer = client.get("/exports/crosswalk", params={"from": "nist-csf-2.0", "to": "iso27002-2022",
                                                      "candidates": "true", "min_probability": "0.5"})
    assert answer.status_code == 200, answer.text
    assert 'filename="crosswalk_nist-csf-2.0_to_iso27002-2022_candidates.csv"' in answer.headers["content-disposition"]
    rows = [r for r in csv.DictReader(io.StringIO(answer.text)) if r["basis"] == "candidate"]
    engine = build_crosswalk(built_store, "nist-csf-2.0", ["iso27002-2022"], include_inferred=False,
                             with_candidates=True, min_probability=0.5)
    assert [(r["source_id"], r["target_id"], float(r["probability"])) for r in rows] == [
        (c.source.notation, c.target.notation, c.candidate.probability) for c in engine.candidates]
    assert rows and all(float(r["probability"]) >= 0.5 for r in rows)


@pytest.mark.parametrize(("params", "status"), [
    ({"from": "no-such-framework", "to": "iso27002-2022"}, 404),
    ({"from": "iso27017-2015", "to": "../../etc/passwd"}, 404),
    ({"from": "iso27017-2015", "to": "iso27002-2022", "format": "pdf"}, 400),
    ({"from": "iso27017-2015", "to": "iso27002-2022", "inferred": "maybe"}, 400),
    ({"to": "iso27002-2022"}, 400),
    ({"from": "iso27017-2015", "to": "iso27002-2022", "candidates": "true", "min_probability": "1.5"}, 400),
    ({"from": "iso27017-2015", "to": "iso27002-2022", "candidates": "true", "min_probability": "high"}, 400),
])
def test_crosswalk_bad_parameters(client: TestClient, params: dict[str, str], status: int) -> None:
    answer = client.get("/exports/crosswalk", params=params)
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json()["error"]


def test_programme_workbook_and_report(client: TestClient) -> None:
    answer = client.get("/exports/programme", params={"have": "iso27001-2022", "targets": "iso27017-2015,csa-ccm-4"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="programme_iso27017-2015+csa-ccm-4.xlsx"' in answer.headers["content-disposition"]
    assert "Statement of applicability" in openpyxl.load_workbook(io.BytesIO(answer.content)).sheetnames
    report = client.get("/exports/programme",
                        params={"have": "iso27001-2022", "targets": "iso27017-2015", "format": "html"})
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")
    assert "<svg" in report.text


@pytest.mark.parametrize(("params", "status"), [
    ({"have": "@/etc/passwd", "targets": "iso27017-2015"}, 400),
    ({"have": "iso27001-2022", "targets": "nope"}, 404),
    ({"have": "nope", "targets": "iso27017-2015"}, 404),
    ({"have": "iso27001-2022", "targets": "iso27017-2015", "format": "csv"}, 400),
    ({"targets": "iso27017-2015"}, 400),
])
def test_programme_bad_parameters(client: TestClient, params: dict[str, str], status: int) -> None:
    answer = client.get("/exports/programme", params=params)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]
