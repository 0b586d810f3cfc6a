import csv
import hashlib
import io
import json

import pytest

from aos_client import SETTLED_STATUSES, ApiError, Client, has_pandas, has_pyarrow

from conftest import AIR


def test_run_job_releases_outputs_as_json_and_csv(operator, released_job):
    rows = operator.output(released_job["id"], "by_station")
    assert rows and set(rows[0]) == {"station", "pm25"}
    assert rows == released_job["outputs"]["by_station"]
    text = operator.output_csv(released_job["id"], "by_station")
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert [r["station"] for r in parsed] == [str(r["station"]) for r in rows]
    assert operator.output_rows(released_job["id"], "by_station") == parsed


def test_receipt_names_the_job_and_the_digest_of_the_served_output(operator, released_job, license_id):
    claims = Client.receipt_claims(operator.receipt(released_job["id"]))
    assert (claims["job"], claims["license"]) == (released_job["id"], license_id)
    [listed] = [o for o in claims["outputs"] if o["name"] == "by_station"]
    served = operator.output_bytes(released_job["id"], "by_station")
    assert hashlib.sha256(served).hexdigest() == listed["sha256"]
    # The receipt carries digests, never the output's values.
    assert "pm25" not in json.dumps(claims)


def test_receipt_of_an_unknown_job_is_not_found(operator):
    with pytest.raises(ApiError) as missing:
        operator.receipt("job_nope")
    assert missing.value.status == 404


def test_submit_is_idempotent_with_the_same_key(operator, license_id):
    first = operator.submit_job(AIR, license_id, idempotency_key="py-client-idem-1")
    again = operator.submit_job(AIR, license_id, idempotency_key="py-client-idem-1")
    assert again["id"] == first["id"]
    settled = operator.wait_for_job(first["id"], timeout=120)
    assert settled["status"] in SETTLED_STATUSES


def test_dataframe_when_pandas_is_importable_else_a_message_saying_what_to_install(operator, released_job):
    if has_pandas():
        frame = operator.output_dataframe(released_job["id"], "by_station")
        assert list(frame.columns) == ["station", "pm25"]
    else:
        with pytest.raises(ImportError, match=r"pip install pandas"):
            operator.output_dataframe(released_job["id"], "by_station")


def test_arrow_table_when_pyarrow_is_importable_else_the_raw_stream(operator, released_job):
    stream = operator.output_arrow_bytes(released_job["id"], "by_station")
    # An Arrow IPC stream starts with a continuation marker (0xFFFFFFFF) before its schema message.
    assert stream[:4] == b"\xff\xff\xff\xff"
    if has_pyarrow():
        table = operator.output_table(released_job["id"], "by_station")
        assert table.num_rows == len(operator.output(released_job["id"], "by_station"))
    else:
        with pytest.raises(ImportError, match=r"pip install pyarrow"):
            operator.output_table(released_job["id"], "by_station")


def test_each_job_pages_through_every_job_once(operator, license_id, released_job):
    ids = {operator.submit_job(AIR, license_id)["id"] for _ in range(2)} | {released_job["id"]}
    first = operator.jobs_page(limit=1)
    assert len(first["jobs"]) == 1 and first["next"]
    seen = [job["id"] for job in operator.each_job(limit=1)]
    assert len(seen) == len(set(seen))
    assert ids <= set(seen)
    assert seen == [job["id"] for job in operator.each_job(limit=500)]
    for job_id in ids:
        operator.wait_for_job(job_id, timeout=120)


def test_tampered_cursor_is_a_400_saying_what_to_do(operator):
    with pytest.raises(ApiError) as refused:
        operator.jobs_page(limit=1, cursor="not-a-cursor")
    error = refused.value
    assert (error.code, error.status) == ("BAD_REQUEST", 400)
    assert "without `cursor`" in error.detail
    assert error.request_id


def test_problem_json_becomes_api_error(env, operator):
    with pytest.raises(ApiError) as unknown:
        operator.job("job_does_not_exist")
    assert (unknown.value.code, unknown.value.status) == ("NOT_FOUND", 404)
    with pytest.raises(ApiError) as bad_key:
        Client(env["AOS_URL"], key="aos_not_a_key").datasets()
    assert (bad_key.value.code, bad_key.value.status) == ("UNAUTHENTICATED", 401)


def test_another_operators_view_is_denied(env, bureau, released_job):
    # The auditor role may not list jobs; the bureau sees every job, including the operator's.
    with pytest.raises(ApiError) as denied:
        Client(env["AOS_URL"], key=env["AOS_AUDITOR_KEY"]).jobs_page()
    assert denied.value.status == 403
    assert released_job["id"] in {job["id"] for job in bureau.each_job()}


def test_rate_limit_gives_retry_after(env):
    public = Client(env["AOS_URL"])
    with pytest.raises(ApiError) as limited:
        for _ in range(int(env["AOS_PUBLIC_LIMIT"]) + 1):
            public.json("GET", "/v1/public/datasets")
    assert (limited.value.code, limited.value.status) == ("RATE_LIMITED", 429)
    assert limited.value.retry_after is not None and limited.value.retry_after > 0


def test_unreachable_gateway_is_a_network_error():
    with pytest.raises(ApiError) as down:
        Client("http://127.0.0.1:9", timeout=5).datasets()
    assert (down.value.code, down.value.status) == ("NETWORK", 0)
