"""The command line: parse arguments, then hand over to the TUI or the headless front end."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from testtriage import __version__

EXIT_OK, EXIT_BLOCKING, EXIT_USAGE = 0, 1, 2

_DESCRIPTION = """\
Live test-run triage: tags every error in a test run by cause, separates what failed tests
from what is only logged, and says what to do next, with the evidence beside it."""

_EPILOG = """\
examples:
  testtriage demo                          replay a realistic failing run in the TUI
  testtriage watch test.log                triage a log while it is written
  pnpm test 2>&1 | testtriage watch -      triage a pipe
  testtriage run -- pnpm test              run the tests and triage them live
  testtriage summary test.log --claim auth check a claim against the evidence
exit codes of summary: 0 nothing blocking, 1 blocking findings or failed tests, 2 usage or
input error."""


def _add_rule_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rules",
        metavar="FILE",
        action="append",
        default=[],
        help="extra rules file (tried before the built-in rules); repeatable",
    )
    parser.add_argument(
        "--no-config",
        action="store_true",
        help="ignore testtriage.toml and [tool.testtriage] in pyproject.toml",
    )


def _add_report_options(parser: argparse.ArgumentParser, *, formats: bool = True) -> None:
    if formats:
        parser.add_argument(
            "--format",
            choices=("text", "json", "markdown", "github"),
            default="text",
            help="report format (default: text)",
        )
    parser.add_argument(
        "--claim",
        metavar="CLAIM",
        help='check a claim: a category (auth, fk_timing, ...) or a sentence such as "auth user '
        'creation is failing"',
    )
    parser.add_argument(
        "--baseline", metavar="FILE", help="compare with an earlier --format json report"
    )
    parser.add_argument("--save", metavar="FILE", help="also write the JSON report to FILE")
    parser.add_argument(
        "--fail-on",
        choices=("blocking", "any", "never"),
        default="blocking",
        help="exit 1 on blocking findings or failed tests (default), on any finding, or never",
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="show all evidence")
    parser.add_argument(
        "--no-redact", action="store_true", help="keep secrets (tokens, passwords) in evidence"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="testtriage",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"testtriage {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser("demo", help="replay a bundled realistic run, live")
    demo.add_argument("--headless", action="store_true", help="print the summary instead")
    demo.add_argument(
        "--speed",
        type=float,
        default=None,
        help="replay speed factor (default: 1, about 15 s, in the TUI; 10 headless)",
    )
    _add_report_options(demo)
    _add_rule_options(demo)

    watch = commands.add_parser("watch", help="the live TUI over files, globs, or stdin (-)")
    watch.add_argument("paths", nargs="+", metavar="PATH", help="log files, globs, or - for stdin")
    watch.add_argument("--from-end", action="store_true", help="start at the end of each file")
    watch.add_argument("--claim", metavar="CLAIM", help="check a claim live")
    watch.add_argument(
        "--baseline", metavar="FILE", help="compare with an earlier --format json report"
    )
    _add_rule_options(watch)

    run = commands.add_parser("run", help="run the tests, tee their output, triage live")
    run.add_argument("--log", metavar="FILE", help="where to save the output")
    run.add_argument("--headless", action="store_true", help="print the summary at the end")
    _add_report_options(run)
    _add_rule_options(run)
    run.add_argument("argv", nargs=argparse.REMAINDER, metavar="-- COMMAND [ARGS...]")

    summary = commands.add_parser("summary", help="the diagnosis for terminals, CI and tickets")
    summary.add_argument("paths", nargs="+", metavar="PATH", help="log files, globs, or -")
    summary.add_argument("--follow", "-f", action="store_true", help="read while it is written")
    summary.add_argument(
        "--idle-timeout",
        type=float,
        metavar="SECONDS",
        help="with --follow: stop after this long without new output",
    )
    summary.add_argument("--from-end", action="store_true", help="start at the end of each file")
    _add_report_options(summary)
    _add_rule_options(summary)

    rules = commands.add_parser("rules", help="list, explain, check and test rules")
    rule_commands = rules.add_subparsers(dest="rules_command", metavar="ACTION", required=True)
    listing = rule_commands.add_parser("list", help="list the rules in matching order")
    listing.add_argument("--category", help="only this category")
    _add_rule_options(listing)
    explain = rule_commands.add_parser("explain", help="a rule's why, fix and examples")
    explain.add_argument("rule_id", metavar="ID")
    _add_rule_options(explain)
    check = rule_commands.add_parser("check", help="validate a rules file")
    check.add_argument("file", metavar="FILE")
    test = rule_commands.add_parser("test", help="run a rules file's examples")
    test.add_argument("file", metavar="FILE")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `testtriage` command. Returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        if args.command == "summary":
            from testtriage.headless.summary import run_summary

            return run_summary(args)
        if args.command == "rules":
            from testtriage.headless.rules_command import run_rules

            return run_rules(args)
        if args.command == "demo":
            from testtriage.demo.command import run_demo

            return run_demo(args)
        if args.command == "run":
            from testtriage.headless.run_command import run_command

            return run_command(args)
        from testtriage.tui.launch import run_watch

        return run_watch(args)
    except KeyboardInterrupt:
        print("testtriage: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of our output went away (`| head`); that is not an error of ours.
        sys.stderr.close()
        return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
