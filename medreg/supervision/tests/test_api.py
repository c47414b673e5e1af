"""API of 线上踏勘, 电子会商 and the graph: the happy path, and a permission matrix over every endpoint.
Denied writes leave no audit row."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from medreg.accounts.choices import Role
from medreg.api.tests.conftest import ApiClient, token_for
from medreg.audit.models import AuditEvent
from medreg.supervision import services as sv
from medreg.supervision.choices import Conclusion, InspectionStatus
from medreg.supervision.tests.conftest import png_bytes


@pytest.fixture
def clients(actors) -> dict[str, ApiClient]:
    return {name: ApiClient(token_for(user) if user else None) for name, user in actors.items()}


@pytest.fixture
def scene(world, accepted):
    clerk, inspector = world.city.users[Role.CLERK], world.county.users[Role.SUPERVISION]
    task = sv.send_inspection(accepted.pk, assignee_id=inspector.pk, acting_user=clerk)
    thread = sv.open_consultation("application", accepted.pk, title="场所核实", body="请核实", acting_user=clerk)
    return {"app": accepted, "task": task, "thread": thread}


def test_inspection_round_trip_over_the_api(world, scene, clients):
    task = scene["task"]
    sup = clients["county_supervision"]
    listed = sup.get("/supervision/inspections").json()
    assert [t["id"] for t in listed] == [task.pk]
    assert clients["city_supervision"].get("/supervision/inspections").json() == []
    r = sup.client.post(f"/api/v1/supervision/inspections/{task.pk}/files",
                        {"kind": "photo", "file": _png()}, headers=sup.headers)
    assert r.status_code == 201, r.content
    bad = sup.post(f"/supervision/inspections/{task.pk}/return", {"results": {}, "findings": "", "conclusion": ""})
    assert bad.status_code == 400
    assert {e["field"] for e in bad.json()["errors"]} >= {"findings", "conclusion"}
    body = {"results": {i["code"]: {"result": "conforms"} for i in task.checklist}, "findings": "一致",
            "conclusion": Conclusion.PASSED}
    r = sup.post(f"/supervision/inspections/{task.pk}/return", body)
    assert r.status_code == 200 and r.json()["status"] == InspectionStatus.RETURNED
    assert len(r.json()["archive_sha256"]) == 64


def _png():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("p.png", png_bytes(), content_type="image/png")


def test_consultation_round_trip_over_the_api(world, scene, clients):
    thread = scene["thread"]
    sup_user = world.county.users[Role.SUPERVISION]
    clerk = clients["city_clerk"]
    r = clerk.post(f"/supervision/consultations/{thread.pk}/messages", {"body": f"@{sup_user.username} 请查看"})
    assert r.status_code == 201 and r.json()["messages"][-1]["mentions"] == [sup_user.username]
    sup = clients["county_supervision"]
    r = sup.client.post(f"/api/v1/supervision/consultations/{thread.pk}/files", {"body": "现场照片", "file": _png()},
                        headers=sup.headers)
    assert r.status_code == 201 and r.json()["messages"][-1]["files"][0]["content_type"] == "image/png"
    r = clients["county_supervision"].post(f"/supervision/consultations/{thread.pk}/read")
    assert str(sup_user) in r.json()["messages"][-2]["read_by"]  # the clerk's message; the last is the inspector's
    r = clients["county_supervision"].post(f"/supervision/consultations/{thread.pk}/flags",
                                           {"kind": "supervision_penalty", "note": "有处罚记录"})
    assert r.status_code == 201
    flags = clerk.get("/supervision/risk-flags", {"application": scene["app"].pk}).json()
    assert [f["kind"] for f in flags] == ["supervision_penalty"]
    r = clerk.post(f"/supervision/consultations/{thread.pk}/close", {"conclusion": ""})
    assert r.status_code == 400
    r = clerk.post(f"/supervision/consultations/{thread.pk}/close", {"conclusion": "同意准予"})
    assert r.json()["status"] == "closed" and r.json()["conclusion"] == "同意准予"


def test_graph_endpoint(world, scene, clients):
    r = clients["city_clerk"].get(f"/supervision/institutions/{world.hospital.pk}/graph")
    assert r.status_code == 200
    assert set(r.json()["uncovered_subjects"]) == {"03", "04", "05", "07"}  # no registered physician yet
    assert clients["own_institution"].get(f"/supervision/institutions/{world.hospital.pk}/graph").status_code == 200
    assert clients["other_institution"].get(f"/supervision/institutions/{world.hospital.pk}/graph").status_code == 404


TASK_VIEWERS = {"county_supervision", "city_clerk", "city_reviewer", "city_approver", "province_clerk",
                "national_staff"}
THREAD_VIEWERS = {"county_supervision", "city_supervision", "city_clerk", "city_reviewer", "city_approver",
                  "province_clerk", "national_staff"}
GRAPH_VIEWERS = THREAD_VIEWERS | {"own_institution"}
OUTSIDERS = {"individual", "other_individual", "own_institution", "other_institution", "other_province_clerk",
             "other_province_supervision"}


@dataclass(frozen=True)
class Read:
    name: str
    path: str
    allowed: frozenset[str]
    params: dict[str, Any] | None = None


READS = [
    Read("inspection", "/supervision/inspections/{task}", frozenset(TASK_VIEWERS)),
    Read("consultation", "/supervision/consultations/{thread}", frozenset(THREAD_VIEWERS)),
    Read("graph", "/supervision/institutions/{hospital}/graph", frozenset(GRAPH_VIEWERS)),
    Read("risk_flags", "/supervision/risk-flags", frozenset(THREAD_VIEWERS), {"application": "{app}"}),
]


def _fmt(path: str, scene, world) -> str:
    return path.format(task=scene["task"].pk, thread=scene["thread"].pk, hospital=world.hospital.pk,
                       app=scene["app"].pk)


@pytest.mark.parametrize("read", READS, ids=lambda r: r.name)
def test_read_permission_matrix(world, scene, clients, read):
    params = {k: _fmt(v, scene, world) for k, v in (read.params or {}).items()}
    for name, client in clients.items():
        r = client.get(_fmt(read.path, scene, world), params)
        expected = 401 if name == "anonymous" else 200 if name in read.allowed else 404
        assert r.status_code == expected, (name, r.status_code)


@pytest.mark.parametrize("path", ["/supervision/inspections", "/supervision/consultations"])
def test_lists_are_scoped(world, scene, clients, path):
    for name, client in clients.items():
        r = client.get(path)
        if name == "anonymous":
            assert r.status_code == 401
            continue
        ids = [row["id"] for row in r.json()]
        visible = TASK_VIEWERS if "inspections" in path else THREAD_VIEWERS
        assert bool(ids) == (name in visible), (name, ids)


@dataclass(frozen=True)
class Write:
    name: str
    path: str
    body: Any
    allowed: str


WRITES = [
    Write("send_inspection", "/supervision/inspections", {"application_id": "{app}", "assignee_id": "{inspector}"},
          "city_reviewer"),
    Write("return_inspection", "/supervision/inspections/{task}/return", "RETURN", "county_supervision"),
    Write("open_consultation", "/supervision/consultations",
          {"subject_kind": "application", "subject_id": "{app}", "title": "t", "body": "b"}, "city_supervision"),
    Write("post_message", "/supervision/consultations/{thread}/messages", {"body": "收到"}, "county_supervision"),
    Write("mark_read", "/supervision/consultations/{thread}/read", {}, "county_supervision"),
    Write("raise_flag", "/supervision/consultations/{thread}/flags", {"kind": "approval_risk", "note": "n"},
          "county_supervision"),
    Write("close", "/supervision/consultations/{thread}/close", {"conclusion": "同意"}, "city_clerk"),
]


def _body(write: Write, scene, world) -> Any:
    if write.body == "RETURN":
        task = scene["task"]
        return {"results": {i["code"]: {"result": "conforms"} for i in task.checklist}, "findings": "一致",
                "conclusion": "passed"}
    inspector = world.county.users[Role.SUPERVISION]
    return {k: (int(str(v).format(app=scene["app"].pk, inspector=inspector.pk)) if isinstance(v, str) and "{" in v
                else v) for k, v in write.body.items()}


@pytest.mark.parametrize("write", WRITES, ids=lambda w: w.name)
def test_write_permission_matrix(world, scene, clients, settings, write):
    settings.MEDREG = {**settings.MEDREG, "INSPECTION_PHOTO_REQUIRED": False}
    if write.name == "send_inspection":  # needs no open task
        sv.return_inspection(scene["task"].pk, results={i["code"]: {"result": "conforms"} for i in scene["task"].checklist},
                             findings="一致", conclusion="passed", acting_user=world.county.users[Role.SUPERVISION])
    path = _fmt(write.path, scene, world)
    for name, client in clients.items():
        if name == write.allowed:
            continue
        before = AuditEvent.objects.count()
        if write.name == "mark_read" and name in THREAD_VIEWERS:
            continue  # any participant may record their own read receipt
        if write.name in ("open_consultation", "post_message", "raise_flag", "close") and name in THREAD_VIEWERS:
            continue  # any approval or supervision staff of the jurisdiction takes part
        if write.name == "send_inspection" and name in ("city_clerk", "national_staff"):
            continue  # also allowed
        r = client.post(path, _body(write, scene, world))
        if name == "anonymous":
            assert r.status_code == 401
        elif name in OUTSIDERS:
            assert r.status_code == 404, (name, r.status_code)
        else:
            assert r.status_code in (403, 404), (name, r.status_code)
        assert AuditEvent.objects.count() == before, name
    before = AuditEvent.objects.count()
    r = clients[write.allowed].post(path, _body(write, scene, world))
    assert r.status_code in (200, 201), (write.allowed, r.status_code, r.content)
    assert AuditEvent.objects.count() > before


def test_file_message_permission_matrix(world, scene, clients):
    path = f"/api/v1/supervision/consultations/{scene['thread'].pk}/files"
    for name, client in clients.items():
        before = AuditEvent.objects.count()
        r = client.client.post(path, {"body": "照片", "file": _png()}, headers=client.headers)
        if name == "anonymous":
            assert r.status_code == 401
        elif name in THREAD_VIEWERS:
            assert r.status_code == 201, (name, r.status_code)
            assert AuditEvent.objects.count() > before
            continue
        else:
            assert r.status_code == 404, (name, r.status_code)
        assert AuditEvent.objects.count() == before, name


def test_inspection_upload_permission_matrix(world, scene, clients):
    path = f"/api/v1/supervision/inspections/{scene['task'].pk}/files"
    for name, client in clients.items():
        before = AuditEvent.objects.count()
        r = client.client.post(path, {"kind": "photo", "file": _png()}, headers=client.headers)
        if name == "anonymous":
            assert r.status_code == 401
        elif name == "county_supervision":  # the assignee
            assert r.status_code == 201
            assert AuditEvent.objects.count() == before + 1
            continue
        elif name in TASK_VIEWERS:
            assert r.status_code == 403, (name, r.status_code)  # sees the task, may not fill it in
        else:
            assert r.status_code == 404, (name, r.status_code)
        assert AuditEvent.objects.count() == before, name
