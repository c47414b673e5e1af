"""Portal pages of 线上踏勘, 电子会商 and the graph: behaviour, and a permission matrix over every view
(anonymous, individuals, institution staff own/other, authority staff own/other jurisdiction, supervision
staff assigned/not assigned, national). Denied writes leave no audit row."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from medreg.accounts.choices import Role
from medreg.audit.models import AuditEvent
from medreg.supervision import services as sv
from medreg.supervision.choices import CheckResult, Conclusion, InspectionStatus, ThreadStatus, WarningReason
from medreg.supervision.models import InspectionTask
from medreg.supervision.tests.conftest import png_bytes

A = "/portal/authority"


@pytest.fixture
def scene(world, accepted):
    """A task sent to the county's supervision account (with a photo) and a thread with a risk flag."""
    clerk, inspector = world.city.users[Role.CLERK], world.county.users[Role.SUPERVISION]
    task = sv.send_inspection(accepted.pk, assignee_id=inspector.pk, acting_user=clerk)
    photo = sv.add_inspection_file(task.pk, kind="photo", filename="p.png", content=png_bytes(), acting_user=inspector)
    thread = sv.open_consultation("application", accepted.pk, title="场所核实", body="请核实", acting_user=clerk,
                                  files=[("p.png", png_bytes())])
    sv.raise_risk_flag(thread.pk, kind="approval_risk", note="场所存疑", acting_user=inspector)
    cfile = thread.messages.first().files.first()
    return {"app": accepted, "task": task, "photo": photo, "thread": thread, "cfile": cfile}


def _client(user) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


TASK_VIEWERS = {"county_supervision", "city_clerk", "city_reviewer", "city_approver", "province_clerk",
                "national_staff"}
THREAD_VIEWERS = {"county_supervision", "city_supervision", "city_clerk", "city_reviewer", "city_approver",
                  "province_clerk", "national_staff"}
AUTHORITY = THREAD_VIEWERS | {"other_province_clerk", "other_province_supervision"}
OUTSIDERS = {"individual", "other_individual", "own_institution", "other_institution", "other_province_clerk",
             "other_province_supervision"}


@dataclass(frozen=True)
class Page:
    name: str
    url: str
    allowed: frozenset[str]


PAGES = [
    Page("inspection_queue", A + "/supervision/inspections/", frozenset(AUTHORITY)),
    Page("inspection", A + "/supervision/inspections/{task}/", frozenset(TASK_VIEWERS)),
    Page("inspection_file", A + "/supervision/inspections/{task}/files/{photo}/", frozenset(TASK_VIEWERS)),
    Page("inspection_material", A + "/supervision/inspections/applications/{app}/attachments/{att}/",
         frozenset(TASK_VIEWERS)),
    Page("consultations", A + "/supervision/consultations/", frozenset(AUTHORITY)),
    Page("consultation", A + "/supervision/consultations/{thread}/", frozenset(THREAD_VIEWERS)),
    Page("consultation_file", A + "/supervision/consultations/{thread}/files/{cfile}/", frozenset(THREAD_VIEWERS)),
    Page("graph", A + "/supervision/institutions/{hospital}/graph/", frozenset(THREAD_VIEWERS)),
    Page("institution_warnings", "/portal/institution/supervision/", frozenset({"own_institution",
                                                                                "other_institution"})),
]


def _url(template: str, scene, world) -> str:
    return template.format(task=scene["task"].pk, photo=scene["photo"].pk, thread=scene["thread"].pk,
                           cfile=scene["cfile"].pk, hospital=world.hospital.pk, app=scene["app"].pk,
                           att=scene["app"].attachments.first().pk)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_page_permission_matrix(world, actors, scene, page):
    url = _url(page.url, scene, world)
    for name, user in actors.items():
        response = _client(user).get(url)
        if name == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], name
        elif name in page.allowed:
            assert response.status_code == 200, (name, response.status_code)
        else:
            assert response.status_code == 404, (name, response.status_code)


@dataclass(frozen=True)
class Write:
    name: str
    url: str
    data: dict
    allowed: frozenset[str]
    ok_status: int = 302


WRITES = [
    Write("send_inspection", A + "/applications/{app}/inspection/", {"assignee": "{inspector}"},
          frozenset({"city_clerk", "city_reviewer", "national_staff"})),
    Write("inspection_upload", A + "/supervision/inspections/{task}/files/", {"kind": "photo", "file": "PNG"},
          frozenset({"county_supervision"})),
    Write("inspection_return", A + "/supervision/inspections/{task}/return/", {"return": True},
          frozenset({"county_supervision"})),
    Write("consultation_open", A + "/supervision/consultations/new/",
          {"subject_kind": "application", "subject_id": "{app}", "title": "t", "body": "b"},
          frozenset(THREAD_VIEWERS)),
    Write("consultation_message", A + "/supervision/consultations/{thread}/messages/", {"body": "收到"},
          frozenset(THREAD_VIEWERS)),
    Write("consultation_flag", A + "/supervision/consultations/{thread}/flag/",
          {"kind": "supervision_penalty", "note": "处罚记录"}, frozenset(THREAD_VIEWERS)),
    Write("consultation_close", A + "/supervision/consultations/{thread}/close/", {"conclusion": "同意"},
          frozenset(THREAD_VIEWERS)),
]


