"""`SetupError`: what the operator declared cannot be used, said one line per problem."""

from __future__ import annotations

from collections.abc import Iterable


class SetupError(Exception):
    """The operator's setup (TOCK_APP, the schedules file) is wrong; nothing was changed.

    `problems` are whole sentences, each naming where it is (the module, the
    file entry) and which field; `tock` prints one line each, no traceback.
    """

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))
