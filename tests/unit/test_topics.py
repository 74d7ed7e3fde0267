from __future__ import annotations

from errorstream.config import load_settings
from errorstream.schemas.catalogue import default_catalogue
from errorstream.streams.topics import BY_NAME, CATALOGUE, KEEP_FOREVER


def test_topic_names_are_unique() -> None:
    assert len(BY_NAME) == len(CATALOGUE)


def test_event_topics_keep_everything_and_configuration_topics_are_compacted() -> None:
    for spec in CATALOGUE:
        config = spec.config()
        if spec.compacted:
            assert config["cleanup.policy"] == "compact", spec.name
            assert spec.name.endswith(".configured")
        elif not spec.inbound:
            assert config["cleanup.policy"] == "delete"
            assert spec.retention_ms == KEEP_FOREVER
            assert config["retention.ms"] == "-1"


def test_every_topic_event_has_a_schema_once_schemas_exist() -> None:
    known = set(default_catalogue().event_types)
    carried = {event for spec in CATALOGUE for event in spec.events}
    # Every event type with a schema travels on some topic.
    assert known <= carried | {"ErrorDetected"}


def test_prefix_applies_to_every_topic() -> None:
    settings = load_settings(topic_prefix="staging.")
    assert all(settings.topic(spec.name).startswith("staging.") for spec in CATALOGUE)
    assert load_settings().topic("error.detected") == "error.detected"


def test_partition_count_comes_from_settings_unless_fixed() -> None:
    settings = load_settings(topic_partitions=9)
    for spec in CATALOGUE:
        expected = spec.partitions or 9
        assert spec.partition_count(settings) == expected
