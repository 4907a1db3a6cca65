"""Nudge's local runtime: the SAM template run in-process against an embedded moto server.

Nothing here is deployed; it exists so the whole API runs on a laptop with no Docker and no AWS
account, reading every resource, route and rule from template.yaml.
"""
