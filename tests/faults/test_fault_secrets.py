"""Secrets in logs: redacted in every report, near-misses left alone, kept only on request."""

from __future__ import annotations

import json
import re
from pathlib import Path

import orjson
import pytest
from _fault_support import run_cli

from testtriage.core.safety import redact

Capture = pytest.CaptureFixture[bytes]
MARKER = "[REDACTED"
"""How every redaction starts (`[REDACTED]`, `[REDACTED:jwt]`, ...)."""

PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n"
    "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n"
    "-----END RSA PRIVATE KEY-----"
)

# (line, the secret part that must disappear)
POSITIVES = {
    "jwt": (
        "auth failed for token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlLXZhbHVl",
        "c2lnbmF0dXJlLXZhbHVl",
    ),
    "bearer": ("Authorization: Bearer abcdef0123456789ABCDEFxyz", "abcdef0123456789ABCDEFxyz"),
    "basic": ("Authorization: Basic dXNlcjpwYXNzd29yZDEyMw==", "dXNlcjpwYXNzd29yZDEyMw"),
    "postgres-url": ("DATABASE_URL=postgres://app:s3cr3tP4ss@db.internal:5432/app", "s3cr3tP4ss"),
    "mysql-url": ("connecting to mysql://root:r00tpw123@127.0.0.1:3306/test", "r00tpw123"),
    "redis-url-password-only": ("redis://:redispass99@cache:6379/0", "redispass99"),
    "password-kv": ("login with password=hunter2hunter2 failed", "hunter2hunter2"),
    "password-json": ('{"user": "app", "password": "hunter2hunter2"}', "hunter2hunter2"),
    "password-json-passphrase": (
        '{"password": "correct horse battery staple"}',
        "battery staple",
    ),
    "api-key": ("request api_key=AbCdEf123456 rejected", "AbCdEf123456"),
    "aws-secret": (
        "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "wJalrXUtnFEMI",
    ),
    "aws-key-id": ("using key AKIAIOSFODNN7EXAMPLE for s3", "AKIAIOSFODNN7EXAMPLE"),
    "github-classic": ("token ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", "aBcDeFgHiJkLmNoPq"),
    "github-fine-grained": (
        "GH_TOKEN github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGH",
        "abcdefghijklmnopqrstuvwxyz",
    ),
    "slack": ("posting with xoxb-123456789012-abcdefABCDEF", "abcdefABCDEF"),
    "stripe": ("charge failed: sk_live_4eC39HqLyjWDarjtT1zdp7dc", "4eC39HqLyjWDarjtT1zdp7dc"),
    "openai-project": ("OPENAI sk-proj-abcDEF123456ghiJKL7890mnop", "abcDEF123456ghiJKL7890"),
    "google": ("maps key AIzaSyA1234567890abcdefghijklmnopqrstuv", "SyA1234567890abcdefgh"),
    "pem-block": (
        f"loaded key {PEM}",
        "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun",
    ),
}
NEAR_MISSES = {
    "uuid": "user 3f2504e0-4f89-11d3-9a0c-0305e82c3301 not found",
    "git-sha": "bisect points at 4b825dc642cb6eb9a060e54bf8d69288fbee4904",
    "base64-payload": "payload dGhlIHF1aWNrIGJyb3du decoded",
    "pg-auth-failure": 'FATAL: password authentication failed for user "app"',
    "token-count": "token_count=123 budget exceeded",
    "url-without-credentials": "GET https://api.example.com/v1/users?id=5 failed with 502",
    "url-with-port": "connect ECONNREFUSED http://localhost:5432/health",
    "fk-detail": "DETAIL:  Key (course_id)=(6f1c2a3b-1111-4222-8333-944455556666) is not "
    'present in table "courses".',
    "keyboard": "KeyboardInterrupt in test_keys",
    "secret-word": "the secret sauce is missing",
    "tokenizer": "tokenizer failed on input",
    "password-field-name": "field password is required",
}


@pytest.mark.parametrize("name", list(POSITIVES))
def test_a_known_secret_shape_is_redacted(name: str) -> None:
    line, secret = POSITIVES[name]
    redacted = redact(line)
    assert secret not in redacted, redacted
    assert MARKER in redacted
    assert redact(redacted) == redacted, "redaction is idempotent"


@pytest.mark.parametrize("name", list(NEAR_MISSES))
def test_a_near_miss_is_left_intact(name: str) -> None:
    """Identifiers, hashes, payloads and error texts that look secret-ish but are not."""
    line = NEAR_MISSES[name]
    assert redact(line) == line


# --- end to end -------------------------------------------------------------------------------

