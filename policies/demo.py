"""Demo: the seven seeded regions and their policy versions."""

from .services import policies_load_seeds


def load(stdout) -> None:
    report = policies_load_seeds()
    stdout.write(
        f"Regions and policies: {len(report.created)} versions created, "
        f"{len(report.unchanged)} already present, {len(report.differing)} differing from "
        "their files (stored versions kept; publish a new version to change a policy)."
    )
