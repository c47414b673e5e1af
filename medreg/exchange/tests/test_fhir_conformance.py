"""Black-box mCSD Directory conformance with an independent client (``fhirpy``) against a live server:
CapabilityStatement, the SHALL search parameters, _include/_revinclude, paging through several pages,
OperationOutcome errors, ``_history?_since`` with a deletion, and no personal data in any byte."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from django.utils import timezone
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import OperationOutcome, ResourceNotFound

from medreg.exchange.fhir.render import SYS_CERTIFICATE, SYS_ELICENCE, SYS_USCC
from medreg.exchange.tests.conftest import approve_first_registration, cancel_registration
from medreg.licences.models import ELicence

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def directory(tx_world, live_server):
    from medreg.demo.world import register_physician

    physician = register_physician(tx_world)
    registration = approve_first_registration(tx_world, physician)
    base = f"{live_server.url}/fhir/r4"
    return {"world": tx_world, "registration": registration, "base": base,
            "client": SyncFHIRClient(base, extra_headers={"Accept": "application/fhir+json"})}


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req) as resp:
            assert resp.headers["Content-Type"].startswith("application/fhir+json")
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_capability_statement_instantiates_mcsd_directory_and_update(directory):
    status, cs = _get(f"{directory['base']}/metadata")
    assert status == 200 and cs["resourceType"] == "CapabilityStatement"
    assert cs["fhirVersion"] == "4.0.1" and cs["kind"] == "instance"
    assert "https://profiles.ihe.net/ITI/mCSD/CapabilityStatement/IHE.mCSD.Directory" in cs["instantiates"]
    assert "https://profiles.ihe.net/ITI/mCSD/CapabilityStatement/IHE.mCSD.Directory.Update" in cs["instantiates"]
    rest = {r["type"]: r for r in cs["rest"][0]["resource"]}
    shall = {
        "Organization": {"active", "identifier", "name", "type"},
        "Location": {"identifier", "name", "organization", "status", "type"},
        "Practitioner": {"active", "identifier", "name", "given", "family"},
        "PractitionerRole": {"active", "location", "organization", "practitioner", "role", "service", "specialty"},
        "HealthcareService": {"active", "identifier", "location", "name", "organization", "service-type"},
    }
    for rtype, params in shall.items():
        names = {p["name"] for p in rest[rtype]["searchParam"]}
        assert params | {"_id", "_lastUpdated", "_since"} <= names
        assert {"read", "search-type", "history-type"} <= {i["code"] for i in rest[rtype]["interaction"]}
    assert "PractitionerRole:practitioner" in rest["PractitionerRole"]["searchInclude"]
    assert "Location:organization" in rest["Location"]["searchInclude"]
    assert "Organization:endpoint" in rest["Organization"]["searchInclude"]
    assert "Location:organization" in rest["Organization"]["searchRevInclude"]


def test_practitioner_search_parameters_and_read(directory):
    client, reg = directory["client"], directory["registration"]
    name = reg.person.name
    found = client.resources("Practitioner").search(name=name).fetch_all()
    assert [p["id"] for p in found] == [str(reg.person_id)]
    p = found[0]
    # 执业证书编码 is employer-only in the default publication policy: not in the public directory
    assert "identifier" not in p and "identifier" not in p["qualification"][0]
    assert reg.certificate_no not in json.dumps(p)
    assert ELicence.objects.filter(registration=reg).exists()  # issued, but its identifier is not public
    assert SYS_ELICENCE not in json.dumps(p)
    assert not client.resources("Practitioner").search(identifier=reg.certificate_no).fetch_all()
    assert p["qualification"][0]["issuer"]["reference"].startswith("Organization/a")
    assert p["qualification"][0]["period"]["start"] == reg.registered_on.isoformat()
    assert client.resources("Practitioner").search(**{"name:exact": name}).fetch_all()
    assert not client.resources("Practitioner").search(**{"name:exact": name[:2]}).fetch_all()
    assert client.resources("Practitioner").search(**{"name:contains": name[1:]}).fetch_all()
    assert client.resources("Practitioner").search(family=name[0], given=name[1:]).fetch_all()
    assert not client.resources("Practitioner").search(given=name[0]).fetch_all()
    assert client.resources("Practitioner").search(active="true", _id=str(reg.person_id)).fetch_all()
    assert not client.resources("Practitioner").search(active="false", _id=str(reg.person_id)).fetch_all()
    future = (timezone.now() + timedelta(days=1)).date().isoformat()
    past = (timezone.now() - timedelta(days=1)).date().isoformat()
    assert not client.resources("Practitioner").search(_lastUpdated=f"gt{future}").fetch_all()
    assert client.resources("Practitioner").search(_lastUpdated=f"ge{past}").fetch_all()
    read = client.reference("Practitioner", str(reg.person_id)).to_resource()
    assert read["name"][0]["text"] == name
    with pytest.raises(ResourceNotFound):
        client.reference("Practitioner", "999999").to_resource()


def test_paging_through_more_than_one_page_returns_each_resource_once(directory):
    client = directory["client"]
    every = client.resources("Organization").limit(2).fetch_all()
    ids = [o["id"] for o in every]
    assert len(ids) == len(set(ids)) == 6  # 2 institutions + 4 authorities, over 3 pages
    status, page = _get(f"{directory['base']}/Organization?_count=2")
    assert status == 200 and any(link["relation"] == "next" for link in page["link"])
    services = client.resources("HealthcareService").limit(3).fetch_all()
    assert len(services) == len({s["id"] for s in services}) == 8  # 4 诊疗科目 at each hospital


def test_includes_revincludes_and_references(directory):
    client, world, reg = directory["client"], directory["world"], directory["registration"]
    org = f"Organization/i{world.hospital.pk}"
    bundle = client.resources("PractitionerRole").search(organization=org).include(
        "PractitionerRole", "practitioner").fetch_raw()
    modes = {(e["resource"]["resourceType"], e["search"]["mode"]) for e in bundle["entry"]}
    assert modes == {("PractitionerRole", "match"), ("Practitioner", "include")}
    role = bundle["entry"][0]["resource"]
    assert role["practitioner"]["reference"] == f"Practitioner/{reg.person_id}"
    assert role["location"][0]["reference"] == f"Location/i{world.hospital.pk}"
    assert client.resources("PractitionerRole").search(practitioner=f"Practitioner/{reg.person_id}",
                                                       role="physician", specialty="11", active="true").fetch_all()
    assert not client.resources("PractitionerRole").search(specialty="99").fetch_all()
    bundle = client.resources("Organization").search(identifier=f"{SYS_USCC}|{world.hospital.uscc}").revinclude(
        "Location", "organization").fetch_raw()
    assert [(e["resource"]["resourceType"], e["search"]["mode"]) for e in bundle["entry"]] == [
        ("Organization", "match"), ("Location", "include")]
    bundle = client.resources("Location").search(name=world.hospital.name[:3], status="active").include(
        "Location", "organization").fetch_raw()
    assert {e["resource"]["resourceType"] for e in bundle["entry"]} == {"Location", "Organization"}
    jurisdictions = client.resources("Organization").search(type="jurisdiction").fetch_all()
    assert all(o["id"].startswith("a") for o in jurisdictions) and len(jurisdictions) == 4
    city = next(o for o in jurisdictions if o["name"].startswith("昆明"))
    assert city["partOf"]["reference"] == f"Organization/a{world.province.authority.pk}"
    hs = client.resources("HealthcareService").search(organization=org, **{"service-type": "03"}).fetch_all()
    assert [h["id"] for h in hs] == [f"i{world.hospital.pk}-03"]
    assert client.resources("HealthcareService").search(name="内科", location=f"Location/i{world.hospital.pk}").fetch_all()
    # POST _search gives the same result as GET
    req = urllib.request.Request(f"{directory['base']}/Practitioner/_search", method="POST",
                                 data=f"name={reg.person.name}".encode(),
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(req) as resp:
        assert [e["resource"]["id"] for e in json.loads(resp.read())["entry"]] == [str(reg.person_id)]


def test_errors_are_operation_outcomes(directory):
    base = directory["base"]
    status, oo = _get(f"{base}/Practitioner/999999")
    assert status == 404 and oo["resourceType"] == "OperationOutcome"
    status, oo = _get(f"{base}/Practitioner?_lastUpdated=gtnot-a-date")
    assert status == 400 and oo["issue"][0]["severity"] == "error"
    status, oo = _get(f"{base}/Practitioner?foo=bar", {"Prefer": "handling=strict"})
    assert status == 400 and oo["resourceType"] == "OperationOutcome"
    status, _bundle = _get(f"{base}/Practitioner?foo=bar")  # lenient by default: ignored
    assert status == 200
    status, oo = _get(f"{base}/Endpoint")
    assert status == 404 and oo["resourceType"] == "OperationOutcome"
    status, oo = _get(f"{base}/Practitioner?_format=xml")
    assert status == 406
    with pytest.raises(OperationOutcome):
        directory["client"].resources("Practitioner").search(_lastUpdated="gtnot-a-date").fetch()


def test_history_since_reports_a_cancellation_as_a_deletion(directory):
    client, world, reg = directory["client"], directory["world"], directory["registration"]
    since = timezone.now().isoformat()
    cancel_registration(world, reg)
    status, oo = _get(f"{directory['base']}/PractitionerRole/r{reg.pk}")
    assert status == 410 and oo["resourceType"] == "OperationOutcome"
    assert not client.resources("PractitionerRole").search(_id=f"r{reg.pk}").fetch_all()
    status, bundle = _get(f"{directory['base']}/_history?" + urllib.parse.urlencode({"_since": since}))
    assert status == 200 and bundle["type"] == "history"
    entries = {(e["request"]["method"], e["request"]["url"]) for e in bundle["entry"]}
    assert ("DELETE", f"PractitionerRole/r{reg.pk}") in entries
    assert ("PUT", f"Practitioner/{reg.person_id}") in entries
    practitioner = next(e["resource"] for e in bundle["entry"] if e["request"]["url"] == f"Practitioner/{reg.person_id}")
    assert practitioner["active"] is False
    status, typed = _get(f"{directory['base']}/PractitionerRole/_history?" + urllib.parse.urlencode(
        {"_since": since, "_count": 1}))
    assert all(e["request"]["url"].startswith("PractitionerRole/") for e in typed["entry"])
    # paging through the whole history with fhirpy's next-link walker
    everything = client.resources("Organization").limit(1).fetch_all()
    assert len(everything) == 6


def test_no_personal_data_in_any_fhir_byte(directory):
    reg = directory["registration"]
    person = reg.person
    qual = person.qualifications.first()
    blobs = []
    for rtype in ("Practitioner", "PractitionerRole", "Organization", "Location", "HealthcareService"):
        blobs.append(urllib.request.urlopen(f"{directory['base']}/{rtype}?_count=500").read())
    blobs.append(urllib.request.urlopen(f"{directory['base']}/_history?_count=500").read())
    raw = b"".join(blobs).decode()
    assert person.name in raw
    for secret in (person.id_number, person.birth_date, person.birth_date.replace("-", ""), "13800138000",
                   qual.certificate_code):
        assert secret and secret not in raw


def test_a_policy_that_publishes_certificate_numbers_makes_them_searchable(directory, settings, tmp_path):
    from medreg.public.policy import DEFAULT_FILE

    policy = DEFAULT_FILE.read_text(encoding="utf-8").replace('certificate_no = "employer"', 'certificate_no = "public"')
    path = tmp_path / "policy.toml"
    path.write_text(policy, encoding="utf-8")
    settings.MEDREG = {**settings.MEDREG, "PUBLICATION_POLICY_FILE": str(path)}
    client, reg = directory["client"], directory["registration"]
    [p] = client.resources("Practitioner").search(identifier=f"{SYS_CERTIFICATE}|{reg.certificate_no}").fetch_all()
    assert p["identifier"] == [{"system": SYS_CERTIFICATE, "value": reg.certificate_no}]
    assert p["qualification"][0]["identifier"][0]["value"] == reg.certificate_no
    # the e-licence identifier embeds the certificate number: published with it, and only then
    licence = ELicence.objects.filter(registration=reg).order_by("-version").first()
    assert licence is not None
    assert p["qualification"][0]["identifier"][1] == {"system": SYS_ELICENCE, "value": licence.identifier}
    assert not client.resources("Practitioner").search(identifier=f"urn:other|{reg.certificate_no}").fetch_all()
