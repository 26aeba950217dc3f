"""``python -m schema.export``: write schema/schema.graphql, the SDL clients read, from the code."""

from __future__ import annotations

from pathlib import Path

SCHEMA_FILE = Path(__file__).resolve().parent / "schema.graphql"


def sdl() -> str:
    from schema.schema import schema

    return schema.as_str() + "\n"


def main() -> None:
    SCHEMA_FILE.write_text(sdl(), encoding="utf-8")
    print(f"wrote {SCHEMA_FILE}")


if __name__ == "__main__":
    main()
