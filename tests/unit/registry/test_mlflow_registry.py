"""The MLflow mirror on a real sqlite store: one version per GTO version, whatever happens."""

from __future__ import annotations

import pytest

from flight_delay.registry import mlflow_registry as mr
from flight_delay.registry.tag_events import RegistryError
from flight_delay.revisions.model_lineage import Lineage

NAME = "flight-delay"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """An MlflowClient on a fresh sqlite store, and the URI of one small logged model."""
    import mlflow
    from sklearn.linear_model import LogisticRegression

    root = tmp_path_factory.mktemp("mlflow")
    mlflow.set_tracking_uri(f"sqlite:///{root / 'mlflow.db'}")
    mlflow.create_experiment("registry-test", artifact_location=(root / "mlruns").as_uri())
    mlflow.set_experiment("registry-test")
    with mlflow.start_run():
        model = LogisticRegression().fit([[0.0], [1.0]], [0, 1])
        info = mlflow.sklearn.log_model(
            model, name="model", serialization_format="skops", pip_requirements=[]
        )
    return mlflow.MlflowClient(), f"models:/{info.model_id}"


def tags(version: str, md5: str = "a" * 32) -> dict[str, str]:
    return {mr.VERSION_TAG: version, "model_md5": md5}


def test_registering_the_same_version_twice_keeps_one(store):
    client, source = store
    first, created = mr.register_version(client, NAME, "desc", tags("v1.0.0"), source)
    again, created_again = mr.register_version(client, NAME, "desc", tags("v1.0.0"), source)
    assert created and not created_again
    assert again.version == first.version
    found = client.search_model_versions(f"name = '{NAME}' and tags.gto_version = 'v1.0.0'")
    assert len(found) == 1
    assert client.get_registered_model(NAME).description == "desc"


def test_the_same_version_with_another_model_is_refused(store):
    client, source = store
    first, _ = mr.register_version(client, NAME, "desc", tags("v1.1.0"), source)
    same = Lineage("f" * 40, "a" * 32, "", "", {})
    assert mr.existing_version(client, NAME, "v1.1.0", same).version == first.version
    moved = Lineage("f" * 40, "b" * 32, "", "", {})  # the tag now names another model
    with pytest.raises(RegistryError, match=r"already has flight-delay v1.1.0 .* not bbbb"):
        mr.existing_version(client, NAME, "v1.1.0", moved)
    assert mr.existing_version(client, NAME, "v0.0.1", moved) is None


def test_two_racing_registrations_converge_on_the_oldest(store):
    import mlflow

    client, source = store
    winner = mlflow.register_model(source, NAME, tags=tags("v2.0.0"))
    loser = mlflow.register_model(source, NAME, tags=tags("v2.0.0"))  # registered meanwhile
    kept, created = mr.converge(client, NAME, "v2.0.0", str(loser.version))
    assert kept.version == winner.version and not created
    found = client.search_model_versions(f"name = '{NAME}' and tags.gto_version = 'v2.0.0'")
    assert [v.version for v in found] == [winner.version]


def test_moving_an_alias_reports_where_it_pointed_before(store):
    client, source = store
    one, _ = mr.register_version(client, NAME, "desc", tags("v3.0.0"), source)
    two, _ = mr.register_version(client, NAME, "desc", tags("v3.1.0"), source)
    assert mr.move_alias(client, NAME, "staging", one, "flight-delay#staging#1") is None
    assert mr.move_alias(client, NAME, "staging", two, "flight-delay#staging#2") == str(one.version)
    assert mr.stage_aliases(client, NAME)["staging"] == str(two.version)
    assert mr.gto_version_of(client, NAME, str(two.version)) == "v3.1.0"
    assert client.get_model_version(NAME, two.version).tags["gto_assignment:staging"] == (
        "flight-delay#staging#2"
    )


def test_an_unknown_model_has_no_aliases_and_no_versions(store):
    client, _ = store
    assert mr.stage_aliases(client, "no-such-model") == {}
    assert mr.find_version(client, "no-such-model", "v1.0.0") is None