def _post_data(write: Write, scene, world) -> dict:
    data = {}
    for k, v in write.data.items():
        if v == "PNG":
            data[k] = SimpleUploadedFile("p.png", png_bytes(), content_type="image/png")
        elif k == "return":
            task = scene["task"]
            data.update({f"result_{i['code']}": CheckResult.CONFORMS for i in task.checklist})
            data.update({"findings": "一致", "conclusion": Conclusion.PASSED})
        else:
            data[k] = str(v).format(app=scene["app"].pk, inspector=world.county.users[Role.SUPERVISION].pk)
    return data


def _fresh_scene(world, scene, write):
    """send_inspection needs no open task: for it, the scene's task is returned first."""
    if write.name == "send_inspection":
        inspector = world.county.users[Role.SUPERVISION]
        task = scene["task"]
        sv.return_inspection(task.pk, results={i["code"]: {"result": "conforms"} for i in task.checklist},
                             findings="一致", conclusion=Conclusion.PASSED, acting_user=inspector)


@pytest.mark.parametrize("write", WRITES, ids=lambda w: w.name)
def test_write_permission_matrix_denied_writes_leave_no_trace(world, actors, scene, write):
    _fresh_scene(world, scene, write)
    url = write.url.format(app=scene["app"].pk, task=scene["task"].pk, thread=scene["thread"].pk)
    for name, user in actors.items():
        if name in write.allowed:
            continue
        before = AuditEvent.objects.count()
        response = _client(user).post(url, _post_data(write, scene, world))
        if name == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], name
        elif name in OUTSIDERS:
            assert response.status_code == 404, (name, response.status_code)  # existence does not leak
        else:  # in the jurisdiction, without the role or not the assignee
            assert response.status_code in (403, 404), (name, response.status_code)
        assert AuditEvent.objects.count() == before, name
    # The first allowed actor succeeds.
    allowed = sorted(write.allowed)[0]
    before = AuditEvent.objects.count()
    response = _client(actors[allowed]).post(url, _post_data(write, scene, world))
    assert response.status_code == write.ok_status, (allowed, response.status_code)
    assert AuditEvent.objects.count() > before


def test_decision_page_shows_inspection_form_consultations_and_flags(world, scene):
    clerk = world.city.users[Role.CLERK]
    inspector = world.county.users[Role.SUPERVISION]
    page = _client(clerk).get(f"{A}/applications/{scene['app'].pk}/").content.decode()
    assert "现场踏勘" in page and "场所存疑" in page and "场所核实" in page
    assert 'id="send-inspection-form"' not in page  # a task is already out
    task = scene["task"]
    _client(inspector).post(f"{A}/supervision/inspections/{task.pk}/return/", {
        **{f"result_{i['code']}": CheckResult.CONFORMS for i in task.checklist},
        "findings": "场所、设备与材料一致", "conclusion": Conclusion.PASSED,
    })
    assert InspectionTask.objects.get(pk=task.pk).status == InspectionStatus.RETURNED
    page = _client(world.city.users[Role.APPROVER]).get(f"{A}/applications/{scene['app'].pk}/").content.decode()
    assert "场所、设备与材料一致" in page and 'data-conclusion="passed"' in page


def test_return_form_errors_are_shown_on_the_page(world, scene):
    inspector = world.county.users[Role.SUPERVISION]
    response = _client(inspector).post(f"{A}/supervision/inspections/{scene['task'].pk}/return/", {"findings": ""})
    assert response.status_code == 400
    body = response.content.decode()
    assert "请填写踏勘发现的情况" in body and "请选择踏勘结论" in body


def test_send_form_lists_only_inspectors_of_the_jurisdiction(world, activated):
    from medreg.api.tests.conftest import drive
    from medreg.applications.choices import Status

    app = drive(world, activated, Status.ACCEPTED)
    page = _client(world.city.users[Role.CLERK]).get(f"{A}/applications/{app.pk}/").content.decode()
    assert 'id="send-inspection-form"' in page
    assert world.county.users[Role.SUPERVISION].username in page
    assert world.other_province.users[Role.SUPERVISION].username not in page
    response = _client(world.city.users[Role.CLERK]).post(f"{A}/applications/{app.pk}/inspection/",
                                                          {"assignee": world.other_province.users[Role.SUPERVISION].pk})
    assert response.status_code == 302
    assert not InspectionTask.objects.filter(application=app).exists()


