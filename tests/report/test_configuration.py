"""The configuration table: every field of every stage, per run directory, differing rows marked."""

import dataclasses

from sgdfp.report.configuration import config_rows
from sgdfp.report.sources import load_sources


def test_every_configuration_field_is_shown_under_its_stage(runs):
    sources = load_sources(list(runs))
    rows = config_rows(sources)
    by_key = {r.key: r for r in rows if not r.heading}
    headings = [r.label for r in rows if r.heading]
    assert headings[:5] == ["Data and model", "Configuration", "Configuration: reference point",
                            "Configuration: curvature statistics", "Configuration: replica ensembles"]
    for source in sources:
        config = source.results.config
        for stage in ("reference", "curvature", "ensemble"):
            for field in dataclasses.fields(getattr(config, stage)):
                assert by_key[f"config.{stage}.{field.name}"].values[source.slug] == getattr(getattr(config, stage),
                                                                                             field.name)
        for name in ("preset", "device", "seed", "samples", "dtype"):
            assert by_key[f"config.{name}"].values[source.slug] == getattr(config, name)
        assert by_key["device"].values[source.slug] == source.results.device
        assert by_key["directory"].values[source.slug] == str(source.path)
        assert by_key["versions.torch"].values[source.slug] == source.results.versions["torch"]
    # a stage's rows follow its heading
    position = [r.label for r in rows].index("Configuration: replica ensembles")
    assert [r.key for r in rows[position + 1:position + 3]] == ["config.ensemble.lr", "config.ensemble.batch_size"]


def test_rows_that_differ_between_runs_are_marked(runs):
    sources = load_sources(list(runs))
    by_key = {r.key: r for r in config_rows(sources) if not r.heading}
    assert by_key["config.preset"].marked == {s.slug: "diff" for s in sources}  # mnist-mlp against digits-mlp
    assert by_key["config.ensemble.replicas"].marked == {}  # the same in both
    cells = by_key["dataset.source"].cells(sources)
    assert all("path" in c.classes for c in cells)
    single = config_rows(sources[:1])
    assert all(not r.marked for r in single)
