"""Rendering one cycle's view: family by family, both formats, the same bytes as one
whole-registry render by prometheus_client."""

from __future__ import annotations

import gzip
import platform
from collections.abc import Iterator
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import Metric
from prometheus_client.openmetrics import exposition as openmetrics
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from exporter.metrics import exposition, sample_lines
from exporter.metrics.families import GaugeRows
from exporter.simulator.config import SimulatorConfig
from exporter.simulator.simulator import Simulator
from exporter.view import View
from tests.conftest import InProcess, sim_config


class _Families:
    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterator[Metric]:
        yield from self._families


@pytest.fixture(scope="module")
def view() -> View:
    config = SimulatorConfig(seed=3, scopes=4, defects=2000, incidents=40, slos_per_scope=80)
    with Simulator(config) as sim:
        run = InProcess(
            sim_config(
                sim,
                causely={"scopes": "discover", "explained_services": {"enabled": True}},
                causeflow={"enabled": True},
            )
        )
        views: list[Any] = []
        render = run.collector._publisher._render

        def keep(view: Any) -> Any:
            views.append(view)
            return render(view)

        run.collector._publisher._render = keep  # type: ignore[method-assign]
        snapshot = run.collector.collect_once()
    assert snapshot.ok and len(views) == 1
    result: View = views[0]
    return result


def test_streamed_render_equals_a_whole_registry_render(view: View) -> None:
    families = list(exposition.view_families(view)) + list(exposition.runtime_families())
    assert any(isinstance(family, GaugeRows) for family in families)
    # The library renders what GaugeRows stands for: the same family, built sample by sample.
    as_library = [f.metric() if isinstance(f, GaugeRows) else f for f in families]
    whole = CollectorRegistry(auto_describe=False)
    whole.register(_Families(as_library))
    rendered = exposition.write(families)

    text = generate_latest(whole)
    assert len(text) > 100_000
    assert rendered.body == text
    assert gzip.decompress(rendered.gzip_body) == text

    om = openmetrics.generate_latest(whole)  # type: ignore[no-untyped-call]
    assert rendered.openmetrics_body == om
    assert gzip.decompress(rendered.openmetrics_gzip_body) == om
    assert om.endswith(b"\n# EOF\n") and om.count(b"# EOF") == 1


def test_openmetrics_body_passes_the_strict_parser(view: View) -> None:
    rendered = exposition.render(view)
    # The client library's OpenMetrics parser raises on anything the format forbids
    # (a missing EOF, a counter sample without _total, a bad escape, a duplicate family).
    parsed = {f.name: f for f in text_string_to_metric_families(rendered.openmetrics_body.decode())}
    assert parsed["causely_exporter_api_requests"].type == "counter"
    assert all(s.name.endswith("_total") for s in parsed["causely_exporter_api_requests"].samples)
    assert parsed["causely_active_defects"].type == "gauge"


def test_process_and_python_metrics_and_build_info(view: View) -> None:
    body = exposition.render(view).body.decode()
    for name in (
        "process_cpu_seconds_total",
        "process_resident_memory_bytes",
        "process_start_time_seconds",
        "process_open_fds",
        "python_info{",
        "python_gc_collections_total{",
    ):
        assert f"\n{name}" in body, name
    build = f'causely_exporter_build_info{{python_version="{platform.python_version()}",'
    assert build in body


def _hostile_families() -> list[Metric | GaugeRows]:
    from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

    values = ['a"b', "back\\slash", "new\nline", "\\n literal", 'end\\"', "ünï ✓", "", "x" * 300]
    gauge = GaugeMetricFamily("hostile_values", 'help with "quotes" \\ and\nnewline', labels=["v"])
    for n, value in enumerate(values):
        gauge.add_metric([value], float(n))
    gauge.add_metric(["nan"], float("nan"))
    gauge.add_metric(["inf"], float("inf"))
    gauge.add_metric(["big"], 1.5e300)
    counter = CounterMetricFamily("hostile_seen", "counted", labels=["b", "a"])
    for value in values:
        counter.add_metric([value, value[::-1]], 3.0)
    created = CounterMetricFamily("with_created", "a created sample", labels=["k"])
    created.add_metric(["v"], 1.0, created=1700000000.0)
    colon = GaugeMetricFamily("with:colon", "a colon in the name", labels=["k"])
    colon.add_metric(['"'], 1.0)
    odd_label = Metric("odd_label", "a label name that needs quoting", "gauge")
    odd_label.add_sample("odd_label", {"la.bel": "x"}, 1.0)
    stamped = Metric("stamped", "a sample with a timestamp", "gauge")
    stamped.add_sample("stamped", {"k": "\n"}, 2.0, timestamp=12.5)
    unlabelled = GaugeMetricFamily("bare_gauge_seconds", "no labels", value=0.25, unit="seconds")
    # GaugeRows: written from its rows without samples; labels given out of name order.
    rows = GaugeRows(
        "hostile_rows",
        'rows with "quotes" \\ and\nnewline',
        ("v", "a"),
        lambda: (
            [((value, value[::-1]), float(n)) for n, value in enumerate(values)]
            + [(("nan", ""), float("nan")), (("big", "x"), 1.5e300)]
        ),
    )
    no_rows = GaugeRows("empty_rows", "no rows at all", ("scope",), lambda: [])
    bare_rows = GaugeRows("bare_rows", "no labels", (), lambda: [((), 7)])
    odd_rows = GaugeRows(
        "odd_rows", "a label name that needs quoting", ("la.bel",), lambda: [(("x",), 1)]
    )
    return [
        gauge,
        counter,
        created,
        colon,
        odd_label,
        stamped,
        unlabelled,
        rows,
        no_rows,
        bare_rows,
        odd_rows,
    ]


