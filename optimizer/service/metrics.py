"""Prometheus metrics: HTTP latency, jobs submitted and finished, and jobs by status (read from
the store at scrape time, so it counts the work of Celery workers too)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

# Process-wide metrics live in the default registry; each app adds its store's job gauge to a
# registry of its own (`app_registry`) so several apps in one test process do not collide.
HTTP_SECONDS = Histogram(
    "optimizer_http_request_duration_seconds",
    "HTTP request latency by route",
    ["method", "route", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
JOBS_SUBMITTED = Counter("optimizer_jobs_submitted_total", "Jobs accepted (202)", ["kind"])
JOBS_FINISHED = Counter(
    "optimizer_jobs_finished_total", "Jobs finished by this process", ["kind", "status"]
)
JOB_SECONDS = Histogram(
    "optimizer_job_run_seconds",
    "Wall time of one job attempt in this process",
    ["kind"],
    buckets=(0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600),
)


class JobStatusCollector(Collector):
    """`optimizer_jobs{status=...}`: the number of jobs in each status, from the store."""

    def __init__(self, counts: Callable[[], dict[str, int]]) -> None:
        self.counts = counts

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "optimizer_jobs", "Jobs in the store by status", labels=["status"]
        )
        counts = self.counts()
        for status in ("queued", "running", "done", "failed", "cancelled"):
            family.add_metric([status], counts.get(status, 0))
        yield family


def app_registry(counts: Callable[[], dict[str, int]]) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(JobStatusCollector(counts))
    return registry
