"""Instructors' and maintainers' tools: the exercise generator, the grader, the benchmark.

Notebooks never import this package; the learners' kit is ``demo_project.lab``.
"""
