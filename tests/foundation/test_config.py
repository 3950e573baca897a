"""Config files: ${ENV} substitution, schema validation with key paths, `config check`."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pagerduty_actions.cli import main
from pagerduty_actions.config import load_config
from pagerduty_actions.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


def test_defaults_without_a_file() -> None:
    config = load_config(None)
    assert (config.host, config.port) == ("127.0.0.1", 7077)
    assert config.database_url.startswith("sqlite:///")
    assert config.has_pagerduty_credentials is False


def test_env_substitution_and_escape(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "auth:\n  tokens:\n    - {name: backstage, token: '${PDA_TOKEN}'}\n"
        "pagerDuty: {apiToken: 'x${PD}y'}\n"
        "backstage: {baseUrl: 'https://b.example.com', token: '$${NOT_SUBSTITUTED}'}\n",
    )
    config = load_config(path, env={"PDA_TOKEN": "t" * 20, "PD": "-mid-"})
    assert config.auth_tokens[0]["token"] == "t" * 20
    assert config.section("pagerDuty")["apiToken"] == "x-mid-y"
    assert config.section("backstage")["token"] == "${NOT_SUBSTITUTED}"


def test_missing_env_var_names_the_key_path(tmp_path: Path) -> None:
    path = write(tmp_path, "pagerDuty:\n  apiToken: ${PAGERDUTY_TOKEN}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert "$.pagerDuty.apiToken: environment variable PAGERDUTY_TOKEN is not set" in str(
        info.value
    )


def test_every_missing_env_var_is_listed_at_once(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "pagerDuty:\n  apiToken: ${PD_TOKEN}\n  apiBaseUrl: ${PD_URL}\n"
        "backstage: {token: '${BS_TOKEN}'}\n",
    )
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    for name in ("PD_TOKEN", "PD_URL", "BS_TOKEN"):
        assert f"environment variable {name} is not set" in str(info.value)


def test_a_zero_schedule_is_refused_in_words(tmp_path: Path) -> None:
    path = write(tmp_path, "sync: {schedule: {every: 0s}}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert (
        "$.sync.schedule.every: must be a positive interval such as 90s, 30m or 1h, not '0s'"
        in (str(info.value))
    )


def test_a_final_line_break_does_not_pass_an_anchored_pattern(tmp_path: Path) -> None:
    # Python's re lets ``$`` match before a final line break; JSON Schema's ECMA-262 does not.
    path = write(tmp_path, 'sync: {schedule: {every: "5m\\n"}}\n')
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert "$.sync.schedule.every: must be a positive interval" in str(info.value)


def test_every_problem_is_listed_with_its_path(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "server: {port: 99999, hots: x}\n"
        "auth: {tokens: [{name: a, token: short}]}\n"
        "sync: {strategy: sometimes}\n"
        "database: {url: 'mysql://x'}\n",
    )
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    text = str(info.value)
    for fragment in (
        "$.server.hots: 'hots' is not a known property; did you mean 'host'? "
        "(known: host, port, threads, maxBodyBytes, maxHeaderBytes)",
        "$.server.port: 99999 is greater than the maximum of 65535",
        "$.auth.tokens[0].token: the value (not shown) is too short: auth tokens need at "
        "least 16 characters",
        "$.sync.strategy: 'sometimes' is not a sync strategy "
        "(allowed: 'backstage', 'pagerduty', 'both', 'disabled')",
        "$.database.url: 'mysql://x' does not match",
    ):
        assert fragment in text
    assert "'short'" not in text  # a secret is never echoed, even a bad one


def test_several_accounts_need_exactly_one_default(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "pagerDuty:\n  accounts:\n    - {id: us, apiToken: a}\n    - {id: eu, apiToken: b}\n",
    )
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert "exactly one needs isDefault: true (found 0)" in str(info.value)


def test_invalid_yaml_names_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "server:\n  port: [1, 2\n")
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert "line 3" in str(info.value) or "line 2" in str(info.value)


def test_config_check_command(tmp_path: Path) -> None:
    good = write(tmp_path, "server: {port: 8080}\n")
    result = CliRunner().invoke(main, ["config", "check", str(good)])
    assert result.exit_code == 0
    assert "OK" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("server: {port: -1}\n")
    result = CliRunner().invoke(main, ["config", "check", str(bad)])
    assert result.exit_code == 1
    assert "$.server.port: -1 is less than the minimum of 0" in result.output


def check(path: Path, env: dict[str, str] | None = None) -> list[str]:
    """``config check PATH``'s problems, one per line (it exits 1 when there are any)."""
    result = CliRunner().invoke(main, ["config", "check", str(path)], env=env or {})
    assert result.exit_code == 1, result.output
    return [line[4:] for line in result.output.splitlines() if line.startswith("  - ")]