DSN_SECRET = "s3cr3tDbPass"
E2E_SECRETS = [
    POSITIVES[name][1]
    for name in (
        "jwt",
        "bearer",
        "postgres-url",
        "password-kv",
        "api-key",
        "aws-key-id",
        "github-classic",
        "stripe",
        "pem-block",
    )
] + [DSN_SECRET]

DSN_RULE = """\
[[rule]]
id = "db-unreachable"
category = "connection"
title = "database unreachable at {dsn}"
patterns = ['''cannot reach database (?P<dsn>\\S+)''']
why = "The database did not answer."
fix = "Check that the database at {dsn} is up, then run again."
"""


def secret_log(path: Path) -> Path:
    """A vitest run: a failing test whose error holds a DSN (tagged by a user rule whose title
    and fix use it), its message a token; error lines and a JSON error log full of secrets."""
    names = ("jwt", "bearer", "postgres-url", "password-kv", "api-key", "aws-key-id")
    errors = [f"ERROR: {POSITIVES[name][0]}" for name in names]
    json_line = orjson.dumps(
        {
            "level": 50,
            "msg": f"ERROR deploy key rejected: {POSITIVES['github-classic'][0]}",
            "err": {"message": f"{POSITIVES['stripe'][0]} {POSITIVES['pem-block'][0]}"},
        }
    ).decode()
    dsn = f"postgres://app:{DSN_SECRET}@db.internal:5432/app"
    lines = [
        " RUN  v3.2.4 /repo",
        "",
        " ✓ src/a.test.ts > db > connects 1ms",
        " × src/a.test.ts > db > migrates 4ms",
        f"   → cannot reach database {dsn}",
        *errors,
        json_line,
        "",
        "⎯⎯⎯⎯⎯⎯⎯ Failed Tests 1 ⎯⎯⎯⎯⎯⎯⎯",
        "",
        " FAIL  src/a.test.ts > db > migrates",
        f"Error: cannot reach database {dsn}",
        " ❯ src/a.test.ts:3:5",
        "",
        "⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯",
        "",
        " Test Files  1 failed (1)",
        "      Tests  1 failed | 1 passed (2)",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def squeeze(text: str) -> str:
    """Without whitespace (reports wrap lines) and JSON's escaped slashes undone."""
    return re.sub(r"\s+", "", text.replace("\\/", "/"))


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "github"])
def test_secrets_in_error_lines_are_redacted_in_every_report_format_and_the_saved_json(
    tmp_path: Path, capsysbinary: Capture, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    """Verbose (all evidence shown), with the secret-bearing findings in titles, evidence,
    fields, fixes, failed-test messages and the GitHub step summary: no secret appears."""
    step_summary = tmp_path / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step_summary))
    rules = tmp_path / "rules.toml"
    rules.write_text(DSN_RULE, encoding="utf-8")
    log = secret_log(tmp_path / "run.log")
    saved = tmp_path / "saved.json"
    result = run_cli(
        capsysbinary,
        "summary",
        "--format",
        fmt,
        "-v",
        "--rules",
        str(rules),
        "--save",
        str(saved),
        str(log),
    )

    assert (result.code, result.err) == (1, "")
    outputs = {"stdout": result.out.decode("utf-8"), "saved": saved.read_text("utf-8")}
    if fmt == "github":
        outputs["step summary"] = step_summary.read_text("utf-8")
    for where, text in outputs.items():
        assert MARKER in text, f"{where}: nothing was redacted, so the secrets never got there"
        for secret in E2E_SECRETS:
            assert squeeze(secret) not in squeeze(text), f"{where} shows {secret!r}"


def test_no_redact_keeps_the_secrets_in_the_report(tmp_path: Path, capsysbinary: Capture) -> None:
    """`--no-redact` is the explicit opt-out: the same run's JSON report shows every secret,
    which also proves the redacted runs above had them to hide."""
    rules = tmp_path / "rules.toml"
    rules.write_text(DSN_RULE, encoding="utf-8")
    log = secret_log(tmp_path / "run.log")
    saved = tmp_path / "saved.json"
    result = run_cli(
        capsysbinary,
        "summary",
        "--format",
        "json",
        "-v",
        "--no-redact",
        "--rules",
        str(rules),
        "--save",
        str(saved),
        str(log),
    )

    assert result.code == 1
    for text in (result.out.decode("utf-8"), saved.read_text("utf-8")):
        assert MARKER not in text
        decoded = json.dumps(json.loads(text), ensure_ascii=False)
        for secret in E2E_SECRETS:
            assert squeeze(secret) in squeeze(decoded), f"{secret!r} missing with --no-redact"
    fields = [
        f["fields"] for f in json.loads(result.out)["findings"] if f["rule"] == "db-unreachable"
    ]
    assert fields and DSN_SECRET in fields[0]["dsn"]
