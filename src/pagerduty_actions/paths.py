"""Where the project's data folders (actions/, schemas/, templates/) are found.

They live at the top of the repository so a reader finds them first; an installed wheel
carries them inside the package (see pyproject's force-include). Looking in both places keeps
`pip install -e .` and a wheel install working the same way.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the folder ``name`` (``actions``, ``schemas`` or ``templates``)."""
    bundled = _PACKAGE_DIR / "_data" / name
    if bundled.is_dir():
        return bundled
    return _PACKAGE_DIR.parent.parent / name


def schema_path(file_name: str) -> Path:
    return data_dir("schemas") / file_name