@pytest.mark.parametrize("fast_path", [True, False])
def test_hostile_label_values_render_as_the_library_renders_them(
    fast_path: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # fast_path False: a prometheus_client without the escaping function the fast path uses
    # (it is private to the library): every family is rendered by the library, same bytes.
    assert sample_lines.ESCAPE is not None  # fails loudly when a new prometheus_client drops it
    if not fast_path:
        monkeypatch.setattr(sample_lines, "ESCAPE", None)
    families = _hostile_families()
    whole = CollectorRegistry(auto_describe=False)
    whole.register(_Families([f.metric() if isinstance(f, GaugeRows) else f for f in families]))
    rendered = exposition.write(families)

    assert rendered.body == generate_latest(whole)
    om = openmetrics.generate_latest(whole)  # type: ignore[no-untyped-call]
    assert rendered.openmetrics_body == om
    # The escaped values survive the library's strict parser unchanged.
    parsed = {f.name: f for f in text_string_to_metric_families(om.decode())}
    got = {s.labels["v"] for s in parsed["hostile_values"].samples}
    assert {'a"b', "back\\slash", "new\nline", "\\n literal", 'end\\"', "ünï ✓"} <= got
    from_rows = {s.labels["v"] for s in parsed["hostile_rows"].samples}
    assert {'a"b', "back\\slash", "new\nline", "\\n literal", 'end\\"', "ünï ✓"} <= from_rows


def test_each_body_is_built_once_on_its_first_ask_and_then_shared(
    view: View, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    built: list[bool] = []
    real = exposition._gzip

    def counted(chunks: Any) -> bytes:
        built.append(True)
        return real(chunks)

    monkeypatch.setattr(exposition, "_gzip", counted)
    rendered = exposition.render(view)
    # What Prometheus asks for (OpenMetrics, gzip) is built by the render itself.
    assert len(built) == 1
    answers: list[bytes] = []
    scrapers = [
        threading.Thread(target=lambda: answers.append(rendered.openmetrics_gzip_body))
        for _ in range(8)
    ]
    for scraper in scrapers:
        scraper.start()
    for scraper in scrapers:
        scraper.join()
    # Eight concurrent scrapes of that format: no other gzip, the same bytes.
    assert len(built) == 1 and all(answer is answers[0] for answer in answers)
    assert gzip.decompress(answers[0]) == rendered.openmetrics_body
    assert rendered.openmetrics_body is rendered.openmetrics_body
    # The text format is built only when asked for, once.
    assert gzip.decompress(rendered.gzip_body) == rendered.body
    assert rendered.gzip_body is rendered.gzip_body and len(built) == 2


def test_every_format_shows_the_runtime_values_of_the_render(view: View) -> None:
    rendered = exposition.render(view)
    om = rendered.openmetrics_body.decode()
    # Asked for later, the text format still shows what the render read of the process.
    text = rendered.body.decode()
    om_lines = [line for line in om.splitlines() if line.startswith("process_")]
    text_lines = [line for line in text.splitlines() if line.startswith("process_")]
    assert om_lines and om_lines == text_lines


def test_a_family_that_cannot_be_rendered_fails_the_render_not_a_scrape() -> None:
    broken = GaugeRows("broken_rows", "a row short of a label", ("a", "b"), lambda: [(("x",), 1)])
    with pytest.raises(ValueError, match="broken_rows"):
        exposition.write([broken])
