"""The import's report: per class, rows read / written / skipped / failed, and why rows failed.

Problems name the class, the objectId (or the source file) and Parse's error message; never a
field's value, so the report holds no patient data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_PROBLEMS_SHOWN = 50


@dataclass
class ClassCounts:
    read: int = 0
    written: int = 0
    skipped: int = 0
    failed: int = 0


@dataclass
class Problem:
    class_name: str
    where: str  # an objectId, or the source file / relation row
    message: str


@dataclass
class ImportReport:
    classes: dict[str, ClassCounts] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def counts(self, class_name: str) -> ClassCounts:
        return self.classes.setdefault(class_name, ClassCounts())

    def failed(self, class_name: str, where: str, message: str) -> None:
        self.counts(class_name).failed += 1
        self.problems.append(Problem(class_name, where, message))

    def problem(self, class_name: str, where: str, message: str) -> None:
        """A failure that is not one row's (a schema, an unreadable file): reported, not counted."""
        self.problems.append(Problem(class_name, where, message))

    def note(self, sentence: str) -> None:
        self.notes.append(sentence)

    @property
    def failures(self) -> int:
        """Failed rows and other problems: 0 when everything came through."""
        return len(self.problems)

    def render(self) -> str:
        width = max([len("class")] + [len(name) for name in self.classes])
        lines = [f"{'class':<{width}}  {'read':>8} {'written':>8} {'skipped':>8} {'failed':>8}"]
        for name in sorted(self.classes):
            c = self.classes[name]
            lines.append(f"{name:<{width}}  {c.read:>8} {c.written:>8} {c.skipped:>8} {c.failed:>8}")
        for problem in self.problems[:MAX_PROBLEMS_SHOWN]:
            lines.append(f"failed: {problem.class_name} {problem.where}: {problem.message}")
        if len(self.problems) > MAX_PROBLEMS_SHOWN:
            lines.append(f"... and {len(self.problems) - MAX_PROBLEMS_SHOWN} more failures")
        lines.extend(f"note: {sentence}" for sentence in self.notes)
        return "\n".join(lines)
