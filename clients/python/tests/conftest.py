"""The gateway under test comes from the environment that test/support/start-gateway-for.ts prints
(the vitest test test/clients/python.test.ts starts one and runs this suite with it)."""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from aos_client import Client  # noqa: E402

NEEDED = ("AOS_URL", "AOS_OPERATOR_KEY", "AOS_LICENSE", "AOS_BUREAU_KEY", "AOS_AUDITOR_KEY", "AOS_PUBLIC_LIMIT")


@pytest.fixture(scope="session")
def env():
    missing = [name for name in NEEDED if not os.environ.get(name)]
    if missing:
        pytest.fail(
            "no gateway to test against (missing " + ", ".join(missing) + "): run `npx vitest run "
            "test/clients/python.test.ts`, or start one with `node --no-node-snapshot --import tsx "
            "test/support/start-gateway-for.ts` and export the variables it prints",
            pytrace=False,
        )
    return {name: os.environ[name] for name in NEEDED}


@pytest.fixture(scope="session")
def operator(env):
    return Client(env["AOS_URL"], key=env["AOS_OPERATOR_KEY"])


@pytest.fixture(scope="session")
def bureau(env):
    return Client(env["AOS_URL"], key=env["AOS_BUREAU_KEY"])


@pytest.fixture(scope="session")
def license_id(env):
    return env["AOS_LICENSE"]


AIR = """export default async function main(ctx) {
  const rows = await ctx.sql("SELECT station, avg(pm25) AS pm25 FROM air_quality GROUP BY station ORDER BY station");
  return { by_station: rows };
}"""


@pytest.fixture(scope="session")
def released_job(operator, license_id):
    job = operator.run_job(AIR, license_id, timeout=120)
    assert job["status"] == "released", job
    return job
