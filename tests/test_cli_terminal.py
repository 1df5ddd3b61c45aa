"""What the CLI prints cannot drive the terminal (issue 10 item 13): control characters from
input (ESC, CSI and OSC sequences, CR, C1 controls) are shown as escapes in error messages,
argument errors and tables, and as JSON escapes in JSON output.

The AWS CLI prints errors as `An error occurred (CODE) when calling the OPERATION operation:
MESSAGE` (AWS CLI User Guide, "Troubleshooting errors"); iamtui keeps that line, escaped.
"""

from __future__ import annotations

import json
import re

from helpers import CliRunner

from iamtui import cli

# ESC, BEL, CR, backspace, DEL and the C1 CSI: anything that moves the cursor, sets the title
# or erases what was printed.
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")  # \n ends lines, it may stay
OSC_TITLE = "\x1b]0;pwned\x07"
ALLOW_S3 = {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}


def test_an_error_echoing_the_user_name_prints_its_controls_escaped(cli_run: CliRunner) -> None:
    code, out, err = cli_run.root("get-user", "--user-name", f"a{OSC_TITLE}\rb")
    assert code == cli.EXIT_SERVICE_ERROR and out == ""
    assert not RAW_CONTROL.search(err), repr(err)
    assert err.startswith("An error occurred (NoSuchEntity) when calling the GetUser operation:")
    assert "a\\x1b]0;pwned\\x07\\rb" in err  # visible, so the reader sees what was sent
    assert err.count("\n") == 1


def test_a_validation_error_escapes_every_control_it_quotes(cli_run: CliRunner) -> None:
    name = "x" + "".join(map(chr, [*range(0x20), 0x7F, *range(0x80, 0xA0)]))
    code, _, err = cli_run.root("create-user", "--user-name", name)
    assert code == cli.EXIT_SERVICE_ERROR
    assert "(ValidationError)" in err and not RAW_CONTROL.search(err), repr(err)
    assert "\\n" in err and "\\t" in err and "\\x9b" in err and err.count("\n") == 1


def test_an_argument_error_escapes_the_value_it_echoes(cli_run: CliRunner) -> None:
    code, _, err = cli_run.run("--output", f"table{OSC_TITLE}", "list-users")
    assert code == cli.EXIT_BAD_ARGUMENTS
    assert "invalid choice" in err and not RAW_CONTROL.search(err), repr(err)
    code, _, err = cli_run.run("validate-policy", "--policy-document", f"file:///nonexistent{OSC_TITLE}")
    assert code == cli.EXIT_BAD_ARGUMENTS
    assert "Unable to load paramfile" in err and not RAW_CONTROL.search(err), repr(err)


def test_table_cells_from_input_are_escaped(cli_run: CliRunner) -> None:
    """simulate-custom-policy --output table echoes the resource ARNs it was given."""
    code, out, err = cli_run.run("simulate-custom-policy", "--policy-input-list",
                             json.dumps(ALLOW_S3), "--action-names", "s3:GetObject",
                             "--resource-arns", f"arn:aws:s3:::b{OSC_TITLE}\x9b2J",
                             "--output", "table")
    assert code == 0, err
    assert "arn:aws:s3:::b\\x1b]0;pwned\\x07\\x9b2J" in out
    assert not RAW_CONTROL.search(out), repr(out)


def test_json_output_escapes_del_and_c1_controls_and_keeps_the_value(cli_run: CliRunner) -> None:
    """json.dumps escapes C0 controls; with UTF-8 kept it printed DEL and C1 (CSI) raw."""
    resource = "arn:aws:s3:::b\x1b[2J\x7f\x9b2J\u00e9"
    code, out, err = cli_run.run("simulate-custom-policy", "--policy-input-list",
                             json.dumps(ALLOW_S3), "--action-names", "s3:GetObject",
                             "--resource-arns", resource)
    assert code == 0, err
    assert not RAW_CONTROL.search(out), repr(out)
    assert "\\u009b" in out and "\u00e9" in out  # other non-ASCII text stays as it is
    assert json.loads(out)["EvaluationResults"][0]["EvalResourceName"] == resource


def test_printable_leaves_ordinary_text_alone() -> None:
    text = "User: arn:aws:iam::123456789012:user/a is not authorized — é [b] \\x"
    assert cli.printable(text) == text
    assert cli.printable("\x1b\x00\x7f\x85\n\r\t") == "\\x1b\\x00\\x7f\\x85\\n\\r\\t"
