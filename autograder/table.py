"""Plain-text tables whose columns line up with Chinese (double-width) characters."""

from __future__ import annotations

from wcwidth import wcswidth


def _width(text: str) -> int:
    width = wcswidth(text)
    return width if width >= 0 else len(text)


def _clip(text: str, limit: int) -> str:
    if _width(text) <= limit:
        return text
    kept = ""
    for character in text:
        if _width(kept + character) > limit - 1:
            break
        kept += character
    return kept + "…"


def render(headers: list[str], rows: list[list[str]], max_widths: dict[int, int] | None = None) -> str:
    max_widths = max_widths or {}
    rows = [[_clip(str(cell), max_widths.get(index, 10**6)) for index, cell in enumerate(row)] for row in rows]
    widths = [max([_width(headers[i])] + [_width(row[i]) for row in rows]) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        return "  ".join(cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(cells)).rstrip()

    separator = "  ".join("-" * width for width in widths)
    return "\n".join([line(headers), separator, *(line(row) for row in rows)])
