"""Configuration: one YAML file, ``${ENV_VAR}`` substitution, validated by a JSON Schema.

It reads like Backstage's app-config on purpose: the ``pagerDuty`` keys are the ones the
PagerDuty Backstage plugin reads, so a platform team can paste them. A bad file stops start-up
with every offending key path at once, rather than failing on first use hours later.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from .errors import ConfigError
from .json_validators import Draft202012
from .paths import schema_path
from .validation import FORMAT_CHECKER, describe_errors

_ENV_PATTERN = re.compile(r"\$(\$)?\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass
class Config:
    """The validated configuration as plain data, with accessors for the common keys.

    Made by :func:`validate_config`, which fills in the schema's defaults (``default`` in
    ``schemas/config.schema.json``, the one place they are written): a key with a default is
    always present, so nothing here or elsewhere repeats a default value as a fallback.
    """

    data: dict[str, Any]
    source: str

    def section(self, key: str) -> dict[str, Any]:
        value = self.data.get(key)
        return dict(value) if isinstance(value, Mapping) else {}

    @property
    def host(self) -> str:
        return str(self.section("server")["host"])

    @property
    def port(self) -> int:
        return int(self.section("server")["port"])

    @property
    def threads(self) -> int:
        return int(self.section("server")["threads"])

    @property
    def max_body_bytes(self) -> int:
        return int(self.section("server")["maxBodyBytes"])

    @property
    def max_header_bytes(self) -> int:
        """The request line and headers together; waitress answers 431 past it."""
        return int(self.section("server")["maxHeaderBytes"])

    @property
    def data_dir(self) -> Path:
        return Path(str(self.data["dataDir"]))

    @property
    def database_url(self) -> str:
        url = self.section("database").get("url")
        if url:
            return str(url)
        return f"sqlite:///{(self.data_dir / 'pagerduty-actions.db').as_posix()}"

    @property
    def auth_tokens(self) -> list[dict[str, Any]]:
        return list(self.section("auth").get("tokens", []))

    @property
    def log_format(self) -> str:
        return str(self.section("logging")["format"])

    @property
    def log_level(self) -> str:
        return str(self.section("logging")["level"])

    @property
    def has_pagerduty_credentials(self) -> bool:
        pd = self.section("pagerDuty")
        return bool(pd.get("apiToken") or pd.get("oauth") or pd.get("accounts"))

    def with_overrides(self, **values: Any) -> Config:
        """A copy with top-level keys replaced (used by the CLI's flags)."""
        data = json.loads(json.dumps(self.data))
        data.update(values)
        return Config(data=with_defaults(data, config_schema()), source=self.source)


def substitute_env(value: Any, env: Mapping[str, str], path: str = "$") -> Any:
    """Replace ``${NAME}`` in every string; ``$${NAME}`` stays literal as ``${NAME}``.

    A missing variable is an error naming the key path, as Backstage does, rather than
    silently becoming an empty token; every missing one is listed, not just the first.
    """
    problems: list[tuple[str, str]] = []
    result = _substitute(value, env, path, problems)
    if problems:
        raise ConfigError([f"{where}: {problem}" for where, problem in problems])
    return result


def _substitute(
    value: Any, env: Mapping[str, str], path: str, problems: list[tuple[str, str]]
) -> Any:
    if isinstance(value, dict):
        return {k: _substitute(v, env, f"{path}.{k}", problems) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, env, f"{path}[{i}]", problems) for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value
    missing: list[str] = []

    def replace(match: re.Match[str]) -> str:
        escaped, name = match.group(1), match.group(2)
        if escaped:
            return "${" + name + "}"
        if name not in env:
            missing.append(name)
            return ""
        return env[name]

    result = _ENV_PATTERN.sub(replace, value)
    if missing:
        problems.append((path, f"environment variable {', '.join(missing)} is not set"))
    return result


@cache
def config_schema() -> dict[str, Any]:
    """``schemas/config.schema.json``: the keys, their checks and their defaults."""
    schema: dict[str, Any] = json.loads(
        schema_path("config.schema.json").read_text(encoding="utf-8")
    )
    return schema


def _schema_validator() -> Draft202012Validator:
    return Draft202012(config_schema(), format_checker=FORMAT_CHECKER)


def with_defaults(data: Mapping[str, Any], schema: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` with every absent key that has a ``default`` in ``schema`` set to it: the
    top-level keys and the keys of each top-level section (a section left out is made, so
    ``server.port`` has its default in a file without ``server``). Defaults deeper down, or
    behind a ``$ref``, are not applied: they belong to optional objects (an OAuth app, an
    account) whose absence means something."""
    filled = copy.deepcopy(dict(data))
    for key, sub in (schema.get("properties") or {}).items():
        if key not in filled and "default" in sub:
            filled[key] = copy.deepcopy(sub["default"])
        section_defaults = {
            name: prop["default"]
            for name, prop in (sub.get("properties") or {}).items()
            if "default" in prop
        }
        if not section_defaults:
            continue
        section = filled.setdefault(key, {})
        if isinstance(section, dict):
            for name, value in section_defaults.items():
                section.setdefault(name, copy.deepcopy(value))
    return filled


_SECRET_KEYS = frozenset(
    {"token", "apiToken", "clientSecret", "password", "encryptionKey", "previousEncryptionKeys"}
)


def validate_config(
    data: Mapping[str, Any], source: str = "config", *, unset: Mapping[str, str] | None = None
) -> Config:
    """Check ``data`` against the schema and the cross-key rules, raising one
    :class:`ConfigError` with every problem. ``unset`` maps the key paths whose environment
    variables are missing to that problem: those are reported, and the schema's complaint
    about the empty value left in their place is not (it would be the same fault twice)."""
    unset = unset or {}
    problems = [f"{where}: {problem}" for where, problem in unset.items()]
    found = [(d["path"], d["message"]) for d in describe_errors(_schema_validator(), data)]
    found += _semantic_problems(data)
    problems += [
        f"{where}: {_hide_secret(data, where, message)}"
        for where, message in found
        if not any(_within(where, missing) for missing in unset)
    ]
    if problems:
        raise ConfigError(problems, source)
    return Config(data=with_defaults(data, config_schema()), source=source)


def _within(path: str, ancestor: str) -> bool:
    return path == ancestor or path.startswith((f"{ancestor}.", f"{ancestor}["))


def _hide_secret(data: Mapping[str, Any], path: str, message: str) -> str:
    """A schema message quotes the offending value; for a secret, say what is wrong without it
    (``config check`` output lands in terminals and CI logs)."""
    names = re.findall(r"\.([^.\[]+)", path)  # a list item is hidden as its list's key is
    key = names[-1] if names else ""
    if key not in _SECRET_KEYS:
        return message
    value = _value_at(data, path)
    if isinstance(value, str) and value:
        message = message.replace(repr(value), "the value (not shown)")
    if message.endswith("is too short") and key == "token":
        message += ": auth tokens need at least 16 characters"
    return message


def _value_at(data: Any, path: str) -> Any:
    for part in re.findall(r"\.([^.\[]+)|\[(\d+)\]", path):
        key, index = part
        try:
            data = data[int(index)] if index else data[key]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _list_at(data: Mapping[str, Any], section: str, key: str) -> list[Any]:
    """``data[section][key]`` when both have the right type; the schema reports them if not
    (so one bad type is a problem in the list, not a crash that hides the others)."""
    parent = data.get(section)
    value = parent.get(key) if isinstance(parent, dict) else None
    return value if isinstance(value, list) else []


def _semantic_problems(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Rules a JSON Schema cannot say: unique names, a single default account, and base URLs
    a client can call."""
    problems: list[tuple[str, str]] = []
    tokens = _list_at(data, "auth", "tokens")
    names = [str(t.get("name")) for t in tokens if isinstance(t, dict)]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(("$.auth.tokens", f"the name {name!r} is used more than once"))
    accounts = _list_at(data, "pagerDuty", "accounts")
    ids = [str(a.get("id")) for a in accounts if isinstance(a, dict)]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(("$.pagerDuty.accounts", f"the id {dup!r} is used more than once"))
    defaults = [a for a in accounts if isinstance(a, dict) and a.get("isDefault")]
    if len(accounts) > 1 and len(defaults) != 1:
        problems.append(
            (
                "$.pagerDuty.accounts",
                f"with several accounts exactly one needs isDefault: true (found {len(defaults)})",
            )
        )
    for i, account in enumerate(accounts):
        if isinstance(account, dict) and not (account.get("apiToken") or account.get("oauth")):
            problems.append((f"$.pagerDuty.accounts[{i}]", "needs apiToken or oauth"))
    problems += _base_url_problems(data)
    return problems


def _base_urls(data: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """Every configured URL the server calls, with its key path."""
    found: list[tuple[str, Any]] = []
    pd = data.get("pagerDuty")
    entries = [("$.pagerDuty", pd)] + [
        (f"$.pagerDuty.accounts[{i}]", a)
        for i, a in enumerate(_list_at(data, "pagerDuty", "accounts"))
    ]
    for where, entry in entries:
        if not isinstance(entry, dict):
            continue
        found += [(f"{where}.{k}", entry[k]) for k in ("apiBaseUrl", "eventsBaseUrl") if k in entry]
        oauth = entry.get("oauth")
        if isinstance(oauth, dict) and "identityUrl" in oauth:
            found.append((f"{where}.oauth.identityUrl", oauth["identityUrl"]))
    backstage = data.get("backstage")
    if isinstance(backstage, dict) and "baseUrl" in backstage:
        found.append(("$.backstage.baseUrl", backstage["baseUrl"]))
    for kind in ("github", "gitlab"):
        for i, host in enumerate(_list_at(data, "integrations", kind)):
            if isinstance(host, dict) and "apiBaseUrl" in host:
                found.append((f"$.integrations.{kind}[{i}].apiBaseUrl", host["apiBaseUrl"]))
    return found


def _base_url_problems(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A base URL must be http(s) with a host. The schema's ``format: uri`` refuses what is
    no URL at all (``not a url``); this refuses URLs no HTTP client can call (``ftp://x``,
    ``https:///path``), which are URIs all the same."""
    problems = []
    for where, value in _base_urls(data):
        if not isinstance(value, str) or not FORMAT_CHECKER.conforms(value, "uri"):
            continue  # the schema reports it
        parts = urlsplit(value)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            problems.append(
                (where, f"must be an http(s) URL with a host name, not {_shown_url(value)}")
            )
    return problems


def _shown_url(value: str) -> str:
    """The URL quoted without user-info (a password written into a URL stays out of logs)."""
    parts = urlsplit(value)
    if parts.username is None and parts.password is None:
        return repr(value)
    host = parts.hostname or ""
    return repr(parts._replace(netloc=f"***@{host}").geturl())


def load_config(path: str | Path | None, env: Mapping[str, str] | None = None) -> Config:
    """Read, substitute and validate ``path``; ``None`` gives the embedded defaults."""
    env = os.environ if env is None else env
    if path is None:
        return validate_config({}, "embedded defaults")
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([f"cannot read the file: {exc.strerror}"], source) from None
    try:
        raw = YAML(typ="safe", pure=True).load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([f"{where}not valid YAML ({problem})"], source) from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(["$: the file must hold a mapping of keys"], source)
    unset: list[tuple[str, str]] = []
    substituted = _substitute(raw, env, "$", unset)
    return validate_config(substituted, source, unset=dict(unset))
