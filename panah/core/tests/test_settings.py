"""Settings come only from PANAH_* variables; production refuses to start without its secrets."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from panah import settings as panah_settings

ROOT = Path(panah_settings.BASE_DIR).parent
MISSING_ALL = (
    "django.core.exceptions.ImproperlyConfigured: Panah is in production mode but these settings "
    "are missing: PANAH_SECRET_KEY, PANAH_ALLOWED_HOSTS, PANAH_DATABASE_URL, "
    "PANAH_MASTER_KEY_FILE. See .env.example and docs/deploy.md."
)


def run(tmp_path: Path, *args: str, **variables: str) -> subprocess.CompletedProcess:
    """Run Python in a fresh process with exactly these PANAH_* variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PANAH_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="panah.settings", PANAH_VAR_DIR=str(tmp_path / "var"), **variables
    )
    return subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def setup(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess:
    return run(tmp_path, "-c", "import django; django.setup()", **variables)


def last_line(result: subprocess.CompletedProcess) -> str:
    return result.stderr.strip().splitlines()[-1]


@pytest.fixture
def production(tmp_path) -> dict[str, str]:
    """Every variable production needs, with a real keyring and a SQLite database."""
    from panah.core.crypto.keys import new_master_key, write_keyring

    key_file = tmp_path / "master.key"
    write_keyring(key_file, (new_master_key(),))
    return {
        "PANAH_MODE": "production",
        "PANAH_SECRET_KEY": secrets.token_urlsafe(64),
        "PANAH_ALLOWED_HOSTS": "panah.example.org",
        "PANAH_DATABASE_URL": f"sqlite:///{tmp_path / 'panah.sqlite3'}",
        "PANAH_MASTER_KEY_FILE": str(key_file),
    }


def test_production_without_any_secret_refuses_to_start_and_names_them_all(tmp_path):
    result = setup(tmp_path, PANAH_MODE="production")

    assert result.returncode == 1
    assert last_line(result) == MISSING_ALL


@pytest.mark.parametrize(
    "left_out",
    ["PANAH_SECRET_KEY", "PANAH_ALLOWED_HOSTS", "PANAH_DATABASE_URL", "PANAH_MASTER_KEY_FILE"],
)
def test_production_names_the_one_missing_variable(left_out, tmp_path, production):
    del production[left_out]

    result = setup(tmp_path, **production)

    assert result.returncode == 1
    assert last_line(result) == (
        "django.core.exceptions.ImproperlyConfigured: Panah is in production mode but these "
        f"settings are missing: {left_out}. See .env.example and docs/deploy.md."
    )


def test_an_empty_secret_key_file_counts_as_missing(tmp_path, production):
    empty = tmp_path / "secret_key"
    empty.write_text("\n")
    del production["PANAH_SECRET_KEY"]

    result = setup(tmp_path, **production, PANAH_SECRET_KEY_FILE=str(empty))

    assert last_line(result).endswith(
        "missing: PANAH_SECRET_KEY. See .env.example and docs/deploy.md."
    )


def test_an_unreadable_secret_file_is_named(tmp_path, production):
    del production["PANAH_SECRET_KEY"]
    absent = tmp_path / "nowhere" / "secret_key"

    result = setup(tmp_path, **production, PANAH_SECRET_KEY_FILE=str(absent))

    assert result.returncode == 1
    assert last_line(result) == (
        f"django.core.exceptions.ImproperlyConfigured: PANAH_SECRET_KEY_FILE points to "
        f"'{absent}', which cannot be read: [Errno 2] No such file or directory: '{absent}'"
    )


def test_secrets_may_come_from_files(tmp_path, production):
    key_file = tmp_path / "secret_key"
    key_file.write_text(production.pop("PANAH_SECRET_KEY") + "\n")
    url_file = tmp_path / "database_url"
    url_file.write_text(production.pop("PANAH_DATABASE_URL"))
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(len(s.SECRET_KEY), s.DATABASES['default']['NAME'])"
    )

    result = run(
        tmp_path,
        "-c",
        code,
        **production,
        PANAH_SECRET_KEY_FILE=str(key_file),
        PANAH_DATABASE_URL_FILE=str(url_file),
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        str(len(key_file.read_text().strip())),
        str(tmp_path / "panah.sqlite3"),
    ]


