"""Hidden checks, one file per chapter: ``def check_ex_NN_slug(ns)`` per code exercise.

See ``coursework/hidden.py`` for the contract. These files are read by the grader and run in
the student's kernel; they are not imported by the coursework package itself.
"""
