"""The likely bugs behind failures, as data: `common` for the grader itself and every
lesson, `lessonNN` for each lesson's own. Each hint is defined once, with the anchor of its
section in docs/common-bugs.md; a new lesson adds its own module here."""
