"""Shell completion for bash, zsh and fish, by argcomplete.

`llama-cloud-batch completion SHELL` prints a small script that the shell loads once; on each
TAB the shell runs the command itself with argcomplete's variables set, and the command answers
from its own parser (commands, flags, and the values of enum options read from the generated
enums), then exits before doing anything else. The parser imports neither httpx nor rich, so an
answer costs an interpreter start and little more.

argcomplete rather than shtab: shtab writes static scripts for bash, zsh and tcsh, not fish; a
static script also goes stale when a release adds a command or the spec an enum value, while
argcomplete's answers always come from the installed release. argcomplete has no dependencies.
"""

from __future__ import annotations

import argparse
import os

from ._errors import PROG


def script(shell: str) -> str:
    """The script that makes `shell` complete the command line."""
    from argcomplete.shell_integration import shellcode

    return shellcode([PROG], shell=shell)


def complete_if_asked(parser: argparse.ArgumentParser) -> None:
    """When the shell asks for completions (argcomplete's _ARGCOMPLETE is set), answers and
    exits the process; otherwise does nothing (and imports nothing)."""
    if "_ARGCOMPLETE" not in os.environ:
        return
    import argcomplete

    argcomplete.autocomplete(parser)