def test_an_unknown_mode_is_refused(tmp_path):
    result = setup(tmp_path, PANAH_MODE="staging")

    assert result.returncode == 1
    assert last_line(result) == (
        "django.core.exceptions.ImproperlyConfigured: "
        "PANAH_MODE must be 'demo' or 'production', not 'staging' "
        "(on a server, load its environment file: see docs/deploy.md)."
    )


@pytest.mark.parametrize("mode", [None, ""])
def test_a_missing_or_empty_mode_is_refused_even_with_every_production_setting(
    mode, tmp_path, production
):
    # The environment file half loaded: a production database must not get demo settings.
    del production["PANAH_MODE"]
    if mode is not None:
        production["PANAH_MODE"] = mode

    result = setup(tmp_path, **production)

    assert result.returncode == 1
    assert last_line(result) == (
        "django.core.exceptions.ImproperlyConfigured: "
        "PANAH_MODE must be 'demo' or 'production', but it is not set "
        "(on a server, load its environment file: see docs/deploy.md)."
    )
    assert not (tmp_path / "var" / "demo-secret-key").exists()


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("changeme", "it has 8 characters, fewer than 50"),
        ("x" * 64, "it uses only 1 different characters"),
        ("changeme" * 8, "it uses only 7 different characters"),
        ("0123456789" * 6, "it repeats the same 10 characters"),
        (
            "django-insecure-8k2#q0v!x7m$w4z@p1r&t6y^u3n*b5c(d9e)f0g-h2j_k",
            "it is the insecure key Django generates",
        ),
    ],
    ids=["short", "one character", "few characters", "a pattern", "django-insecure"],
)
def test_production_refuses_a_weak_secret_key(key, reason, tmp_path, production):
    production["PANAH_SECRET_KEY"] = key

    result = setup(tmp_path, **production)

    assert result.returncode == 1
    assert last_line(result).startswith(
        "django.core.exceptions.ImproperlyConfigured: "
        f"PANAH_SECRET_KEY is too weak for production: {reason}"
    )
    assert key not in result.stderr


@pytest.mark.parametrize("make", [secrets.token_hex, secrets.token_urlsafe], ids=["hex", "urlsafe"])
def test_production_accepts_the_keys_the_documentation_suggests(make, tmp_path, production):
    production["PANAH_SECRET_KEY"] = make(32) if make is secrets.token_hex else make(50)

    assert setup(tmp_path, **production).returncode == 0


def test_production_refuses_to_start_with_debug_on(tmp_path, production):
    result = setup(tmp_path, **production, PANAH_DEBUG="True")

    assert result.returncode == 1
    assert last_line(result).startswith(
        "django.core.exceptions.ImproperlyConfigured: PANAH_DEBUG is True, which production refuses"
    )


def test_the_production_server_refuses_to_start_without_its_master_key_file(tmp_path, production):
    absent = tmp_path / "keys" / "master.key"
    production["PANAH_MASTER_KEY_FILE"] = str(absent)

    server = run(tmp_path, "-c", "import panah.wsgi", **production)
    deploy_check = run(tmp_path, "-m", "panah", "check", "--deploy", **production)

    assert server.returncode == 1
    assert last_line(server) == (
        f"django.core.exceptions.ImproperlyConfigured: PANAH_MASTER_KEY_FILE names {absent}, "
        "which does not exist: production does not start without its master keyring. Create "
        "it once with `panah keys init`, or put it back from the escrow (docs/operations.md)."
    )
    assert deploy_check.returncode == 1
    assert f"(panah.E001) PANAH_MASTER_KEY_FILE names {absent}, which does not exist." in (
        deploy_check.stderr
    )


def test_the_production_server_starts_with_its_master_key_file(tmp_path, production):
    result = run(tmp_path, "-c", "import panah.wsgi", **production)

    assert result.returncode == 0, result.stderr


