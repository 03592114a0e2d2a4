"""Problems with an uploaded file: a text key, the file, row and field, shown in the user's language."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from regionmap.errors import RegionmapError
from regionmap.i18n import format_number, t


@dataclass(frozen=True)
class UploadProblem:
    """One problem. `code` names the text `upload.problem.<code>`; `fatal` problems stop the upload.

    `row` is the row a person sees in a spreadsheet or editor (the header is row 1), or the feature number of a
    vector file."""

    code: str
    file: str
    row: int | None = None
    field: str | None = None
    params: tuple[tuple[str, Any], ...] = ()
    fatal: bool = False

    def text(self, lang: str = "en") -> str:
        """The problem in `lang`, starting with where it is."""
        if self.row is not None and self.field is not None:
            where = t("upload.where.row_field", lang, file=self.file, row=self.row, field=self.field)
        elif self.row is not None:
            where = t("upload.where.row", lang, file=self.file, row=self.row)
        elif self.field is not None:
            where = t("upload.where.field", lang, file=self.file, field=self.field)
        else:
            where = t("upload.where.file", lang, file=self.file)
        params = {k: _shown(v, lang) for k, v in self.params}
        return f"{where}: {t(f'upload.problem.{self.code}', lang, **params)}"


def _shown(value: Any, lang: str) -> Any:
    """Numbers in the language's format (1.234 / 1,234 / 1 234), everything else as it is."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return format_number(value, lang, 0 if isinstance(value, int) else 5)


def problem(code: str, file: str, row: int | None = None, field: str | None = None, *, fatal: bool = False,
            **params: Any) -> UploadProblem:
    """An `UploadProblem` with keyword parameters."""
    return UploadProblem(code, file, row, field, tuple(sorted(params.items())), fatal)


class UploadError(RegionmapError):
    """An upload that cannot be read; carries its problems (the first is the reason)."""

    def __init__(self, problems: Sequence[UploadProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(p.text("en") for p in self.problems))


def fail(code: str, file: str, row: int | None = None, field: str | None = None, **params: Any) -> UploadError:
    """An `UploadError` with one fatal problem (raise it)."""
    return UploadError([problem(code, file, row, field, fatal=True, **params)])
