"""The `registry` commands on a fresh instance: the schema first (or one line saying what to
run), quiet output (the result only; --verbose for INFO), pasteable hints."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

from flask_migrate import downgrade

from tests.conftest import ROOT, make_app


def _fresh_app(tmp_path):
    return make_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'fresh.db'}"})


def test_a_command_on_an_empty_database_creates_the_schema_first(tmp_path):
    fresh = _fresh_app(tmp_path)
    with fresh.app_context():
        result = fresh.test_cli_runner().invoke(args=["registry", "demo-data"])
    assert result.exit_code == 0, result.output
    assert "The database was empty: its tables and the first pledge were created." in result.output
    assert "Demo data: created" in result.output and "Traceback" not in result.output


def test_a_database_behind_the_migrations_says_what_to_run(tmp_path):
    fresh = _fresh_app(tmp_path)
    runner = fresh.test_cli_runner()
    with fresh.app_context():
        assert runner.invoke(args=["registry", "outbox"]).exit_code == 0
        downgrade(revision="-1")
        result = runner.invoke(args=["registry", "create-user", "a@example.org"], input="x\n")
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "not up to date" in lines[0] and "db upgrade" in lines[0]


def _flask(tmp_path, *args):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "LOG_LEVEL")}
    env["INSTANCE_PATH"] = str(tmp_path / "instance")
    return subprocess.run(
        [str(ROOT / ".venv/bin/flask") if (ROOT / ".venv/bin/flask").exists() else "flask",
         "--app", "app", "registry", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_commands_print_their_result_only_and_verbose_adds_the_log(tmp_path):
    quiet = _flask(tmp_path, "outbox")
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout == "Delivered 0 messages.\n"
    assert quiet.stderr.strip() == (
        "The database was empty: its tables and the first pledge were created."
    )


def test_verbose_shows_the_log_at_info(app, db):
    root = logging.getLogger()
    before = root.level
    root.setLevel(logging.WARNING)
    try:
        result = app.test_cli_runner().invoke(args=["registry", "--verbose", "outbox"])
        assert result.exit_code == 0 and root.level == logging.INFO
    finally:
        root.setLevel(before)


def test_hints_can_be_pasted_as_printed(app, monkeypatch):
    from registry.cli import command_line

    monkeypatch.chdir(ROOT)
    with app.test_request_context():
        line = command_line("registry create-user you@example.org --role admin")
    program, rest = line.split(" ", 1)
    assert rest == "--app app registry create-user you@example.org --role admin"
    flask = Path(sys.executable).with_name("flask")
    assert (ROOT / program).resolve() == flask.resolve()  # e.g. .venv/bin/flask


def test_a_command_speaks_the_language_asked_for(app, pledge, monkeypatch):
    """--lang, else REGISTRY_LANG, else the POSIX locale: the one-line reason of a bad argument
    and the summary of a success are in that language; the exit code says the same."""
    runner = app.test_cli_runner()
    for variable in ("REGISTRY_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    window = ["window", "open", "--pledge", pledge.slug, "--kind", "signature"]
    french = runner.invoke(args=["registry", "--lang", "fr", *window, "--until", "31/03/2027"])
    assert french.exit_code == 1
    assert french.output == "Erreur : --until '31/03/2027' n’est pas une date comme 2027-03-31\n"
    monkeypatch.setenv("LANG", "es_ES.UTF-8")
    spanish = runner.invoke(args=["registry", "remind", "--pledge", "no-such-pledge"])
    assert spanish.exit_code == 1
    assert spanish.output == "Error: ninguna promesa tiene el identificador 'no-such-pledge'\n"
    monkeypatch.setenv("REGISTRY_LANG", "ar")  # outvotes LANG
    arabic = runner.invoke(args=["registry", "outbox"])
    assert arabic.exit_code == 0 and arabic.output == "لم تُسلَّم أي رسالة.\n"
    english = runner.invoke(args=["registry", "--lang", "en", "outbox"])
    assert english.output == "Delivered 0 messages.\n"
    unknown = runner.invoke(args=["registry", "--lang", "de", "outbox"])
    assert unknown.exit_code == 1 and unknown.output == (
        "Error: --lang 'de' is not one of en, fr, es, ar\n"
    )
    # The language lasts for the command only: the next one (no variable) is English again.
    monkeypatch.delenv("REGISTRY_LANG")
    monkeypatch.delenv("LANG")
    assert runner.invoke(args=["registry", "outbox"]).output == "Delivered 0 messages.\n"


def test_an_import_refused_in_french_names_the_row_and_the_reason(app, db, tmp_path):
    bad = tmp_path / "organisations.csv"
    bad.write_text(
        "external_ref,name,stakeholder_type\nORG-1,Radio Kakuma,national_ngo\nORG-2,X,bogus\n"
    )
    result = app.test_cli_runner().invoke(
        args=["registry", "--lang", "fr", "import", str(bad), "--dry-run"]
    )
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == "ligne 2 (ORG-1) : créer"
    assert lines[1].startswith("ligne 3 (ORG-2) : erreur — stakeholder_type")
    assert lines[2] == (
        "2 lignes organisations : 1 à créer, 0 à mettre à jour, 0 sans changement, "
        "0 en doublon probable, 1 en erreur"
    )
    assert lines[3] == "Erreur : 1 ligne est à corriger (voir ci-dessus) ; rien n’a été importé"