def test_the_server_loads_the_pages_before_gunicorn_forks_its_workers(tmp_path, production):
    # What the WSGI module loads, gunicorn's master loads once for every worker (preload_app);
    # otherwise each worker imported the URLconf and the statistics libraries on a member's request.
    code = (
        "import sys, panah.wsgi; print('panah.urls' in sys.modules, 'statsmodels' in sys.modules)"
    )
    result = run(tmp_path, "-c", code, **production)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]


@pytest.mark.parametrize("entry", ["nginx", "10.1.2.3/8", "localhost"])
def test_the_trusted_proxies_must_be_addresses_networks_or_the_unix_socket(entry, tmp_path):
    code = "import django; django.setup(); from django.conf import settings as s; print(s.TRUSTED_PROXIES)"

    good = run(
        tmp_path, "-c", code, PANAH_MODE="demo", PANAH_TRUSTED_PROXIES="unix, 10.0.0.0/8,::1,"
    )
    bad = setup(tmp_path, PANAH_MODE="demo", PANAH_TRUSTED_PROXIES=f"unix,{entry}")

    assert good.stdout.strip() == "['unix', '10.0.0.0/8', '::1']"
    assert last_line(bad) == (
        "django.core.exceptions.ImproperlyConfigured: PANAH_TRUSTED_PROXIES must list 'unix' "
        f"and/or IP addresses or networks, separated by commas; {entry!r} is neither."
    )


def test_a_boolean_variable_other_than_true_or_false_stops_the_start(tmp_path):
    result = setup(tmp_path, PANAH_MODE="demo", PANAH_DEBUG="yes")

    assert last_line(result) == (
        "django.core.exceptions.ImproperlyConfigured: PANAH_DEBUG must be True or False, not 'yes'."
    )


def test_demo_mode_starts_with_no_other_variable(tmp_path):
    code = "import django; django.setup(); from django.conf import settings as s; print(s.DEMO, s.DEBUG)"

    result = run(tmp_path, "-c", code, PANAH_MODE="demo")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "False"]
    assert (tmp_path / "var" / "demo-secret-key").stat().st_mode & 0o777 == 0o600


def test_the_deployment_check_is_clean_in_production(tmp_path, production):
    result = run(
        tmp_path, "-m", "panah", "check", "--deploy", "--fail-level", "WARNING", **production
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (1 silenced)."


@pytest.mark.parametrize(("word", "value"), [("True", True), ("False", False)])
def test_env_bool_accepts_true_and_false(word, value, monkeypatch):
    monkeypatch.setenv("PANAH_TEST_FLAG", word)

    assert panah_settings.env_bool("PANAH_TEST_FLAG", not value) is value


@pytest.mark.parametrize("word", ["true", "false", "1", "0", "yes", "no", "on", "TRUE", " True"])
def test_env_bool_refuses_anything_else(word, monkeypatch):
    monkeypatch.setenv("PANAH_TEST_FLAG", word)

    with pytest.raises(ImproperlyConfigured) as refused:
        panah_settings.env_bool("PANAH_TEST_FLAG", False)

    assert str(refused.value) == f"PANAH_TEST_FLAG must be True or False, not {word!r}."


@pytest.mark.parametrize("unset", [None, ""])
def test_env_bool_falls_back_to_its_default_when_unset(unset, monkeypatch):
    if unset is None:
        monkeypatch.delenv("PANAH_TEST_FLAG", raising=False)
    else:
        monkeypatch.setenv("PANAH_TEST_FLAG", unset)

    assert panah_settings.env_bool("PANAH_TEST_FLAG", True) is True


def test_env_int_refuses_a_word(monkeypatch):
    monkeypatch.setenv("PANAH_TEST_NUMBER", "seven")

    with pytest.raises(ImproperlyConfigured) as refused:
        panah_settings.env_int("PANAH_TEST_NUMBER", 7)

    assert str(refused.value) == "PANAH_TEST_NUMBER must be a whole number, not 'seven'."


def test_the_settings_module_reads_no_variable_outside_panah():
    source = (ROOT / "panah" / "settings.py").read_text()
    names = {
        a or b
        for a, b in re.findall(r'env_\w+\(\s*f?"([A-Z_]+)|os\.environ\.get\("([A-Z_]+)"', source)
    }

    assert "PANAH_MODE" in names
    assert sorted(n for n in names if not n.startswith("PANAH_")) == []
