"""A small Python client for the authorized-operation sandbox's HTTP API.

Standard library only. When pandas is importable, outputs can be had as DataFrames; when pyarrow
is, as Arrow tables. Neither is required.

    from aos_client import Client
    client = Client("http://localhost:8080", key="aos_...")
    job = client.run_job("export default async (ctx) => ({ n: await ctx.sql('SELECT 1 AS x') })",
                         license="lic_...")
    rows = client.output(job["id"], "n")          # list of dicts
    for job in client.each_job(status="released"):
        print(job["id"])
"""

from .client import SETTLED_STATUSES, ApiError, Client, has_pandas, has_pyarrow

__all__ = ["ApiError", "Client", "SETTLED_STATUSES", "has_pandas", "has_pyarrow"]
