"""The Cloud Functions' settings: ``Config.from_env`` reads SHEETSYNC_* and checks their form."""

from __future__ import annotations

import pytest

from sheetsync.config import DEFAULT_WORKBOOK, Config
from sheetsync.errors import ConfigError


def test_config_defaults():
    config = Config.from_env({})
    assert config.backend == "local"
    assert config.workbook == DEFAULT_WORKBOOK
    assert config.addon_time_budget_s == 25
    assert config.log_level == "INFO"
    assert not config.scheduler_check


@pytest.mark.parametrize(
    ("environ", "words"),
    [
        ({"SHEETSYNC_BACKEND": "cloud"}, "SHEETSYNC_BACKEND"),
        ({"SHEETSYNC_ADDON_TIME_BUDGET_S": "soon"}, "number"),
        ({"SHEETSYNC_ADDON_TIME_BUDGET_S": "-1"}, "positive"),
        ({"SHEETSYNC_LOG_LEVEL": "LOUD"}, "SHEETSYNC_LOG_LEVEL"),
        ({"SHEETSYNC_SCHEDULER_AUDIENCE": "https://x"}, "together"),
    ],
)
def test_config_rejects_malformed_values(environ, words):
    with pytest.raises(ConfigError, match=words):
        Config.from_env(environ)


def test_config_repr_hides_secrets():
    config = Config.from_env(
        {
            "SHEETSYNC_BACKEND": "Google",
            "SHEETSYNC_ACCESS_TOKEN": "secret-token",
            "SHEETSYNC_DELEGATE_SUBJECT": "alex@brightside.example",
            "SHEETSYNC_ADDON_TIME_BUDGET_S": "7.5",
        }
    )
    assert config.backend == "google" and config.addon_time_budget_s == 7.5
    assert "secret-token" not in repr(config) and "alex@" not in repr(config)
