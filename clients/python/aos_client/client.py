"""The client: one HTTP request function, problem+json mapped to ApiError, and the verbs."""

from __future__ import annotations

import base64
import csv
import io
import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple

SETTLED_STATUSES = frozenset({"released", "held", "rejected", "failed", "cancelled"})
ARROW_STREAM = "application/vnd.apache.arrow.stream"


class ApiError(Exception):
    """A refusal or failure, from the gateway's application/problem+json answer.

    code: the stable error code (BAD_REQUEST, LICENSE_EXPIRED, RATE_LIMITED, ...; NETWORK when the
    gateway could not be reached); status: the HTTP status (0 for NETWORK); detail: what went wrong
    and what to do; retry_after: seconds to wait before retrying (from Retry-After), or None;
    request_id: quote it when asking the operators of the gateway.
    """

    def __init__(
        self,
        code: str,
        status: int,
        detail: str,
        request_id: str = "",
        retry_after: Optional[float] = None,
        problem: Optional[Mapping[str, Any]] = None,
    ) -> None:
        super().__init__(f"{code} ({status}): {detail}")
        self.code = code
        self.status = status
        self.detail = detail
        self.request_id = request_id
        self.retry_after = retry_after
        self.problem: Mapping[str, Any] = problem or {}


def _retry_after(value: Optional[str]) -> Optional[float]:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None  # an HTTP date: not sent by this gateway