def test_config_check_lists_missing_env_vars_with_every_other_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A missing variable used to stop the check before the schema was read: fixing it
    revealed the next problem, one run at a time."""
    monkeypatch.delenv("PD_TOKEN_FOR_CHECK", raising=False)
    path = write(
        tmp_path,
        "server: {port: 99999}\n"
        "pagerDuty: {apiToken: '${PD_TOKEN_FOR_CHECK}', apiBaseUrl: not a url}\n"
        "sync: {strategy: sometime}\n",
    )
    assert sorted(check(path)) == [
        "$.pagerDuty.apiBaseUrl: must be an absolute URL such as https://example.com, "
        "not 'not a url'",
        # and not also "'' should be non-empty": the empty value is the missing variable
        "$.pagerDuty.apiToken: environment variable PD_TOKEN_FOR_CHECK is not set",
        "$.server.port: 99999 is greater than the maximum of 65535",
        "$.sync.strategy: 'sometime' is not a sync strategy "
        "(allowed: 'backstage', 'pagerduty', 'both', 'disabled')",
    ]


def test_wrong_types_are_problems_not_a_crash(tmp_path: Path) -> None:
    """``accounts: 5`` made the cross-key rules iterate an int: a traceback instead of the
    list of problems."""
    path = write(
        tmp_path,
        "auth: {tokens: 5}\npagerDuty: {accounts: 5}\nintegrations: {github: x}\n",
    )
    assert check(path) == [
        "$.auth.tokens: 5 is not of type 'array'",
        "$.integrations.github: 'x' is not of type 'array'",
        "$.pagerDuty.accounts: 5 is not of type 'array'",
    ]


def test_base_urls_must_be_urls_a_client_can_call(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "pagerDuty:\n"
        "  accounts:\n"
        "    - {id: us, apiToken: a, isDefault: true, apiBaseUrl: 'https:///v2',"
        " eventsBaseUrl: 'ftp://events.example.com'}\n"
        "    - {id: eu, apiToken: b, apiBaseUrl: not a url}\n"
        "backstage: {baseUrl: 'localhost:7007'}\n",
    )
    assert check(path) == [
        "$.pagerDuty.accounts[1].apiBaseUrl: must be an absolute URL such as "
        "https://example.com, not 'not a url'",
        "$.pagerDuty.accounts[0].apiBaseUrl: must be an http(s) URL with a host name, "
        "not 'https:///v2'",
        "$.pagerDuty.accounts[0].eventsBaseUrl: must be an http(s) URL with a host name, "
        "not 'ftp://events.example.com'",
        "$.backstage.baseUrl: must be an http(s) URL with a host name, not 'localhost:7007'",
    ]
    fine = write(tmp_path, "backstage: {baseUrl: 'http://localhost:7007'}\n")
    assert CliRunner().invoke(main, ["config", "check", str(fine)]).exit_code == 0


def test_entity_page_read_only_is_a_boolean(tmp_path: Path) -> None:
    """``entityPage.readOnly`` is what the pages for people read to hide every write."""
    config = load_config(write(tmp_path, "entityPage: {readOnly: true}\n"), env={})
    assert config.section("entityPage")["readOnly"] is True
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, "entityPage: {readOnly: 'yes'}\n"), env={})
    assert "$.entityPage.readOnly" in str(info.value)
