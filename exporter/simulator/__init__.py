"""A fake of the Causely GraphQL API and the CauseFlow REST API, for demos, tests and benchmarks.

Standard library only; nothing else in the package imports it except the CLI's --demo.
"""