class Client:
    """A caller of one gateway with one API key (or none, for the public routes)."""

    def __init__(self, base_url: str, key: Optional[str] = None, timeout: float = 90.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.key = key
        self.timeout = timeout

    # ── transport ────────────────────────────────────────────────────────

    def request(
        self,
        method: str,
        path: str,
        query: Optional[Mapping[str, Any]] = None,
        body: Any = None,
        accept: str = "application/json",
        headers: Optional[Mapping[str, str]] = None,
    ) -> Tuple[int, Mapping[str, str], bytes]:
        """Sends one request; answers (status, headers, body bytes) or raises ApiError."""
        url = self.base_url + path
        params = {k: _query_value(v) for k, v in (query or {}).items() if v is not None}
        if params:
            url += "?" + urllib.parse.urlencode(params)
        sent = {"accept": accept, **(headers or {})}
        if self.key:
            sent["authorization"] = f"Bearer {self.key}"
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            sent["content-type"] = "application/json"
        req = urllib.request.Request(url, data=data, method=method, headers=sent)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as res:
                return res.status, _lower(res.headers), res.read()
        except urllib.error.HTTPError as error:
            raise _problem(error.code, _lower(error.headers), error.read()) from None
        except urllib.error.URLError as error:
            raise ApiError("NETWORK", 0, f"cannot reach {self.base_url} ({error.reason})") from None

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        _, _, data = self.request(method, path, **kwargs)
        return json.loads(data.decode("utf-8"))

    def pages(self, path: str, name: str, query: Optional[Mapping[str, Any]] = None) -> Iterator[Dict[str, Any]]:
        """Every item of a paged list (`{name: [...], next}`), following `next` to the last page."""
        cursor: Optional[str] = None
        while True:
            page = self.json("GET", path, query={**(query or {}), "cursor": cursor})
            for item in page.get(name, []):
                yield item
            cursor = page.get("next")
            if not cursor:
                return

    # ── catalog and licenses ─────────────────────────────────────────────

    def datasets(self) -> List[Dict[str, Any]]:
        return self.json("GET", "/v1/datasets")["datasets"]

    def licenses(self) -> List[Dict[str, Any]]:
        return self.json("GET", "/v1/licenses")["licenses"]

    # ── jobs ─────────────────────────────────────────────────────────────

    def submit_job(
        self,
        script: str,
        license: str,
        language: Optional[str] = None,
        purpose: Optional[str] = None,
        idempotency_key: Optional[str] = None,
    ) -> Dict[str, Any]:
        """Queues a job. The idempotency key (a fresh UUID unless given) makes a retry safe."""
        body: Dict[str, Any] = {"script": script, "license": license}
        if language:
            body["language"] = language
        if purpose:
            body["purpose"] = purpose
        key = idempotency_key or str(uuid.uuid4())
        return self.json("POST", "/v1/jobs", body=body, headers={"idempotency-key": key})

    def job(self, job_id: str, wait: Optional[float] = None) -> Dict[str, Any]:
        """A job; with wait=S, the gateway waits up to S (at most 60) seconds for it to settle."""
        return self.json("GET", f"/v1/jobs/{_seg(job_id)}", query={"wait": wait})

    def wait_for_job(self, job_id: str, timeout: float = 600.0) -> Dict[str, Any]:
        """Long-polls until the job settles or `timeout` seconds pass; answers the job as it is then."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            job = self.job(job_id, wait=max(0, min(60, int(left))))
            if job["status"] in SETTLED_STATUSES or left <= 0:
                return job

    def run_job(self, script: str, license: str, timeout: float = 600.0, **options: Any) -> Dict[str, Any]:
        """Submits a job and waits for it to settle."""
        job = self.submit_job(script, license, **options)
        return self.wait_for_job(job["id"], timeout=timeout)

    def jobs_page(
        self, status: Optional[str] = None, limit: Optional[int] = None, cursor: Optional[str] = None
    ) -> Dict[str, Any]:
        """One page of jobs, newest first: {"jobs": [...], "next": cursor or None}."""
        return self.json("GET", "/v1/jobs", query={"status": status, "limit": limit, "cursor": cursor})

    def each_job(self, status: Optional[str] = None, limit: Optional[int] = None) -> Iterator[Dict[str, Any]]:
        """Every job, newest first, read a page (of `limit`) at a time."""
        return self.pages("/v1/jobs", "jobs", {"status": status, "limit": limit})

    def cancel_job(self, job_id: str) -> Dict[str, Any]:
        return self.json("POST", f"/v1/jobs/{_seg(job_id)}/cancel", body={})

    def receipt(self, job_id: str) -> Dict[str, Any]:
        """A released job's receipt, signed by the domain key (verify it with `aos receipt verify`)."""
        return self.json("GET", f"/v1/jobs/{_seg(job_id)}/receipt")

    @staticmethod
    def receipt_claims(receipt: Mapping[str, Any]) -> Dict[str, Any]:
        """What a receipt states (job, operator, license, each output's SHA-256), decoded but NOT
        verified: the Ed25519 signature needs `aos receipt verify` or a crypto library."""
        payload = str(receipt["payload"])
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode("utf-8"))

    # ── outputs ──────────────────────────────────────────────────────────

    def output_bytes(self, job_id: str, name: str, accept: str = "application/json") -> bytes:
        """A released output's bytes as served (JSON, text/csv or the Arrow stream): the bytes the
        receipt's digests cover."""
        return self.request("GET", f"/v1/jobs/{_seg(job_id)}/outputs/{_seg(name)}", accept=accept)[2]

    def output(self, job_id: str, name: str) -> List[Dict[str, Any]]:
        """A released output as a list of row dicts."""
        return json.loads(self.output_bytes(job_id, name).decode("utf-8"))

    def output_csv(self, job_id: str, name: str) -> str:
        """A released output as CSV text."""
        return self.output_bytes(job_id, name, "text/csv").decode("utf-8")

    def output_rows(self, job_id: str, name: str) -> List[Dict[str, str]]:
        """A released output's CSV parsed with the csv module (every cell a string)."""
        return list(csv.DictReader(io.StringIO(self.output_csv(job_id, name))))

    def output_arrow_bytes(self, job_id: str, name: str) -> bytes:
        """A released output as an Arrow IPC stream, undecoded (for a reader of your choice)."""
        return self.output_bytes(job_id, name, ARROW_STREAM)

    def output_dataframe(self, job_id: str, name: str) -> Any:
        """A released output as a pandas DataFrame; needs pandas (`pip install pandas`)."""
        pandas = _optional("pandas", "output_dataframe")
        return pandas.DataFrame.from_records(self.output(job_id, name))

    def output_table(self, job_id: str, name: str) -> Any:
        """A released output as a pyarrow Table, read from the Arrow stream; needs pyarrow."""
        ipc = _optional("pyarrow.ipc", "output_table")
        return ipc.open_stream(self.output_arrow_bytes(job_id, name)).read_all()


def has_pandas() -> bool:
    return _importable("pandas")


def has_pyarrow() -> bool:
    return _importable("pyarrow")


def _importable(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def _optional(module: str, method: str) -> Any:
    try:
        return __import__(module, fromlist=["_"])
    except ImportError:
        top = module.split(".")[0]
        raise ImportError(
            f"{method} needs {top}: install it (pip install {top}), or use output() / output_csv()"
        ) from None


def _problem(status: int, headers: Mapping[str, str], data: bytes) -> ApiError:
    problem: Dict[str, Any] = {}
    try:
        parsed = json.loads(data.decode("utf-8"))
        if isinstance(parsed, dict):
            problem = parsed
    except (ValueError, UnicodeDecodeError):
        pass  # a proxy may answer without a problem document: keep the status
    return ApiError(
        code=str(problem.get("code") or ("INTERNAL" if status >= 500 else "BAD_REQUEST")),
        status=int(problem.get("status") or status),
        detail=str(problem.get("detail") or problem.get("title") or f"HTTP {status}"),
        request_id=str(problem.get("requestId") or headers.get("x-request-id", "")),
        retry_after=_retry_after(headers.get("retry-after")),
        problem=problem,
    )


def _lower(headers: Any) -> Dict[str, str]:
    return {k.lower(): v for k, v in headers.items()} if headers is not None else {}


def _seg(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
