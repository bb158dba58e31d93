"""Writes criticality(1), the man page, from the argument parser's own description of the
command (`criticality --experimental-dump-help`), so that it never drifts from --help.
Usage: criticality --experimental-dump-help | python3 docs/manpage.py VERSION > criticality.1
(`make install` does this)."""
import json
import sys


def roff(text):
    """Escapes a line of text for roff: backslashes, and a leading dot or quote."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\\&" + text if text[:1] in (".", "'") else text


def synopsis(arg):
    if arg["kind"] == "positional":
        s = f"<{arg['valueName']}>"
    else:
        name = arg["preferredName"]
        s = ("--" if name["kind"] == "long" else "-") + name["name"]
        if arg["kind"] == "option":
            s += f" <{arg['valueName']}>"
    if arg.get("isRepeating"):
        s += " ..."
    return f"[{s}]" if arg.get("isOptional") else s


def options(arg):
    if arg["kind"] == "positional":
        return f"<{arg['valueName']}>"
    names = [("--" if n["kind"] == "long" else "-") + n["name"] for n in arg["names"]]
    return ", ".join(names) + (f" <{arg['valueName']}>" if arg["kind"] == "option" else "")


def section(command, prefix):
    name = " ".join(prefix + [command["commandName"]])
    args = [a for a in command.get("arguments", []) if a.get("shouldDisplay", True)]
    out = [".SS " + roff(name), ".B " + roff(name) + (" " + roff(" ".join(synopsis(a) for a in args)) if args else ""),
           ".PP", roff(command.get("abstract", ""))]
    if command.get("discussion"):
        out += [".PP", roff(command["discussion"])]
    for a in args:
        out += [".TP", ".B " + roff(options(a)), roff(a.get("abstract", ""))]
    return out


def main():
    version = sys.argv[1] if len(sys.argv) > 1 else ""
    top = json.load(sys.stdin)["command"]
    lines = [f'.TH CRITICALITY 1 "" "criticality {roff(version)}" "User Commands"',
             ".SH NAME", "criticality \\- " + roff(top["abstract"])]
    lines += [".SH SYNOPSIS", ".B criticality", "<subcommand> [options]", ".SH DESCRIPTION", roff(top["abstract"]),
              ".PP", "Every experiment is a TOML parameter file; the reference of its keys is",
              "docs/parameters.md (or \\fBcriticality schema \\-\\-markdown\\fR).", ".SH COMMANDS"]
    for sub in top.get("subcommands", []):
        if sub.get("shouldDisplay", True) and sub["commandName"] != "help":
            lines += section(sub, ["criticality"])
    lines += [".SH EXIT STATUS", "0 on success; 1 when the system refuses a write; 2 for bad input (a parameter file,",
              "the command line, an output folder that is not the package's); 3 when a run halts on a non-finite field."]
    print("\n".join(lines))


main()
