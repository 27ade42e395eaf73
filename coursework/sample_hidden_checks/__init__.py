"""SAMPLE hidden checks (public; see README.md): ``def check_ex_NN_slug(ns)`` per code exercise.

They are read by ``coursework.assign`` and packed into the autograder zip; they are not
imported by the coursework package itself.
"""
