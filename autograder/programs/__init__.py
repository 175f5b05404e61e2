"""The student's programs as the grader drives them: a server it connects to (`server`),
a console it types into and reads (`console`), a client it plays the server for
(`clients`). Launching them is `autograder.launch`; a check gets them from its context."""