def test_supervision_queue_shows_overdue_tasks(world, scene, monkeypatch):
    from datetime import timedelta

    from medreg.portals.authority import supervision as views

    inspector = world.county.users[Role.SUPERVISION]
    monkeypatch.setattr(views, "_today", lambda: scene["task"].due_on + timedelta(days=1))
    page = _client(inspector).get(f"{A}/supervision/inspections/").content.decode()
    assert 'id="overdue-tasks"' in page and scene["app"].number in page


def test_consultation_page_records_read_receipt_and_close(world, scene):
    sup = world.county.users[Role.SUPERVISION]
    thread = scene["thread"]
    page = _client(sup).get(f"{A}/supervision/consultations/{thread.pk}/").content.decode()
    assert "场所核实" in page
    page = _client(world.city.users[Role.CLERK]).get(f"{A}/supervision/consultations/{thread.pk}/").content.decode()
    assert f"已读：{sup}" in page
    response = _client(sup).post(f"{A}/supervision/consultations/{thread.pk}/close/", {"conclusion": ""})
    assert response.status_code == 400 and "结束会商须填写会商结论" in response.content.decode()
    _client(sup).post(f"{A}/supervision/consultations/{thread.pk}/close/", {"conclusion": "核实无误"})
    thread.refresh_from_db()
    assert thread.status == ThreadStatus.CLOSED


def test_institution_portal_shows_graph_and_warnings(world, scene):
    sv.flag_affected_registrations(world.hospital.pk, acting_user=None, reason=WarningReason.SUSPENDED)
    page = _client(world.hospital_admin).get("/portal/institution/supervision/").content.decode()
    assert "诊疗科目与执业医师" in page and "无执业范围相符的医师" in page


def test_institution_page_shows_risk_flags_for_both_departments(world, accepted):
    sup = world.county.users[Role.SUPERVISION]
    t = sv.open_consultation("institution", world.hospital.pk, title="机构监管", body="处罚信息", acting_user=sup)
    sv.raise_risk_flag(t.pk, kind="supervision_penalty", note="2025年因超范围执业受处罚", acting_user=sup)
    for user in (world.city.users[Role.CLERK], sup):
        page = _client(user).get(f"{A}/institutions/{world.hospital.pk}/").content.decode()
        assert "2025年因超范围执业受处罚" in page, user
        graph = _client(user).get(f"{A}/supervision/institutions/{world.hospital.pk}/graph/").content.decode()
        assert "2025年因超范围执业受处罚" in graph and "机构监管" in graph


def test_person_archive_page_shows_consultations_and_flags(world, accepted, activated):
    clerk = world.city.users[Role.CLERK]
    person = activated.person
    page = _client(clerk).get(f"{A}/people/{person.pk}/archive/").content.decode()
    assert 'id="open-consultation"' in page
    response = _client(clerk).post(f"{A}/supervision/consultations/new/", {
        "subject_kind": "person", "subject_id": person.pk, "title": "医师执业情况", "body": "请核实多点执业情况",
        "next": f"{A}/people/{person.pk}/archive/"})
    assert response.status_code == 302
    from medreg.supervision.models import ConsultationThread

    t = ConsultationThread.objects.get(person=person)
    sv.raise_risk_flag(t.pk, kind="approval_risk", note="存在未备案的多点执业", acting_user=clerk)
    page = _client(clerk).get(f"{A}/people/{person.pk}/archive/").content.decode()
    assert "存在未备案的多点执业" in page and "医师执业情况" in page


def test_list_pages_do_not_grow_queries_with_rows(world, activated):
    """N+1 guard: the queue and the consultation list cost the same with 1 or 4 rows."""
    from medreg.api.tests.conftest import activate, drive
    from medreg.applications.choices import Status
    from medreg.demo.world import register_physician

    clerk, inspector = world.city.users[Role.CLERK], world.county.users[Role.SUPERVISION]

    def add_one(i: int) -> None:
        user = activated if i == 0 else register_physician(world, name=f"测试{i}", username=f"md_{i}")
        if i:
            activate(world, user)
        app = drive(world, user, Status.ACCEPTED)
        sv.send_inspection(app.pk, assignee_id=inspector.pk, acting_user=clerk)
        sv.open_consultation("application", app.pk, title=f"会商{i}", body="b", acting_user=clerk)

    def count(user, url) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        c = _client(user)
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(url).status_code == 200
        return len(ctx.captured_queries)

    add_one(0)
    one = {u: count(inspector, u) for u in (f"{A}/supervision/inspections/", f"{A}/supervision/consultations/")}
    for i in range(1, 4):
        add_one(i)
    for url, n in one.items():
        assert count(inspector, url) <= n, url
